package scrape_test

import (
	"fmt"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	dto "github.com/prometheus/client_model/go"
	"strings"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

func cloudTarget(ids ...string) []config.Target {
	return []config.Target{{GroupID: harness.GroupID, ClusterName: harness.ClusterName, API: config.APICloudBackup, RestoreJobIDs: ids}}
}

// The README's mapping table, row by row: Cloud Backup's booleans and timestamps to the
// contract's job and delivery statuses.
func TestCloudBackupStatusMapping(t *testing.T) {
	ready := func(id string) atlastest.Job { return atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", id) }
	cases := []struct {
		name           string
		job            atlastest.Job
		status, dstat  string // dstat "" means no delivery status series
		wantExpiry     bool
		wantFinished   bool
		wantComponents float64
	}{
		{"download ready: expiresAt, no finishedAt", ready("65a100000000000000000001"), "FINISHED", "READY", true, false, 0},
		{"download in progress", ready("65a100000000000000000002").Delete("expiresAt").Delete("deliveryUrl"), "IN_PROGRESS", "IN_PROGRESS", false, false, 0},
		{"download expired", ready("65a100000000000000000003").Set("expired", true), "FINISHED", "EXPIRED", true, false, 0},
		{"failed beats everything", ready("65a100000000000000000004").Set("failed", true).Set("expired", true), "BROKEN", "FAILED", true, false, 0},
		{"cancelled", ready("65a100000000000000000005").Set("cancelled", true).Delete("expiresAt"), "KILLED", "", false, false, 0},
		{"automated done", atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", "65a100000000000000000006"), "FINISHED", "", false, true, 0},
		{"automated running", atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", "65a100000000000000000007").Delete("finishedAt"), "IN_PROGRESS", "", false, false, 0},
		{"sharded download", atlastest.LoadJob(atlastest.FixtureCloudSharded).Set("id", "65a100000000000000000008"), "FINISHED", "READY", true, false, 3},
	}
	h := harness.New(t, harness.Options{Targets: cloudTarget(), Root: atlastest.RootAtlasV2})
	for _, c := range cases {
		h.Sim.PutCloudBackupJob(harness.GroupID, harness.ClusterName, c.job)
	}
	fams := h.Scrape(t, 0)
	if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
		t.Fatalf("up = %v:\n%s", v, h.Logs)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := harness.Job(c.job.ID())
			if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(l, c.status)); v != 1 {
				t.Errorf("status %s = %v", c.status, v)
			}
			_, hasDelivery := harness.Value(fams, "mongodbatlas_restore_job_delivery_status", l)
			if c.dstat == "" && hasDelivery {
				t.Error("delivery status exported for a job without a download")
			}
			if c.dstat != "" {
				if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_delivery_status", harness.WithStatus(l, c.dstat)); v != 1 {
					t.Errorf("delivery status %s = %v", c.dstat, v)
				}
			}
			if _, ok := harness.Value(fams, "mongodbatlas_restore_job_delivery_expiry_timestamp_seconds", l); ok != c.wantExpiry {
				t.Errorf("expiry present = %v, want %v", ok, c.wantExpiry)
			}
			if _, ok := harness.Value(fams, "mongodbatlas_restore_job_finished_timestamp_seconds", l); ok != c.wantFinished {
				t.Errorf("finished present = %v, want %v", ok, c.wantFinished)
			}
			comp, ok := harness.Value(fams, "mongodbatlas_restore_job_components", l)
			if (c.wantComponents > 0) != ok || comp != c.wantComponents {
				t.Errorf("components = %v (present %v), want %v", comp, ok, c.wantComponents)
			}
			for _, absent := range []string{
				"mongodbatlas_restore_job_created_timestamp_seconds", // Cloud Backup sends no createdAt
				"mongodbatlas_restore_job_delivery_downloaded",
				"mongodbatlas_restore_job_encryption_enabled",
			} {
				if _, ok := harness.Value(fams, absent, l); ok {
					t.Errorf("%s present; Cloud Backup does not say", absent)
				}
			}
		})
	}
	// Spot values against the fixtures, written out by hand.
	ready1 := harness.Job("65a100000000000000000001")
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_delivery_expiry_timestamp_seconds", ready1); v != 1795946400 {
		t.Errorf("expiresAt 2026-11-29T10:00:00Z exported as %v", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_snapshot_timestamp_seconds", ready1); v != 1795845612 {
		t.Errorf("timestamp 2026-11-28T06:00:12Z exported as %v", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_finished_timestamp_seconds", harness.Job("65a100000000000000000006")); v != 1795783327 {
		t.Errorf("finishedAt 2026-11-27T12:42:07Z exported as %v", v)
	}
	harness.MustValue(t, fams, "mongodbatlas_restore_job_info", map[string]string{
		"restore_job_id": "65a100000000000000000001", "delivery_method": "download",
		"snapshot_id": "65a1b2c3d4e5f60718290001", "point_in_time": "false",
	})
}

