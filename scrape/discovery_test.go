package scrape_test

import (
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

const (
	orgID    = "5b77777887d9d61443b41699"
	sandbox  = "5c00000000000000000000aa"
	prodProj = "5c00000000000000000000bb"
)

// discoveryHarness: the seed's project with a legacy cluster (Cluster0), a Cloud Backup cluster
// (Modern) and one without backup (NoBackup), plus an organisation of two more projects.
func discoveryHarness(t *testing.T, targets []config.Target, interval time.Duration) *harness.Harness {
	t.Helper()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.AddProject(harness.GroupID, "main", orgID)
	sim.PutCloudBackupJob(harness.GroupID, "Modern", atlastest.LoadJob(atlastest.FixtureCloudReady))
	sim.AddCluster(harness.GroupID, "NoBackup")
	sim.AddProject(sandbox, "sandbox-alice", orgID)
	sim.PutJob(sandbox, "prod-db", atlastest.LoadJob(atlastest.FixtureQuery))
	sim.AddProject(prodProj, "payments", orgID)
	sim.PutJob(prodProj, "prod-db", atlastest.LoadJob(atlastest.FixtureQuery))
	sim.PutJob(prodProj, "test-db", atlastest.LoadJob(atlastest.FixtureQuery))
	h := harness.NewWith(t, sim, harness.Options{Targets: targets, Discovery: model.Duration(interval)})
	return h
}

func successTargets(t *testing.T, h *harness.Harness) map[string]float64 {
	t.Helper()
	fams := h.Scrape(t, 0)
	out := map[string]float64{}
	for _, m := range fams["mongodbatlas_scrape_success"].GetMetric() {
		l := map[string]string{}
		for _, lp := range m.GetLabel() {
			l[lp.GetName()] = lp.GetValue()
		}
		out[l["group_id"]+"/"+l["cluster_name"]] = m.GetGauge().GetValue()
	}
	return out
}

func TestDiscoverAProjectsClusters(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{GroupID: harness.GroupID}}, time.Hour)
	got := successTargets(t, h)
	want := map[string]float64{harness.GroupID + "/" + harness.ClusterName: 1, harness.GroupID + "/Modern": 1}
	if len(got) != len(want) {
		t.Errorf("targets %v, want %v (NoBackup has no backup, so no restore jobs)", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: scrape_success %v, want %v (all: %v)\n%s", k, got[k], v, got, h.Logs)
		}
	}
	// Modern was read as Cloud Backup, Cluster0 as legacy.
	if h.Sim.Requests(atlastest.RouteCloudBackupRestoreJobs) != 1 || h.Sim.Requests(atlastest.RouteRestoreJobs) != 1 {
		t.Errorf("requests %v", h.Sim.Stats().Requests)
	}
	// Discovery is not repeated within its interval.
	h.Scrape(t, 0)
	h.Scrape(t, 0)
	if got := h.Sim.Requests(atlastest.RouteClusters); got != 1 {
		t.Errorf("the cluster list was read %d times in three scrapes, want once", got)
	}
}

func TestDiscoverAnOrganisationWithFilters(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{
		OrgID: orgID, ProjectExclude: "sandbox-.*", ClusterInclude: "prod-.*|Cluster0",
	}}, time.Hour)
	got := successTargets(t, h)
	want := []string{prodProj + "/prod-db", harness.GroupID + "/" + harness.ClusterName}
	if len(got) != len(want) {
		t.Errorf("targets %v, want %v", got, want)
	}
	for _, k := range want {
		if got[k] != 1 {
			t.Errorf("%s missing or failed: %v", k, got)
		}
	}
}

func TestDiscoverEveryProjectAndForceAnAPI(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{AllProjects: true, ClusterInclude: "prod-db", API: config.APILegacy}}, time.Hour)
	got := successTargets(t, h)
	if len(got) != 2 || got[sandbox+"/prod-db"] != 1 || got[prodProj+"/prod-db"] != 1 {
		t.Errorf("targets %v", got)
	}
}

func TestFailedDiscoveryKeepsTheLastResult(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{GroupID: harness.GroupID}}, time.Nanosecond)
	if got := successTargets(t, h); len(got) != 2 {
		t.Fatalf("first discovery: %v", got)
	}
	h.Sim.InjectFault(atlastest.Fault{Kind: atlastest.FaultStatus, Status: 500, Route: atlastest.RouteClusters})
	got := successTargets(t, h)
	if len(got) != 2 || got[harness.GroupID+"/Modern"] != 1 {
		t.Errorf("after a failed refresh: %v, want the last result kept", got)
	}
	if logs := h.WaitLogs(t, "Discovery failed", 1); !strings.Contains(logs, "keeping the last result") {
		t.Errorf("failed discovery not logged:\n%s", logs)
	}
}

func TestProbeAcceptsDiscoveredProjects(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{OrgID: orgID, ProjectInclude: "payments"}}, time.Hour)
	if code, body := h.Probe(t, "target="+prodProj); code != 200 || !strings.Contains(body, `cluster_name="test-db"`) {
		t.Errorf("discovered project: %d\n%s", code, body)
	}
	if code, _ := h.Probe(t, "target="+sandbox); code != 403 {
		t.Errorf("a project the filters exclude answered %d, want 403", code)
	}
}
