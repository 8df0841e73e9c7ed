package scrape

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
)

// task is one read of a target: its whole list, one pinned job, one list read for several pinned
// jobs, or its collection restores.
type task struct {
	t    *TargetResult
	kind taskKind
	// idx is the pinned job a readPinned task fills in, an index into t.Jobs.
	idx int
	// need lists the pinned jobs a readPinnedByList task fills in.
	need []int
}

// taskKind says what a task reads.
type taskKind int

const (
	readPinned       taskKind = iota // one pinned job by its own GET
	readList                         // every job of the cluster
	readPinnedByList                 // several pinned jobs, for the price of the cluster's list
	readCollections                  // the cluster's collection-level restore jobs
)

// fetch reads every target with at most Concurrency requests in flight, using a fixed pool of
// workers so ten thousand pinned jobs do not mean ten thousand goroutines; a long list's pages
// are read concurrently within the same bound.
func (s *Scraper) fetch(ctx context.Context, live *liveConfig, targets []config.Target, render bool) *Round {
	start := time.Now()
	// One bound covers this round's workers and the concurrent pages of its long lists alike.
	bounded := *live
	bounded.client = live.client.Within(atlas.NewBound(s.opts.Concurrency))
	live = &bounded
	r := &Round{Targets: make([]*TargetResult, len(targets))}
	for i, t := range targets {
		r.Targets[i] = &TargetResult{Target: t, clusterID: t.ClusterID}
	}
	if live.byID {
		s.resolveClusterIDs(ctx, live, r.Targets)
	}
	var tasks []task
	for _, tr := range r.Targets {
		if !tr.OK() {
			continue
		}
		if live.collections && tr.Target.API == config.APICloudBackup {
			tr.CollectionsRead = true
			tasks = append(tasks, task{t: tr, kind: readCollections})
		}
		if len(tr.Target.RestoreJobIDs) == 0 {
			tasks = append(tasks, task{t: tr, kind: readList})
			continue
		}
		tasks = append(tasks, s.pinnedTasks(tr)...)
	}
	for _, tk := range tasks {
		tk.t.pending.Add(1)
	}
	renders := s.startRendering(ctx, live, len(r.Targets), render)
	// The round is shared only once its renderers are done: waited for on every way out.
	defer renders.wait()
	for _, tr := range r.Targets {
		if tr.pending.Load() == 0 {
			renders.add(tr) // pinned jobs all terminal, from memory
		}
	}
	s.runTasks(ctx, live, tasks, func(tk task) {
		s.run(ctx, live, tk)
		if tk.t.pending.Add(-1) == 0 {
			renders.add(tk.t)
		}
	})
	for _, tr := range r.Targets {
		if len(tr.Target.RestoreJobIDs) > 0 {
			// A pinned target's drill and record count its own jobs, however they were read.
			tr.LastRestore = newestSuccess(tr.Jobs, time.Now())
		}
	}
	r.Duration = time.Since(start) // the renders still running are the answer's work, not the API's
	return r
}

// runTasks runs fn over tasks on at most Concurrency workers. A task that panics fails its target
// instead of the process: the workers are not net/http's goroutines, so nothing else would catch it.
func (s *Scraper) runTasks(ctx context.Context, live *liveConfig, tasks []task, fn func(task)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(s.opts.Concurrency, len(tasks)) {
		wg.Go(func() {
			for {
				n := int(next.Add(1)) - 1
				if n >= len(tasks) {
					return
				}
				if err := ctx.Err(); err != nil {
					tasks[n].t.Fail(fmt.Errorf("not started before the scrape deadline: %w", err))
					continue
				}
				if err := recovery.Do(live.redact, func() { fn(tasks[n]) }); err != nil {
					s.logPanic(err)
					tasks[n].t.Fail(err)
				}
			}
		})
	}
	wg.Wait()
}