func TestCloudBackupOnV1AndPinned(t *testing.T) {
	h := harness.New(t, harness.Options{Targets: cloudTarget("65a1b2c3d4e5f60718293a4c")})
	h.Sim.PutCloudBackupJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCloudAutomated))
	fams := h.Scrape(t, 0)
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(harness.Job("65a1b2c3d4e5f60718293a4c"), "FINISHED")); v != 1 {
		t.Errorf("pinned Cloud Backup job on v1.0: %v\n%s", v, h.Logs)
	}
}

func TestOpsManagerResolvesClusterIDsOnce(t *testing.T) {
	h := harness.New(t, harness.Options{Root: atlastest.RootManager})
	h.Sim.AddCluster(harness.GroupID, "Other")
	for i := range 3 {
		fams := h.Scrape(t, 0)
		if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(harness.Job(harness.ExampleJobID), "FINISHED")); v != 1 {
			t.Fatalf("scrape %d: example job missing:\n%s", i, h.Logs)
		}
		info := map[string]string{"restore_job_id": harness.ExampleJobID, "cluster_name": harness.ClusterName}
		harness.MustValue(t, fams, "mongodbatlas_restore_job_info", info)
	}
	if got := h.Sim.Requests(atlastest.RouteClusters); got != 1 {
		t.Errorf("%d cluster list reads over 3 scrapes, want 1 (cached)", got)
	}
	if got := h.Sim.Requests(atlastest.RouteRestoreJobsByID); got != 3 {
		t.Errorf("%d restore job lists by cluster ID, want 3", got)
	}
}

func TestOpsManagerUnknownClusterName(t *testing.T) {
	h := harness.New(t, harness.Options{Root: atlastest.RootManager, Targets: []config.Target{
		{GroupID: harness.GroupID, ClusterName: harness.ClusterName},
		{GroupID: harness.GroupID, ClusterName: "Nope"},
	}})
	fams := h.Scrape(t, 0)
	if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target("Nope")); v != 0 {
		t.Error("an unknown cluster name succeeded")
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(harness.ClusterName)); v != 1 {
		t.Error("the known cluster failed alongside the unknown one")
	}
	if logs := h.WaitLogs(t, `has no cluster named \"Nope\"`, 1); !strings.Contains(logs, `has no cluster named \"Nope\"`) {
		t.Errorf("log does not say why:\n%s", logs)
	}
}

func TestOpsManagerGivenClusterIDSkipsResolution(t *testing.T) {
	h := harness.New(t, harness.Options{Root: atlastest.RootManager, Targets: []config.Target{
		{GroupID: harness.GroupID, ClusterName: harness.ClusterName, ClusterID: atlastest.ClusterID(harness.GroupID, harness.ClusterName)},
	}})
	if v := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_up", nil); v != 1 {
		t.Fatalf("up = %v:\n%s", v, h.Logs)
	}
	if got := h.Sim.Requests(atlastest.RouteClusters); got != 0 {
		t.Errorf("%d cluster list reads although cluster_id was given", got)
	}
}

