package scrape

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
)

// Round is one pass over a scrape's targets; concurrent scrapes share it read-only.
type Round struct {
	Targets  []*TargetResult
	Duration time.Duration
	// Discoveries are the discovering targets' states, on rounds over every target.
	Discoveries []Discovery
	// Clusters are the watched clusters the round's selection takes, those without backup
	// included, with their coverage and recovery point; built from memory, never read by the round.
	Clusters []ClusterState
}

// ClusterState is a watched cluster as a round sees it: its backup coverage and its recovery point.
type ClusterState struct {
	Cluster
	// Family is the backup family the cluster belongs to (legacy, cloud_backup, flex), known or
	// not whether its restore jobs are read.
	Family string
	// Snapshot is what the background reads last learnt; its Read is false where they are off or
	// have not ended yet, and for clusters whose snapshots are not read.
	Snapshot Snapshot
	// History is, for a cluster whose restore jobs are no longer read (its backups were turned
	// off), the record rows of its last complete read, made at HistoryAt; its restores happened
	// all the same, and an auditor wants them.
	History        []Restore
	HistoryAt      time.Time
	HistorySuccess Success
}

// TargetResult is what one target yielded: every job that could be read, and why any could not.
type TargetResult struct {
	Target config.Target
	// clusterID addresses the cluster on Cloud and Ops Manager, resolved from its name if need be.
	clusterID string
	// Jobs keeps config order for pinned IDs (nil where a read failed) and API order for lists.
	Jobs []*Job
	// Stale marks jobs that are the last good read, served because this read failed.
	Stale bool
	// LastSuccess is when the target was last read completely; zero if never.
	LastSuccess time.Time
	// LastRestore is the newest successful restore among all the jobs read.
	LastRestore Success
	// Dropped are the record rows of the jobs listed that a cap left out of Jobs: the record
	// counts every restore the API lists, and the rest of its rows are derived from Jobs.
	Dropped []Restore
	// Collections are the cluster's collection-level restore jobs, when jobs.collection_restores;
	// read apart, they fail apart: CollectionsErr says why their read failed, and then they are
	// the last good read's, while the restore jobs stay fresh.
	Collections []*CollectionJob
	// CollectionsRead reports that the target's collection restore jobs were to be read.
	CollectionsRead bool
	CollectionsErr  error
	// expired marks a failed target whose last good values were too old to serve.
	expired bool

	mu   sync.Mutex
	errs []error
}

// Fail records why part of the target could not be read; the target then counts as failed.
func (t *TargetResult) Fail(err error) {
	t.mu.Lock()
	t.errs = append(t.errs, err)
	t.mu.Unlock()
}

// OK reports a target read completely in this round.
func (t *TargetResult) OK() bool { return len(t.errs) == 0 }

// Err is why the target could not be read completely (the first failure), nil when it was.
func (t *TargetResult) Err() error {
	if len(t.errs) == 0 {
		return nil
	}
	return t.errs[0]
}

// clusterStates pairs each cluster with what is known of its recovery point.
func (live *liveConfig) clusterStates(clusters []Cluster) []ClusterState {
	states := make([]ClusterState, len(clusters))
	for i, c := range clusters {
		states[i] = ClusterState{Cluster: c, Family: familyOf(c, live.byID)}
		if c.readsSnapshots() {
			states[i].Snapshot = live.snapshots.of(c.Target)
		}
	}
	return states
}

