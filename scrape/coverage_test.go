package scrape_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
)

// snapshotAt is a snapshot document of the given fixture, with its own ID and, where set, its
// time field (createdAt, finishTime or created.date) at t.
func snapshotAt(fixture string, n int, field string, t time.Time) atlastest.Job {
	j := atlastest.LoadJob(fixture).Set("id", fmt.Sprintf("6a7944f22c88faeba59d%04x", n))
	if field != "" {
		j.Set(field, t.UTC().Format(time.RFC3339))
	}
	return j
}

// newestInSim is the recovery point the simulator's documents imply, computed from the wire
// documents themselves: the greatest time among the snapshots whose status field says complete.
func newestInSim(docs []atlastest.Job, statusField, complete, timeField string) time.Time {
	var newest time.Time
	for _, d := range docs {
		if fmt.Sprint(d[statusField]) != complete {
			continue
		}
		s, _ := d[timeField].(string)
		if t, err := time.Parse(time.RFC3339, s); err == nil && t.After(newest) {
			newest = t
		}
	}
	return newest
}

// waitSnapshots scrapes until every named cluster has ended a snapshot read, and returns that scrape.
func waitSnapshots(t *testing.T, h *harness.Harness, clusters ...string) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		fams := h.Scrape(t, 0)
		missing := ""
		for _, c := range clusters {
			if _, ok := harness.Value(fams, "mongodbatlas_backup_snapshot_read_success", harness.Target(c)); !ok {
				missing = c
			}
		}
		if missing == "" {
			return fams
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot read of %s ended in 10s\n%s", missing, h.Logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An Atlas v2 project with a replica set (backup and continuous on), a sharded cluster (backup
// on, continuous off), a cluster with backup off and a Flex cluster, discovered by a group-only
// target: coverage for all four, and for the three with backup the recovery point the
// simulator's snapshots imply, read over several pages whatever their order.
func TestCoverageAndRecoveryPointOfAProject(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	base := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

	sim.SetBackup(harness.GroupID, "ReplicaSet", atlastest.Backup{Enabled: true, PIT: true})
	// Newest in the middle of the list, an in-progress one (no createdAt yet) and an older one
	// after it: the list's order says nothing.
	rs := []atlastest.Job{
		snapshotAt(atlastest.FixtureSnapshotCompleted, 1, "createdAt", base.Add(-30*time.Hour)),
		snapshotAt(atlastest.FixtureSnapshotCompleted, 2, "createdAt", base.Add(-6*time.Hour)),
		snapshotAt(atlastest.FixtureSnapshotInProgress, 3, "", time.Time{}),
		snapshotAt(atlastest.FixtureSnapshotCompleted, 4, "createdAt", base.Add(-12*time.Hour)),
		// A failed snapshot is no recovery point, whatever its time.
		snapshotAt(atlastest.FixtureSnapshotCompleted, 5, "createdAt", base.Add(-time.Hour)).Set("status", "failed"),
	}
	sim.SetBackup(harness.GroupID, "Sharded", atlastest.Backup{Enabled: true, Type: "SHARDED"})
	sharded := []atlastest.Job{
		snapshotAt(atlastest.FixtureSnapshotCompleted, 6, "createdAt", base.Add(-2*time.Hour)).Set("type", "shardedCluster"),
		snapshotAt(atlastest.FixtureSnapshotCompleted, 7, "createdAt", base.Add(-26*time.Hour)).Set("type", "shardedCluster"),
	}
	sim.SetBackup(harness.GroupID, "NoBackup", atlastest.Backup{Enabled: false, PIT: true, State: "IDLE"})
	sim.AddFlexCluster(harness.GroupID, "FlexCluster0")
	sim.SetBackup(harness.GroupID, "FlexCluster0", atlastest.Backup{Enabled: true})
	// Flex lists are oldest first; the newest here failed and keeps its finishTime.
	flex := []atlastest.Job{
		snapshotAt(atlastest.FixtureFlexSnapshotCompleted, 8, "finishTime", base.Add(-48*time.Hour)),
		snapshotAt(atlastest.FixtureFlexSnapshotCompleted, 9, "finishTime", base.Add(-24*time.Hour)),
		snapshotAt(atlastest.FixtureFlexSnapshotFailed, 10, "finishTime", base.Add(-time.Hour)),
	}
	for cluster, docs := range map[string][]atlastest.Job{"ReplicaSet": rs, "Sharded": sharded, "FlexCluster0": flex} {
		for _, d := range docs {
			sim.PutSnapshot(harness.GroupID, cluster, d)
		}
	}
	// Snapshots of the cluster without backup, taken before it was turned off, are not read.
	sim.PutSnapshot(harness.GroupID, "NoBackup", snapshotAt(atlastest.FixtureSnapshotCompleted, 11, "createdAt", base))

	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, PageSize: 2, Snapshots: model.Duration(time.Hour),
		Targets: []config.Target{{GroupID: harness.GroupID, RPO: model.Duration(24 * time.Hour)}}})
	fams := waitSnapshots(t, h, "ReplicaSet", "Sharded", "FlexCluster0")

	want := map[string]struct {
		enabled, pit float64
		hasPIT       bool
		last         time.Time
	}{
		"ReplicaSet":   {1, 1, true, newestInSim(rs, "status", "completed", "createdAt")},
		"Sharded":      {1, 0, true, newestInSim(sharded, "status", "completed", "createdAt")},
		"NoBackup":     {0, 0, true, time.Time{}},
		"FlexCluster0": {1, 0, false, newestInSim(flex, "status", "COMPLETED", "finishTime")},
	}
	for c, w := range want {
		l := harness.Target(c)
		if v := harness.MustValue(t, fams, "mongodbatlas_backup_enabled", l); v != w.enabled {
			t.Errorf("%s: backup_enabled %v, want %v", c, v, w.enabled)
		}
		v, ok := harness.Value(fams, "mongodbatlas_backup_pit_enabled", l)
		if ok != w.hasPIT || v != w.pit {
			t.Errorf("%s: backup_pit_enabled %v (present %v), want %v (present %v)", c, v, ok, w.pit, w.hasPIT)
		}
		got, ok := harness.Value(fams, "mongodbatlas_backup_last_snapshot_timestamp_seconds", l)
		switch {
		case w.last.IsZero() && ok:
			t.Errorf("%s: a recovery point %v for a cluster whose snapshots are not read", c, got)
		case !w.last.IsZero() && (!ok || got != float64(w.last.Unix())):
			t.Errorf("%s: last snapshot %v, want %v (%s)", c, got, w.last.Unix(), w.last)
		}
		if v := harness.MustValue(t, fams, "mongodbatlas_backup_rpo_seconds", l); v != 86400 {
			t.Errorf("%s: rpo %v, want the inherited 86400", c, v)
		}
		if _, ok := harness.Value(fams, "mongodbatlas_cluster_info", l); !ok {
			t.Errorf("%s: no cluster_info", c)
		}
	}
	if _, ok := harness.Value(fams, "mongodbatlas_backup_snapshot_read_success", harness.Target("NoBackup")); ok {
		t.Error("the cluster without backup shows a snapshot read")
	}
	// The cluster without backup is watched, not failed and not read for restore jobs.
	if _, ok := harness.Value(fams, "mongodbatlas_scrape_success", harness.Target("NoBackup")); ok {
		t.Error("the cluster without backup has a scrape_success series")
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
		t.Errorf("up %v with a cluster without backup, want 1", v)
	}
	// Three pages of the replica set's five snapshots, two of the sharded, two of Flex's three.
	if n := h.Sim.Requests(atlastest.RouteCloudBackupSnapshots); n < 5 {
		t.Errorf("%d Cloud Backup snapshot pages read, want every page of both lists (5)", n)
	}
}

