package scrape_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

const (
	orgID    = "5b77777887d9d61443b41699"
	sandbox  = "5c00000000000000000000aa"
	prodProj = "5c00000000000000000000bb"
)

// discoveryHarness: the documentation example's project with a legacy cluster (Cluster0), a Cloud Backup cluster
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
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 500, Route: atlastest.RouteClusters})
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

// A target that names only a project, an organisation or all projects, whose lists Atlas
// refuses from the start, is a failed target: mongodbatlas_up is 0, its discovery gauges say
// so, and the log says why. Nothing looks healthy while nothing is watched.
func TestDiscoveryThatNeverSucceededIsAFailure(t *testing.T) {
	cases := []struct {
		name   string
		target config.Target
		route  string
		scope  string
	}{
		{"project", config.Target{GroupID: harness.GroupID}, atlastest.RouteClusters, "project/" + harness.GroupID},
		{"organisation", config.Target{OrgID: orgID}, atlastest.RouteOrgProjects, "org/" + orgID},
		{"all projects", config.Target{AllProjects: true}, atlastest.RouteProjects, "all_projects"},
	}
	for _, c := range cases {
		for _, mode := range []string{"metrics", "probe"} {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
				sim.AddProject(harness.GroupID, "main", orgID)
				faults.Inject(sim, faults.Fault{Kind: faults.Status, Status: 403, ErrorCode: "IP_ADDRESS_NOT_ON_ACCESS_LIST", Route: c.route})
				h := harness.NewWith(t, sim, harness.Options{Targets: []config.Target{c.target}, Discovery: model.Duration(time.Hour)})
				if mode == "probe" {
					if code, body := h.Probe(t, "target="+harness.GroupID); code != 503 {
						t.Errorf("probe of a project discovery never reached answered %d, want 503: %s", code, body)
					}
					return
				}
				fams := h.Scrape(t, 0)
				if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 0 {
					t.Errorf("up = %v while discovery has never succeeded", v)
				}
				if v := harness.MustValue(t, fams, "mongodbatlas_discovery_success", map[string]string{"scope": c.scope}); v != 0 {
					t.Errorf("discovery_success = %v", v)
				}
				if v, ok := harness.Value(fams, "mongodbatlas_discovery_last_success_timestamp_seconds", map[string]string{"scope": c.scope}); ok {
					t.Errorf("last success %v for a discovery that never succeeded", v)
				}
				logs := h.WaitLogs(t, "IP_ADDRESS_NOT_ON_ACCESS_LIST", 1)
				if !strings.Contains(logs, "Discovery failed") || !strings.Contains(logs, "no discovery has succeeded yet") {
					t.Errorf("the failure is not logged with its reason:\n%s", logs)
				}
			})
		}
	}
}

// Discovery reads each project apart: one project whose cluster list fails keeps its last good
// clusters and hides none of the others, and the scope's gauge says the pass was incomplete.
func TestOneFailingProjectHidesNoOther(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{OrgID: orgID}}, 200*time.Millisecond)
	first := successTargets(t, h)
	if first[prodProj+"/prod-db"] != 1 || first[sandbox+"/prod-db"] != 1 {
		t.Fatalf("first discovery: %v", first)
	}
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 500, Route: atlastest.RouteClusters, GroupID: sandbox})
	h.Sim.PutJob(prodProj, "new-db", atlastest.LoadJob(atlastest.FixtureQuery))
	deadline := time.Now().Add(5 * time.Second)
	var got map[string]float64
	for time.Now().Before(deadline) {
		got = successTargets(t, h)
		if _, ok := got[prodProj+"/new-db"]; ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got[prodProj+"/new-db"] != 1 {
		t.Errorf("a new cluster of a healthy project was not discovered while another project failed: %v", got)
	}
	if got[sandbox+"/prod-db"] != 1 {
		t.Errorf("the failing project lost its last good clusters: %v", got)
	}
	scope := map[string]string{"scope": "org/" + orgID}
	fams := h.Scrape(t, 0)
	if v := harness.MustValue(t, fams, "mongodbatlas_discovery_success", scope); v != 0 {
		t.Errorf("discovery_success = %v with a project failing", v)
	}
	harness.MustValue(t, fams, "mongodbatlas_discovery_last_success_timestamp_seconds", scope)
	if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
		t.Errorf("up = %v: every target was read, and discovery succeeded before", v)
	}
}