// Scrape returns this scrape's round over the targets sel accepts (nil: all), joining one already
// in flight for the same selection so that an HA pair of Prometheus servers costs one set of API
// calls. key names the selection.
func (s *Scraper) Scrape(ctx context.Context, key string, sel func(config.Target) bool) *Round {
	live := s.live.Load()
	if live == nil {
		return &Round{}
	}
	clusters, discoveries := live.expand()
	// What no longer is watched (left the config or discovery) is forgotten, whichever endpoint
	// is scraped: a /probe-only exporter must not remember every cluster that ever was. A cluster
	// whose backups were turned off keeps its last read, the history its record shows.
	all := make([]config.Target, len(clusters))
	for i, c := range clusters {
		all[i] = c.Target
	}
	s.memory.retain(all)
	if sel != nil {
		var chosen []Cluster
		for _, c := range clusters {
			if sel(c.Target) {
				chosen = append(chosen, c)
			}
		}
		clusters = chosen
	}
	targets := readTargets(clusters)
	states := live.clusterStates(clusters)
	for i := range states {
		if !states[i].readsJobs() {
			last := s.memory.lastGood(targetKey(states[i].Target.GroupID, states[i].Target.ClusterName))
			states[i].History, states[i].HistoryAt, states[i].HistorySuccess = last.rows(), last.at, last.lastRestore
		}
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(maxRoundWithoutDeadline)
	}
	sr := s.rounds.join(key, deadline, func(deadline time.Time) *Round {
		// The round outlives a caller that hangs up, for the sake of those that joined it, but
		// not the Scraper, and ends a little before its deadline, so its starter receives the
		// round's own errors rather than only its own timeout.
		rctx, cancel := context.WithDeadline(s.life, deadline.Add(-roundMargin(time.Until(deadline))))
		defer cancel()
		// The round runs in its own goroutine, where a panic would end the process; it fails
		// the round's targets instead, which then serve their last good values.
		var r *Round
		if err := recovery.Do(live.redact, func() { r = s.fetch(rctx, live, targets) }); err != nil {
			s.logPanic(err)
			r = failedRound(targets, err)
		}
		if err := recovery.Do(live.redact, func() { s.settle(r) }); err != nil {
			s.logPanic(err)
			r = failedRound(targets, err)
		}
		if sel == nil {
			r.Discoveries = discoveries
		}
		r.Clusters = states
		return r
	}, func(r *Round) {
		if err := recovery.Do(live.redact, func() { s.logFailures(r) }); err != nil {
			s.logPanic(err)
		}
	})
	select {
	case <-sr.done:
		return sr.r
	case <-ctx.Done():
		// The shared read runs on for those with more time; this scrape answers now, with
		// last good values, exactly as a failed read would.
		r := failedRound(targets, fmt.Errorf("the shared read did not finish before this scrape's deadline: %w", ctx.Err()))
		now := time.Now()
		for _, t := range r.Targets {
			s.serveLastGood(t, now)
		}
		if sel == nil {
			r.Discoveries = discoveries
		}
		r.Clusters = states
		return r
	}
}

// maxRoundWithoutDeadline bounds a round whose caller set no deadline; the HTTP handlers always do.
const maxRoundWithoutDeadline = 2 * time.Minute

// roundMargin is how much earlier than its starter's deadline a round stops: a tenth of the time
// left, at most 50ms.
func roundMargin(left time.Duration) time.Duration {
	return min(max(left/10, 0), 50*time.Millisecond)
}

// logPanic reports a recovered panic with its stack, which the target's failure line leaves out.
func (s *Scraper) logPanic(err error) {
	recovery.Log(s.logger, "Recovered from a panic while reading the API", err)
}

func failedRound(targets []config.Target, err error) *Round {
	r := &Round{}
	for _, t := range targets {
		r.Targets = append(r.Targets, &TargetResult{Target: t, errs: []error{err}})
	}
	return r
}

// task is one API call: a whole list, one pinned job, or a list read for several pinned jobs.
type task struct {
	t   *TargetResult
	idx int // index into t.Jobs for a pinned job; listTask or pinnedByList otherwise
	// need lists the pinned jobs a pinnedByList task fills in.
	need []int
}

const (
	listTask       = -1
	pinnedByList   = -2
	collectionTask = -3
)