// The same metrics, with a service account, for all three: legacy on Atlas, Cloud Backup on
// Atlas v2, and legacy on Ops Manager. Alerts and dashboards match on these names and labels.
func TestServiceAccountAcrossFamilies(t *testing.T) {
	for _, c := range []struct {
		name    string
		root    string
		targets []config.Target
		put     func(*atlastest.Server)
	}{
		{"legacy on Atlas", atlastest.RootAtlasV1, nil, func(*atlastest.Server) {}},
		{"Cloud Backup on v2", atlastest.RootAtlasV2, cloudTarget(), func(s *atlastest.Server) {
			s.PutCloudBackupJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", harness.ExampleJobID).Set("failed", true))
		}},
		{"legacy on Ops Manager", atlastest.RootManager, nil, func(*atlastest.Server) {}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := harness.New(t, harness.Options{Root: c.root, Targets: c.targets, ServiceAccount: true})
			h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureDocsExample).Set("statusName", "BROKEN"))
			c.put(h.Sim)
			start := time.Now()
			fams := h.Scrape(t, 0)
			if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
				t.Fatalf("up = %v after %v:\n%s", v, time.Since(start), h.Logs)
			}
			// The expression of MongoDBAtlasRestoreJobBroken matches in every family.
			if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(harness.Job(harness.ExampleJobID), "BROKEN")); v != 1 {
				t.Errorf("BROKEN = %v", v)
			}
			if h.Sim.Stats().TokenRequests != 1 {
				t.Errorf("%d token requests", h.Sim.Stats().TokenRequests)
			}
		})
	}
}

// One empty, null or unparseable timestamp costs its one series: the job and the rest of its
// page are exported, and the odd field is logged once per job and field, not every scrape.
func TestOddTimestampsCostOneSeries(t *testing.T) {
	h := harness.New(t, harness.Options{})
	odd := "6b7789aa80eef5354c77ee31"
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", odd).
		Set("created", "").Set("timestamp.date", "yesterday").Set("delivery.expires", nil))
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6b7789aa80eef5354c77ee32").
		Set("created", 12345))
	for range 2 {
		fams := h.Scrape(t, 0)
		if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(harness.ClusterName)); v != 1 {
			t.Fatalf("scrape_success %v: an odd timestamp failed the page:\n%s", v, h.Logs)
		}
		harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(harness.Job(odd), "IN_PROGRESS"))
		harness.MustValue(t, fams, "mongodbatlas_restore_job_created_timestamp_seconds", harness.Job(harness.ExampleJobID))
		for _, name := range []string{"mongodbatlas_restore_job_created_timestamp_seconds", "mongodbatlas_restore_job_snapshot_timestamp_seconds"} {
			if v, ok := harness.Value(fams, name, harness.Job(odd)); ok {
				t.Errorf("%s = %v from an odd value", name, v)
			}
		}
	}
	logs := h.Logs.String()
	for _, field := range []string{`field="created=\"\""`, `field="timestamp.date=\"yesterday\""`, `field="created=12345"`} {
		if n := strings.Count(logs, field); n != 1 {
			t.Errorf("%s logged %d times over two scrapes, want once:\n%s", field, n, logs)
		}
	}
	if strings.Contains(logs, "delivery.expires") {
		t.Error("a null expiry, which says absent, was logged as odd")
	}
}

