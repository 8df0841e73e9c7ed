package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

// exporterBin is the exporter built from this checkout, once per `go test` run by TestMain and
// only read by the tests, so the suite tests the real binary without compiling it per test.
var exporterBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "e2e-exporter-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if exporterBin, err = buildExporter(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	// goleak.VerifyTestMain would exit before the build is removed: the same check, then cleanup.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: errors on successful test run: %v\n", err)
			code = 1
		}
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// The simulated project the alert path is proven on; distinct from the demo's, which also runs.
const (
	e2eGroup   = "6a0000000000000000000001"
	e2eCluster = "E2E"
	brokenJob  = "6a00000000000000000000b1"
	expiredJob = "6a00000000000000000000e1"
	publicKey  = "e2e-public"
	privateKey = "e2e-private"

	// A Cloud Backup cluster read through Atlas v2 with a service account, and a cluster on Ops
	// Manager read by ID: the same alerts must fire for their jobs.
	cloudCluster = "E2E-CB"
	cloudJob     = "6a00000000000000000000c1"
	omCluster    = "E2E-OM"
	omJob        = "6a00000000000000000000d1"
	clientID     = "mdb_sa_id_e2e"
	clientSecret = "mdb_sa_sk_e2e"
)

// webhook records what Alertmanager delivers.
type webhook struct {
	mu       sync.Mutex
	payloads []alertPayload
}

