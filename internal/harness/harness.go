// Package harness wires the exporter as main does, serving over real HTTP against the
// simulator, for the tests of every package that reads through it.
package harness

import (
	"bytes"
	"context"
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
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

// The simulated project every harness starts with: the documentation's project, cluster and example job.
const (
	GroupID      = "5a66666887d9d61443b41645"
	ClusterName  = "Cluster0"
	ExampleJobID = "6b77893b80eef5354c77ee15"
	PublicKey    = "abcdefgh"
	PrivateKey   = "collector-test-private-key"
)

// Harness is the exporter wired as main wires it, serving over real HTTP, against a simulator.
type Harness struct {
	Sim     *atlastest.Server
	Scraper *scrape.Scraper
	Metrics *collector.Metrics
	Scrapes *server.Scrapes
	Reg     *prometheus.Registry
	Cfg     *config.Config // what the scraper was given, for tests that apply it again
	Srv     *httptest.Server
	Logs    *testkit.Buffer
	URL     string // the simulator's API root
}

// Options shape a harness; zero values take the defaults of each field.
type Options struct {
	Targets     []config.Target
	PrivateKey  string
	Server      server.Options
	Concurrency int
	// Root picks the API root the exporter talks to (default Atlas v1.0).
	Root string
	// ServiceAccount authenticates with OAuth client credentials instead of the API key.
	ServiceAccount bool
	// Jobs sets the caps; a nil max_age means none, unlike the config's default.
	Jobs config.Jobs
	// RateLimit sets the budget; zero means the default.
	RateLimit config.RateLimit
	// Discovery sets the discovery refresh interval; zero means the default.
	Discovery model.Duration
	// BaseURL, if set, points the exporter elsewhere than the simulator (a closed port, say).
	BaseURL string
	// MaxBody caps response bodies; zero means the client's default (16 MiB).
	MaxBody int64
	// PageSize sets itemsPerPage; zero means Atlas's maximum.
	PageSize int
	// Transport replaces the client's base transport, to misbehave below the client.
	Transport http.RoundTripper
	// Quiet discards logs, for runs so long that keeping them would look like a leak.
	Quiet bool
	// MaxStaleness bounds how long last good values are served; zero means the default.
	MaxStaleness time.Duration
	// DiscoveryReadTimeout bounds each discovery read; zero means the default.
	DiscoveryReadTimeout time.Duration
	// Render replaces the collector's Render (scrape.Options.Render), to watch when it runs.
	Render func(context.Context, *scrape.TargetResult)
	// Snapshots is snapshots.refresh_interval. Zero turns snapshot reads off, so that the tests
	// of other reads count only their own requests; the tests of recovery points set it.
	Snapshots model.Duration
}

// The simulator's service account.
const (
	ClientID     = "mdb_sa_id_collector"
	ClientSecret = "mdb_sa_sk_collector-secret"
)

// New starts a simulator holding the example job and the exporter against it.
func New(t testing.TB, o Options) *Harness {
	t.Helper()
	return NewWith(t, atlastest.New(atlastest.Options{PublicKey: PublicKey, PrivateKey: PrivateKey, ClientID: ClientID, ClientSecret: ClientSecret}), o)
}

// NewWith wires the exporter to a simulator the test built itself.
func NewWith(t testing.TB, sim *atlastest.Server, o Options) *Harness {
	t.Helper()
	sim.AddCluster(GroupID, ClusterName)
	sim.PutJob(GroupID, ClusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)

	logs := &testkit.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.Quiet {
		logger = DiscardLogger()
	}
	reg := prometheus.NewRegistry()
	metrics := collector.New(logger)
	if o.Render == nil {
		o.Render = metrics.Render
	}
	exp := scrape.New(scrape.Options{
		Render:               o.Render,
		MaxStaleness:         o.MaxStaleness,
		DiscoveryReadTimeout: o.DiscoveryReadTimeout,
		Concurrency:          o.Concurrency,
		UserAgent:            "collector-test",
		Client:               atlas.Options{BackoffBase: time.Millisecond, BackoffMax: 10 * time.Millisecond, TokenRequestsPerMinute: 100, MaxBodyBytes: o.MaxBody, Transport: o.Transport, PageSize: o.PageSize},
	}, reg, logger)
	t.Cleanup(exp.Close)
	if o.Targets == nil {
		o.Targets = []config.Target{{GroupID: GroupID, ClusterName: ClusterName}}
	}
	// Most tests put their jobs after the exporter starts, when api: auto would already have
	// read an empty cluster's description: a cluster target that names no family is legacy
	// here, and the tests of auto say api: auto.
	for i := range o.Targets {
		if o.Targets[i].API == "" && !o.Targets[i].Discovers() {
			o.Targets[i].API = config.APILegacy
		}
	}
	if o.PrivateKey == "" {
		o.PrivateKey = PrivateKey
	}
	if o.Root == "" {
		o.Root = atlastest.RootAtlasV1
	}
	cfg := &config.Config{
		Atlas:   config.Atlas{BaseURL: running.Host + o.Root, PublicKey: PublicKey, PrivateKey: config.Secret(o.PrivateKey)},
		Targets: o.Targets,
	}
	if o.ServiceAccount {
		cfg.Atlas = config.Atlas{BaseURL: running.Host + o.Root, ClientID: ClientID, ClientSecret: ClientSecret}
	}
	if o.BaseURL != "" {
		cfg.Atlas.BaseURL = o.BaseURL
	}
	// The documentation's example job is from 2018: keep every job unless a test sets caps.
	cfg.Jobs = o.Jobs
	cfg.RateLimit = o.RateLimit
	cfg.Discovery.RefreshInterval = o.Discovery
	cfg.Snapshots.RefreshInterval = &o.Snapshots
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
	waitDiscovered(t, exp)
	scrapes := server.NewScrapes(exp, metrics, o.Server, logger)
	mux := http.NewServeMux()
	mux.Handle("/metrics", scrapes.Metrics(reg))
	mux.Handle("/probe", scrapes.Probe())
	for _, path := range []string{"/recovery", "/recovery.json", "/recovery.csv"} {
		mux.Handle(path, scrapes.Recovery())
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &Harness{Sim: sim, Cfg: cfg, Scraper: exp, Metrics: metrics, Scrapes: scrapes, Reg: reg, Srv: srv, Logs: logs, URL: running.URL}
}

// WaitLogs polls the log until it holds n lines containing needle, or five seconds pass.
func (h *Harness) WaitLogs(t *testing.T, needle string, n int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		logs := h.Logs.String()
		if strings.Count(logs, needle) >= n || time.Now().After(deadline) {
			return logs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Scrape fetches /metrics as Prometheus would, with its timeout header when timeout > 0.
func (h *Harness) Scrape(t testing.TB, timeout time.Duration) map[string]*dto.MetricFamily {
	t.Helper()
	_, fams := h.ScrapeRaw(t, timeout)
	return fams
}

// ScrapeRaw is Scrape with the exposition text too.
func (h *Harness) ScrapeRaw(t testing.TB, timeout time.Duration) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	return h.Get(t, "/metrics", timeout)
}

// ProbeTarget fetches /probe for the test project as a multi-target Prometheus job would.
func (h *Harness) ProbeTarget(t testing.TB, timeout time.Duration) map[string]*dto.MetricFamily {
	t.Helper()
	_, fams := h.Get(t, "/probe?target="+GroupID, timeout)
	return fams
}

// Get fetches a path of the exporter and parses the exposition it answers.
func (h *Harness) Get(t testing.TB, path string, timeout time.Duration) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, h.Srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if timeout > 0 {
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64))
	}
	req.Header.Set("Accept", "text/plain")
	status, body := testkit.Do(t, req)
	if status != http.StatusOK {
		t.Fatalf("scrape answered %d: %s", status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse exposition: %v\n%s", err, body)
	}
	return string(body), fams
}

// Value returns the sample of family name whose labels include want, and whether there is one.
func Value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
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

// MustValue is Value for a sample the test cannot go on without.
func MustValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	v, ok := Value(fams, name, want)
	if !ok {
		t.Fatalf("no %s%v", name, want)
	}
	return v
}

