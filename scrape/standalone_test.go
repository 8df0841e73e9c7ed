package scrape_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
)

// Each read stands alone: a collection-restore list that fails (500, 403, a count that does not
// decode) shows on its own signal, and the cluster's restore jobs stay fresh: a new broken job
// appears at once, scrape_success stays 1. The last good collection jobs are served, for
// --scrape.max-staleness at most.
func TestFailingCollectionRestoresLeaveRestoreJobsFresh(t *testing.T) {
	t.Parallel()
	for _, fault := range []struct {
		name string
		f    faults.Fault
	}{
		{"500", faults.Fault{Kind: faults.Status, Status: 500}},
		{"403", faults.Fault{Kind: faults.Status, Status: 403, ErrorCode: "IP_ADDRESS_NOT_ON_ACCESS_LIST"}},
		{"malformed", faults.Fault{Kind: faults.Malformed}},
	} {
		t.Run(fault.name, func(t *testing.T) {
			sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
			sim.PutCloudBackupJob(harness.GroupID, "Cloud", atlastest.LoadJob(atlastest.FixtureCloudAutomated))
			coll := atlastest.LoadJob(atlastest.FixtureCollectionSuccessful)
			sim.PutCollectionRestoreJob(harness.GroupID, "Cloud", coll)
			h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Jobs: config.Jobs{CollectionRestores: true},
				MaxStaleness: 300 * time.Millisecond,
				Targets:      []config.Target{{GroupID: harness.GroupID, ClusterName: "Cloud", API: config.APICloudBackup}}})
			cluster := harness.Target("Cloud")
			collJob := map[string]string{"group_id": harness.GroupID, "cluster_name": "Cloud", "restore_job_id": coll.ID()}
			if v := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_collection_restore_scrape_success", cluster); v != 1 {
				t.Fatalf("collection_restore_scrape_success %v before the fault", v)
			}
			f := fault.f
			f.Route = atlastest.RouteCollectionRestoreJobs
			faults.Inject(h.Sim, f)
			broken := atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", "6b0a2c400000000000000041").Delete("finishedAt").Set("failed", true)
			h.Sim.PutCloudBackupJob(harness.GroupID, "Cloud", broken)
			fams := h.Scrape(t, 0)
			if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", cluster); v != 1 {
				t.Errorf("scrape_success %v: a collection-restore failure failed the restore jobs' read", v)
			}
			if v := harness.MustValue(t, fams, "mongodbatlas_collection_restore_scrape_success", cluster); v != 0 {
				t.Errorf("collection_restore_scrape_success %v during the fault, want 0", v)
			}
			jl := map[string]string{"group_id": harness.GroupID, "cluster_name": "Cloud", "restore_job_id": broken.ID(), "status": "BROKEN"}
			if v, ok := harness.Value(fams, "mongodbatlas_restore_job_status", jl); !ok || v != 1 {
				t.Errorf("the new broken job is not exported (%v, %v): the restore jobs went stale", v, ok)
			}
			if _, ok := harness.Value(fams, "mongodbatlas_collection_restore_job_status", collJob); !ok {
				t.Error("the last good collection job is not served")
			}
			if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
				t.Errorf("up %v", v)
			}
			// Past the staleness bound the old collection jobs go; the restore jobs stay.
			time.Sleep(400 * time.Millisecond)
			fams = h.Scrape(t, 0)
			if _, ok := harness.Value(fams, "mongodbatlas_collection_restore_job_status", collJob); ok {
				t.Error("collection jobs older than max-staleness are still served")
			}
			if _, ok := harness.Value(fams, "mongodbatlas_restore_job_status", jl); !ok {
				t.Error("the restore jobs disappeared with the stale collection jobs")
			}
		})
	}
}

// Logging of many failures is bounded and summarised, and comes after the answer: sixty failing
// targets cost twenty lines and a summary by cause, and the scrape reports each failure and its
// duration whatever the log costs.
func TestManyFailuresAreLoggedWithinABound(t *testing.T) {
	t.Parallel()
	var targets []config.Target
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	for i := range 60 {
		name := fmt.Sprintf("C%02d", i)
		sim.AddCluster(harness.GroupID, name)
		targets = append(targets, config.Target{GroupID: harness.GroupID, ClusterName: name, API: config.APILegacy})
	}
	h := harness.NewWith(t, sim, harness.Options{Targets: targets})
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 500, Route: atlastest.RouteRestoreJobs})
	fams := h.Scrape(t, 0)
	failed := 0
	for _, m := range fams["mongodbatlas_scrape_success"].GetMetric() {
		if m.GetGauge().GetValue() == 0 {
			failed++
		}
	}
	if failed != 60 {
		t.Errorf("%d targets reported failed, want 60", failed)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_scrape_duration_seconds", nil); v <= 0 {
		t.Errorf("scrape_duration_seconds %v", v)
	}
	logs := h.WaitLogs(t, "More targets failed than are logged one by one", 1)
	if n := strings.Count(logs, `msg="Scraping target failed"`); n != 20 {
		t.Errorf("%d failure lines, want 20", n)
	}
	if !strings.Contains(logs, "more_failed=40") || !strings.Contains(logs, "UNEXPECTED_ERROR: 40") {
		t.Errorf("the summary does not count the other 40 by cause:\n%.3000s", logs)
	}
}
