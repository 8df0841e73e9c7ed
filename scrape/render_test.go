package scrape_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/server"
)

// Render runs once for what a target's read yields, as soon as it is read, and only for a scrape
// that splices it into a gzipped answer: unchanged jobs, and a failed read served the last good
// one, reuse what it made; a changed job renders the target again.
func TestRenderRunsOncePerChangeOfATargetsJobs(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	renders := map[string]int{}
	h := harness.New(t, harness.Options{Render: func(_ context.Context, tr *scrape.TargetResult) {
		mu.Lock()
		defer mu.Unlock()
		renders[tr.Target.ClusterName]++
		tr.Rendered = len(tr.Jobs) // opaque to the scraper; the collector writes the target itself
	}})
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return renders[harness.ClusterName]
	}
	success := `mongodbatlas_scrape_success{cluster_name="` + harness.ClusterName + `",group_id="` + harness.GroupID + `"} `
	steps := []struct {
		name   string
		before func()
		gzip   bool
		want   int
		shows  string
	}{
		{"first read", nil, true, 1, success + "1"},
		{"jobs unchanged", nil, true, 1, success + "1"},
		{"a scrape that does not gzip", nil, false, 1, success + "1"},
		{"after a read that rendered nothing", nil, true, 2, success + "1"},
		{"a job changed", func() {
			h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureDocsExample).Set("statusName", "BROKEN"))
		}, true, 3, `status="BROKEN"} 1`},
		{"a new job", func() {
			h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureDocsExample).Set("id", "6b0000000000000000000123"))
		}, true, 4, `restore_job_id="6b0000000000000000000123"`},
		{"the read failing", func() {
			faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 500, Route: atlastest.RouteRestoreJobs})
		}, true, 4, success + "0"},
	}
	for _, step := range steps {
		if step.before != nil {
			step.before()
		}
		encoding := ""
		if step.gzip {
			encoding = "gzip"
		}
		resp, body := testkit.GetEncoded(t, h.Srv.URL+"/metrics", encoding)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: /metrics answered %d", step.name, resp.StatusCode)
		}
		if !strings.Contains(body, step.shows) {
			t.Fatalf("%s: the answer lacks %s\n%.2000s", step.name, step.shows, body)
		}
		if got := count(); got != step.want {
			t.Errorf("%s: %d renders in all, want %d\n%.2000s", step.name, got, step.want, body)
		}
	}
}

// Rendering is the answer's work: a Render still running at the round's deadline stops there (as
// it must), and the round's reads, all of which succeeded, are reported as such before
// Prometheus's timeout.
func TestARenderAtTheDeadlineDoesNotFailTheScrape(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	h := harness.New(t, harness.Options{
		Server: server.Options{DefaultTimeout: timeout, TimeoutOffset: 250 * time.Millisecond},
		Render: func(ctx context.Context, _ *scrape.TargetResult) {
			select { // a target far larger than the round has time left for
			case <-ctx.Done():
			case <-time.After(10 * timeout):
			}
		},
	})
	start := time.Now()
	_, body := testkit.GetEncoded(t, h.Srv.URL+"/metrics", "gzip")
	if took := time.Since(start); took > timeout {
		t.Errorf("the scrape took %v, past its %v timeout", took, timeout)
	}
	success := `mongodbatlas_scrape_success{cluster_name="` + harness.ClusterName + `",group_id="` + harness.GroupID + `"} 1`
	if !strings.Contains(body, success) || !strings.Contains(body, "mongodbatlas_up 1") {
		t.Fatalf("a render at the deadline failed the scrape:\n%.3000s", body)
	}
}

// A Render that panics costs only its own work: the target is written by the answer, read as
// successfully as it was, and the panic is logged.
func TestAPanickingRenderLeavesTheTargetToTheAnswer(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{Render: func(context.Context, *scrape.TargetResult) { panic("render broke") }})
	_, body := testkit.GetEncoded(t, h.Srv.URL+"/metrics", "gzip")
	success := `mongodbatlas_scrape_success{cluster_name="` + harness.ClusterName + `",group_id="` + harness.GroupID + `"} 1`
	if !strings.Contains(body, success) || !strings.Contains(body, `restore_job_id="`+harness.ExampleJobID+`"`) {
		t.Fatalf("a panicking render cost the target:\n%.3000s", body)
	}
	if logs := h.WaitLogs(t, "while compressing a target's samples", 1); !strings.Contains(logs, "render broke") {
		t.Errorf("the panic was not logged:\n%s", logs)
	}
}