// Target is the label set of a target of the test project.
func Target(cluster string) map[string]string {
	return map[string]string{"group_id": GroupID, "cluster_name": cluster}
}

// Job is the label set of a job of the test cluster.
func Job(id string) map[string]string {
	return map[string]string{"group_id": GroupID, "cluster_name": ClusterName, "restore_job_id": id}
}

// DiscardLogger is for runs whose logs nobody reads.
func DiscardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// WithStatus adds a state set's status label to a label set.
func WithStatus(l map[string]string, status string) map[string]string {
	out := map[string]string{"status": status}
	for k, v := range l {
		out[k] = v
	}
	return out
}

// Pinned is the test cluster as a target that reads only the given jobs.
func Pinned(ids ...string) []config.Target {
	return []config.Target{{GroupID: GroupID, ClusterName: ClusterName, RestoreJobIDs: ids}}
}

// Probe fetches /probe with a raw query string and returns the status and body, for the
// refusals that carry no exposition.
func (h *Harness) Probe(t testing.TB, query string) (int, string) {
	t.Helper()
	status, body := testkit.Get(t, h.Srv.URL+"/probe?"+query)
	return status, string(body)
}

// ServeConfig serves /metrics for a config the test built itself, with the scraper and server
// options given; both stop when the test ends.
func ServeConfig(t testing.TB, cfg *config.Config, o scrape.Options, so server.Options, logger *slog.Logger) *httptest.Server {
	t.Helper()
	metrics := collector.New(logger)
	if o.Render == nil {
		o.Render = metrics.Render // as main wires it
	}
	exp := scrape.New(o, prometheus.NewRegistry(), logger)
	if err := exp.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	waitDiscovered(t, exp)
	srv := httptest.NewServer(server.NewScrapes(exp, metrics, so, logger).Metrics(prometheus.NewRegistry()))
	t.Cleanup(func() { srv.Close(); exp.Close() })
	return srv
}

// waitDiscovered starts a test from discovery's first result, as a long-running exporter would.
func waitDiscovered(t testing.TB, exp *scrape.Scraper) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := exp.WaitDiscovered(ctx); err != nil {
		t.Fatalf("discovery's first pass: %v", err)
	}
}
