package collector_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/collector"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

const (
	orgID    = "5b77777887d9d61443b41699"
	sandbox  = "5c00000000000000000000aa"
	prodProj = "5c00000000000000000000bb"
)

// discoveryHarness: the seed's project with a legacy cluster (Cluster0), a Cloud Backup cluster
// (Modern) and one without backup (NoBackup), plus an organisation of two more projects.
func discoveryHarness(t *testing.T, targets []config.Target, interval time.Duration) *harness {
	t.Helper()
	sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey})
	sim.AddProject(groupID, "main", orgID)
	sim.PutCloudBackupJob(groupID, "Modern", atlastest.LoadJob(atlastest.FixtureCloudReady))
	sim.AddCluster(groupID, "NoBackup")
	sim.AddProject(sandbox, "sandbox-alice", orgID)
	sim.PutJob(sandbox, "prod-db", atlastest.LoadJob(atlastest.FixtureQuery))
	sim.AddProject(prodProj, "payments", orgID)
	sim.PutJob(prodProj, "prod-db", atlastest.LoadJob(atlastest.FixtureQuery))
	sim.PutJob(prodProj, "test-db", atlastest.LoadJob(atlastest.FixtureQuery))
	h := newHarnessWith(t, sim, harnessOpts{targets: targets, discovery: model.Duration(interval)})
	return h
}

func successTargets(t *testing.T, h *harness) map[string]float64 {
	t.Helper()
	fams := h.scrape(t, 0)
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
	h := discoveryHarness(t, []config.Target{{GroupID: groupID}}, time.Hour)
	got := successTargets(t, h)
	want := map[string]float64{groupID + "/" + clusterName: 1, groupID + "/Modern": 1}
	if len(got) != len(want) {
		t.Errorf("targets %v, want %v (NoBackup has no backup, so no restore jobs)", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: scrape_success %v, want %v (all: %v)\n%s", k, got[k], v, got, h.logs)
		}
	}
	// Modern was read as Cloud Backup, Cluster0 as legacy.
	if h.sim.Requests(atlastest.RouteCloudBackupRestoreJobs) != 1 || h.sim.Requests(atlastest.RouteRestoreJobs) != 1 {
		t.Errorf("requests %v", h.sim.Stats().Requests)
	}
	// Discovery is not repeated within its interval.
	h.scrape(t, 0)
	h.scrape(t, 0)
	if got := h.sim.Requests(atlastest.RouteClusters); got != 1 {
		t.Errorf("the cluster list was read %d times in three scrapes, want once", got)
	}
}

func TestDiscoverAnOrganisationWithFilters(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{
		OrgID: orgID, ProjectExclude: "sandbox-.*", ClusterInclude: "prod-.*|Cluster0",
	}}, time.Hour)
	got := successTargets(t, h)
	want := []string{prodProj + "/prod-db", groupID + "/" + clusterName}
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
	h := discoveryHarness(t, []config.Target{{GroupID: groupID}}, time.Nanosecond)
	if got := successTargets(t, h); len(got) != 2 {
		t.Fatalf("first discovery: %v", got)
	}
	h.sim.InjectFault(atlastest.Fault{Kind: atlastest.FaultStatus, Status: 500, Route: atlastest.RouteClusters})
	got := successTargets(t, h)
	if len(got) != 2 || got[groupID+"/Modern"] != 1 {
		t.Errorf("after a failed refresh: %v, want the last result kept", got)
	}
	if logs := h.waitLogs(t, "Discovery failed", 1); !strings.Contains(logs, "keeping the last result") {
		t.Errorf("failed discovery not logged:\n%s", logs)
	}
}

func TestProbeAcceptsDiscoveredProjects(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{OrgID: orgID, ProjectInclude: "payments"}}, time.Hour)
	srv := httptest.NewServer(h.exp.ProbeHandler(collector.HandlerOptions{}))
	defer srv.Close()
	if code, body := probe(t, srv, "target="+prodProj); code != 200 || !strings.Contains(body, `cluster_name="test-db"`) {
		t.Errorf("discovered project: %d\n%s", code, body)
	}
	if code, _ := probe(t, srv, "target="+sandbox); code != 403 {
		t.Errorf("a project the filters exclude answered %d, want 403", code)
	}
}
