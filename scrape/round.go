package scrape

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

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
	// Rendered is what Options.Render made of a target read completely, while the round's other
	// reads were in flight; opaque to this package.
	Rendered any
	// pending counts the target's tasks still to end; the last one hands it to Render.
	pending atomic.Int32

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
	render := ctx.Value(renderKey{}) != nil
	sr := s.rounds.join(key, deadline, func(deadline time.Time) *Round {
		// The round outlives a caller that hangs up, for the sake of those that joined it, but
		// not the Scraper, and ends a little before its deadline, so its starter receives the
		// round's own errors rather than only its own timeout.
		rctx, cancel := context.WithDeadline(s.life, deadline.Add(-roundMargin(time.Until(deadline))))
		defer cancel()
		// The round runs in its own goroutine, where a panic would end the process; it fails
		// the round's targets instead, which then serve their last good values.
		var r *Round
		if err := recovery.Do(live.redact, func() { r = s.fetch(rctx, live, targets, render) }); err != nil {
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