// Discovery never runs on a scrape's path: a scrape answers from its last result while a pass
// is slow, within its own deadline.
func TestScrapesDoNotWaitForDiscovery(t *testing.T) {
	h := discoveryHarness(t, []config.Target{{GroupID: harness.GroupID}}, 100*time.Millisecond)
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Hang, Route: atlastest.RouteClusters})
	time.Sleep(200 * time.Millisecond) // a pass is now hanging on the cluster list
	for range 3 {
		start := time.Now()
		fams := h.Scrape(t, 2*time.Second)
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("a scrape took %v while discovery hung", d)
		}
		if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
			t.Errorf("up = %v while the last discovery result is good", v)
		}
	}
}

// Discovery works against an Atlas that has sunset the 2023 cluster-list versions, and reads
// each dedicated cluster with backup as Cloud Backup and each Flex cluster as Flex.
func TestDiscoveryOnASunsetAtlas(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey, SunsetClusterVersions: true})
	sim.AddProject(harness.GroupID, "main", orgID)
	sim.PutCloudBackupJob(harness.GroupID, "Dedicated", atlastest.LoadJob(atlastest.FixtureCloudReady))
	sim.PutFlexJob(harness.GroupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexDownload))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Targets: []config.Target{{OrgID: orgID}}})
	got := successTargets(t, h)
	for _, c := range []string{"Dedicated", "FlexCluster0"} {
		if got[harness.GroupID+"/"+c] != 1 {
			t.Errorf("%s not read: %v\n%s", c, got, h.Logs)
		}
	}
	// The harness's Cluster0 has backup too: under 2024-08-05 that reads as Cloud Backup.
	if h.Sim.Requests(atlastest.RouteCloudBackupRestoreJobs) != 2 || h.Sim.Requests(atlastest.RouteFlexRestoreJobs) != 1 {
		t.Errorf("families: %v", h.Sim.Stats().Requests)
	}
}

// An organisation target with api left out, over a project holding a dedicated Cloud Backup
// cluster with collection restores and a Flex cluster, exports all of them under one set of names.
func TestOrganisationOfEveryFamily(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.AddProject(prodProj, "payments", orgID)
	sim.PutCloudBackupJob(prodProj, "Dedicated", atlastest.LoadJob(atlastest.FixtureCloudAutomated))
	sim.PutCollectionRestoreJob(prodProj, "Dedicated", atlastest.LoadJob(atlastest.FixtureCollectionSuccessful))
	sim.PutFlexJob(prodProj, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexDownload))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Jobs: config.Jobs{CollectionRestores: true},
		Targets: []config.Target{{OrgID: orgID, ProjectInclude: "payments"}}})
	fams := h.Scrape(t, 0)
	in := func(cluster, id string) map[string]string {
		return map[string]string{"group_id": prodProj, "cluster_name": cluster, "restore_job_id": id}
	}
	harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(in("Dedicated", "65a1b2c3d4e5f60718293a4c"), "FINISHED"))
	harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(in("FlexCluster0", "66b1c2d3e4f5a60718293a51"), "FINISHED"))
	harness.MustValue(t, fams, "mongodbatlas_collection_restore_job_status", harness.WithStatus(in("Dedicated", "67a1b2c3d4e5f60718293a61"), "SUCCESSFUL"))
	if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
		t.Errorf("up = %v:\n%s", v, h.Logs)
	}
}

// A reload during the first discovery pass does not make the exporter ready: readiness waits for a
// pass that ran to its end, and the cut one did not.
func TestReloadDuringTheFirstPassIsNotReady(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery))
	s, cfg := unwaited(t, sim, config.Target{GroupID: harness.GroupID})
	sim.SetLatency(200 * time.Millisecond)
	if err := s.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the first pass is waiting for its answer
	if err := s.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	// The cut pass has ended by now; the new one waits for its answers (a challenge and a list,
	// 200ms each) for a while yet.
	time.Sleep(100 * time.Millisecond)
	if s.Discovered() {
		t.Fatal("ready after a reload cut the first pass short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitDiscovered(ctx); err != nil {
		t.Fatalf("the reloaded config's first pass: %v", err)
	}
	if known, _ := s.Known(); len(known) == 0 || !s.Discovered() {
		t.Errorf("ready with %d clusters known", len(known))
	}
}

