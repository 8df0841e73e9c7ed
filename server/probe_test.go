package server_test

import (
	"bytes"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

const otherGroup = "6b6b6b6b6b6b6b6b6b6b6b6b"

func probeHarness(t *testing.T) *harness.Harness {
	t.Helper()
	h := harness.New(t, harness.Options{Targets: []config.Target{
		{GroupID: harness.GroupID, ClusterName: harness.ClusterName},
		{GroupID: harness.GroupID, ClusterName: "Cluster1"},
		{GroupID: otherGroup, ClusterName: harness.ClusterName},
	}})
	h.Sim.PutJob(harness.GroupID, "Cluster1", atlastest.LoadJob(atlastest.FixtureQuery))
	h.Sim.PutJob(otherGroup, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress))
	return h
}

func TestProbeExposesOneProject(t *testing.T) {
	t.Parallel()
	h := probeHarness(t)
	code, body := h.Probe(t, "target="+harness.GroupID)
	if code != 200 {
		t.Fatalf("probe answered %d: %s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fams["mongodbatlas_scrape_success"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "group_id" && lp.GetValue() != harness.GroupID {
				t.Errorf("probe for %s exposes project %s", harness.GroupID, lp.GetValue())
			}
		}
	}
	if n := len(fams["mongodbatlas_scrape_success"].GetMetric()); n != 2 {
		t.Errorf("%d targets in the probe, want the project's 2 clusters", n)
	}
	if _, ok := fams["mongodbatlas_api_requests_total"]; ok {
		t.Error("a probe exposes the exporter's own metrics; those belong to /metrics")
	}
	if got := h.Sim.Requests(atlastest.RouteRestoreJobs); got != 2 {
		t.Errorf("the probe made %d list reads, want 2 (its own project's clusters only)", got)
	}

	code, body = h.Probe(t, "target="+harness.GroupID+"&cluster_name=Cluster1")
	if code != 200 || bytes.Count([]byte(body), []byte("mongodbatlas_scrape_success{")) != 1 {
		t.Errorf("probe for one cluster: %d\n%s", code, body)
	}
}

func TestProbeRefusesWhatIsNotConfigured(t *testing.T) {
	t.Parallel()
	h := probeHarness(t)
	cases := []struct {
		query string
		code  int
	}{
		{"target=0123456789abcdef01234567", http.StatusForbidden},
		{"target=" + harness.GroupID + "&cluster_name=Unknown", http.StatusForbidden},
		{"target=not-an-id", http.StatusBadRequest},
		{"target=" + harness.GroupID + "/../../orgs", http.StatusBadRequest},
		{"target=" + harness.GroupID + "&cluster_name=a/b", http.StatusBadRequest},
		{"", http.StatusBadRequest},
		{"target=http://evil.example/" + harness.GroupID, http.StatusBadRequest},
	}
	// The discovery loop has read the targets' descriptions; a refused probe adds nothing.
	before := h.Sim.TotalRequests() + h.Sim.Stats().Challenges
	for _, c := range cases {
		if code, body := h.Probe(t, c.query); code != c.code {
			t.Errorf("%q answered %d, want %d: %s", c.query, code, c.code, body)
		}
	}
	if got := h.Sim.TotalRequests() + h.Sim.Stats().Challenges - before; got != 0 {
		t.Errorf("refused probes reached the API %d times", got)
	}
}

// A project ID in capitals names the same project: config IDs are lower-cased, and so is /probe's.
func TestProbeTakesAProjectIDInCapitals(t *testing.T) {
	t.Parallel()
	h := probeHarness(t)
	if code, body := h.Probe(t, "target="+strings.ToUpper(harness.GroupID)); code != http.StatusOK {
		t.Errorf("probe with an upper-case project ID answered %d: %s", code, body)
	}
}
