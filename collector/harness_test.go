package collector_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/collector"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
)

const (
	groupID     = "5a66666887d9d61443b41645"
	clusterName = "Cluster0"
	seedJobID   = "6b77893b80eef5354c77ee15"
	publicKey   = "abcdefgh"
	privateKey  = "collector-test-private-key"
)

// harness is the exporter wired as main wires it, serving over real HTTP, against a simulator.
type harness struct {
	sim  *atlastest.Server
	exp  *collector.Exporter
	reg  *prometheus.Registry
	srv  *httptest.Server
	logs *testkit.Buffer
	url  string // the simulator's API root
}

type harnessOpts struct {
	targets     []config.Target
	privateKey  string
	handlerOpts collector.HandlerOptions
	concurrency int
	// root picks the API root the exporter talks to (default Atlas v1.0).
	root string
	// serviceAccount authenticates with OAuth client credentials instead of the API key.
	serviceAccount bool
	// jobs sets the caps; a nil max_age means none, unlike the config's default.
	jobs config.Jobs
	// rateLimit sets the budget; zero means the default.
	rateLimit config.RateLimit
	// discovery sets the discovery refresh interval; zero means the default.
	discovery model.Duration
	// baseURL, if set, points the exporter elsewhere than the simulator (a closed port, say).
	baseURL string
	// maxBody caps response bodies; zero means the client's default (16 MiB).
	maxBody int64
	// pageSize sets itemsPerPage; zero means Atlas's maximum.
	pageSize int
	// transport replaces the client's base transport, to misbehave below the client.
	transport http.RoundTripper
	// quiet discards logs, for runs so long that keeping them would look like a leak.
	quiet bool
}

const (
	clientID     = "mdb_sa_id_collector"
	clientSecret = "mdb_sa_sk_collector-secret"
)

func newHarness(t testing.TB, o harnessOpts) *harness {
	t.Helper()
	return newHarnessWith(t, atlastest.New(atlastest.Options{PublicKey: publicKey, PrivateKey: privateKey, ClientID: clientID, ClientSecret: clientSecret}), o)
}

// newHarnessWith wires the exporter to a simulator the test built itself.
func newHarnessWith(t testing.TB, sim *atlastest.Server, o harnessOpts) *harness {
	t.Helper()
	sim.AddCluster(groupID, clusterName)
	sim.PutJob(groupID, clusterName, atlastest.LoadJob(atlastest.FixtureSeed))
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)

	logs := &testkit.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.quiet {
		logger = discardLogger()
	}
	reg := prometheus.NewRegistry()
	exp := collector.New(collector.Options{
		Concurrency: o.concurrency,
		UserAgent:   "collector-test",
		Client:      atlas.Options{BackoffBase: time.Millisecond, BackoffMax: 10 * time.Millisecond, TokenRequestsPerMinute: 100, MaxBodyBytes: o.maxBody, Transport: o.transport, PageSize: o.pageSize},
	}, reg, logger)
	t.Cleanup(exp.Close)
	if o.targets == nil {
		o.targets = []config.Target{{GroupID: groupID, ClusterName: clusterName}}
	}
	if o.privateKey == "" {
		o.privateKey = privateKey
	}
	if o.root == "" {
		o.root = atlastest.RootAtlasV1
	}
	cfg := &config.Config{
		Atlas:   config.Atlas{BaseURL: running.Host + o.root, PublicKey: publicKey, PrivateKey: config.Secret(o.privateKey)},
		Targets: o.targets,
	}
	if o.serviceAccount {
		cfg.Atlas = config.Atlas{BaseURL: running.Host + o.root, ClientID: clientID, ClientSecret: clientSecret}
	}
	if o.baseURL != "" {
		cfg.Atlas.BaseURL = o.baseURL
	}
	// The seed's example job is from 2018: keep every job unless a test sets caps.
	cfg.Jobs = o.jobs
	cfg.RateLimit = o.rateLimit
	cfg.Discovery.RefreshInterval = o.discovery
	if cfg.Jobs.MaxAge == nil {
		zero := model.Duration(0)
		cfg.Jobs.MaxAge = &zero
	}
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	if err := exp.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", exp.Handler(reg, o.handlerOpts))
	mux.Handle("/probe", exp.ProbeHandler(o.handlerOpts))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &harness{sim: sim, exp: exp, reg: reg, srv: srv, logs: logs, url: running.URL}
}

// waitLogs polls the log until it holds n lines containing needle, or five seconds pass.
func (h *harness) waitLogs(t *testing.T, needle string, n int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		logs := h.logs.String()
		if strings.Count(logs, needle) >= n || time.Now().After(deadline) {
			return logs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// scrape fetches /metrics as Prometheus would, with its timeout header when timeout > 0.
func (h *harness) scrape(t testing.TB, timeout time.Duration) map[string]*dto.MetricFamily {
	t.Helper()
	_, fams := h.scrapeRaw(t, timeout)
	return fams
}

func (h *harness) scrapeRaw(t testing.TB, timeout time.Duration) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	return h.get(t, "/metrics", timeout)
}

// probeTarget fetches /probe for the test project as a multi-target Prometheus job would.
func (h *harness) probeTarget(t testing.TB, timeout time.Duration) map[string]*dto.MetricFamily {
	t.Helper()
	_, fams := h.get(t, "/probe?target="+groupID, timeout)
	return fams
}

func (h *harness) get(t testing.TB, path string, timeout time.Duration) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if timeout > 0 {
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64))
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape answered %d: %s", resp.StatusCode, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse exposition: %v\n%s", err, body)
	}
	return string(body), fams
}

// value returns the sample of family name whose labels include want, and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	mf, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func mustValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	v, ok := value(fams, name, want)
	if !ok {
		t.Fatalf("no %s%v", name, want)
	}
	return v
}

func target(cluster string) map[string]string {
	return map[string]string{"group_id": groupID, "cluster_name": cluster}
}

func job(id string) map[string]string {
	return map[string]string{"group_id": groupID, "cluster_name": clusterName, "restore_job_id": id}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
