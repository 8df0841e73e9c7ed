package scrape_test

import (
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

// panicky is a transport that panics on demand with a value whose printed form carries the
// private key, as a struct formatted by mistake would: the worst panic a bug could produce.
type panicky struct {
	base  *http.Transport
	armed atomic.Bool
	// page, if set, limits the panic to that list page.
	page string
}

type leakyValue struct{ key string }

func (v leakyValue) String() string { return "transport state: key=" + v.key }

func (p *panicky) RoundTrip(r *http.Request) (*http.Response, error) {
	if p.armed.Load() && (p.page == "" || r.URL.Query().Get("pageNum") == p.page) {
		panic(leakyValue{harness.PrivateKey})
	}
	return p.base.RoundTrip(r)
}

// A panic below a scrape fails its targets, which keep their last good values; the process lives,
// the log has the stack, and neither the log nor the answer has the key.
//
// The second page of a list is read in a goroutine of its own, which must not escape either.
func TestPanicInAReadFailsTheTargetNotTheProcess(t *testing.T) {
	for _, c := range []struct{ mode, page string }{{"metrics", ""}, {"probe", ""}, {"metrics", "2"}, {"probe", "2"}} {
		mode := c.mode
		t.Run(mode+"/page"+c.page, func(t *testing.T) {
			tr := &panicky{base: &http.Transport{}, page: c.page}
			t.Cleanup(tr.base.CloseIdleConnections)
			h := harness.New(t, harness.Options{Transport: tr, PageSize: 1})
			h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery)) // two pages of one
			path := "/metrics"
			if mode == "probe" {
				path = "/probe?target=" + harness.GroupID
			}
			scrape := func() string {
				out, _ := h.Get(t, path, 0)
				return out
			}
			if out := scrape(); !strings.Contains(out, "mongodbatlas_up 1") {
				t.Fatalf("first scrape failed:\n%s", out)
			}
			tr.armed.Store(true)
			out := scrape()
			for _, want := range []string{
				"mongodbatlas_up 0",
				`mongodbatlas_scrape_success{cluster_name="Cluster0",group_id="` + harness.GroupID + `"} 0`,
				`restore_job_id="` + harness.ExampleJobID + `"`, // the last good read is served
			} {
				if !strings.Contains(out, want) {
					t.Errorf("answer during the panic lacks %q:\n%s", want, out)
				}
			}
			tr.armed.Store(false)
			if out := scrape(); !strings.Contains(out, "mongodbatlas_up 1") {
				t.Errorf("the exporter did not recover after the panic:\n%s", out)
			}

			logs := h.Logs.String()
			for _, want := range []string{
				`msg="Recovered from a panic while reading the API"`, "stack=", "panic_test.go",
				`err="recovered from a panic: transport state: key=<secret>"`,
				`msg="Scraping target failed"`,
			} {
				if !strings.Contains(logs, want) {
					t.Errorf("log lacks %q:\n%.3000s", want, logs)
				}
			}
			if strings.Contains(logs, harness.PrivateKey) || strings.Contains(out, harness.PrivateKey) {
				t.Errorf("the private key left the process in a recovered panic:\n%s", logs)
			}
		})
	}
}
