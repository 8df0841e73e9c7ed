package scrape_test

import (
	"fmt"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// A failed read serves the last good one, marked: scrape_success 0 and the time it was read.
func TestFailedReadServesLastGoodValues(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	before := time.Now()
	fams := h.Scrape(t, 0)
	first := harness.MustValue(t, fams, "mongodbatlas_last_success_timestamp_seconds", harness.Target(harness.ClusterName))
	if first < float64(before.Unix())-1 {
		t.Fatalf("last success %v, before the scrape", first)
	}
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 503})
	fams = h.Scrape(t, 0)
	if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(harness.ClusterName)); v != 0 {
		t.Errorf("scrape_success = %v during the outage", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(harness.Job(harness.ExampleJobID), "FINISHED")); v != 1 {
		t.Errorf("last good value not served: %v", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_last_success_timestamp_seconds", harness.Target(harness.ClusterName)); v != first {
		t.Errorf("last success moved to %v during the outage (was %v)", v, first)
	}
	if logs := h.WaitLogs(t, "serving_last_good_from", 1); !strings.Contains(logs, "serving_last_good_from") {
		t.Errorf("the log does not say stale values are served:\n%s", logs)
	}
}

// A 404 means the thing is gone: nothing stale is served for it.
func TestNotFoundDropsLastGoodValues(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	h.Scrape(t, 0)
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 404, ErrorCode: "CLUSTER_NOT_FOUND"})
	fams := h.Scrape(t, 0)
	if _, ok := harness.Value(fams, "mongodbatlas_restore_job_info", harness.Job(harness.ExampleJobID)); ok {
		t.Error("jobs of a cluster that no longer exists are still exported")
	}
	if _, ok := harness.Value(fams, "mongodbatlas_last_success_timestamp_seconds", harness.Target(harness.ClusterName)); ok {
		t.Error("last success still exported for a forgotten target")
	}
}

// Three clusters of one project share its budget; what the budget cannot pay for fails locally,
// Atlas never answers 429, and the next scrape serves the last good values.
func TestBudgetSharedPerProject(t *testing.T) {
	t.Parallel()
	targets := []config.Target{
		{GroupID: harness.GroupID, ClusterName: "a"}, {GroupID: harness.GroupID, ClusterName: "b"}, {GroupID: harness.GroupID, ClusterName: "c"},
	}
	h := harness.New(t, harness.Options{Targets: targets, Concurrency: 1,
		RateLimit: config.RateLimit{Capacity: 4, Refill: 1, Period: model.Duration(time.Hour)}})
	for _, tg := range targets {
		h.Sim.PutJob(harness.GroupID, tg.ClusterName, atlastest.LoadJob(atlastest.FixtureDocsExample))
	}
	fams := h.Scrape(t, time.Second)
	if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
		t.Fatalf("first scrape (3 of 4 tokens): up = %v\n%s", v, h.Logs)
	}
	fams = h.Scrape(t, time.Second) // one token left for three clusters
	failed := 0
	for _, tg := range targets {
		if harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(tg.ClusterName)) == 0 {
			failed++
			if _, ok := harness.Value(fams, "mongodbatlas_restore_job_info", map[string]string{"cluster_name": tg.ClusterName}); !ok {
				t.Errorf("%s: no last good values served", tg.ClusterName)
			}
		}
	}
	if failed != 2 {
		t.Errorf("%d targets failed on a one-token budget, want 2", failed)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_api_budget_exhausted_total", map[string]string{"endpoint": atlas.RouteRestoreJobs}); v != 2 {
		t.Errorf("api_budget_exhausted_total = %v, want 2", v)
	}
	if h.Sim.Stats().RateLimited != 0 {
		t.Error("Atlas answered 429")
	}
	if logs := h.WaitLogs(t, "rate-limit budget", 2); strings.Count(logs, "rate-limit budget") < 2 {
		t.Errorf("the log does not name the budget:\n%s", logs)
	}
}

