package scrape

import (
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
)

// renderQueue hands each target read completely to Options.Render as soon as its last task
// ends, on goroutines of the round's own, which fetch waits for: the answer's work overlaps the
// reads still in flight, and no worker making requests is held up by it.
type renderQueue struct {
	ch     chan *TargetResult
	wg     sync.WaitGroup
	memory *memory
}

// WithRender marks a scrape whose answer splices in what Options.Render makes (a gzipped one):
// a round it starts renders its targets as they are read. A round started by a scrape without it
// renders nothing, and a scrape that joins it writes every target after the last read.
func WithRender(ctx context.Context) context.Context {
	return context.WithValue(ctx, renderKey{}, true)
}

type renderKey struct{}

// startRendering starts a round's renderers, one per two CPUs (at least one), leaving the rest to
// decoding the pages still arriving; nil when nothing renders.
func (s *Scraper) startRendering(ctx context.Context, live *liveConfig, targets int, render bool) *renderQueue {
	if s.opts.Render == nil || !render || targets == 0 {
		return nil
	}
	// Each target is queued at most once, so the queue never blocks a worker.
	q := &renderQueue{ch: make(chan *TargetResult, targets), memory: s.memory}
	for range min(max(runtime.GOMAXPROCS(0)/2, 1), targets) {
		q.wg.Go(func() {
			for t := range q.ch {
				if ctx.Err() != nil {
					continue // past the round's deadline the answer writes what is left itself
				}
				if err := recovery.Do(live.redact, func() { s.opts.Render(ctx, t) }); err != nil {
					// The answer writes the target itself, as for a target too small to render.
					recovery.Log(s.logger, "Recovered from a panic while compressing a target's samples", err)
					t.Rendered = nil
				}
			}
		})
	}
	return q
}

// add queues a target whose reads have all ended; one that failed is not rendered, as settle
// may yet serve it an older read. Jobs that are all the last read's own (an unchanged job keeps
// its view, shareUnchanged) reuse what was made of them: most of a warm scrape's rendering.
func (q *renderQueue) add(t *TargetResult) {
	if q == nil || !t.OK() {
		return
	}
	if last := q.memory.lastGood(targetKey(t.Target.GroupID, t.Target.ClusterName)); last.rendered != nil && slices.Equal(last.jobs, t.Jobs) {
		t.Rendered = last.rendered
		return
	}
	q.ch <- t
}

// wait ends the queue and waits for what is queued to be rendered or skipped.
func (q *renderQueue) wait() {
	if q != nil {
		close(q.ch)
		q.wg.Wait()
	}
}
