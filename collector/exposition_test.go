package collector_test

import (
	"flag"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
)

// jobMetricNames are every per-job and per-target metric of the contract; scrape duration is left
// out of golden comparisons because its value differs on each run.
var jobMetricNames = []string{
	"mongodbatlas_restore_job_info",
	"mongodbatlas_restore_job_status",
	"mongodbatlas_restore_job_delivery_status",
	"mongodbatlas_restore_job_delivery_expiry_timestamp_seconds",
	"mongodbatlas_restore_job_delivery_validity_seconds",
	"mongodbatlas_restore_job_delivery_max_downloads",
	"mongodbatlas_restore_job_delivery_downloaded",
	"mongodbatlas_restore_job_encryption_enabled",
	"mongodbatlas_restore_job_created_timestamp_seconds",
	"mongodbatlas_restore_job_snapshot_timestamp_seconds",
	"mongodbatlas_restore_last_success_timestamp_seconds",
	"mongodbatlas_scrape_success",
	"mongodbatlas_up",
}

// update rewrites the golden file from what /metrics serves: go test ./collector/ -run Golden -update
var update = flag.Bool("update", false, "rewrite testdata/example.prom from what /metrics serves")

// golden is the exposition of the documentation's example job, as /metrics serves it.
const golden = "testdata/example.prom"

// /metrics is diffed against a committed file, as node_exporter diffs its e2e-output.txt: the
// text users get, written by the real handler, for the documentation's example job. The file was
// first written by hand from that example; -update rewrites it after a deliberate change.
func TestMetricsGolden(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"list", "pinned"} {
		t.Run(mode, func(t *testing.T) {
			if !*update { // the pinned run reads what the list run rewrites
				t.Parallel()
			}
			o := harness.Options{}
			if mode == "pinned" {
				o.Targets = harness.Pinned(harness.ExampleJobID)
			}
			h := harness.New(t, o)
			raw, _ := h.ScrapeRaw(t, 5*time.Second)
			got := families(raw, jobMetricNames)
			if *update && mode == "list" {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("/metrics differs from %s (rerun with -update after a deliberate change):\n%s", golden, lineDiff(string(want), got))
			}
		})
	}
}

// families keeps the lines of an exposition that belong to the named families, in served order.
func families(exposition string, names []string) string {
	var b strings.Builder
	for line := range strings.Lines(exposition) {
		name := line
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			name = rest
		} else if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name = rest
		}
		if i := strings.IndexAny(name, "{ "); i >= 0 {
			name = name[:i]
		}
		if slices.Contains(names, name) {
			b.WriteString(line)
		}
	}
	return b.String()
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	count := map[string]int{}
	for l := range strings.Lines(want) {
		count[l]++
	}
	for l := range strings.Lines(got) {
		count[l]--
	}
	var b strings.Builder
	for l, n := range count {
		if n == 0 {
			continue
		}
		for ; n > 0; n-- {
			b.WriteString("- " + l)
		}
		for ; n < 0; n++ {
			b.WriteString("+ " + l)
		}
	}
	if b.Len() == 0 {
		return "the same lines in another order"
	}
	return b.String()
}

// What /metrics serves, the target data and the self-metrics, passes promlint.
func TestExpositionPassesPromlint(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress))
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery))
	raw, _ := h.ScrapeRaw(t, 5*time.Second)
	problems, err := promlint.New(strings.NewReader(raw)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func TestOptionalFieldsMissing(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	const queryID = "6c0000000000000000000002"
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery))
	noDelivery := atlastest.LoadJob(atlastest.FixtureQuery).Set("id", "6c0000000000000000000009").
		Delete("delivery").Delete("encryptionEnabled").Delete("created").Delete("timestamp")
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, noDelivery)
	fams := h.Scrape(t, 0)

	for _, absent := range []string{
		"mongodbatlas_restore_job_delivery_expiry_timestamp_seconds",
		"mongodbatlas_restore_job_delivery_validity_seconds",
		"mongodbatlas_restore_job_delivery_max_downloads",
	} {
		if _, ok := harness.Value(fams, absent, harness.Job(queryID)); ok {
			t.Errorf("%s present for a QUERY delivery, which has no such field", absent)
		}
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_delivery_status", harness.WithStatus(harness.Job(queryID), "READY")); v != 1 {
		t.Errorf("QUERY delivery READY = %v", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_delivery_downloaded", harness.Job(queryID)); v != 0 {
		t.Errorf("downloaded = %v without hashes", v)
	}
	info := map[string]string{"restore_job_id": queryID, "delivery_method": "QUERY", "point_in_time": "", "batch_id": ""}
	harness.MustValue(t, fams, "mongodbatlas_restore_job_info", info)

	bare := harness.Job("6c0000000000000000000009")
	for _, absent := range []string{
		"mongodbatlas_restore_job_delivery_status",
		"mongodbatlas_restore_job_encryption_enabled",
		"mongodbatlas_restore_job_created_timestamp_seconds",
		"mongodbatlas_restore_job_snapshot_timestamp_seconds",
	} {
		if _, ok := harness.Value(fams, absent, bare); ok {
			t.Errorf("%s present for a job without the field", absent)
		}
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(bare, "FINISHED")); v != 1 {
		t.Errorf("status of a job without delivery = %v", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_up", nil); v != 1 {
		t.Errorf("up = %v; missing optional fields are not a failure", v)
	}
}

func TestFractionalTimestampsKept(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress))
	fams := h.Scrape(t, 0)
	const id = "6c0000000000000000000001"
	// 2026-11-20T08:30:00.250Z and 2026-11-20T09:00:00.123Z
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_snapshot_timestamp_seconds", harness.Job(id)); math.Abs(v-1795163400.25) > 1e-6 {
		t.Errorf("snapshot timestamp = %v", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_created_timestamp_seconds", harness.Job(id)); math.Abs(v-1795165200.123) > 1e-6 {
		t.Errorf("created timestamp = %v", v)
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_encryption_enabled", harness.Job(id)); v != 1 {
		t.Errorf("encryption = %v", v)
	}
}