func TestRateLimitedResponsesAreCounted(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 429, RetryAfter: "1", Times: 1})
	fams := h.Scrape(t, 5*time.Second)
	if v := harness.MustValue(t, fams, "mongodbatlas_api_rate_limited_total", map[string]string{"endpoint": atlas.RouteRestoreJobs}); v != 1 {
		t.Errorf("api_rate_limited_total = %v", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
		t.Errorf("up = %v; a Retry-After of 1s fits the deadline", v)
	}
}

func TestRateLimitRemainingIsExported(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey,
		RateLimit: atlastest.RateLimit{Capacity: 50, Refill: 10, Period: time.Minute}})
	h := harness.NewWith(t, sim, harness.Options{})
	fams := h.Scrape(t, 0) // self-metrics are gathered after the scrape's reads
	if v := harness.MustValue(t, fams, "mongodbatlas_api_rate_limit_remaining", map[string]string{"bucket": "cloud_backups"}); v != 49 {
		t.Errorf("api_rate_limit_remaining = %v, want 49", v)
	}
}

func TestCapsBoundListedJobs(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	at := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	maxAge := model.Duration(30 * 24 * time.Hour)
	three := 3
	h := harness.New(t, harness.Options{Jobs: config.Jobs{MaxAge: &maxAge, MaxPerCluster: &three}})
	put := func(id, status string, age time.Duration) {
		h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", id).
			Set("statusName", status).Set("created", at(age)))
	}
	put("6f0000000000000000000001", "FINISHED", 60*24*time.Hour)    // too old
	put("6f0000000000000000000002", "IN_PROGRESS", 60*24*time.Hour) // old but running: kept
	put("6f0000000000000000000003", "FINISHED", 3*time.Hour)
	put("6f0000000000000000000004", "BROKEN", 2*time.Hour)
	put("6f0000000000000000000005", "FINISHED", time.Hour)
	fams := h.Scrape(t, 0)
	got := map[string]bool{}
	for _, m := range fams["mongodbatlas_restore_job_info"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "restore_job_id" {
				got[lp.GetValue()] = true
			}
		}
	}
	// The example job (2018) and #1 are too old; of the rest, the running job plus the two newest.
	want := []string{"6f0000000000000000000002", "6f0000000000000000000004", "6f0000000000000000000005"}
	if len(got) != len(want) {
		t.Errorf("exported %v, want %v", got, want)
	}
	for _, id := range want {
		if !got[id] {
			t.Errorf("%s not exported; got %v", id, got)
		}
	}
}

// Terminal pinned jobs are read once and then kept; jobs that can still change are re-read.
func TestTerminalPinnedJobsAreNotReadAgain(t *testing.T) {
	t.Parallel()
	const running = "6c0000000000000000000001"
	h := harness.New(t, harness.Options{Targets: harness.Pinned(harness.ExampleJobID)})
	h.Scrape(t, 0)
	h.Scrape(t, 0)
	if got := h.Sim.Requests(atlastest.RouteRestoreJob); got != 1 {
		t.Errorf("the example job (FINISHED, EXPIRED) was read %d times over two scrapes, want 1", got)
	}
	h2 := harness.New(t, harness.Options{Targets: harness.Pinned(running)})
	h2.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress))
	h2.Scrape(t, 0)
	h2.Scrape(t, 0)
	if got := h2.Sim.Requests(atlastest.RouteRestoreJob); got != 2 {
		t.Errorf("a running job was read %d times over two scrapes, want 2", got)
	}
}

