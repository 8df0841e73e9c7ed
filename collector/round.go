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
	// clusterID addresses the cluster on Cloud and Ops Manager, resolved from its name if need be.
	clusterID string
	// jobs keeps config order for pinned IDs (nil where a read failed) and API order for lists.
	jobs []*jobView

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
		// ends a little before the starter's deadline, so the starter receives the round's own
		// errors rather than only its own timeout.
		rctx := context.WithoutCancel(ctx)
		cancel := context.CancelFunc(func() {})
		if d, ok := ctx.Deadline(); ok {
			rctx, cancel = context.WithDeadline(rctx, d.Add(-roundMargin(time.Until(d))))
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

// roundMargin is how much earlier than its starter's deadline a round stops: a tenth of the time
// left, at most 50ms.
func roundMargin(left time.Duration) time.Duration {
	return min(max(left/10, 0), 50*time.Millisecond)
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
	for i, t := range live.targets {
		r.targets[i] = &targetResult{target: t, clusterID: t.ClusterID}
	}
	if live.byID {
		e.resolveClusterIDs(ctx, live, r.targets)
	}
	var tasks []task
	for _, tr := range r.targets {
		if !tr.ok() {
			continue
		}
		if len(tr.target.RestoreJobIDs) == 0 {
			tasks = append(tasks, task{t: tr, idx: -1})
			continue
		}
		tr.jobs = make([]*jobView, len(tr.target.RestoreJobIDs))
		for j := range tr.target.RestoreJobIDs {
			tasks = append(tasks, task{t: tr, idx: j})
		}
	}
	e.runTasks(ctx, tasks, func(tk task) { e.run(ctx, live, tk) })
	r.duration = time.Since(start)
	return r
}

// runTasks runs fn over tasks on at most Concurrency workers.
func (e *Exporter) runTasks(ctx context.Context, tasks []task, fn func(task)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(e.opts.Concurrency, len(tasks)) {
		wg.Go(func() {
			for {
				n := int(next.Add(1)) - 1
				if n >= len(tasks) {
					return
				}
				if err := ctx.Err(); err != nil {
					tasks[n].t.fail(fmt.Errorf("not started before the scrape deadline: %w", err))
					continue
				}
				fn(tasks[n])
			}
		})
	}
	wg.Wait()
}

func (e *Exporter) run(ctx context.Context, live *liveConfig, tk task) {
	t := tk.t.target
	c := live.client
	ref := atlas.ClusterRef{Name: t.ClusterName, ID: tk.t.clusterID}
	if tk.idx < 0 {
		var views []*jobView
		if t.IsCloudBackup() {
			jobs, err := c.ListCloudBackupRestoreJobs(ctx, t.GroupID, t.ClusterName)
			if err != nil {
				tk.t.fail(err)
				return
			}
			for i := range jobs {
				views = append(views, fromCloudBackup(&jobs[i], tk.t.clusterID))
			}
		} else {
			jobs, err := c.ListRestoreJobs(ctx, t.GroupID, ref)
			if err != nil {
				e.forgetClusterID(live, tk.t, err)
				tk.t.fail(err)
				return
			}
			for i := range jobs {
				views = append(views, fromLegacy(&jobs[i]))
			}
		}
		tk.t.jobs = views
		return
	}
	id := t.RestoreJobIDs[tk.idx]
	var view *jobView
	if t.IsCloudBackup() {
		job, err := c.GetCloudBackupRestoreJob(ctx, t.GroupID, t.ClusterName, id)
		if err != nil {
			tk.t.fail(fmt.Errorf("restore job %s: %w", id, err))
			return
		}
		view = fromCloudBackup(job, tk.t.clusterID)
	} else {
		job, err := c.GetRestoreJob(ctx, t.GroupID, ref, id)
		if err != nil {
			e.forgetClusterID(live, tk.t, err)
			tk.t.fail(fmt.Errorf("restore job %s: %w", id, err))
			return
		}
		view = fromLegacy(job)
	}
	// A pinned job is labelled by the ID the user asked for, whatever the body claims.
	view.id = id
	tk.t.jobs[tk.idx] = view
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
