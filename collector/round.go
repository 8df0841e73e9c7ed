package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/recovery"
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
	// stale marks jobs that are the last good read, served because this read failed.
	stale bool
	// lastSuccess is when the target was last read completely; zero if never.
	lastSuccess time.Time
	// lastRestore is when the newest successful restore among all the jobs read finished.
	lastRestore time.Time

	mu   sync.Mutex
	errs []error
}

func (t *targetResult) fail(err error) {
	t.mu.Lock()
	t.errs = append(t.errs, err)
	t.mu.Unlock()
}

func (t *targetResult) ok() bool { return len(t.errs) == 0 }

// scrape returns this scrape's round over the targets sel accepts (nil: all), joining one already
// in flight for the same selection so that an HA pair of Prometheus servers costs one set of API
// calls. key names the selection.
func (e *Exporter) scrape(ctx context.Context, key string, sel func(config.Target) bool) *round {
	live := e.live.Load()
	if live == nil {
		return &round{}
	}
	all := e.expand(ctx, live)
	targets := all
	if sel != nil {
		targets = nil
		for _, t := range all {
			if sel(t) {
				targets = append(targets, t)
			}
		}
	}
	ch := e.rounds.DoChan(key, func() (any, error) {
		// The round outlives a caller that hangs up, for the sake of those that joined it, but
		// ends a little before the starter's deadline, so the starter receives the round's own
		// errors rather than only its own timeout.
		rctx := context.WithoutCancel(ctx)
		cancel := context.CancelFunc(func() {})
		if d, ok := ctx.Deadline(); ok {
			rctx, cancel = context.WithDeadline(rctx, d.Add(-roundMargin(time.Until(d))))
		}
		defer cancel()
		// singleflight re-panics in a fresh goroutine, which would end the process; a panic
		// fails the round's targets, which then serve their last good values.
		var r *round
		if err := recovery.Do(live.redact, func() { r = e.fetch(rctx, live, targets) }); err != nil {
			e.logPanic(err)
			r = failedRound(targets, err)
		}
		if err := recovery.Do(live.redact, func() { e.settle(r) }); err != nil {
			e.logPanic(err)
			r = failedRound(targets, err)
		}
		e.logFailures(r)
		return r, nil
	})
	select {
	case res := <-ch:
		return res.Val.(*round)
	case <-ctx.Done():
		return failedRound(targets, fmt.Errorf("waiting for the shared scrape: %w", ctx.Err()))
	}
}

// roundMargin is how much earlier than its starter's deadline a round stops: a tenth of the time
// left, at most 50ms.
func roundMargin(left time.Duration) time.Duration {
	return min(max(left/10, 0), 50*time.Millisecond)
}

// logPanic reports a recovered panic with its stack, which the target's failure line leaves out.
func (e *Exporter) logPanic(err error) {
	recovery.Log(e.logger, "Recovered from a panic while reading the API", err)
}

func failedRound(targets []config.Target, err error) *round {
	r := &round{}
	for _, t := range targets {
		r.targets = append(r.targets, &targetResult{target: t, errs: []error{err}})
	}
	return r
}

// task is one API call: a whole list, one pinned job, or a list read for several pinned jobs.
type task struct {
	t   *targetResult
	idx int // index into t.jobs for a pinned job; listTask or pinnedByList otherwise
	// need lists the pinned jobs a pinnedByList task fills in.
	need []int
}

const (
	listTask     = -1
	pinnedByList = -2
)

// fetch reads every target with at most Concurrency requests in flight, using a fixed pool of
// workers so ten thousand pinned jobs do not mean ten thousand goroutines; a long list's pages
// are read concurrently within the same bound.
func (e *Exporter) fetch(ctx context.Context, live *liveConfig, targets []config.Target) *round {
	start := time.Now()
	// The bound covers the workers and the concurrent pages of long lists alike.
	ctx = atlas.WithMaxInFlight(ctx, e.opts.Concurrency)
	r := &round{targets: make([]*targetResult, len(targets))}
	for i, t := range targets {
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
			tasks = append(tasks, task{t: tr, idx: listTask})
			continue
		}
		tasks = append(tasks, e.pinnedTasks(tr)...)
	}
	e.runTasks(ctx, live, tasks, func(tk task) { e.run(ctx, live, tk) })
	for _, tr := range r.targets {
		if len(tr.target.RestoreJobIDs) > 0 {
			// A pinned target's drill counts its own jobs, however they were read.
			tr.lastRestore = newestSuccess(tr.jobs, time.Now())
		}
	}
	r.duration = time.Since(start)
	return r
}

// runTasks runs fn over tasks on at most Concurrency workers. A task that panics fails its target
// instead of the process: the workers are not net/http's goroutines, so nothing else would catch it.
func (e *Exporter) runTasks(ctx context.Context, live *liveConfig, tasks []task, fn func(task)) {
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
				if err := recovery.Do(live.redact, func() { fn(tasks[n]) }); err != nil {
					e.logPanic(err)
					tasks[n].t.fail(err)
				}
			}
		})
	}
	wg.Wait()
}

