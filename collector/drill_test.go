package collector_test

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
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
	const automated, plain = "6b7789aa80eef5354c77ee01", "6b7789aa80eef5354c77ee02"
	sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	sim.AddCluster(groupID, clusterName)
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureSeed).Set("id", automated).
		Set("delivery.methodName", "AUTOMATED_RESTORE").
		Set("delivery.targetGroupId", "5a66666887d9d61443b416ff").Set("delivery.targetClusterName", "Restored"))
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", plain))
	sim.PutCloudBackupJob(groupID, "Modern", atlastest.LoadJob(atlastest.FixtureCloudAutomated))
	h := newHarnessWith(t, sim, harnessOpts{targets: []config.Target{
		{GroupID: groupID, ClusterName: clusterName},
		{GroupID: groupID, ClusterName: "Modern", API: config.APICloudBackup},
	}})
	fams := h.scrape(t, 0)
	mustValue(t, fams, "mongodbatlas_restore_job_info", map[string]string{"restore_job_id": automated,
		"target_group_id": "5a66666887d9d61443b416ff", "target_cluster_name": "Restored"})
	mustValue(t, fams, "mongodbatlas_restore_job_info", map[string]string{"restore_job_id": plain,
		"target_group_id": "", "target_cluster_name": ""})
	mustValue(t, fams, "mongodbatlas_restore_job_info", map[string]string{"restore_job_id": "65a1b2c3d4e5f60718293a4c",
		"cluster_name": "Modern", "target_group_id": groupID, "target_cluster_name": "Cluster0-restored"})
}

// The drill metric is the newest successful restore among every job listed, before the caps cut
// the list; a failed delivery or a broken job is no success.
func TestLastSuccessCountsEveryListedJob(t *testing.T) {
	one := 1
	h := newHarness(t, harnessOpts{jobs: config.Jobs{MaxPerCluster: &one}})
	h.sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", "6b7789aa80eef5354c77ee11").
		Set("created", "2026-10-01T08:00:00Z"))
	h.sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", "6b7789aa80eef5354c77ee12").
		Set("created", "2026-11-01T08:00:00Z").Set("delivery.statusName", "FAILED"))
	h.sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6b7789aa80eef5354c77ee13").
		Set("created", "2026-11-20T08:00:00Z").Set("statusName", "BROKEN"))
	fams := h.scrape(t, 0)
	if n := len(fams["mongodbatlas_restore_job_info"].GetMetric()); n != 1 {
		t.Fatalf("%d jobs exported, want 1 (max_per_cluster)", n)
	}
	if v := mustValue(t, fams, lastRestore, target(clusterName)); v != unix(t, "2026-10-01T08:00:00Z") {
		t.Errorf("last success %v, want the October job, which the cap hid", v)
	}
}

// Cloud Backup: finishedAt where the job has it; a ready download has none, nor a createdAt,
// so the time its ObjectID carries stands in.
func TestLastSuccessOfCloudBackupJobs(t *testing.T) {
	h := newHarness(t, harnessOpts{targets: cloudTarget(), root: atlastest.RootAtlasV2})
	h.sim.PutCloudBackupJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureCloudReady))
	fams := h.scrape(t, 0)
	// 65a1b2c3 is 2024-01-12T21:44:35Z.
	if v := mustValue(t, fams, lastRestore, target(clusterName)); v != 0x65a1b2c3 {
		t.Errorf("ready download: last success %v, want its ObjectID's time %v", v, 0x65a1b2c3)
	}
	h.sim.PutCloudBackupJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureCloudAutomated))
	fams = h.scrape(t, 0)
	if v := mustValue(t, fams, lastRestore, target(clusterName)); v != unix(t, "2026-11-27T12:42:07Z") {
		t.Errorf("automated restore: last success %v, want its finishedAt", v)
	}
}

// An ID that is not an ObjectID of Atlas's era, or one from the future, gives no time.
func TestLastSuccessIgnoresIDsThatAreNoTime(t *testing.T) {
	h := newHarness(t, harnessOpts{targets: cloudTarget(), root: atlastest.RootAtlasV2})
	h.sim.PutCloudBackupJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", "00000000d4e5f60718293a4b"))
	h.sim.PutCloudBackupJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", "ffffffffd4e5f60718293a4b"))
	fams := h.scrape(t, 0)
	if v, ok := value(fams, lastRestore, target(clusterName)); ok {
		t.Errorf("last success %v from IDs that carry no usable time", v)
	}
	if v := mustValue(t, fams, "mongodbatlas_scrape_success", target(clusterName)); v != 1 {
		t.Errorf("scrape_success %v", v)
	}
}

// No successful restore: no series, rather than a zero that reads as 1970.
func TestNoSuccessNoSeries(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.sim.DeleteJob(groupID, clusterName, seedJobID)
	h.sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureInProgress))
	fams := h.scrape(t, 0)
	if v, ok := value(fams, lastRestore, target(clusterName)); ok {
		t.Errorf("last success %v for a cluster with no finished job", v)
	}
}

// A failed read serves the last good drill value, as it serves the jobs.
func TestLastSuccessSurvivesAFailedRead(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	want := mustValue(t, h.scrape(t, 0), lastRestore, target(clusterName))
	h.sim.InjectFault(atlastest.Fault{Kind: atlastest.FaultStatus, Status: 503})
	fams := h.scrape(t, 0)
	if v := mustValue(t, fams, "mongodbatlas_scrape_success", target(clusterName)); v != 0 {
		t.Fatalf("scrape_success %v during the outage", v)
	}
	if v := mustValue(t, fams, lastRestore, target(clusterName)); v != want {
		t.Errorf("last success %v during the outage, want %v", v, want)
	}
}

// A pinned target's drill counts its pinned jobs, read by GET or from memory.
func TestLastSuccessOfPinnedJobs(t *testing.T) {
	h := newHarness(t, harnessOpts{targets: pinned(seedJobID)})
	for range 2 { // the second scrape serves the terminal seed job from memory
		if v := mustValue(t, h.scrape(t, 0), lastRestore, target(clusterName)); v != unix(t, "2018-01-22T23:48:11Z") {
			t.Errorf("last success %v, want the seed job's created", v)
		}
	}
}

// drill_interval is exported per cluster, and the clusters a project target discovers inherit it.
func TestDrillIntervalIsInherited(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{GroupID: groupID, DrillInterval: model.Duration(30 * 24 * time.Hour)}}, time.Hour)
	fams := h.scrape(t, 0)
	for _, c := range []string{clusterName, "Modern"} {
		if v := mustValue(t, fams, "mongodbatlas_restore_drill_interval_seconds", target(c)); v != 30*24*3600 {
			t.Errorf("%s: drill interval %v", c, v)
		}
	}
	h2 := newHarness(t, harnessOpts{})
	if _, ok := value(h2.scrape(t, 0), "mongodbatlas_restore_drill_interval_seconds", target(clusterName)); ok {
		t.Error("drill interval exported for a target that sets none")
	}
}