// Flex restore jobs come out under the same names and labels: the contract's status mapping,
// expirationDate as the expiry, restoreFinishedDate as the finished time and the drill's success,
// deliveryType in the info metric, the target project and deployment; snapshotUrl nowhere.
func TestFlexJobsUnderTheSameNames(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.PutFlexJob(harness.GroupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexDownload))
	sim.PutFlexJob(harness.GroupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexRunning))
	sim.PutFlexJob(harness.GroupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexRunning).
		Set("id", "66b1c2d3e4f5a60718293a53").Set("status", "FAILED"))
	sim.PutFlexJob(harness.GroupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexRunning).
		Set("id", "66b1c2d3e4f5a60718293a54").Delete("restoreScheduledDate").Delete("snapshotFinishedDate"))
	sim.PutFlexJob(harness.GroupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexRunning).
		Set("id", "66b1c2d3e4f5a60718293a55").Set("status", "PAUSED_FOR_MAINTENANCE"))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2,
		Targets: []config.Target{{GroupID: harness.GroupID, ClusterName: "FlexCluster0", API: config.APIFlex}}})
	body, fams := h.ScrapeRaw(t, 0)
	job := func(id string) map[string]string {
		return map[string]string{"group_id": harness.GroupID, "cluster_name": "FlexCluster0", "restore_job_id": id}
	}
	done, running := "66b1c2d3e4f5a60718293a51", "66b1c2d3e4f5a60718293a52"
	for id, status := range map[string]string{done: "FINISHED", running: "IN_PROGRESS", "66b1c2d3e4f5a60718293a53": "BROKEN",
		"66b1c2d3e4f5a60718293a54": "IN_PROGRESS", "66b1c2d3e4f5a60718293a55": "PAUSED_FOR_MAINTENANCE"} {
		if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(job(id), status)); v != 1 {
			t.Errorf("%s: status %s = %v", id, status, v)
		}
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_delivery_expiry_timestamp_seconds", job(done)); v != unix(t, "2026-11-29T11:00:00Z") {
		t.Errorf("expiry %v, want expirationDate", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_finished_timestamp_seconds", job(done)); v != unix(t, "2026-11-29T10:02:41Z") {
		t.Errorf("finished %v, want restoreFinishedDate", v)
	}
	if v := harness.MustValue(t, fams, lastRestore, map[string]string{"group_id": harness.GroupID, "cluster_name": "FlexCluster0"}); v != unix(t, "2026-11-29T10:02:41Z") {
		t.Errorf("last success %v, want the download's restoreFinishedDate", v)
	}
	harness.MustValue(t, fams, "mongodbatlas_restore_job_info", map[string]string{"restore_job_id": running,
		"delivery_method": "RESTORE", "target_group_id": "5a66666887d9d61443b41646", "target_cluster_name": "FlexCluster0-restored"})
	for _, absent := range []string{"mongodbatlas_restore_job_delivery_downloaded", "mongodbatlas_restore_job_delivery_status", "mongodbatlas_restore_job_created_timestamp_seconds"} {
		if _, ok := harness.Value(fams, absent, job(done)); ok {
			t.Errorf("%s present; Flex does not say", absent)
		}
	}
	if strings.Contains(body, "flex-restore.placeholder") || strings.Contains(h.Logs.String(), "flex-restore.placeholder") {
		t.Error("the snapshotUrl reached the exposition or the log")
	}
}

// A Flex cluster configured as Cloud Backup, or a dedicated one as Flex, fails its target with
// Atlas's own errorCode in the log.
func TestFlexClusterThroughTheWrongAPI(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.PutFlexJob(harness.GroupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexDownload))
	sim.PutCloudBackupJob(harness.GroupID, "Dedicated", atlastest.LoadJob(atlastest.FixtureCloudReady))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Targets: []config.Target{
		{GroupID: harness.GroupID, ClusterName: "FlexCluster0", API: config.APICloudBackup},
		{GroupID: harness.GroupID, ClusterName: "Dedicated", API: config.APIFlex},
	}})
	fams := h.Scrape(t, 0)
	for _, c := range []string{"FlexCluster0", "Dedicated"} {
		if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(c)); v != 0 {
			t.Errorf("%s: scrape_success %v", c, v)
		}
	}
	logs := h.WaitLogs(t, "CANNOT_USE_", 2)
	for _, code := range []string{"error_code=CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API", "error_code=CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API"} {
		if !strings.Contains(logs, code) {
			t.Errorf("log lacks %s:\n%s", code, logs)
		}
	}
}

// Project discovery under v2 lists Flex clusters too, and reads them as Flex.
func TestDiscoveryFindsFlexClusters(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.AddProject(harness.GroupID, "main", "")
	sim.PutFlexJob(harness.GroupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexDownload))
	sim.PutCloudBackupJob(harness.GroupID, "Dedicated", atlastest.LoadJob(atlastest.FixtureCloudReady))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Targets: []config.Target{{GroupID: harness.GroupID}}})
	fams := h.Scrape(t, 0)
	for _, c := range []string{"FlexCluster0", "Dedicated"} {
		if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(c)); v != 1 {
			t.Errorf("%s: scrape_success %v:\n%s", c, v, h.Logs)
		}
	}
	if n := h.Sim.Requests(atlastest.RouteFlexRestoreJobs); n != 1 {
		t.Errorf("%d Flex restore-job reads, want 1", n)
	}
}