// Several pinned jobs cost one list read rather than a GET each, when the list is one page.
func TestPinnedJobsUseTheCheaperRead(t *testing.T) {
	t.Parallel()
	ids := []string{"6c0000000000000000000001", "6c0000000000000000000002", "6c00000000000000000000a1"}
	h := harness.New(t, harness.Options{Targets: harness.Pinned(ids...)})
	for _, id := range ids {
		h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", id))
	}
	fams := h.Scrape(t, 0)
	if n := len(fams["mongodbatlas_restore_job_info"].GetMetric()); n != 3 {
		t.Fatalf("%d jobs exported, want 3", n)
	}
	st := h.Sim.Stats()
	if st.Requests[atlastest.RouteRestoreJobs] != 1 || st.Requests[atlastest.RouteRestoreJob] != 0 {
		t.Errorf("requests %v: want one list read and no GETs", st.Requests)
	}
	// With a big cluster (a 3-page list), the same three jobs are cheaper by GET.
	for i := range 1100 {
		h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", fmt.Sprintf("6e%022x", i)))
	}
	h.Scrape(t, 0) // list once more: learns the list is 3 pages
	before := h.Sim.Stats().Requests
	h.Scrape(t, 0)
	after := h.Sim.Stats().Requests
	if d := after[atlastest.RouteRestoreJob] - before[atlastest.RouteRestoreJob]; d != 3 || after[atlastest.RouteRestoreJobs] != before[atlastest.RouteRestoreJobs] {
		t.Errorf("after learning the list is 3 pages: %d GETs and %d list pages, want 3 and 0",
			d, after[atlastest.RouteRestoreJobs]-before[atlastest.RouteRestoreJobs])
	}
}

// Before Atlas has sent RateLimit-Remaining there is no gauge, rather than a 0 that reads as an
// exhausted budget.
func TestRateLimitRemainingAbsentUntilSent(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{}) // this simulator sends no RateLimit headers
	if _, ok := harness.Value(h.Scrape(t, 0), "mongodbatlas_api_rate_limit_remaining", nil); ok {
		t.Error("api_rate_limit_remaining exported although Atlas never sent the header")
	}
}

// A 429 that asks for a day pauses the project for atlas.MaxPause at most, and a successful
// reload lifts the pause: the operator may have fixed its cause.
func TestReloadLiftsARateLimitPause(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 429, RetryAfter: "86400", Times: 1})
	h.Scrape(t, 0)
	if v := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_scrape_success", harness.Target(harness.ClusterName)); v != 0 {
		t.Fatalf("scrape_success %v while paused", v)
	}
	if err := h.Scraper.Apply(h.Cfg); err != nil {
		t.Fatal(err)
	}
	if v := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_scrape_success", harness.Target(harness.ClusterName)); v != 1 {
		t.Errorf("scrape_success %v after the reload:\n%s", v, h.Logs)
	}
}

// A pinned job ID written in capitals is the job Atlas lists in lower case: it is read, and
// labelled as Atlas writes it.
func TestPinnedIDsAreNormalised(t *testing.T) {
	t.Parallel()
	upper := strings.ToUpper(harness.ExampleJobID)
	for _, mode := range []string{"by GET", "by list"} {
		t.Run(mode, func(t *testing.T) {
			ids := []string{upper}
			if mode == "by list" {
				ids = append(ids, "6B77893B80EEF5354C77EE99", "6B77893B80EEF5354C77EE98")
			}
			h := harness.New(t, harness.Options{Targets: harness.Pinned(ids...)})
			fams := h.Scrape(t, 0)
			if _, ok := harness.Value(fams, "mongodbatlas_restore_job_info", harness.Job(harness.ExampleJobID)); !ok {
				t.Errorf("the pinned job is not exported under Atlas's lower-case ID:\n%s", h.Logs)
			}
			if _, ok := harness.Value(fams, "mongodbatlas_restore_job_info", harness.Job(upper)); ok {
				t.Error("the job is exported under the ID as typed")
			}
		})
	}
}

