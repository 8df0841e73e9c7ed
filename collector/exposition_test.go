package collector_test

import (
	"context"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
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

// The expected text in testdata/seed.prom is written by hand from the seed document's example.
func TestSeedExampleExposition(t *testing.T) {
	for _, mode := range []string{"list", "pinned"} {
		t.Run(mode, func(t *testing.T) {
			o := harness.Options{}
			if mode == "pinned" {
				o.Targets = harness.Pinned(harness.SeedJobID)
			}
			h := harness.New(t, o)
			want, err := os.Open("testdata/seed.prom")
			if err != nil {
				t.Fatal(err)
			}
			defer want.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := testutil.CollectAndCompare(h.Metrics.Collector(ctx, h.Scraper), want, jobMetricNames...); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestExpositionPassesPromlint(t *testing.T) {
	h := harness.New(t, harness.Options{})
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureInProgress))
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	problems, err := testutil.CollectAndLint(h.Metrics.Collector(ctx, h.Scraper))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	// The self-metrics are linted too: they are part of every scrape.
	problems, err = testutil.GatherAndLint(h.Reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint (self): %s: %s", p.Metric, p.Text)
	}
}

func TestOptionalFieldsMissing(t *testing.T) {
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
	h := harness.New(t, harness.Options{})
	odd := atlastest.LoadJob(atlastest.FixtureSeed).Set("statusName", "QUEUED").Set("delivery.statusName", "ARCHIVED")
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, odd)
	var fams = h.Scrape(t, 0)
	h.Scrape(t, 0)

	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(harness.Job(harness.SeedJobID), "QUEUED")); v != 1 {
		t.Errorf("undocumented job status = %v, want its own series at 1", v)
	}
	for _, s := range []string{"FINISHED", "IN_PROGRESS", "BROKEN", "KILLED"} {
		if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_status", harness.WithStatus(harness.Job(harness.SeedJobID), s)); v != 0 {
			t.Errorf("documented status %s = %v", s, v)
		}
	}
	if v := harness.MustValue(t, fams, "mongodbatlas_restore_job_delivery_status", harness.WithStatus(harness.Job(harness.SeedJobID), "ARCHIVED")); v != 1 {
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
	h := harness.New(t, harness.Options{})
	if _, ok := harness.Value(h.Scrape(t, 0), "mongodbatlas_restore_job_info", harness.Job(harness.SeedJobID)); !ok {
		t.Fatal("seed job missing")
	}
	h.Sim.DeleteJob(harness.GroupID, harness.ClusterName, harness.SeedJobID)
	if _, ok := harness.Value(h.Scrape(t, 0), "mongodbatlas_restore_job_info", harness.Job(harness.SeedJobID)); ok {
		t.Error("deleted job still exported")
	}
}

func TestLongLabelValuesAreBounded(t *testing.T) {
	h := harness.New(t, harness.Options{})
	long := strings.Repeat("X", 500) + "\xff"
	h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureSeed).Set("statusName", long))
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
	if len(seen) != 3 { // the seed job and the two long ones
		t.Errorf("%d distinct job IDs exported, want 3: %v", len(seen), seen)
	}
}
