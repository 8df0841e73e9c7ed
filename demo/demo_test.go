package demo

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/collector"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The demo, four minutes into its first cycle (a restore broke at 20 seconds, downloads expired
// unused at three minutes), served as main serves it, with one configured cluster that no longer
// exists: the landing page, read by headless Chromium, shows every broken or killed job and
// every download that expired unused that /metrics exports, and the failed target's reason.
func TestDemoLandingPageShowsWhatIsWrong(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	sim, cfg, err := startAt(t.Context(), logger, time.Now().Add(-4*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	cfg.Targets = append(cfg.Targets, config.Target{GroupID: atlastest.DemoGroupID, ClusterName: "Decommissioned", API: config.APILegacy})
	if err := cfg.Validate(nil); err != nil {
		t.Fatal(err)
	}
	metrics := collector.New(logger)
	exp := scrape.New(scrape.Options{Render: metrics.Render}, prometheus.NewRegistry(), logger)
	t.Cleanup(exp.Close)
	if err := exp.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := exp.WaitDiscovered(ctx); err != nil {
		t.Fatal(err)
	}
	scrapes := server.NewScrapes(exp, metrics, server.Options{}, logger)
	mux := http.NewServeMux()
	mux.Handle("/metrics", scrapes.Metrics(prometheus.NewRegistry()))
	mux.Handle("/", scrapes.Landing(server.LandingOptions{MetricsPath: "/metrics", Demo: true}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	status, body := testkit.Get(t, srv.URL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("/metrics answered %d", status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // restore job ID: why the page must show it
	for _, m := range fams["mongodbatlas_restore_job_status"].GetMetric() {
		if s := label(m, "status"); m.GetGauge().GetValue() == 1 && (s == "BROKEN" || s == "KILLED") {
			want[label(m, "restore_job_id")] = s
		}
	}
	fetched := map[string]bool{}
	for _, m := range fams["mongodbatlas_restore_job_delivery_downloaded"].GetMetric() {
		fetched[label(m, "restore_job_id")] = m.GetGauge().GetValue() == 1
	}
	for _, m := range fams["mongodbatlas_restore_job_delivery_status"].GetMetric() {
		id := label(m, "restore_job_id")
		if f, known := fetched[id]; known && !f && label(m, "status") == "EXPIRED" && m.GetGauge().GetValue() == 1 {
			want[id] = "expired unused"
		}
	}
	// The demo's cycle holds one broken legacy restore and one legacy download expired unused at
	// least; without them the test would check nothing.
	kinds := map[string]int{}
	for _, why := range want {
		kinds[why]++
	}
	if kinds["BROKEN"] == 0 || kinds["expired unused"] == 0 {
		t.Fatalf("the demo at four minutes exports %v, want a broken job and an expired unused download", kinds)
	}

	// The browser last: without it (outside CI) the checks of /metrics above still run.
	dom := testkit.NewBrowser(t).DOM(t, srv.URL+"/")
	for id, why := range want {
		if !strings.Contains(dom, `<tr class="problem" data-restore="`+id+`">`) {
			t.Errorf("%s job %s is on /metrics but not among the landing page's problems", why, id)
		}
	}
	if !strings.Contains(dom, `data-target="`+atlastest.DemoGroupID+`/Decommissioned"`) || !strings.Contains(dom, "CLUSTER_NOT_FOUND") {
		t.Errorf("the decommissioned cluster's target and its reason are not on the page:\n%.3000s", dom)
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