type alertPayload struct {
	Status string `json:"status"`
	Alerts []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"alerts"`
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var p alertPayload
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.payloads = append(w.payloads, p)
	w.mu.Unlock()
}

// find returns the labels and annotations of a delivered alert with this name, job and status.
func (w *webhook) find(alertname, jobID, status string) (map[string]string, map[string]string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.payloads {
		for _, a := range p.Alerts {
			if a.Status == status && a.Labels["alertname"] == alertname && a.Labels["restore_job_id"] == jobID {
				return a.Labels, a.Annotations, true
			}
		}
	}
	return nil, nil, false
}

func (w *webhook) summary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	for _, p := range w.payloads {
		for _, a := range p.Alerts {
			fmt.Fprintf(&b, "%s %s %s; ", a.Status, a.Labels["alertname"], a.Labels["restore_job_id"])
		}
	}
	return b.String()
}

// promQuery runs an instant query and returns the number of results.
func promQuery(promURL, q string) (int, error) {
	resp, err := http.Get(promURL + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, fmt.Errorf("decode %s: %w", body, err)
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("query %q: %s", q, r.Error)
	}
	return len(r.Data.Result), nil
}

type stack struct {
	sim     *atlastest.Server
	promURL string
	hook    *webhook
}

// startStack runs the simulator, the exporter against it, the exporter in --demo, Alertmanager
// with a webhook receiver, and Prometheus scraping both exporters with the shipped rules.
func startStack(t *testing.T) *stack {
	t.Helper()
	promBin := binary(t, "prometheus")
	amBin := binary(t, "prometheus-alertmanager", "alertmanager")
	dir := t.TempDir()

	sim := atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, ClientID: clientID, ClientSecret: clientSecret})
	sim.AddCluster(e2eGroup, e2eCluster)
	sim.AddCluster(e2eGroup, cloudCluster)
	sim.AddCluster(e2eGroup, omCluster)
	sim.PutCloudBackupJob(e2eGroup, cloudCluster, atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", cloudJob).Delete("finishedAt"))
	sim.PutJob(e2eGroup, omCluster, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", omJob).Set("groupId", e2eGroup).Delete("clusterName"))
	sim.PutJob(e2eGroup, e2eCluster, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", brokenJob).Set("groupId", e2eGroup))
	sim.PutJob(e2eGroup, e2eCluster, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", expiredJob).Set("groupId", e2eGroup).
		Set("statusName", "FINISHED").Set("delivery.statusName", "READY").Set("delivery.expires", "2099-01-01T00:00:00Z"))
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)

	hook := &webhook{}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)

	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("private-key", privateKey)
	write("client-secret", clientSecret)
	exporterCfg := write("exporter.yml", fmt.Sprintf(
		"atlas:\n  base_url: %s\n  public_key: %s\n  private_key_file: private-key\ntargets:\n  - group_id: %s\n    cluster_name: %s\n",
		running.Host+atlastest.RootAtlasV1, publicKey, e2eGroup, e2eCluster))
	cloudCfg := write("exporter-cloud.yml", fmt.Sprintf(
		"atlas:\n  base_url: %s\n  client_id: %s\n  client_secret_file: client-secret\ntargets:\n  - {group_id: %s, cluster_name: %s, api: cloud_backup}\n",
		running.Host+atlastest.RootAtlasV2, clientID, e2eGroup, cloudCluster))
	omCfg := write("exporter-om.yml", fmt.Sprintf(
		"atlas:\n  base_url: %s\n  public_key: %s\n  private_key_file: private-key\ntargets:\n  - {group_id: %s, cluster_name: %s}\n",
		running.Host+atlastest.RootManager, publicKey, e2eGroup, omCluster))
	exporterAddr, demoAddr, amAddr, promAddr := freeAddr(t), freeAddr(t), freeAddr(t), freeAddr(t)
	cloudAddr, omAddr := freeAddr(t), freeAddr(t)

	start(t, dir, "exporter", exporterBin, "--config.file="+exporterCfg, "--web.listen-address="+exporterAddr)
	start(t, dir, "exporter-cloud", exporterBin, "--config.file="+cloudCfg, "--web.listen-address="+cloudAddr)
	start(t, dir, "exporter-om", exporterBin, "--config.file="+omCfg, "--web.listen-address="+omAddr)
	start(t, dir, "exporter-demo", exporterBin, "--demo", "--web.listen-address="+demoAddr)

	amCfg := write("alertmanager.yml", fmt.Sprintf(`route:
  receiver: webhook
  group_by: [alertname, restore_job_id]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: %s/
        send_resolved: true
`, hookSrv.URL))
	start(t, dir, "alertmanager", amBin, "--config.file="+amCfg, "--storage.path="+filepath.Join(dir, "am-data"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")

	shortenRules(t, filepath.Join("..", "deploy", "prometheus", "alerts.yml"), filepath.Join(dir, "alerts.yml"))
	rules, err := os.ReadFile(filepath.Join("..", "deploy", "prometheus", "rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	write("rules.yml", string(rules))
	promCfg := write("prometheus.yml", fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [alerts.yml, rules.yml]
alerting:
  alertmanagers:
    - static_configs: [{targets: ['%s']}]
scrape_configs:
  - job_name: mongodbatlas-restore
    static_configs: [{targets: ['%s', '%s', '%s']}]
  - job_name: mongodbatlas-restore-demo
    static_configs: [{targets: ['%s']}]
`, amAddr, exporterAddr, cloudAddr, omAddr, demoAddr))
	start(t, dir, "prometheus", promBin, "--config.file="+promCfg, "--storage.tsdb.path="+filepath.Join(dir, "prom-data"),
		"--web.listen-address="+promAddr, "--rules.alert.resend-delay=1s")

	promURL := "http://" + promAddr
	for _, u := range []string{"http://" + exporterAddr + "/-/ready", "http://" + cloudAddr + "/-/ready", "http://" + omAddr + "/-/ready",
		"http://" + demoAddr + "/-/ready", "http://" + amAddr + "/-/ready", promURL + "/-/ready"} {
		waitFor(t, u, 60*time.Second, func() (bool, string) { return httpOK(u) })
	}
	waitFor(t, "Prometheus to scrape the exporter", 60*time.Second, func() (bool, string) {
		n, err := promQuery(promURL, `mongodbatlas_up{job="mongodbatlas-restore"} == 1`)
		if err != nil {
			return false, err.Error()
		}
		return n == 3, fmt.Sprintf("%d of 3 exporters up", n)
	})
	return &stack{sim: sim, promURL: promURL, hook: hook}
}

// One stack serves both proofs; starting Prometheus and Alertmanager twice would double the time.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	// Side by side: the dashboard's queries wait for data the alert cases' jobs give them.
	t.Run("alerts travel from the API to the receiver", func(t *testing.T) { t.Parallel(); testAlerts(t, s) })
	t.Run("every dashboard query returns data", func(t *testing.T) { t.Parallel(); testDashboard(t, s) })
}