// Last good values are served for MaxStaleness at most: a key revoked for good must not freeze
// the series. After that they go away, the target reads as failed, and its last success stays.
func TestLastGoodValuesExpire(t *testing.T) {
	h := harness.New(t, harness.Options{MaxStaleness: 200 * time.Millisecond})
	h.Scrape(t, 0)
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 401})
	if _, ok := harness.Value(h.Scrape(t, 0), "mongodbatlas_restore_job_info", harness.Job(harness.ExampleJobID)); !ok {
		t.Fatal("last good values not served within MaxStaleness")
	}
	time.Sleep(300 * time.Millisecond) // let the last good read age past MaxStaleness
	fams := h.Scrape(t, 0)
	if _, ok := harness.Value(fams, "mongodbatlas_restore_job_info", harness.Job(harness.ExampleJobID)); ok {
		t.Error("values older than MaxStaleness still served")
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(harness.ClusterName)); v != 0 {
		t.Errorf("scrape_success %v", v)
	}
	harness.MustValue(t, fams, "mongodbatlas_last_success_timestamp_seconds", harness.Target(harness.ClusterName))
	if logs := h.WaitLogs(t, "last_good_expired_at", 1); !strings.Contains(logs, "last_good_expired_at") {
		t.Errorf("the log does not say the last good values expired:\n%s", logs)
	}
}

// What leaves discovery is forgotten, whichever endpoint is scraped: an exporter scraped only
// through /probe (the sharding mode) forgets too. Only pinned targets remember terminal jobs.
func TestMemoryForgetsClustersThatLeft(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"metrics", "probe"} {
		t.Run(mode, func(t *testing.T) {
			sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
			sim.AddProject(harness.GroupID, "main", "")
			sim.PutJob(harness.GroupID, "Gone", atlastest.LoadJob(atlastest.FixtureQuery))
			h := harness.NewWith(t, sim, harness.Options{Targets: []config.Target{{GroupID: harness.GroupID}},
				Discovery: model.Duration(time.Millisecond)})
			read := func() {
				if mode == "probe" {
					h.ProbeTarget(t, 0)
				} else {
					h.Scrape(t, 0)
				}
			}
			read()
			if n := scrape.Remembered(h.Scraper); n != 2 {
				t.Fatalf("%d targets remembered, want Cluster0 and Gone", n)
			}
			sim.DeleteCluster(harness.GroupID, "Gone")
			deadline := time.Now().Add(5 * time.Second)
			for scrape.Remembered(h.Scraper) != 1 && time.Now().Before(deadline) {
				read()
				time.Sleep(5 * time.Millisecond)
			}
			if n := scrape.Remembered(h.Scraper); n != 1 {
				t.Errorf("%d targets remembered after a cluster left discovery, want 1", n)
			}
		})
	}
}

// The token endpoint answering 429 pauses token requests; the scrape's targets serve their last
// good values meanwhile, and the next scrape after the pause reads them all again.
func TestTokenEndpoint429Recovers(t *testing.T) {
	t.Parallel()
	targets := []config.Target{{GroupID: harness.GroupID, ClusterName: harness.ClusterName}, {GroupID: harness.GroupID, ClusterName: "Cluster1"}}
	h := harness.New(t, harness.Options{ServiceAccount: true, Targets: targets})
	h.Sim.PutJob(harness.GroupID, "Cluster1", atlastest.LoadJob(atlastest.FixtureQuery))
	if v := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_up", nil); v != 1 {
		t.Fatalf("first scrape up = %v:\n%s", v, h.Logs)
	}
	h.Sim.ExpireTokens()
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Route: atlas.RouteToken, Status: 429, ErrorCode: "RATE_LIMITED", RetryAfter: "1", Times: 1})
	fams := h.Scrape(t, 0)
	for _, c := range []string{harness.ClusterName, "Cluster1"} {
		if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(c)); v != 0 {
			t.Errorf("%s: scrape_success %v while the token endpoint refuses", c, v)
		}
		harness.MustValue(t, fams, "mongodbatlas_restore_job_info", map[string]string{"cluster_name": c})
	}
	if logs := h.WaitLogs(t, "rate limited by the token endpoint", 1); !strings.Contains(logs, "error_code=RATE_LIMITED") {
		t.Errorf("the token 429 is not reported as rate limiting:\n%s", logs)
	}
	deadline := time.Now().Add(5 * time.Second)
	for harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_up", nil) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the token endpoint's pause:\n%s", h.Logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