// api: auto (the default of a cluster target) reads each cluster's description once per
// discovery refresh and picks its family: legacy where it says legacy backup, Cloud Backup,
// Flex. A cluster without backup is watched for its coverage and read for no restore job; a
// cluster whose description cannot be read fails visibly with the reason.
func TestAutoFindsEachClustersFamily(t *testing.T) {
	for _, root := range []string{atlastest.RootAtlasV1, atlastest.RootAtlasV2} {
		t.Run(root, func(t *testing.T) {
			sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
			sim.PutCloudBackupJob(harness.GroupID, "Dedicated", atlastest.LoadJob(atlastest.FixtureCloudReady))
			sim.AddCluster(harness.GroupID, "NoBackup")
			targets := []config.Target{
				{GroupID: harness.GroupID, ClusterName: "Dedicated", API: config.APIAuto},
				{GroupID: harness.GroupID, ClusterName: "NoBackup", API: config.APIAuto},
				{GroupID: harness.GroupID, ClusterName: "Gone", API: config.APIAuto},
			}
			want := map[string]float64{"Dedicated": 1, "Gone": 0}
			family := map[string]string{"Dedicated": "cloud_backup", "NoBackup": "", "Gone": ""}
			if root == atlastest.RootAtlasV1 {
				targets = append(targets, config.Target{GroupID: harness.GroupID, ClusterName: harness.ClusterName, API: config.APIAuto})
				want[harness.ClusterName] = 1 // the example's legacy jobs
				family[harness.ClusterName] = "legacy"
			} else {
				sim.PutFlexJob(harness.GroupID, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexDownload))
				targets = append(targets, config.Target{GroupID: harness.GroupID, ClusterName: "FlexCluster0", API: config.APIAuto})
				want["FlexCluster0"] = 1
				family["FlexCluster0"] = "flex"
			}
			h := harness.NewWith(t, sim, harness.Options{Root: root, Targets: targets})
			for range 3 {
				fams := h.Scrape(t, 0)
				for c, v := range want {
					if got := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(c)); got != v {
						t.Errorf("%s: scrape_success %v, want %v\n%s", c, got, v, h.Logs)
					}
				}
				if _, ok := harness.Value(fams, "mongodbatlas_scrape_success", harness.Target("NoBackup")); ok {
					t.Errorf("NoBackup has no backup, so no restore jobs to read, yet it has a scrape_success series")
				}
				if v := harness.MustValue(t, fams, "mongodbatlas_backup_enabled", harness.Target("NoBackup")); v != 0 {
					t.Errorf("NoBackup: backup_enabled %v, want 0", v)
				}
				for c, f := range family {
					l := harness.Target(c)
					l["family"] = f
					if _, ok := harness.Value(fams, "mongodbatlas_cluster_info", l); !ok {
						t.Errorf("%s: no cluster_info with family %q", c, f)
					}
				}
			}
			// Read once per discovery refresh (default 10m), not per scrape.
			if n := h.Sim.Requests(atlastest.RouteCluster); n != len(targets) {
				t.Errorf("%d cluster descriptions read over three scrapes, want %d (one each)", n, len(targets))
			}
			logs := h.WaitLogs(t, "CLUSTER_NOT_FOUND", 2)
			if !strings.Contains(logs, "Finding the restore-job family failed") || !strings.Contains(logs, "restore-job family not found (api: auto)") {
				t.Errorf("the unknown family is not logged with its reason:\n%s", logs)
			}
			if root == atlastest.RootAtlasV2 && h.Sim.Requests(atlastest.RouteFlexRestoreJobs) != 3 {
				t.Errorf("the Flex cluster was not read as Flex: %v", h.Sim.Stats().Requests)
			}
		})
	}
}