// A job turns BROKEN in the API, and the alert reaches Alertmanager's receiver with the right
// labels and annotations; when the job goes away, the alert resolves. The same for a delivery
// that expires unused, and for BROKEN jobs of Cloud Backup (Atlas v2, service account) and of Ops
// Manager (cluster addressed by ID): one alert rule serves all three.
func testAlerts(t *testing.T, s *stack) {

	cases := []struct {
		alert, job, cluster, severity, description string
		trigger                                    func()
	}{
		{
			alert: "MongoDBAtlasRestoreJobBroken", job: brokenJob, cluster: e2eCluster, severity: "critical",
			description: "Restore job " + brokenJob + " of cluster E2E in project " + e2eGroup + " is BROKEN; the restore did not complete.",
			trigger: func() {
				s.sim.PutJob(e2eGroup, e2eCluster, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", brokenJob).
					Set("groupId", e2eGroup).Set("statusName", "BROKEN").Set("delivery.statusName", "FAILED"))
			},
		},
		{
			alert: "MongoDBAtlasRestoreDeliveryExpiredUnused", job: expiredJob, cluster: e2eCluster, severity: "warning",
			description: "The download of restore job " + expiredJob + " of cluster E2E in project " + e2eGroup + " expired and was never fetched.",
			trigger: func() {
				s.sim.PutJob(e2eGroup, e2eCluster, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", expiredJob).
					Set("groupId", e2eGroup).Set("statusName", "FINISHED").Set("delivery.statusName", "EXPIRED").
					Set("delivery.expires", "2026-01-01T00:00:00Z"))
			},
		},
		{
			alert: "MongoDBAtlasRestoreJobBroken", job: cloudJob, cluster: cloudCluster, severity: "critical",
			description: "Restore job " + cloudJob + " of cluster " + cloudCluster + " in project " + e2eGroup + " is BROKEN; the restore did not complete.",
			trigger: func() {
				s.sim.PutCloudBackupJob(e2eGroup, cloudCluster, atlastest.LoadJob(atlastest.FixtureCloudAutomated).
					Set("id", cloudJob).Delete("finishedAt").Set("failed", true))
			},
		},
		{
			alert: "MongoDBAtlasRestoreJobBroken", job: omJob, cluster: omCluster, severity: "critical",
			description: "Restore job " + omJob + " of cluster " + omCluster + " in project " + e2eGroup + " is BROKEN; the restore did not complete.",
			trigger: func() {
				s.sim.PutJob(e2eGroup, omCluster, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", omJob).
					Set("groupId", e2eGroup).Delete("clusterName").Set("statusName", "BROKEN"))
			},
		},
	}
	// The cases are jobs of their own, and run side by side: each waits on Prometheus's and
	// Alertmanager's one-second intervals, not on the others.
	for _, c := range cases {
		t.Run(c.alert+"/"+c.job, func(t *testing.T) {
			t.Parallel()
			if _, _, ok := s.hook.find(c.alert, c.job, "firing"); ok {
				t.Fatalf("%s fired before its job changed", c.alert)
			}
			c.trigger()
			var labels, annotations map[string]string
			waitFor(t, c.alert+" at the receiver", 90*time.Second, func() (bool, string) {
				var ok bool
				labels, annotations, ok = s.hook.find(c.alert, c.job, "firing")
				return ok, s.hook.summary()
			})
			want := map[string]string{
				"severity": c.severity, "group_id": e2eGroup, "cluster_name": c.cluster,
				"restore_job_id": c.job, "job": "mongodbatlas-restore",
			}
			for k, v := range want {
				if labels[k] != v {
					t.Errorf("%s: label %s = %q, want %q (all: %v)", c.alert, k, labels[k], v, labels)
				}
			}
			if annotations["description"] != c.description || annotations["summary"] == "" || annotations["runbook_url"] == "" {
				t.Errorf("%s: annotations %v", c.alert, annotations)
			}

			s.sim.DeleteJob(e2eGroup, c.cluster, c.job)
			waitFor(t, c.alert+" to resolve", 90*time.Second, func() (bool, string) {
				_, _, ok := s.hook.find(c.alert, c.job, "resolved")
				return ok, s.hook.summary()
			})
		})
	}
}
