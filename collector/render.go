package collector

import (
	"context"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// rendered is a target's per-job families compressed apart, indexed by family index; Render
// leaves it in the target's result for the answer to splice.
type rendered struct {
	frags []fragment
}

// renderMinJobs is the fewest jobs a target must have for Render to compress it apart: each
// fragment ends a deflate block, about 80 us a target of CPU and 80 bytes of answer, which is 10%
// more work at a hundred jobs and as much again at ten (BenchmarkEncode/rendered). Smaller
// targets cost little to write after the last read.
const renderMinJobs = 100

// renderChunk is how many jobs Render writes between looks at its context: about half a
// millisecond of work, well inside the 50 ms a round keeps back from its scrape's deadline.
const renderChunk = 1024

// Render compresses a target's restore-job series, one fragment per family, as soon as its reads
// have ended, while the round's other reads are still in flight: a gzipped answer then copies
// them (Gzip) instead of writing and compressing them after the last read. It is given to the
// scraper as scrape.Options.Render, and runs at most once per target result, before the round
// is shared. Once ctx ends (the round's deadline) it gives up, leaving the target to the answer,
// so that a large target cannot hold the round past its scrape's deadline.
func (m *Metrics) Render(ctx context.Context, t *scrape.TargetResult) {
	if len(t.Jobs) < renderMinJobs {
		return
	}
	fr, _ := m.fragments.Get().(*fragmentWriter)
	if fr == nil {
		fr = newFragmentWriter()
	}
	defer m.fragments.Put(fr)
	p := &rendered{frags: make([]fragment, len(m.descs.all))}
	s := newTextSink(fr)
	g, c := t.Target.GroupID, t.Target.ClusterName
	for _, f := range m.descs.jobs {
		s.cur = f // no HELP or TYPE: the answer writes them once, before every target's samples
		before := s.n
		for jobs := t.Jobs; len(jobs) > 0; jobs = jobs[min(len(jobs), renderChunk):] {
			if ctx.Err() != nil {
				fr.abandon()
				return
			}
			m.emitJobs(s, f, g, c, jobs[:min(len(jobs), renderChunk)])
		}
		s.flush()
		p.frags[f.index] = fr.end(s.n - before)
	}
	t.Rendered = p
}

// fragmentOf is the fragment Render made of a target's samples of f, or nil where it made none
// (a small target, a round that renders nothing): then the answer writes them itself.
func (m *Metrics) fragmentOf(t *scrape.TargetResult, f *family) *fragment {
	p, ok := t.Rendered.(*rendered)
	if !ok || !f.perJob {
		return nil
	}
	return &p.frags[f.index]
}
