package scrape

import (
	"slices"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
)

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
				lastRestore: t.LastRestore, dropped: t.Dropped, rendered: t.Rendered}, len(t.Target.RestoreJobIDs) > 0)
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
	t.Rendered = last.rendered
}
