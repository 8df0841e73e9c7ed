package collector_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/collector"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

const otherGroup = "6b6b6b6b6b6b6b6b6b6b6b6b"

func probeHarness(t *testing.T) (*harness, *httptest.Server) {
	t.Helper()
	h := newHarness(t, harnessOpts{targets: []config.Target{
		{GroupID: groupID, ClusterName: clusterName},
		{GroupID: groupID, ClusterName: "Cluster1"},
		{GroupID: otherGroup, ClusterName: clusterName},
	}})
	h.sim.PutJob(groupID, "Cluster1", atlastest.LoadJob(atlastest.FixtureQuery))
	h.sim.PutJob(otherGroup, clusterName, atlastest.LoadJob(atlastest.FixtureInProgress))
	srv := httptest.NewServer(h.exp.ProbeHandler(collector.HandlerOptions{}))
	t.Cleanup(srv.Close)
	return h, srv
}

func probe(t *testing.T, srv *httptest.Server, query string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/probe?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestProbeExposesOneProject(t *testing.T) {
	h, srv := probeHarness(t)
	code, body := probe(t, srv, "target="+groupID)
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
			if lp.GetName() == "group_id" && lp.GetValue() != groupID {
				t.Errorf("probe for %s exposes project %s", groupID, lp.GetValue())
			}
		}
	}
	if n := len(fams["mongodbatlas_scrape_success"].GetMetric()); n != 2 {
		t.Errorf("%d targets in the probe, want the project's 2 clusters", n)
	}
	if _, ok := fams["mongodbatlas_api_requests_total"]; ok {
		t.Error("a probe exposes the exporter's own metrics; those belong to /metrics")
	}
	if got := h.sim.Requests(atlastest.RouteRestoreJobs); got != 2 {
		t.Errorf("the probe made %d list reads, want 2 (its own project's clusters only)", got)
	}

	code, body = probe(t, srv, "target="+groupID+"&cluster_name=Cluster1")
	if code != 200 || bytes.Count([]byte(body), []byte("mongodbatlas_scrape_success{")) != 1 {
		t.Errorf("probe for one cluster: %d\n%s", code, body)
	}
}

func TestProbeRefusesWhatIsNotConfigured(t *testing.T) {
	h, srv := probeHarness(t)
	cases := []struct {
		query string
		code  int
	}{
		{"target=0123456789abcdef01234567", http.StatusForbidden},
		{"target=" + groupID + "&cluster_name=Unknown", http.StatusForbidden},
		{"target=not-an-id", http.StatusBadRequest},
		{"target=" + groupID + "/../../orgs", http.StatusBadRequest},
		{"target=" + groupID + "&cluster_name=a/b", http.StatusBadRequest},
		{"", http.StatusBadRequest},
		{"target=http://evil.example/" + groupID, http.StatusBadRequest},
	}
	for _, c := range cases {
		if code, body := probe(t, srv, c.query); code != c.code {
			t.Errorf("%q answered %d, want %d: %s", c.query, code, c.code, body)
		}
	}
	if got := h.sim.TotalRequests() + h.sim.Stats().Challenges; got != 0 {
		t.Errorf("refused probes reached the API %d times", got)
	}
}
