package scrape

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
)

// Snapshot is what the background reads last learnt of a cluster's recovery point.
type Snapshot struct {
	// Read reports that a read of the cluster's snapshots has ended, well or not.
	Read bool
	// OK reports that the last read succeeded.
	OK bool
	// Last is when the newest completed snapshot was taken; zero if none is listed. It survives a
	// failed read: the snapshot was taken all the same.
	Last time.Time
	// At is when the last read ended; Err why it failed.
	At  time.Time
	Err error
}

// snapshots reads each cluster's snapshot list in the background, once as soon as the cluster is
// known and then every interval, never on a scrape's path: ten scrapes in an interval cost no
// snapshot request. Its reads pay only from the spare half of each rate-limit bucket.
type snapshots struct {
	interval time.Duration

	mu sync.Mutex
	// byCluster is by targetKey and family, so a cluster that changes family is read afresh.
	byCluster map[string]*Snapshot
}

// Timing of the snapshot loop: a failed read is retried sooner than the interval, each read has a
// deadline of its own, and a tiny interval cannot make the loop a busy one.
const (
	retryFailedSnapshots = time.Minute
	snapshotReadTimeout  = time.Minute
	minSnapshotGap       = 100 * time.Millisecond
)

// newSnapshots keeps a copy of what prev knew, so a reload does not forget the recovery points; a
// config that turns snapshot reads off keeps nothing, since nothing would refresh it.
func newSnapshots(interval time.Duration, prev *snapshots) *snapshots {
	s := &snapshots{interval: interval, byCluster: map[string]*Snapshot{}}
	if prev == nil || interval <= 0 {
		return s
	}
	prev.mu.Lock()
	defer prev.mu.Unlock()
	for k, v := range prev.byCluster {
		c := *v // the old config's loop may still write its own copy
		s.byCluster[k] = &c
	}
	return s
}

func snapshotKey(t config.Target) string { return targetKey(t.GroupID, t.ClusterName) + "/" + t.API }

// readsSnapshots reports a cluster whose snapshots are read: one with a known family whose
// backups are not off.
func (c Cluster) readsSnapshots() bool {
	switch c.Target.API {
	case config.APILegacy, config.APICloudBackup, config.APIFlex:
		return !c.Backup.Off()
	}
	return false
}

// of returns what is known of a cluster's snapshots; the zero Snapshot when none was read.
func (s *snapshots) of(t config.Target) Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.byCluster[snapshotKey(t)]; v != nil {
		return *v
	}
	return Snapshot{}
}

// runSnapshots reads due snapshot lists until ctx ends, waking for the next due read or for a
// discovery pass, which may have found clusters to read at once.
func (s *Scraper) runSnapshots(ctx context.Context, live *liveConfig) {
	snaps := live.snapshots
	if snaps.interval <= 0 {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-live.discovery.done: // the clusters and their families are known
	}
	for {
		wait := s.readDueSnapshots(ctx, live)
		t := time.NewTimer(max(wait, minSnapshotGap))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-live.discovery.passed:
			t.Stop()
		case <-t.C:
		}
	}
}