// On Cloud and Ops Manager, auto is legacy without a lookup: they have no other family.
func TestAutoIsLegacyOnOpsManager(t *testing.T) {
	cfg, err := config.Parse([]byte("atlas: {base_url: 'https://om.example.com:8443/api/public/v1.0', public_key: p, private_key: k}\n"+
		"targets: [{group_id: "+harness.GroupID+", cluster_name: rs0}, {group_id: "+harness.GroupID+", cluster_name: rs1, api: auto}]\n"), ".", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range cfg.Targets {
		if tg.API != config.APILegacy {
			t.Errorf("%s: api %q, want legacy", tg.ClusterName, tg.API)
		}
	}
	cfg, err = config.Parse([]byte("atlas: {public_key: p, private_key: k}\ntargets: [{group_id: "+harness.GroupID+", cluster_name: C}]\n"), ".", nil)
	if err != nil || cfg.Targets[0].API != config.APIAuto {
		t.Errorf("an Atlas cluster target without api: %+v, %v; want auto", cfg.Targets, err)
	}
}

// jobs.collection_restores reads each Cloud Backup cluster's collection restore jobs: the state
// set, the document counts and the times, per job however many collections it names; the
// free-text errorMessage goes to one debug line, redacted, never to a label.
func TestCollectionRestoreJobs(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.PutCloudBackupJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCloudAutomated))
	sim.PutCollectionRestoreJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCollectionSuccessful))
	var many []any
	for i := range 100 {
		many = append(many, map[string]any{"sourceDatabaseName": "db", "sourceCollectionName": fmt.Sprintf("c%d", i)})
	}
	sim.PutCollectionRestoreJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCollectionFailed).
		Set("collections", many).Set("errorMessage", "namespace exists; see https://support.example.invalid/case?id=42 key="+harness.PrivateKey))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Jobs: config.Jobs{CollectionRestores: true},
		Targets: []config.Target{{GroupID: harness.GroupID, ClusterName: harness.ClusterName, API: config.APICloudBackup}}})
	var body string
	for range 2 {
		var fams map[string]*dto.MetricFamily
		body, fams = h.ScrapeRaw(t, 0)
		ok, failed := harness.Job("67a1b2c3d4e5f60718293a61"), harness.Job("67a1b2c3d4e5f60718293a62")
		if v := harness.MustValue(t, fams, "mongodbatlas_collection_restore_job_status", harness.WithStatus(ok, "SUCCESSFUL")); v != 1 {
			t.Errorf("SUCCESSFUL = %v", v)
		}
		if v := harness.MustValue(t, fams, "mongodbatlas_collection_restore_job_status", harness.WithStatus(failed, "FAILED")); v != 1 {
			t.Errorf("FAILED = %v", v)
		}
		if v := harness.MustValue(t, fams, "mongodbatlas_collection_restore_job_documents_restored", ok); v != 120000 {
			t.Errorf("restored %v", v)
		}
		if v := harness.MustValue(t, fams, "mongodbatlas_collection_restore_job_documents_total", failed); v != 5400 {
			t.Errorf("total %v", v)
		}
		if v := harness.MustValue(t, fams, "mongodbatlas_collection_restore_job_finished_timestamp_seconds", ok); v != unix(t, "2026-11-28T09:12:30Z") {
			t.Errorf("finished %v", v)
		}
		harness.MustValue(t, fams, "mongodbatlas_collection_restore_job_created_timestamp_seconds", failed)
		// 6 states and 5 values per finished job: the job naming 100 collections costs no more.
		n := 0
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, "mongodbatlas_collection_restore_job") && strings.Contains(line, `restore_job_id="67a1b2c3d4e5f60718293a62"`) {
				n++
			}
		}
		if n != 11 {
			t.Errorf("the 100-collection job has %d collection series, want 11", n)
		}
	}
	logs := h.Logs.String()
	if n := strings.Count(logs, "A collection restore job reports an error"); n != 1 {
		t.Errorf("errorMessage logged %d times over two scrapes, want once:\n%s", n, logs)
	}
	if !strings.Contains(logs, "namespace exists") || strings.Contains(logs, harness.PrivateKey) || strings.Contains(logs, "support.example.invalid") {
		t.Errorf("errorMessage not logged, or not redacted:\n%s", logs)
	}
	if strings.Contains(body, "namespace exists") {
		t.Error("errorMessage reached the exposition")
	}
}

// Off by default, since it costs a request per cluster per scrape; refused outside v2.
func TestCollectionRestoresAreOptIn(t *testing.T) {
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.PutCloudBackupJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCloudAutomated))
	sim.PutCollectionRestoreJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCollectionSuccessful))
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2,
		Targets: []config.Target{{GroupID: harness.GroupID, ClusterName: harness.ClusterName, API: config.APICloudBackup}}})
	if _, ok := harness.Value(h.Scrape(t, 0), "mongodbatlas_collection_restore_job_status", nil); ok || h.Sim.Requests(atlastest.RouteCollectionRestoreJobs) != 0 {
		t.Error("collection restore jobs read without jobs.collection_restores")
	}
	_, err := config.Parse([]byte("atlas: {public_key: p, private_key: k}\njobs: {collection_restores: true}\ntargets: [{group_id: "+harness.GroupID+", cluster_name: C}]\n"), ".", nil)
	if err == nil || !strings.Contains(err.Error(), "jobs.collection_restores: collection restore jobs are served only under Atlas v2") {
		t.Errorf("collection_restores under v1.0: %v", err)
	}
}