func TestUndocumentedStatusIsExportedAndLoggedOnce(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	odd := atlastest.LoadJob(atlastest.FixtureDocsExample).Set("statusName", "QUEUED").Set("delivery.statusName", "ARCHIVED")
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, odd)
	var fams = h.Scrape(t, 0)
	h.Scrape(t, 0)

	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(harness.Job(harness.ExampleJobID), "QUEUED")); v != 1 {
		t.Errorf("undocumented job status = %v, want its own series at 1", v)
	}
	for _, s := range []string{"FINISHED", "IN_PROGRESS", "BROKEN", "KILLED"} {
		if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(harness.Job(harness.ExampleJobID), s)); v != 0 {
			t.Errorf("documented status %s = %v", s, v)
		}
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_delivery_status", harness.WithStatus(harness.Job(harness.ExampleJobID), "ARCHIVED")); v != 1 {
		t.Errorf("undocumented delivery status = %v", v)
	}
	logs := h.Logs.String()
	for _, v := range []string{"value=QUEUED", "value=ARCHIVED"} {
		if n := strings.Count(logs, v); n != 1 {
			t.Errorf("%s logged %d times over two scrapes, want once:\n%s", v, n, logs)
		}
	}
}

func TestJobThatDisappearsUpstreamDisappears(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	if _, ok := harness.Value(h.Scrape(t, 0), "mongodbatlas_restore_job_info", harness.Job(harness.ExampleJobID)); !ok {
		t.Fatal("example job missing")
	}
	h.Sim.DeleteJob(harness.GroupID, harness.ClusterName, harness.ExampleJobID)
	if _, ok := harness.Value(h.Scrape(t, 0), "mongodbatlas_restore_job_info", harness.Job(harness.ExampleJobID)); ok {
		t.Error("deleted job still exported")
	}
}

func TestLongLabelValuesAreBounded(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	long := strings.Repeat("X", 500) + "\xff"
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureDocsExample).Set("statusName", long))
	fams := h.Scrape(t, 0)
	for _, m := range fams["mongodbatlas_restore_job_status"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if len(lp.GetValue()) > 128 {
				t.Errorf("label %s is %d bytes long", lp.GetName(), len(lp.GetValue()))
			}
		}
	}
}

// Two job IDs that share their first 128 characters stay two series: a cut value keeps a hash
// of the whole one.
func TestCutLabelValuesStayDistinct(t *testing.T) {
	t.Parallel()
	h := harness.New(t, harness.Options{})
	prefix := strings.Repeat("a", 130)
	for _, id := range []string{prefix + "1", prefix + "2"} {
		h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", id))
	}
	fams := h.Scrape(t, 0)
	seen := map[string]bool{}
	for _, m := range fams["mongodbatlas_restore_job_info"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "restore_job_id" {
				if len(lp.GetValue()) > 128 {
					t.Errorf("restore_job_id is %d bytes long", len(lp.GetValue()))
				}
				seen[lp.GetValue()] = true
			}
		}
	}
	if len(seen) != 3 { // the example job and the two long ones
		t.Errorf("%d distinct job IDs exported, want 3: %v", len(seen), seen)
	}
}