// readDueSnapshots reads every cluster whose snapshots are due, in parallel within the
// concurrency bound, forgets the clusters no longer watched, and returns how long until the next
// read is due.
func (s *Scraper) readDueSnapshots(ctx context.Context, live *liveConfig) time.Duration {
	snaps := live.snapshots
	clusters, _ := live.expand()
	now := time.Now()
	next := snaps.interval
	var due []Cluster
	snaps.mu.Lock()
	watched := make(map[string]bool, len(clusters))
	for _, c := range clusters {
		if !c.readsSnapshots() {
			continue
		}
		key := snapshotKey(c.Target)
		watched[key] = true
		st := snaps.byCluster[key]
		if st == nil || !st.Read {
			due = append(due, c)
			continue
		}
		every := snaps.interval
		if !st.OK {
			every = min(retryFailedSnapshots, snaps.interval)
		}
		if left := st.At.Add(every).Sub(now); left > 0 {
			next = min(next, left)
		} else {
			due = append(due, c)
		}
	}
	for key := range snaps.byCluster {
		if !watched[key] {
			delete(snaps.byCluster, key)
		}
	}
	snaps.mu.Unlock()
	if len(due) == 0 {
		return next
	}
	client := live.client.Background().Within(atlas.NewBound(s.opts.Concurrency))
	failures := make([]error, len(due))
	var g errgroup.Group
	g.SetLimit(s.opts.Concurrency)
	for i, c := range due {
		g.Go(func() error {
			rctx, cancel := context.WithTimeout(ctx, snapshotReadTimeout)
			defer cancel()
			var last time.Time
			var err error
			// Not a net/http goroutine: a panic here fails this read, not the process.
			if perr := recovery.Do(live.redact, func() { last, err = s.readSnapshots(rctx, live, client, c) }); perr != nil {
				s.logPanic(perr)
				err = perr
			}
			if ctx.Err() != nil {
				return nil // the config was replaced or the exporter is stopping
			}
			snaps.settle(c.Target, last, err)
			failures[i] = err
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through settle and failures
	s.logSnapshotFailures(due, failures)
	return 0 // the loop looks again at once: the reads just made set when each is next due
}

// logSnapshotFailures writes one line per failed snapshot read of a pass, for the first
// maxFailureLines, and a summary of the rest by cause: every cluster of a large organisation
// failing at once (a revoked key) costs twenty lines a minute, not one per cluster.
func (s *Scraper) logSnapshotFailures(due []Cluster, failures []error) {
	more, n := map[string]int{}, 0
	for i, err := range failures {
		if err == nil {
			continue
		}
		if n++; n <= maxFailureLines {
			t := due[i].Target
			s.logger.Warn("Reading the cluster's snapshots failed; its restore jobs are unaffected",
				"group_id", t.GroupID, "cluster_name", t.ClusterName, "err", err, "error_code", atlas.ErrorCode(err))
			continue
		}
		more[Cause(err)]++
	}
	if len(more) > 0 {
		s.logger.Warn("More snapshot reads failed than are logged one by one", "more_failed", n-maxFailureLines,
			"causes", countsByCause(more))
	}
}

// settle records a read: its newest snapshot, or why it failed, keeping the last one known.
func (s *snapshots) settle(t config.Target, last time.Time, err error) {
	key := snapshotKey(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.byCluster[key]
	if st == nil {
		st = &Snapshot{}
		s.byCluster[key] = st
	}
	st.Read, st.At, st.OK, st.Err = true, time.Now(), err == nil, err
	if err == nil {
		st.Last = last
	}
}

// readSnapshots reads one cluster's snapshot list in its family and returns its newest recovery point.
func (s *Scraper) readSnapshots(ctx context.Context, live *liveConfig, client *atlas.Client, c Cluster) (time.Time, error) {
	t := c.Target
	switch t.API {
	case config.APICloudBackup:
		snaps, err := client.ListCloudBackupSnapshots(ctx, t.GroupID, t.ClusterName)
		if err != nil {
			return time.Time{}, fmt.Errorf("snapshots: %w", err)
		}
		newest := newestCloudBackupSnapshot(snaps)
		if newest.IsZero() && (c.Backup.Type == "SHARDED" || c.Backup.Type == "GEOSHARDED") {
			// Expected in the ordinary list, but unconfirmed: a sharded cluster's own list says.
			if snaps, err = client.ListShardedSnapshots(ctx, t.GroupID, t.ClusterName); err != nil {
				return time.Time{}, fmt.Errorf("sharded snapshots: %w", err)
			}
			newest = newestCloudBackupSnapshot(snaps)
		}
		return newest, nil
	case config.APIFlex:
		snaps, err := client.ListFlexSnapshots(ctx, t.GroupID, t.ClusterName)
		if err != nil {
			return time.Time{}, fmt.Errorf("snapshots: %w", err)
		}
		return newestFlexSnapshot(snaps), nil
	}
	ref := atlas.ClusterRef{Name: t.ClusterName, ID: t.ClusterID}
	if live.byID && ref.ID == "" {
		id, err := s.clusterIDFor(ctx, live, client, t)
		if err != nil {
			return time.Time{}, fmt.Errorf("snapshots: %w", err)
		}
		ref.ID = id
	}
	snaps, err := client.ListLegacySnapshots(ctx, t.GroupID, ref)
	if err != nil {
		return time.Time{}, fmt.Errorf("snapshots: %w", err)
	}
	return newestLegacySnapshot(snaps), nil
}

// newest is the greatest recovery point among snaps: at gives a snapshot's, nil where it is not
// complete or not dated. The lists have no documented order, so every item is looked at.
func newest[T any](snaps []T, at func(*T) *atlas.Time) time.Time {
	var out time.Time
	for i := range snaps {
		if t := at(&snaps[i]); isTime(t) && t.After(out) {
			out = t.Time
		}
	}
	return out
}

// newestCloudBackupSnapshot is the greatest createdAt of a completed snapshot: createdAt is absent
// until a snapshot completes.
func newestCloudBackupSnapshot(snaps []atlas.CloudBackupSnapshot) time.Time {
	return newest(snaps, func(s *atlas.CloudBackupSnapshot) *atlas.Time {
		if s.Status != "completed" {
			return nil
		}
		return s.CreatedAt
	})
}

// newestFlexSnapshot is the greatest finishTime of a COMPLETED Flex snapshot: Flex snapshots
// have no createdAt, and failed ones keep their finishTime.
func newestFlexSnapshot(snaps []atlas.FlexSnapshot) time.Time {
	return newest(snaps, func(s *atlas.FlexSnapshot) *atlas.Time {
		if s.Status != "COMPLETED" {
			return nil
		}
		return s.FinishTime
	})
}

// newestLegacySnapshot is the greatest created.date of a complete legacy snapshot.
func newestLegacySnapshot(snaps []atlas.LegacySnapshot) time.Time {
	return newest(snaps, func(s *atlas.LegacySnapshot) *atlas.Time {
		if !s.Complete || s.Created == nil {
			return nil
		}
		return &s.Created.Date
	})
}