// fetch reads every target with at most Concurrency requests in flight, using a fixed pool of
// workers so ten thousand pinned jobs do not mean ten thousand goroutines; a long list's pages
// are read concurrently within the same bound.
func (s *Scraper) fetch(ctx context.Context, live *liveConfig, targets []config.Target) *Round {
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
			tasks = append(tasks, task{t: tr, idx: collectionTask})
		}
		if len(tr.Target.RestoreJobIDs) == 0 {
			tasks = append(tasks, task{t: tr, idx: listTask})
			continue
		}
		tasks = append(tasks, s.pinnedTasks(tr)...)
	}
	s.runTasks(ctx, live, tasks, func(tk task) { s.run(ctx, live, tk) })
	for _, tr := range r.Targets {
		if len(tr.Target.RestoreJobIDs) > 0 {
			// A pinned target's drill and record count its own jobs, however they were read.
			tr.LastRestore = newestSuccess(tr.Jobs, time.Now())
		}
	}
	r.Duration = time.Since(start)
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
		return []task{{t: tr, idx: pinnedByList, need: need}}
	}
	tasks := make([]task, len(need))
	for i, j := range need {
		tasks[i] = task{t: tr, idx: j}
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

func (s *Scraper) run(ctx context.Context, live *liveConfig, tk task) {
	t := tk.t.Target
	switch tk.idx {
	case collectionTask:
		jobs, err := live.client.ListCollectionRestoreJobs(ctx, t.GroupID, t.ClusterName)
		if err != nil {
			// Its own signal: the cluster's restore jobs are read, and served, all the same.
			tk.t.CollectionsErr = fmt.Errorf("collection restore jobs: %w", err)
			return
		}
		views := make([]*CollectionJob, 0, len(jobs))
		for i := range jobs {
			v := FromCollectionRestore(&jobs[i])
			v.ErrorMessage = live.client.Clean(v.ErrorMessage) // free text: one bounded line, redacted
			s.odd.noteCollection(t, v)
			views = append(views, v)
		}
		tk.t.Collections = views
		return
	case listTask:
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
		return
	case pinnedByList:
		views, err := s.list(ctx, live, tk.t)
		if err != nil {
			tk.t.Fail(err)
			return
		}
		byID := make(map[string]*Job, len(views))
		for _, v := range views {
			byID[v.ID] = v
		}
		for _, j := range tk.need {
			id := t.RestoreJobIDs[j]
			if v, ok := byID[id]; ok {
				tk.t.Jobs[j] = v
			} else {
				tk.t.Fail(fmt.Errorf("restore job %s: %w", id, &atlas.APIError{Endpoint: "list", StatusCode: 404, ErrorCode: "RESOURCE_NOT_FOUND", Detail: "not in the cluster's list"}))
			}
		}
		return
	}
	id := t.RestoreJobIDs[tk.idx]
	view, err := s.readOne(ctx, live, tk.t, id)
	if err != nil {
		tk.t.Fail(fmt.Errorf("restore job %s: %w", id, err))
		return
	}
	// A pinned job is labelled by the ID the user asked for, whatever the body claims.
	view.ID = id
	s.odd.note(t, view)
	tk.t.Jobs[tk.idx] = view
}

// settle remembers complete reads, and for a failed read serves the last good one, marked stale;
// a target the API says does not exist (404) is forgotten instead, so its jobs disappear.
func (s *Scraper) settle(r *Round) {
	now := time.Now()
	for _, t := range r.Targets {
		key := targetKey(t.Target.GroupID, t.Target.ClusterName)
		switch {
		case t.OK():
			collectionsAt := now
			if t.CollectionsErr != nil {
				// The last good ones, marked by CollectionsErr, for MaxStaleness at most.
				last := s.memory.lastGood(key)
				t.Collections, collectionsAt = nil, time.Time{}
				if now.Sub(last.collectionsAt) <= s.opts.MaxStaleness {
					t.Collections, collectionsAt = last.collections, last.collectionsAt
				}
			}
			s.memory.keep(key, lastRead{jobs: t.Jobs, collections: t.Collections, collectionsAt: collectionsAt, at: now,
				lastRestore: t.LastRestore, dropped: t.Dropped}, len(t.Target.RestoreJobIDs) > 0)
			t.LastSuccess = now
		case slices.ContainsFunc(t.errs, func(err error) bool { return atlas.StatusCode(err) == 404 }):
			s.memory.forget(key)
		default:
			s.serveLastGood(t, now)
		}
		var first error
		if !t.OK() {
			first = t.errs[0]
		}
		s.memory.record(key, outcome{read: now, ok: t.OK(), cause: Cause(first)})
	}
}

// serveLastGood gives a failed target its last complete read, marked stale, unless that read is
// older than MaxStaleness: then the target's series go away and only its failure and the time of
// its last success remain.
func (s *Scraper) serveLastGood(t *TargetResult, now time.Time) {
	last := s.memory.lastGood(targetKey(t.Target.GroupID, t.Target.ClusterName))
	if last.at.IsZero() {
		return
	}
	t.LastSuccess = last.at
	if now.Sub(last.at) > s.opts.MaxStaleness {
		t.Jobs, t.Collections, t.LastRestore, t.Dropped, t.expired = nil, nil, Success{}, nil, true
		return
	}
	t.Jobs, t.Collections, t.Stale, t.LastRestore, t.Dropped = last.jobs, last.collections, true, last.lastRestore, last.dropped
}

// maxFailureLines bounds the lines a round logs about its targets: beyond them one summary line
// counts the rest by cause, so twenty thousand failing targets cost twenty lines, not twenty
// thousand.
const maxFailureLines = 20

// logFailures writes one line per failed target per round, for the first maxFailureLines, with
// Atlas's errorCode when there is one, and a summary of the rest by cause; successes are logged
// at debug. It runs after the round's waiters have their answer, so however long it takes, it
// cannot cost a scrape its deadline.
func (s *Scraper) logFailures(r *Round) {
	lines, debugLines := 0, 0
	more := map[string]int{}
	for _, t := range r.Targets {
		if t.CollectionsErr != nil {
			if lines < maxFailureLines {
				lines++
				s.logger.Warn("Reading collection restore jobs failed; the cluster's restore jobs are unaffected",
					"group_id", t.Target.GroupID, "cluster_name", t.Target.ClusterName, "err", t.CollectionsErr,
					"error_code", atlas.ErrorCode(t.CollectionsErr))
			} else {
				more["collection restores: "+Cause(t.CollectionsErr)]++
			}
		}
		if t.OK() {
			if debugLines < maxFailureLines {
				debugLines++
				s.logger.Debug("Read target", "group_id", t.Target.GroupID, "cluster_name", t.Target.ClusterName,
					"restore_jobs", len(t.Jobs), "round_seconds", r.Duration.Seconds())
			}
			continue
		}
		if lines >= maxFailureLines {
			more[Cause(t.errs[0])]++
			continue
		}
		lines++
		s.logFailure(t)
	}
	if len(more) > 0 {
		n := 0
		for _, k := range more {
			n += k
		}
		s.logger.Error("More targets failed than are logged one by one", "more_failed", n, "causes", countsByCause(more),
			"targets", len(r.Targets))
	}
}

// countsByCause writes counts by cause in one bounded, ordered line: "HTTP 500: 30, ...".
func countsByCause(more map[string]int) string {
	causes := make([]string, 0, len(more))
	for c, k := range more {
		causes = append(causes, fmt.Sprintf("%s: %d", c, k))
	}
	slices.Sort(causes)
	return strings.Join(causes, ", ")
}

// logFailure is one failed target's line: the first error, Atlas's errorCode and status, a hint,
// and how old the values served instead are.
func (s *Scraper) logFailure(t *TargetResult) {
	first := t.errs[0]
	attrs := []any{
		"group_id", t.Target.GroupID,
		"cluster_name", t.Target.ClusterName,
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
	switch {
	case t.Stale:
		attrs = append(attrs, "serving_last_good_from", t.LastSuccess.UTC().Format(time.RFC3339))
	case t.expired:
		attrs = append(attrs, "last_good_expired_at", t.LastSuccess.Add(s.opts.MaxStaleness).UTC().Format(time.RFC3339))
	}
	s.logger.Error("Scraping target failed", attrs...)
}