// A snapshot list that answers 500 costs only its own signal: the cluster's restore jobs and
// scrape_success are untouched, and the read's failure shows.
func TestFailingSnapshotReadLeavesRestoreJobsAlone(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.SetBackup(harness.GroupID, "Cloud", atlastest.Backup{Enabled: true, PIT: true})
	job := atlastest.LoadJob(atlastest.FixtureCloudAutomated)
	sim.PutCloudBackupJob(harness.GroupID, "Cloud", job)
	sim.PutSnapshot(harness.GroupID, "Cloud", atlastest.LoadJob(atlastest.FixtureSnapshotCompleted))
	faults.Inject(sim, faults.Fault{Kind: faults.Status, Status: 500, Route: atlastest.RouteCloudBackupSnapshots})
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Snapshots: model.Duration(time.Hour),
		Targets: []config.Target{{GroupID: harness.GroupID, ClusterName: "Cloud", API: config.APIAuto}}})
	fams := waitSnapshots(t, h, "Cloud")
	l := harness.Target("Cloud")
	if v := harness.MustValue(t, fams, "mongodbatlas_backup_snapshot_read_success", l); v != 0 {
		t.Errorf("snapshot_read_success %v during a 500, want 0", v)
	}
	if _, ok := harness.Value(fams, "mongodbatlas_backup_last_snapshot_timestamp_seconds", l); ok {
		t.Error("a recovery point from a list that never answered")
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", l); v != 1 {
		t.Errorf("scrape_success %v, want 1: the restore jobs read fine", v)
	}
	jl := map[string]string{"group_id": harness.GroupID, "cluster_name": "Cloud", "restore_job_id": job.ID()}
	if _, ok := harness.Value(fams, "mongodbatlas_restore_job_info", jl); !ok {
		t.Error("the cluster's restore job is not exported")
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
		t.Errorf("up %v, want 1", v)
	}
	logs := h.WaitLogs(t, "Reading the cluster's snapshots failed", 1)
	if want := "Reading the cluster's snapshots failed"; !strings.Contains(logs, want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
}

