package scrape_test

import (
	"fmt"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	dto "github.com/prometheus/client_model/go"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// The bad-input table: one row per way a target can fail, each through the real HTTP stack.
func TestFailingTargets(t *testing.T) {
	t.Parallel()
	cases := []failureCase{
		{
			name:       "wrong key (401)",
			opts:       harness.Options{PrivateKey: "not-the-key"},
			wantLog:    []string{"error_code=UNEXPECTED_ERROR", "status=401", "cluster_name=Cluster0", "group_id=" + harness.GroupID},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "not on the API access list (403)",
			fault:      &faults.Fault{Kind: faults.Status, Status: 403, ErrorCode: "IP_ADDRESS_NOT_ON_ACCESS_LIST"},
			wantLog:    []string{"error_code=IP_ADDRESS_NOT_ON_ACCESS_LIST", "status=403"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name: "unknown cluster (404) fails only its target",
			opts: harness.Options{Targets: []config.Target{
				{GroupID: harness.GroupID, ClusterName: harness.ClusterName},
				{GroupID: harness.GroupID, ClusterName: "Missing"},
			}},
			wantLog:    []string{"error_code=CLUSTER_NOT_FOUND", "cluster_name=Missing"},
			okTargets:  []string{harness.ClusterName},
			badTargets: []string{"Missing"},
			wantJobs:   []string{harness.ExampleJobID},
		},
		{
			name:       "unknown job (404) fails its target but keeps the jobs that were read",
			opts:       harness.Options{Targets: harness.Pinned(harness.ExampleJobID, "0123456789abcdef01234567")},
			wantLog:    []string{"error_code=RESOURCE_NOT_FOUND", "restore job 0123456789abcdef01234567"},
			badTargets: []string{harness.ClusterName},
			wantJobs:   []string{harness.ExampleJobID},
		},
		{
			name:       "429 whose Retry-After passes the deadline",
			fault:      &faults.Fault{Kind: faults.Status, Status: 429, ErrorCode: "RATE_LIMITED_TOKEN_BUCKET", RetryAfter: "30"},
			timeout:    2 * time.Second,
			wantLog:    []string{"error_code=RATE_LIMITED_TOKEN_BUCKET", "would pass the deadline"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "429 asking for a day pauses the project for atlas.MaxPause at most",
			fault:      &faults.Fault{Kind: faults.Status, Status: 429, RetryAfter: "86400", Times: 1},
			timeout:    2 * time.Second,
			wantLog:    []string{"error_code=RATE_LIMITED_TOKEN_BUCKET", "would pass the deadline"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "a 500 that echoes the request's credentials and URLs is logged redacted",
			fault:      &faults.Fault{Kind: faults.Echo},
			wantLog:    []string{"status=500", "Authorization: <secret>"},
			badTargets: []string{harness.ClusterName},
			prepare: func(t *testing.T, h *harness.Harness) func(*testing.T) {
				return func(t *testing.T) {
					if logs := h.Logs.String(); strings.Contains(logs, "Digest username") || strings.Contains(logs, "restore.example.invalid") {
						t.Errorf("an echoed secret reached the log:\n%s", logs)
					}
				}
			},
		},
		{
			name:      "an empty timestamp costs its series, not the page",
			okTargets: []string{harness.ClusterName},
			wantJobs:  []string{harness.ExampleJobID, "6b7789aa80eef5354c77ee41"},
			wantLog:   []string{"is not a time", `field="created=\"\""`},
			prepare: func(t *testing.T, h *harness.Harness) func(*testing.T) {
				h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).
					Set("id", "6b7789aa80eef5354c77ee41").Set("created", ""))
				return func(*testing.T) {}
			},
		},
		{
			name:      "a pinned job ID in capitals is the job Atlas lists",
			opts:      harness.Options{Targets: harness.Pinned(strings.ToUpper(harness.ExampleJobID))},
			okTargets: []string{harness.ClusterName},
			wantJobs:  []string{harness.ExampleJobID},
		},
		{
			name:      "a hung first attempt is cut at half the deadline and retried",
			fault:     &faults.Fault{Kind: faults.Hang, Times: 1},
			timeout:   4 * time.Second,
			okTargets: []string{harness.ClusterName},
			wantJobs:  []string{harness.ExampleJobID},
		},
		{
			name:      "429 whose Retry-After fits waits and succeeds",
			fault:     &faults.Fault{Kind: faults.Status, Status: 429, RetryAfter: "1", Times: 1},
			timeout:   5 * time.Second,
			okTargets: []string{harness.ClusterName},
			wantJobs:  []string{harness.ExampleJobID},
		},
		{
			name:       "persistent 503",
			fault:      &faults.Fault{Kind: faults.Status, Status: 503},
			wantLog:    []string{"status=503", "gave up after 4 attempts"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "connection reset every time",
			fault:      &faults.Fault{Kind: faults.Reset},
			wantLog:    []string{"gave up after 4 attempts"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "API slower than the deadline",
			latency:    10 * time.Second,
			timeout:    time.Second,
			wantLog:    []string{"context deadline exceeded", "did not answer within the scrape deadline"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "headers that never come",
			fault:      &faults.Fault{Kind: faults.Hang},
			timeout:    time.Second,
			wantLog:    []string{"context deadline exceeded"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "truncated JSON",
			fault:      &faults.Fault{Kind: faults.Truncated},
			wantLog:    []string{"decode response: jsontext: unexpected EOF"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "malformed JSON",
			fault:      &faults.Fault{Kind: faults.Malformed},
			wantLog:    []string{"decode response: jsontext: invalid character"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "406 for a missing API version",
			fault:      &faults.Fault{Kind: faults.Status, Status: 406, ErrorCode: "INVALID_VERSION"},
			wantLog:    []string{"status=406", "error_code=INVALID_VERSION"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "429 without Retry-After, persistent",
			fault:      &faults.Fault{Kind: faults.Status, Status: 429},
			timeout:    2 * time.Second,
			wantLog:    []string{"status=429", "error_code=RATE_LIMITED_TOKEN_BUCKET"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "persistent 502",
			fault:      &faults.Fault{Kind: faults.Status, Status: 502},
			wantLog:    []string{"status=502", "gave up after 4 attempts"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "500 is not retried",
			fault:      &faults.Fault{Kind: faults.Status, Status: 500},
			wantLog:    []string{"status=500", "error_code=UNEXPECTED_ERROR"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "connection reset mid-body",
			fault:      &faults.Fault{Kind: faults.ResetMidBody},
			wantLog:    []string{"gave up after 4 attempts"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "body slower than the deadline",
			fault:      &faults.Fault{Kind: faults.SlowBody, Delay: time.Second},
			timeout:    time.Second,
			wantLog:    []string{"context deadline exceeded"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "wrong content type",
			fault:      &faults.Fault{Kind: faults.WrongContentType},
			wantLog:    []string{`unexpected content type \"text/html; charset=utf-8\"`},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:       "connection refused",
			opts:       harness.Options{BaseURL: "http://127.0.0.1:1/api/atlas/v1.0"},
			wantLog:    []string{"connection refused", "gave up after 4 attempts"},
			badTargets: []string{harness.ClusterName},
		},
		{
			name:      "stale Digest nonce is answered with the fresh challenge",
			okTargets: []string{harness.ClusterName},
			wantJobs:  []string{harness.ExampleJobID},
			prepare: func(t *testing.T, h *harness.Harness) func(*testing.T) {
				h.Scrape(t, 0) // the exporter holds a nonce
				h.Sim.ExpireNonces()
				before := h.Sim.Stats().Challenges
				return func(t *testing.T) {
					if got := h.Sim.Stats().Challenges - before; got != 1 {
						t.Errorf("%d challenges after the nonce went stale, want exactly 1", got)
					}
				}
			},
		},
		{
			name:      "expired OAuth token is replaced once",
			opts:      harness.Options{ServiceAccount: true},
			okTargets: []string{harness.ClusterName},
			wantJobs:  []string{harness.ExampleJobID},
			prepare: func(t *testing.T, h *harness.Harness) func(*testing.T) {
				h.Scrape(t, 0) // the exporter holds a token it believes good for an hour
				h.Sim.ExpireTokens()
				before := h.Sim.Stats().TokenRequests
				return func(t *testing.T) {
					if got := h.Sim.Stats().TokenRequests - before; got != 1 {
						t.Errorf("%d token requests after the token expired, want exactly 1", got)
					}
				}
			},
		},
		{
			name: "a list whose every page is its first, next link included, ends at the first repeat",
			opts: harness.Options{PageSize: 1},
			// Every page answers as page 1: with two jobs listed, one a page, page 2 repeats it.
			fault:      &faults.Fault{Kind: faults.SamePage, Route: atlastest.RouteRestoreJobs},
			wantLog:    []string{"repeats earlier pages; the list does not end"},
			badTargets: []string{harness.ClusterName},
			prepare: func(t *testing.T, h *harness.Harness) func(*testing.T) {
				h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", "6b7789aa80eef5354c77ee51"))
				return func(t *testing.T) {
					// totalCount 2 at one a page: the count's two pages and the one that repeats.
					if got := h.Sim.Requests(atlastest.RouteRestoreJobs); got > 3 {
						t.Errorf("%d list requests for a list of two pages that never ends, want at most 3", got)
					}
				}
			},
		},
		{
			name:  "collection restores failing (500) keep the cluster's restore jobs fresh",
			opts:  harness.Options{Root: atlastest.RootAtlasV2, Targets: cloudTarget(), Jobs: config.Jobs{CollectionRestores: true}},
			fault: &faults.Fault{Kind: faults.Status, Status: 500, Route: atlas.RouteCollectionRestoreJobs},
			wantLog: []string{"Reading collection restore jobs failed; the cluster's restore jobs are unaffected",
				"error_code=UNEXPECTED_ERROR"},
			okTargets: []string{harness.ClusterName},
			wantJobs:  []string{"65a1b2c3d4e5f60718293a4b"},
			values:    []series{{"mongodbatlas_collection_restore_scrape_success", harness.Target(harness.ClusterName), 0}},
			prepare: func(t *testing.T, h *harness.Harness) func(*testing.T) {
				h.Sim.PutCloudBackupJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureCloudReady))
				return func(*testing.T) {}
			},
		},
		{
			name:       "oversized body",
			fault:      &faults.Fault{Kind: faults.Oversized, Size: 17 << 20},
			wantLog:    []string{"response body exceeds the size limit"},
			badTargets: []string{harness.ClusterName},
		},
	}
	for _, mode := range []string{"metrics", "probe"} {
		for _, c := range cases {
			t.Run(mode+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				testFailingTarget(t, mode, c)
			})
		}
	}
}

// series is one sample a row expects.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

// failureCase is one row of the bad-input table.
type failureCase struct {
	name       string
	opts       harness.Options
	fault      *faults.Fault
	latency    time.Duration
	timeout    time.Duration
	wantLog    []string
	okTargets  []string // clusters whose scrape_success must be 1
	badTargets []string // clusters whose scrape_success must be 0
	wantJobs   []string // jobs still exported
	values     []series // further series the row's fault decides
	// prepare, when set, runs before the scrape under test and returns the row's own check.
	prepare func(t *testing.T, h *harness.Harness) (check func(*testing.T))
}

func testFailingTarget(t *testing.T, mode string, c failureCase) {
	// Kept back to answer in: a loaded two-core machine (the race detector, the rest of the suite)
	// has taken 180 ms to answer after the round's deadline, past a 100 ms offset.
	c.opts.Server.TimeoutOffset = 250 * time.Millisecond
	h := harness.New(t, c.opts)
	h.Sim.AddCluster(harness.GroupID, "Missing-not") // unrelated cluster; "Missing" stays unknown
	if c.fault != nil {
		faults.Inject(h.Sim, *c.fault)
	}
	check := func(*testing.T) {}
	if c.prepare != nil {
		check = c.prepare(t, h)
	}
	h.Sim.SetLatency(c.latency)
	start := time.Now()
	var fams map[string]*dto.MetricFamily
	if mode == "probe" {
		fams = h.ProbeTarget(t, c.timeout)
	} else {
		fams = h.Scrape(t, c.timeout)
	}
	if c.timeout > 0 {
		if took := time.Since(start); took > c.timeout {
			t.Errorf("scrape took %v, past Prometheus's %v timeout", took, c.timeout)
		}
	}
	wantUp := 1.0
	if len(c.badTargets) > 0 {
		wantUp = 0
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != wantUp {
		t.Errorf("up = %v, want %v", v, wantUp)
	}
	for _, cl := range c.okTargets {
		if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(cl)); v != 1 {
			t.Errorf("scrape_success{%s} = %v, want 1", cl, v)
		}
	}
	for _, cl := range c.badTargets {
		if v := harness.MustValue(t, fams, "mongodbatlas_scrape_success", harness.Target(cl)); v != 0 {
			t.Errorf("scrape_success{%s} = %v, want 0", cl, v)
		}
	}
	for _, id := range c.wantJobs {
		harness.MustValue(t, fams, "mongodbatlas_restore_job_info", harness.Job(id))
	}
	for _, s := range c.values {
		if v := harness.MustValue(t, fams, s.name, s.labels); v != s.value {
			t.Errorf("%s%v = %v, want %v", s.name, s.labels, v, s.value)
		}
	}
	if len(c.wantJobs) == 0 {
		if n := len(fams["mongodbatlas_restore_job_info"].GetMetric()); n != 0 {
			t.Errorf("%d jobs exported from a failed read", n)
		}
	}
	// A round logs as it ends, which a scrape that gave up at its deadline may not wait for.
	logs := h.WaitLogs(t, `msg="Scraping target failed"`, len(c.badTargets))
	if len(c.badTargets) > 0 {
		if n := strings.Count(logs, `msg="Scraping target failed"`); n != len(c.badTargets) {
			t.Errorf("%d failure lines for %d failed targets:\n%s", n, len(c.badTargets), logs)
		}
	}
	for _, want := range c.wantLog {
		// Lines of a target that did not fail (a collection read's) come after the answer too.
		if logs = h.WaitLogs(t, want, 1); !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	check(t)
}

func TestKeepsServingAfterAFailure(t *testing.T) {
	h := harness.New(t, harness.Options{})
	// A key revoked for one request: the Digest transport answers a fresh challenge once, so the
	// request meets two 401s before it fails.
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 401, Route: atlastest.RouteRestoreJobs, Times: 2})
	if v := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_up", nil); v != 0 {
		t.Fatalf("up = %v during the fault", v)
	}
	if v := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_up", nil); v != 1 {
		t.Errorf("up = %v after the fault cleared", v)
	}
}

func TestConcurrentScrapesShareOneRound(t *testing.T) {
	h := harness.New(t, harness.Options{})
	h.Sim.SetLatency(300 * time.Millisecond)
	h.Scrape(t, 0) // warm the Digest challenge so each round is exactly one request
	before := h.Sim.Requests(atlastest.RouteRestoreJobs)

	const scrapers = 5
	var wg sync.WaitGroup
	ups := make([]float64, scrapers)
	for i := range scrapers {
		wg.Go(func() { ups[i] = harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_up", nil) })
	}
	wg.Wait()
	for i, up := range ups {
		if up != 1 {
			t.Errorf("scraper %d saw up = %v", i, up)
		}
	}
	// Started within a few milliseconds of each other, all five land in one 300ms round; a slow
	// machine may split them into two, never five.
	if got := h.Sim.Requests(atlastest.RouteRestoreJobs) - before; got < 1 || got > 2 {
		t.Errorf("%d concurrent scrapes made %d list requests, want them to share a round", scrapers, got)
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	// Twelve clusters, one list read each.
	var targets []config.Target
	for i := range 12 {
		targets = append(targets, config.Target{GroupID: harness.GroupID, ClusterName: fmt.Sprintf("c%d", i)})
	}
	h := harness.New(t, harness.Options{Targets: targets, Concurrency: 3})
	for _, tg := range targets {
		h.Sim.PutJob(harness.GroupID, tg.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery))
	}
	h.Scrape(t, 0) // warm up
	h.Sim.SetLatency(100 * time.Millisecond)
	fams := h.Scrape(t, 0)
	if n := len(fams["mongodbatlas_restore_job_info"].GetMetric()); n != 12 {
		t.Fatalf("%d jobs exported, want 12", n)
	}
	if got := h.Sim.MaxInFlight(); got > 3 {
		t.Errorf("%d requests in flight at once, want at most 3", got)
	}
	if got := h.Sim.MaxInFlight(); got < 2 {
		t.Errorf("only %d request in flight at once; reads are not concurrent", got)
	}
}

// A long list reads its pages concurrently, and they count against the same bound as the
// workers reading the other clusters.
func TestLongListPagesShareTheScrapeBound(t *testing.T) {
	targets := []config.Target{{GroupID: harness.GroupID, ClusterName: harness.ClusterName}}
	for i := range 4 {
		targets = append(targets, config.Target{GroupID: harness.GroupID, ClusterName: fmt.Sprintf("c%d", i)})
	}
	h := harness.New(t, harness.Options{Targets: targets, Concurrency: 3, PageSize: 10})
	for i := range 79 { // with the example job, eight pages of ten
		h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", fmt.Sprintf("6e%022x", i)))
	}
	for _, tg := range targets[1:] {
		h.Sim.PutJob(harness.GroupID, tg.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery))
	}
	h.Sim.SetLatency(50 * time.Millisecond)
	fams := h.Scrape(t, 0)
	if n := len(fams["mongodbatlas_restore_job_info"].GetMetric()); n != 84 {
		t.Fatalf("%d jobs exported, want 84", n)
	}
	if got := h.Sim.Requests(atlastest.RouteRestoreJobs); got != 12 {
		t.Errorf("%d list requests, want 12 (8 pages and 4 single-page clusters)", got)
	}
	if got := h.Sim.MaxInFlight(); got > 3 || got < 2 {
		t.Errorf("%d requests in flight at once, want 2 or 3 under a bound of 3", got)
	}
}

func TestAPIRequestsAreCounted(t *testing.T) {
	h := harness.New(t, harness.Options{})
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 503, Times: 1})
	fams := h.Scrape(t, 0)
	for code, want := range map[string]float64{"503": 1, "200": 1} {
		got := harness.MustValue(t, fams, "mongodbatlas_api_requests_total",
			map[string]string{"endpoint": atlas.RouteRestoreJobs, "code": code})
		if got != want {
			t.Errorf("api_requests_total{code=%s} = %v, want %v", code, got, want)
		}
	}
}
