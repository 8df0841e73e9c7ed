package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
)

// get fetches path of h's server; see testkit.GetEncoded.
func get(t *testing.T, h *harness.Harness, path, encoding string) (*http.Response, string) {
	t.Helper()
	return testkit.GetEncoded(t, h.Srv.URL+path, encoding)
}

// Prometheus asks for gzip; both paths serve the same exposition, and nothing else asks for it.
func TestMetricsAndProbeAreGzippedWhenAsked(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	for _, path := range []string{"/metrics", "/probe?target=" + harness.GroupID} {
		plainResp, plain := get(t, h, path, "")
		gzResp, unzipped := get(t, h, path, "gzip")
		if got := plainResp.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("%s without Accept-Encoding: Content-Encoding %q", path, got)
		}
		if got := gzResp.Header.Get("Content-Encoding"); got != "gzip" {
			t.Errorf("%s with Accept-Encoding gzip: Content-Encoding %q", path, got)
		}
		if got := gzResp.Header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("%s: Vary %q", path, got)
		}
		want := `mongodbatlas_restore_job_info{batch_id="5a66783b80eef5354c77ee13"`
		for name, body := range map[string]string{"plain": plain, "gzip": unzipped} {
			if !strings.Contains(body, want) || !strings.Contains(body, "mongodbatlas_up 1") {
				t.Errorf("%s %s answer lacks the example job:\n%.1500s", path, name, body)
			}
		}
	}
}

// A gzipped answer splices in the series of each target of a hundred jobs or more, compressed
// as soon as it was read (or the last read's, for jobs unchanged or a read that failed), and
// writes the rest itself: gunzipped, it is the plain answer, line for line, at every step.
func TestGzippedAnswerIsThePlainOneAsTargetsChangeAndFail(t *testing.T) {
	t.Parallel()
	const other = "5a0000000000000000000abc"
	h := harness.New(t, harness.Options{Targets: []config.Target{
		{GroupID: harness.GroupID, ClusterName: harness.ClusterName}, {GroupID: other, ClusterName: "Other"}}})
	job := func(i int) atlastest.Job {
		return atlastest.LoadJob(atlastest.FixtureDocsExample).Set("id", fmt.Sprintf("6b00000000000000000%05d", i))
	}
	for i := range 150 {
		h.Sim.PutJob(other, "Other", job(i))
	}
	jobLines := func(body string) []string {
		var out []string
		for line := range strings.Lines(body) {
			if strings.HasPrefix(line, "mongodbatlas_restore_job_") || strings.HasPrefix(line, "# HELP mongodbatlas_restore_job_") {
				out = append(out, line)
			}
		}
		return out
	}
	success := `mongodbatlas_scrape_success{cluster_name="Other",group_id="` + other + `"} `
	broken := `mongodbatlas_restore_job_status{cluster_name="Other",group_id="` + other + `",restore_job_id="6b0000000000000000000007",status="BROKEN"} `
	steps := []struct {
		name   string
		before func()
		shows  []string
	}{
		{"first read", nil, []string{success + "1", broken + "0"}},
		{"jobs unchanged", nil, []string{success + "1", broken + "0"}},
		{"a job broken", func() { h.Sim.PutJob(other, "Other", job(7).Set("statusName", "BROKEN")) }, []string{success + "1", broken + "1"}},
		{"the read failing", func() { faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 500, GroupID: other}) },
			[]string{success + "0", broken + "1"}},
	}
	for _, step := range steps {
		if step.before != nil {
			step.before()
		}
		// The gzipped scrape first: a plain one renders nothing, and the next would render anew.
		_, unzipped := get(t, h, "/metrics", "gzip")
		_, plain := get(t, h, "/metrics", "")
		for _, want := range step.shows {
			if !strings.Contains(unzipped, want) {
				t.Fatalf("%s: the gzipped answer lacks %s", step.name, want)
			}
		}
		p, g := jobLines(plain), jobLines(unzipped)
		if len(g) < 150*10 || !slices.Equal(p, g) {
			t.Fatalf("%s: restore-job lines differ: plain %d, gzipped %d", step.name, len(p), len(g))
		}
	}
}