// Ten scrapes inside one refresh interval send no snapshot request: the snapshots are read in
// the background, once per interval.
func TestScrapesCostNoSnapshotRequest(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.SetBackup(harness.GroupID, "Cloud", atlastest.Backup{Enabled: true})
	sim.PutSnapshot(harness.GroupID, "Cloud", atlastest.LoadJob(atlastest.FixtureSnapshotCompleted))
	sim.SetBackup(harness.GroupID, "Flex", atlastest.Backup{Enabled: true})
	sim.AddFlexCluster(harness.GroupID, "Flex")
	sim.PutSnapshot(harness.GroupID, "Flex", atlastest.LoadJob(atlastest.FixtureFlexSnapshotCompleted))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Snapshots: model.Duration(time.Hour),
		Targets: []config.Target{{GroupID: harness.GroupID}}})
	waitSnapshots(t, h, "Cloud", "Flex")
	cloud, flex := h.Sim.Requests(atlastest.RouteCloudBackupSnapshots), h.Sim.Requests(atlastest.RouteFlexSnapshots)
	if cloud == 0 || flex == 0 {
		t.Fatalf("the background read sent %d and %d snapshot requests, want at least one each", cloud, flex)
	}
	for range 10 {
		h.Scrape(t, 0)
	}
	if c, f := h.Sim.Requests(atlastest.RouteCloudBackupSnapshots), h.Sim.Requests(atlastest.RouteFlexSnapshots); c != cloud || f != flex {
		t.Errorf("ten scrapes sent %d Cloud Backup and %d Flex snapshot requests, want none", c-cloud, f-flex)
	}
}