// pinnedTasks plans a pinned target's reads: terminal jobs come from memory, and the rest by
// per-job GETs or by one list read, whichever costs fewer requests.
func (s *Scraper) pinnedTasks(tr *TargetResult) []task {
	key := targetKey(tr.Target.GroupID, tr.Target.ClusterName)
	tr.Jobs = make([]*Job, len(tr.Target.RestoreJobIDs))
	var need []int
	for j, id := range tr.Target.RestoreJobIDs {
		if v := s.memory.terminalJob(key, id); v != nil {
			tr.Jobs[j] = v
		} else {
			need = append(need, j)
		}
	}
	if len(need) == 0 {
		return nil
	}
	pages := 1 // until the cluster has been listed, assume its list fits one page
	if n := s.memory.listSize(key); n > 0 {
		pages = (n + atlas.MaxPageSize - 1) / atlas.MaxPageSize
	}
	if len(need) > pages {
		return []task{{t: tr, kind: readPinnedByList, need: need}}
	}
	tasks := make([]task, len(need))
	for i, j := range need {
		tasks[i] = task{t: tr, kind: readPinned, idx: j}
	}
	return tasks
}

// list reads every job of a target's cluster in its family.
func (s *Scraper) list(ctx context.Context, live *liveConfig, tr *TargetResult) ([]*Job, error) {
	t := tr.Target
	views, err := s.readList(ctx, live, tr)
	if err != nil {
		return nil, err
	}
	key := targetKey(t.GroupID, t.ClusterName)
	views = shareUnchanged(views, s.memory.lastGood(key).jobs)
	s.memory.setListSize(key, len(views))
	for _, v := range views {
		s.odd.note(t, v)
	}
	return views, nil
}

// run makes one task's read and puts what it yields in its target's result.
func (s *Scraper) run(ctx context.Context, live *liveConfig, tk task) {
	switch tk.kind {
	case readCollections:
		s.readCollections(ctx, live, tk.t)
	case readList:
		views, err := s.list(ctx, live, tk.t)
		if err != nil {
			tk.t.Fail(err)
			return
		}
		now := time.Now()
		// The drill and the record look at every job listed: a cap must not hide a restore.
		tk.t.LastRestore = newestSuccess(views, now)
		tk.t.Jobs = live.caps.apply(views, now)
		tk.t.Dropped = droppedRows(views, tk.t.Jobs)
	case readPinnedByList:
		s.readPinnedByList(ctx, live, tk.t, tk.need)
	case readPinned:
		s.readPinned(ctx, live, tk.t, tk.idx)
	}
}

// readCollections reads a cluster's collection-level restore jobs; their failure is their own
// signal, and the cluster's restore jobs are read, and served, all the same.
func (s *Scraper) readCollections(ctx context.Context, live *liveConfig, tr *TargetResult) {
	t := tr.Target
	jobs, err := live.client.ListCollectionRestoreJobs(ctx, t.GroupID, t.ClusterName)
	if err != nil {
		tr.CollectionsErr = fmt.Errorf("collection restore jobs: %w", err)
		return
	}
	views := make([]*CollectionJob, 0, len(jobs))
	for i := range jobs {
		v := FromCollectionRestore(&jobs[i])
		v.ErrorMessage = live.client.Clean(v.ErrorMessage) // free text: one bounded line, redacted
		s.odd.noteCollection(t, v)
		views = append(views, v)
	}
	tr.Collections = views
}

// readPinnedByList fills the pinned jobs need names from one read of the cluster's list; a job the
// list lacks fails its target as a GET of it would.
func (s *Scraper) readPinnedByList(ctx context.Context, live *liveConfig, tr *TargetResult, need []int) {
	views, err := s.list(ctx, live, tr)
	if err != nil {
		tr.Fail(err)
		return
	}
	byID := make(map[string]*Job, len(views))
	for _, v := range views {
		byID[v.ID] = v
	}
	for _, j := range need {
		id := tr.Target.RestoreJobIDs[j]
		if v, ok := byID[id]; ok {
			tr.Jobs[j] = v
		} else {
			tr.Fail(fmt.Errorf("restore job %s: %w", id, &atlas.APIError{Endpoint: "list", StatusCode: 404, ErrorCode: "RESOURCE_NOT_FOUND", Detail: "not in the cluster's list"}))
		}
	}
}

// readPinned reads the pinned job at idx by its own GET.
func (s *Scraper) readPinned(ctx context.Context, live *liveConfig, tr *TargetResult, idx int) {
	id := tr.Target.RestoreJobIDs[idx]
	view, err := s.readOne(ctx, live, tr, id)
	if err != nil {
		tr.Fail(fmt.Errorf("restore job %s: %w", id, err))
		return
	}
	// A pinned job is labelled by the ID the user asked for, whatever the body claims.
	view.ID = id
	s.odd.note(tr.Target, view)
	tr.Jobs[idx] = view
}
