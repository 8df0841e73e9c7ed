package scrape_test

import (
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

const lastRestore = "mongodbatlas_restore_last_success_timestamp_seconds"

func unix(t *testing.T, s string) float64 {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return float64(ts.Unix())
}

// The info metric names where a restore went, from each family's own fields, and says nothing
// where the API names no target.
func TestInfoNamesTheRestoreTarget(t *testing.T) {
	t.Parallel()
	const automated, plain = "6b7789aa80eef5354c77ee01", "6b7789aa80eef5354c77ee02"
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.AddCluster(harness.GroupID, harness.ClusterName)
	sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureDocsExample).Set("id", automated).
		Set("delivery.methodName", "AUTOMATED_RESTORE").
		Set("delivery.targetGroupId", "5a66666887d9d61443b416ff").Set("delivery.targetClusterName", "Restored"))
	sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", plain))
	sim.PutCloudBackupJob(harness.GroupID, "Modern", atlastest.LoadJob(atlastest.FixtureCloudAutomated))
	h := harness.NewWith(t, sim, harness.Options{Targets: []config.Target{
		{GroupID: harness.GroupID, ClusterName: harness.ClusterName},
		{GroupID: harness.GroupID, ClusterName: "Modern", API: config.APICloudBackup},
	}})
	fams := h.Scrape(t, 0)
	harness.MustValue(t, fams, "mongodbatlas_restore_job_info", map[string]string{"restore_job_id": automated,
		"target_group_id": "5a66666887d9d61443b416ff", "target_cluster_name": "Restored"})
	harness.MustValue(t, fams, "mongodbatlas_restore_job_info", map[string]string{"restore_job_id": plain,
		"target_group_id": "", "target_cluster_name": ""})
	harness.MustValue(t, fams, "mongodbatlas_restore_job_info", map[string]string{"restore_job_id": "65a1b2c3d4e5f60718293a4c",
		"cluster_name": "Modern", "target_group_id": harness.GroupID, "target_cluster_name": "Cluster0-restored"})
}

// The drill metric is the newest successful restore among every job listed, before the caps cut
// the list; a failed delivery or a broken job is no success.
func TestLastSuccessCountsEveryListedJob(t *testing.T) {
	t.Parallel()
	one := 1
	h := harness.New(t, harness.Options{Jobs: config.Jobs{MaxPerCluster: &one}})
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", "6b7789aa80eef5354c77ee11").
		Set("created", "2026-10-01T08:00:00Z"))
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", "6b7789aa80eef5354c77ee12").
		Set("created", "2026-11-01T08:00:00Z").Set("delivery.statusName", "FAILED"))
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6b7789aa80eef5354c77ee13").
		Set("created", "2026-11-20T08:00:00Z").Set("statusName", "BROKEN"))
	fams := h.Scrape(t, 0)
	if n := len(fams["mongodbatlas_restore_job_info"].GetMetric()); n != 1 {
		t.Fatalf("%d jobs exported, want 1 (max_per_cluster)", n)
	}
	if v := harness.MustValue(t, fams, lastRestore, harness.Target(harness.ClusterName)); v != unix(t, "2026-10-01T08:00:00Z") {
		t.Errorf("last success %v, want the October job, which the cap hid", v)
	}
}

// Cloud Backup: finishedAt where the job has it; a ready download has none, nor a createdAt,
// so the time its ObjectID carries stands in.
func TestLastSuccessOfCloudBackupJobs(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{Targets: cloudTarget(), Root: atlastest.RootAtlasV2})
	h.Sim.PutCloudBackupJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCloudReady))
	fams := h.Scrape(t, 0)
	// 65a1b2c3 is 2024-01-12T21:44:35Z.
	if v := harness.MustValue(t, fams, lastRestore, harness.Target(harness.ClusterName)); v != 0x65a1b2c3 {
		t.Errorf("ready download: last success %v, want its ObjectID's time %v", v, 0x65a1b2c3)
	}
	h.Sim.PutCloudBackupJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCloudAutomated))
	fams = h.Scrape(t, 0)
	if v := harness.MustValue(t, fams, lastRestore, harness.Target(harness.ClusterName)); v != unix(t, "2026-11-27T12:42:07Z") {
		t.Errorf("automated restore: last success %v, want its finishedAt", v)
	}
}

// An ID that is not an ObjectID of Atlas's era, or one from the future, gives no time.
func TestLastSuccessIgnoresIDsThatAreNoTime(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{Targets: cloudTarget(), Root: atlastest.RootAtlasV2})
	h.Sim.PutCloudBackupJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", "00000000d4e5f60718293a4b"))
	h.Sim.PutCloudBackupJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", "ffffffffd4e5f60718293a4b"))
	fams := h.Scrape(t, 0)
	if v, ok := harness.Value(fams, lastRestore, harness.Target(harness.ClusterName)); ok {
		t.Errorf("last success %v from IDs that carry no usable time", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(harness.ClusterName)); v != 1 {
		t.Errorf("scrape_success %v", v)
	}
}

// No successful restore: no series, rather than a zero that reads as 1970.
func TestNoSuccessNoSeries(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	h.Sim.DeleteJob(harness.GroupID, harness.ClusterName, harness.ExampleJobID)
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress))
	fams := h.Scrape(t, 0)
	if v, ok := harness.Value(fams, lastRestore, harness.Target(harness.ClusterName)); ok {
		t.Errorf("last success %v for a cluster with no finished job", v)
	}
}

// A failed read serves the last good drill value, as it serves the jobs.
func TestLastSuccessSurvivesAFailedRead(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	want := harness.MustValue(t, h.Scrape(t, 0), lastRestore, harness.Target(harness.ClusterName))
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 503})
	fams := h.Scrape(t, 0)
	if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(harness.ClusterName)); v != 0 {
		t.Fatalf("scrape_success %v during the outage", v)
	}
	if v := harness.MustValue(t, fams, lastRestore, harness.Target(harness.ClusterName)); v != want {
		t.Errorf("last success %v during the outage, want %v", v, want)
	}
}

// A pinned target's drill counts its pinned jobs, read by GET or from memory.
func TestLastSuccessOfPinnedJobs(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{Targets: harness.Pinned(harness.ExampleJobID)})
	for range 2 { // the second scrape serves the terminal example job from memory
		if v := harness.MustValue(t, h.Scrape(t, 0), lastRestore, harness.Target(harness.ClusterName)); v != unix(t, "2018-01-22T23:48:11Z") {
			t.Errorf("last success %v, want the example job's created", v)
		}
	}
}

// drill_interval is exported per cluster, and the clusters a project target discovers inherit it.
func TestDrillIntervalIsInherited(t *testing.T) {
	t.Parallel()
	h := discoveryHarness(t, []config.Target{{GroupID: harness.GroupID, DrillInterval: model.Duration(30 * 24 * time.Hour)}}, time.Hour)
	fams := h.Scrape(t, 0)
	for _, c := range []string{harness.ClusterName, "Modern"} {
		if v := harness.MustValue(t, fams, "mongodbatlas_restore_drill_interval_seconds", harness.Target(c)); v != 30*24*3600 {
			t.Errorf("%s: drill interval %v", c, v)
		}
	}
	h2 := harness.New(t, harness.Options{})
	if _, ok := harness.Value(h2.Scrape(t, 0), "mongodbatlas_restore_drill_interval_seconds", harness.Target(harness.ClusterName)); ok {
		t.Error("drill interval exported for a target that sets none")
	}
}