// snapshots.refresh_interval: 0s turns the reads off: no request, and no series that would
// read as a failed read.
func TestSnapshotReadsOff(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.SetBackup(harness.GroupID, "Cloud", atlastest.Backup{Enabled: true})
	sim.PutSnapshot(harness.GroupID, "Cloud", atlastest.LoadJob(atlastest.FixtureSnapshotCompleted))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2,
		Targets: []config.Target{{GroupID: harness.GroupID, ClusterName: "Cloud", API: config.APIAuto}}})
	fams := h.Scrape(t, 0)
	if n := h.Sim.Requests(atlastest.RouteCloudBackupSnapshots); n != 0 {
		t.Errorf("%d snapshot requests with snapshot reads off", n)
	}
	for _, name := range []string{"mongodbatlas_backup_snapshot_read_success", "mongodbatlas_backup_last_snapshot_timestamp_seconds"} {
		if _, ok := fams[name]; ok {
			t.Errorf("%s exported with snapshot reads off", name)
		}
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_backup_enabled", harness.Target("Cloud")); v != 1 {
		t.Errorf("backup_enabled %v, want 1: coverage needs no snapshot read", v)
	}
}

// On Cloud and Ops Manager the backup configuration says whether a cluster is backed up (only
// STARTED is), and the legacy snapshot list, addressed by cluster ID, its recovery point.
func TestCoverageOnOpsManager(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	created := time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC)
	sim.PutSnapshot(harness.GroupID, harness.ClusterName, snapshotAt(atlastest.FixtureLegacySnapshot, 1, "created.date", created))
	sim.PutSnapshot(harness.GroupID, harness.ClusterName,
		snapshotAt(atlastest.FixtureLegacySnapshot, 2, "created.date", created.Add(time.Hour)).Set("complete", false))
	sim.SetBackup(harness.GroupID, "Stopped", atlastest.Backup{Enabled: false})
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootManager, Snapshots: model.Duration(time.Hour),
		Targets: []config.Target{{GroupID: harness.GroupID, ClusterName: harness.ClusterName}, {GroupID: harness.GroupID}}})
	fams := waitSnapshots(t, h, harness.ClusterName)
	if v := harness.MustValue(t, fams, "mongodbatlas_backup_enabled", harness.Target(harness.ClusterName)); v != 1 {
		t.Errorf("%s: backup_enabled %v, want 1 (STARTED)", harness.ClusterName, v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_backup_enabled", harness.Target("Stopped")); v != 0 {
		t.Errorf("Stopped: backup_enabled %v, want 0", v)
	}
	if _, ok := harness.Value(fams, "mongodbatlas_backup_pit_enabled", harness.Target(harness.ClusterName)); ok {
		t.Error("continuous backup exported, though a backup configuration does not say it")
	}
	// The incomplete snapshot, though newer, is no recovery point.
	if v := harness.MustValue(t, fams, "mongodbatlas_backup_last_snapshot_timestamp_seconds", harness.Target(harness.ClusterName)); v != float64(created.Unix()) {
		t.Errorf("last snapshot %v, want %v", v, created.Unix())
	}
	if h.Sim.Requests(atlastest.RouteLegacySnapshotsByID) == 0 {
		t.Errorf("the snapshots were not read by cluster ID: %v", h.Sim.Stats().Requests)
	}
	if _, ok := harness.Value(fams, "mongodbatlas_scrape_success", harness.Target("Stopped")); ok {
		t.Error("a discovered cluster whose backup is not STARTED is read for restore jobs")
	}
}

