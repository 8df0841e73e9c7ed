package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// round is one pass over every target; concurrent scrapes share it read-only.
type round struct {
	targets  []*targetResult
	duration time.Duration
}

// targetResult is what one target yielded: every job that could be read, and why any could not.
type targetResult struct {
	target config.Target
	// jobs keeps config order for pinned IDs (nil where a read failed) and API order for lists.
	jobs []*atlas.RestoreJob

	mu   sync.Mutex
	errs []error
}

func (t *targetResult) fail(err error) {
	t.mu.Lock()
	t.errs = append(t.errs, err)
	t.mu.Unlock()
}

func (t *targetResult) ok() bool { return len(t.errs) == 0 }

// scrape returns this scrape's round, joining one already in flight so that an HA pair of
// Prometheus servers costs one set of API calls.
func (e *Exporter) scrape(ctx context.Context) *round {
	live := e.live.Load()
	if live == nil {
		return &round{}
	}
	ch := e.rounds.DoChan("round", func() (any, error) {
		// The round outlives a caller that hangs up, for the sake of those that joined it, but
		// keeps the starter's deadline.
		rctx := context.WithoutCancel(ctx)
		cancel := context.CancelFunc(func() {})
		if d, ok := ctx.Deadline(); ok {
			rctx, cancel = context.WithDeadline(rctx, d)
		}
		defer cancel()
		r := e.fetch(rctx, live)
		e.logFailures(r)
		return r, nil
	})
	select {
	case res := <-ch:
		return res.Val.(*round)
	case <-ctx.Done():
		return failedRound(live.targets, fmt.Errorf("waiting for the shared scrape: %w", ctx.Err()))
	}
}

func failedRound(targets []config.Target, err error) *round {
	r := &round{}
	for _, t := range targets {
		r.targets = append(r.targets, &targetResult{target: t, errs: []error{err}})
	}
	return r
}

// task is one API call: a whole list, or one pinned job.
type task struct {
	t   *targetResult
	idx int // index into t.jobs for a pinned job; -1 for a list
}

// fetch reads every target with at most Concurrency requests in flight, using a fixed pool of
// workers so ten thousand pinned jobs do not mean ten thousand goroutines.
func (e *Exporter) fetch(ctx context.Context, live *liveConfig) *round {
	start := time.Now()
	r := &round{targets: make([]*targetResult, len(live.targets))}
	var tasks []task
	for i, t := range live.targets {
		tr := &targetResult{target: t}
		r.targets[i] = tr
		if len(t.RestoreJobIDs) == 0 {
			tasks = append(tasks, task{t: tr, idx: -1})
			continue
		}
		tr.jobs = make([]*atlas.RestoreJob, len(t.RestoreJobIDs))
		for j := range t.RestoreJobIDs {
			tasks = append(tasks, task{t: tr, idx: j})
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(e.opts.Concurrency, len(tasks)) {
		wg.Go(func() {
			for {
				n := int(next.Add(1)) - 1
				if n >= len(tasks) {
					return
				}
				e.run(ctx, live.client, tasks[n])
			}
		})
	}
	wg.Wait()
	r.duration = time.Since(start)
	return r
}

func (e *Exporter) run(ctx context.Context, c *atlas.Client, tk task) {
	t := tk.t.target
	if err := ctx.Err(); err != nil {
		tk.t.fail(fmt.Errorf("not started before the scrape deadline: %w", err))
		return
	}
	if tk.idx < 0 {
		jobs, err := c.ListRestoreJobs(ctx, t.GroupID, t.ClusterName)
		if err != nil {
			tk.t.fail(err)
			return
		}
		tk.t.jobs = make([]*atlas.RestoreJob, len(jobs))
		for i := range jobs {
			tk.t.jobs[i] = &jobs[i]
		}
		return
	}
	id := t.RestoreJobIDs[tk.idx]
	job, err := c.GetRestoreJob(ctx, t.GroupID, t.ClusterName, id)
	if err != nil {
		tk.t.fail(fmt.Errorf("restore job %s: %w", id, err))
		return
	}
	// A pinned job is labelled by the ID the user asked for, whatever the body claims.
	job.ID = id
	tk.t.jobs[tk.idx] = job
}

// logFailures writes one line per failed target per round, with Atlas's errorCode when there is
// one; successes are logged at debug.
func (e *Exporter) logFailures(r *round) {
	for _, t := range r.targets {
		if t.ok() {
			e.logger.Debug("Read target", "group_id", t.target.GroupID, "cluster_name", t.target.ClusterName,
				"restore_jobs", len(t.jobs), "round_seconds", r.duration.Seconds())
			continue
		}
		first := t.errs[0]
		attrs := []any{
			"group_id", t.target.GroupID,
			"cluster_name", t.target.ClusterName,
			"failed_requests", len(t.errs),
			"err", first,
		}
		if code := atlas.ErrorCode(first); code != "" {
			attrs = append(attrs, "error_code", code)
		}
		if status := atlas.StatusCode(first); status != 0 {
			attrs = append(attrs, "status", status)
		}
		if errors.Is(first, context.DeadlineExceeded) {
			attrs = append(attrs, "hint", "the Atlas API did not answer within the scrape deadline")
		}
		e.logger.Error("Scraping target failed", attrs...)
	}
}