// Names from upstream are checked like names from the config: an empty, a 10,000-character or an
// ESC-bearing cluster name is left out visibly (a log line, quoted and cut) and never becomes a
// target, a label or page text; a project without a name matches no include pattern.
func TestDiscoveryRefusesNamesAtlasCouldNotHaveGiven(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.AddProject(harness.GroupID, "prod-main", orgID)
	long := strings.Repeat("x", 10000)
	for _, name := range []string{"", long, "red\x1b[31mcluster"} {
		sim.AddCluster(harness.GroupID, name)
	}
	sim.AddProject(prodProj, "", orgID) // a project with no name
	sim.PutJob(prodProj, "prod-db", atlastest.LoadJob(atlastest.FixtureQuery))
	h := harness.NewWith(t, sim, harness.Options{Targets: []config.Target{{OrgID: orgID, ProjectInclude: "prod-.*"}}})
	body, fams := h.ScrapeRaw(t, 0)
	if strings.Contains(body, "\x1b") || strings.Contains(body, long[:200]) {
		t.Error("a refused name reached /metrics")
	}
	for _, m := range fams["mongodbatlas_cluster_info"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "cluster_name" && l.GetValue() != harness.ClusterName {
				t.Errorf("cluster %q is watched", l.GetValue())
			}
		}
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_discovery_success", map[string]string{"scope": "org/" + orgID}); v != 1 {
		t.Errorf("discovery_success %v: refusing a name is not a failed discovery", v)
	}
	// One line for the project, however many names it refuses, counting them.
	logs := h.WaitLogs(t, "Discovery left out a cluster name", 1)
	if n := strings.Count(logs, "Discovery left out a cluster name"); n != 1 || !strings.Contains(logs, "left_out=3") {
		t.Errorf("%d refusal lines, want one counting the 3 names:\n%.2000s", n, logs)
	}
	if strings.Contains(logs, "\x1b") || strings.Contains(logs, long[:200]) {
		t.Error("a refused name reached the log raw")
	}
	if _, ok := harness.Value(fams, "mongodbatlas_scrape_success", map[string]string{"group_id": prodProj, "cluster_name": "prod-db"}); ok {
		t.Error("a project without a name matched project_include")
	}
}

// A pass that takes longer than any one read's deadline still completes: the pass's deadline
// follows its work. Eighty projects at 30 ms a request take several times the 250 ms each read
// may take (a read's deadline well above its latency, so a loaded machine does not fail one),
// and every one of their clusters is found.
func TestDiscoveryOfALargeOrganisationCompletes(t *testing.T) {
	const projects, readTimeout = 80, 250 * time.Millisecond
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	for i := range projects {
		g := fmt.Sprintf("5d%022x", i)
		sim.AddProject(g, fmt.Sprintf("prod-%d", i), orgID)
		sim.PutJob(g, "db", atlastest.LoadJob(atlastest.FixtureQuery))
	}
	sim.SetLatency(30 * time.Millisecond)
	start := time.Now()
	h := harness.NewWith(t, sim, harness.Options{Targets: []config.Target{{OrgID: orgID, ProjectInclude: "prod-.*"}},
		DiscoveryReadTimeout: readTimeout, Concurrency: 4})
	if took := time.Since(start); took < 2*readTimeout {
		t.Fatalf("the first pass took %v: shorter than the test means (several read deadlines)", took)
	}
	known, pending := h.Scraper.Known()
	if pending || len(known) != projects {
		t.Errorf("%d clusters known (pending %v), want the %d of the organisation", len(known), pending, projects)
	}
	sim.SetLatency(0)
	fams := h.Scrape(t, 0)
	if v := harness.MustValue(t, fams, "mongodbatlas_discovery_success", map[string]string{"scope": "org/" + orgID}); v != 1 {
		t.Errorf("discovery_success %v", v)
	}
}