// A reload keeps the recovery points it knew, without sharing them with the old config's reads;
// a reload that turns snapshot reads off drops them, since nothing would refresh them (a frozen
// recovery point would age into a false MongoDBAtlasBackupSnapshotTooOld).
func TestReloadKeepsOrDropsRecoveryPoints(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.SetBackup(harness.GroupID, "Cloud", atlastest.Backup{Enabled: true})
	sim.PutSnapshot(harness.GroupID, "Cloud", atlastest.LoadJob(atlastest.FixtureSnapshotCompleted))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Snapshots: model.Duration(time.Millisecond),
		Targets: []config.Target{{GroupID: harness.GroupID, ClusterName: "Cloud", API: config.APIAuto}}})
	waitSnapshots(t, h, "Cloud")
	sim.SetLatency(2 * time.Millisecond) // reads in flight while the configs change
	for range 5 {
		cfg := *h.Cfg
		if err := h.Scraper.Apply(&cfg); err != nil {
			t.Fatal(err)
		}
	}
	fams := h.Scrape(t, 0)
	if _, ok := harness.Value(fams, "mongodbatlas_backup_last_snapshot_timestamp_seconds", harness.Target("Cloud")); !ok {
		t.Error("a reload that keeps snapshot reads lost the recovery point")
	}
	off := *h.Cfg
	zero := model.Duration(0)
	off.Snapshots.RefreshInterval = &zero
	if err := h.Scraper.Apply(&off); err != nil {
		t.Fatal(err)
	}
	fams = h.Scrape(t, 0)
	for _, name := range []string{"mongodbatlas_backup_last_snapshot_timestamp_seconds", "mongodbatlas_backup_snapshot_read_success"} {
		if _, ok := harness.Value(fams, name, harness.Target("Cloud")); ok {
			t.Errorf("%s still exported after a reload turned snapshot reads off", name)
		}
	}
}

// A sharded cluster's snapshots are expected in the ordinary list, but no recording shows it:
// when that list holds no completed snapshot, the sharded list is read too.
func TestShardedSnapshotsFromTheirOwnList(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	created := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	sim.SetBackup(harness.GroupID, "Sharded", atlastest.Backup{Enabled: true, Type: "SHARDED", ShardedApart: true})
	sim.PutSnapshot(harness.GroupID, "Sharded", snapshotAt(atlastest.FixtureSnapshotCompleted, 1, "createdAt", created).Set("type", "shardedCluster"))
	sim.SetBackup(harness.GroupID, "Listed", atlastest.Backup{Enabled: true, Type: "SHARDED"})
	sim.PutSnapshot(harness.GroupID, "Listed", snapshotAt(atlastest.FixtureSnapshotCompleted, 2, "createdAt", created).Set("type", "shardedCluster"))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Snapshots: model.Duration(time.Hour),
		Targets: []config.Target{{GroupID: harness.GroupID, ClusterName: "Sharded", API: config.APIAuto}, {GroupID: harness.GroupID, ClusterName: "Listed", API: config.APIAuto}}})
	fams := waitSnapshots(t, h, "Sharded", "Listed")
	for _, c := range []string{"Sharded", "Listed"} {
		if v := harness.MustValue(t, fams, "mongodbatlas_backup_last_snapshot_timestamp_seconds", harness.Target(c)); v != float64(created.Unix()) {
			t.Errorf("%s: last snapshot %v, want %v", c, v, created.Unix())
		}
	}
	// Only the cluster whose ordinary list held none cost the second read.
	if n := h.Sim.Requests(atlastest.RouteShardedSnapshots); n != 1 {
		t.Errorf("%d sharded-list reads, want 1", n)
	}
}

// The log of failing snapshot reads is bounded: thirty clusters whose lists all fail cost twenty
// lines and a summary by cause, not thirty.
func TestSnapshotFailuresAreLoggedWithinABound(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	var targets []config.Target
	for i := range 30 {
		name := fmt.Sprintf("C%02d", i)
		sim.SetBackup(harness.GroupID, name, atlastest.Backup{Enabled: true})
		targets = append(targets, config.Target{GroupID: harness.GroupID, ClusterName: name, API: config.APICloudBackup})
	}
	faults.Inject(sim, faults.Fault{Kind: faults.Status, Status: 500, Route: atlastest.RouteCloudBackupSnapshots})
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Snapshots: model.Duration(time.Hour), Targets: targets})
	logs := h.WaitLogs(t, "More snapshot reads failed than are logged one by one", 1)
	if n := strings.Count(logs, "Reading the cluster's snapshots failed"); n != 20 {
		t.Errorf("%d snapshot failure lines, want 20", n)
	}
	if !strings.Contains(logs, "more_failed=10") || !strings.Contains(logs, "UNEXPECTED_ERROR: 10") {
		t.Errorf("the summary does not count the other 10 by cause:\n%.3000s", logs)
	}
}