// pinnedTasks plans a pinned target's reads: terminal jobs come from memory, and the rest by
// per-job GETs or by one list read, whichever costs fewer requests.
func (e *Exporter) pinnedTasks(tr *targetResult) []task {
	key := targetKey(tr.target.GroupID, tr.target.ClusterName)
	tr.jobs = make([]*jobView, len(tr.target.RestoreJobIDs))
	var need []int
	for j, id := range tr.target.RestoreJobIDs {
		if v := e.memory.terminalJob(key, id); v != nil {
			tr.jobs[j] = v
		} else {
			need = append(need, j)
		}
	}
	if len(need) == 0 {
		return nil
	}
	pages := 1 // until the cluster has been listed, assume its list fits one page
	if n := e.memory.listSize(key); n > 0 {
		pages = (n + atlas.MaxPageSize - 1) / atlas.MaxPageSize
	}
	if len(need) > pages {
		return []task{{t: tr, idx: pinnedByList, need: need}}
	}
	tasks := make([]task, len(need))
	for i, j := range need {
		tasks[i] = task{t: tr, idx: j}
	}
	return tasks
}

// list reads every job of a target's cluster in its family.
func (e *Exporter) list(ctx context.Context, live *liveConfig, tr *targetResult) ([]*jobView, error) {
	t := tr.target
	var views []*jobView
	if t.IsCloudBackup() {
		jobs, err := live.client.ListCloudBackupRestoreJobs(ctx, t.GroupID, t.ClusterName)
		if err != nil {
			return nil, err
		}
		for i := range jobs {
			views = append(views, fromCloudBackup(&jobs[i], tr.clusterID))
		}
	} else {
		jobs, err := live.client.ListRestoreJobs(ctx, t.GroupID, atlas.ClusterRef{Name: t.ClusterName, ID: tr.clusterID})
		if err != nil {
			e.forgetClusterID(live, tr, err)
			return nil, err
		}
		for i := range jobs {
			views = append(views, fromLegacy(&jobs[i]))
		}
	}
	e.memory.setListSize(targetKey(t.GroupID, t.ClusterName), len(views))
	return views, nil
}

func (e *Exporter) run(ctx context.Context, live *liveConfig, tk task) {
	t := tk.t.target
	c := live.client
	ref := atlas.ClusterRef{Name: t.ClusterName, ID: tk.t.clusterID}
	switch tk.idx {
	case listTask:
		views, err := e.list(ctx, live, tk.t)
		if err != nil {
			tk.t.fail(err)
			return
		}
		now := time.Now()
		// The drill looks at every job listed: a cap must not hide the last good restore.
		tk.t.lastRestore = newestSuccess(views, now)
		tk.t.jobs = live.caps.apply(views, now)
		return
	case pinnedByList:
		views, err := e.list(ctx, live, tk.t)
		if err != nil {
			tk.t.fail(err)
			return
		}
		byID := make(map[string]*jobView, len(views))
		for _, v := range views {
			byID[v.id] = v
		}
		for _, j := range tk.need {
			id := t.RestoreJobIDs[j]
			if v, ok := byID[id]; ok {
				tk.t.jobs[j] = v
			} else {
				tk.t.fail(fmt.Errorf("restore job %s: %w", id, &atlas.APIError{Endpoint: "list", StatusCode: 404, ErrorCode: "RESOURCE_NOT_FOUND", Detail: "not in the cluster's list"}))
			}
		}
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

// settle remembers complete reads, and for a failed read serves the last good one, marked stale;
// a target the API says does not exist (404) is forgotten instead, so its jobs disappear.
func (e *Exporter) settle(r *round) {
	now := time.Now()
	for _, t := range r.targets {
		key := targetKey(t.target.GroupID, t.target.ClusterName)
		switch {
		case t.ok():
			e.memory.keep(key, t.jobs, t.lastRestore, now)
			t.lastSuccess = now
		case slices.ContainsFunc(t.errs, func(err error) bool { return atlas.StatusCode(err) == 404 }):
			e.memory.forget(key)
		default:
			if last := e.memory.lastGood(key); !last.at.IsZero() {
				t.jobs, t.stale, t.lastSuccess, t.lastRestore = last.jobs, true, last.at, last.lastRestore
			}
		}
	}
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
		switch {
		case errors.Is(first, context.DeadlineExceeded):
			attrs = append(attrs, "hint", "the Atlas API did not answer within the scrape deadline")
		case errors.Is(first, atlas.ErrBudget):
			attrs = append(attrs, "hint", "the rate-limit budget cannot cover this scrape; scrape less often or raise rate_limit")
		}
		if t.stale {
			attrs = append(attrs, "serving_last_good_from", t.lastSuccess.UTC().Format(time.RFC3339))
		}
		e.logger.Error("Scraping target failed", attrs...)
	}
}
