package server_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest/faults"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
)

// recordSince is the window's start in the record tests: the example job (2018) is older.
const recordSince = "2026-01-01T00:00:00Z"

// row is one restore as the record must show it, computed by the test from the wire documents.
type row struct {
	cluster, id, kind, outcome, started, finished, duration, snapshot, targetGroup, targetCluster string
}

func str(j atlastest.Job, path string) string {
	var v any = map[string]any(j)
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

func flag(j atlastest.Job, k string) bool { b, _ := j[k].(bool); return b }

func rfc(s string) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func diff(start, end string) string {
	if start == "" || end == "" {
		return ""
	}
	a, _ := time.Parse(time.RFC3339Nano, start)
	b, _ := time.Parse(time.RFC3339Nano, end)
	return strconv.FormatFloat(b.Sub(a).Seconds(), 'f', -1, 64)
}

// legacyRow reads a legacy job as the contract says: statusName and delivery.statusName give the
// outcome, a delivery into a cluster is a restore, created is the start, and there is no finish.
func legacyRow(cluster string, j atlastest.Job) row {
	outcome := map[string]string{"BROKEN": "failed", "KILLED": "cancelled", "FINISHED": "succeeded"}[str(j, "statusName")]
	if outcome == "" {
		outcome = "in_progress"
	}
	if ds := str(j, "delivery.statusName"); outcome == "succeeded" && (ds == "FAILED" || ds == "INTERRUPTED") {
		outcome = "failed"
	}
	kind := "download"
	if str(j, "delivery.methodName") == "AUTOMATED_RESTORE" || str(j, "delivery.targetClusterName") != "" {
		kind = "restore"
	}
	return row{cluster, str(j, "id"), kind, outcome, rfc(str(j, "created")), "", "", str(j, "snapshotId"),
		str(j, "delivery.targetGroupId"), str(j, "delivery.targetClusterName")}
}

// cloudRow reads a Cloud Backup job: its booleans and times give the outcome, deliveryType the
// kind, the ObjectID's first four bytes the start.
func cloudRow(cluster string, j atlastest.Job) row {
	outcome := "in_progress"
	switch {
	case flag(j, "failed"):
		outcome = "failed"
	case flag(j, "cancelled"):
		outcome = "cancelled"
	case flag(j, "expired"), str(j, "finishedAt") != "", str(j, "deliveryType") == "download" && str(j, "expiresAt") != "":
		outcome = "succeeded"
	}
	kind := "restore"
	if str(j, "deliveryType") == "download" {
		kind = "download"
	}
	secs, _ := strconv.ParseInt(str(j, "id")[:8], 16, 64)
	started := time.Unix(secs, 0).UTC().Format(time.RFC3339Nano)
	finished := rfc(str(j, "finishedAt"))
	return row{cluster, str(j, "id"), kind, outcome, started, finished, diff(started, finished), str(j, "snapshotId"),
		str(j, "targetGroupId"), str(j, "targetClusterName")}
}

// flexRow reads a Flex job: status and deliveryType, restoreScheduledDate to restoreFinishedDate.
func flexRow(cluster string, j atlastest.Job) row {
	outcome := map[string]string{"COMPLETED": "succeeded", "FAILED": "failed"}[str(j, "status")]
	if outcome == "" {
		outcome = "in_progress"
	}
	kind := map[string]string{"RESTORE": "restore", "DOWNLOAD": "download"}[str(j, "deliveryType")]
	started, finished := rfc(str(j, "restoreScheduledDate")), rfc(str(j, "restoreFinishedDate"))
	return row{cluster, str(j, "id"), kind, outcome, started, finished, diff(started, finished), str(j, "snapshotId"),
		str(j, "targetProjectId"), str(j, "targetDeploymentItemName")}
}

// recordWorld puts a legacy, a Cloud Backup and a Flex cluster in the simulator, each with
// succeeded, failed, cancelled and in-progress restores and downloads, and returns the rows the
// record must hold since recordSince.
func recordWorld(t *testing.T) (*harness.Harness, map[string]row) {
	t.Helper()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	want := map[string]row{}
	at := func(s string) string { return s }

	// The example job (2018) is older than the window. The harness puts it on Cluster0.
	legacy := []atlastest.Job{
		atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6c0000000000000000000011").Set("created", at("2026-11-20T09:00:00.123Z")),
		atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6c0000000000000000000012").Set("created", at("2026-11-21T09:00:00Z")).
			Set("statusName", "BROKEN").Set("delivery.statusName", "FAILED"),
		atlastest.LoadJob(atlastest.FixtureInProgress).Set("id", "6c0000000000000000000013").Set("created", at("2026-11-22T09:00:00Z")).
			Set("statusName", "KILLED"),
		atlastest.LoadJob(atlastest.FixtureQuery).Set("id", "6c0000000000000000000014").Set("created", at("2026-11-23T09:00:00Z")).
			Set("delivery.methodName", "AUTOMATED_RESTORE").Set("delivery.targetClusterName", "Cluster0-copy").
			Set("delivery.targetGroupId", harness.GroupID),
		atlastest.LoadJob(atlastest.FixtureQuery).Set("id", "6c0000000000000000000015").Set("created", at("2026-11-24T09:00:00Z")),
	}
	for _, j := range legacy {
		sim.PutJob(harness.GroupID, harness.ClusterName, j)
		want[j.ID()] = legacyRow(harness.ClusterName, j)
	}
	// Cloud Backup IDs begin with their creation second, as Atlas's do: 0x6b0a2c40 is 2026-11-28T01:20:00Z.
	cloud := []atlastest.Job{
		atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", "6b0a2c400000000000000021").Set("finishedAt", "2026-11-28T02:00:00Z"),
		atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", "6b0a2c400000000000000022"),
		atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", "6b0a2c400000000000000023").Delete("finishedAt").Set("failed", true),
		atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", "6b0a2c400000000000000024").Delete("finishedAt").Set("cancelled", true),
		atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", "6b0a2c400000000000000025").Delete("finishedAt"),
		atlastest.LoadJob(atlastest.FixtureCloudReady).Set("id", "6b0a2c400000000000000026").Set("expired", true).Set("deliveryUrl", []any{}),
	}
	for _, j := range cloud {
		sim.PutCloudBackupJob(harness.GroupID, "Cloud", j)
		want[j.ID()] = cloudRow("Cloud", j)
	}
	// A Cloud Backup job from before the window: its ID says 2025-06-01.
	sim.PutCloudBackupJob(harness.GroupID, "Cloud", atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", "683b98800000000000000027"))
	flex := []atlastest.Job{
		atlastest.LoadJob(atlastest.FixtureFlexRunning).Set("id", "66b1c2d3e4f5a60718293a61").Set("status", "COMPLETED").
			Set("restoreFinishedDate", "2026-11-30T08:17:42Z"),
		atlastest.LoadJob(atlastest.FixtureFlexRunning).Set("id", "66b1c2d3e4f5a60718293a62").Set("status", "FAILED").
			Set("restoreScheduledDate", "2026-11-30T09:00:00Z").Set("restoreFinishedDate", "2026-11-30T09:01:00Z"),
		atlastest.LoadJob(atlastest.FixtureFlexRunning).Set("id", "66b1c2d3e4f5a60718293a63").Set("restoreScheduledDate", "2026-12-01T09:00:00Z"),
		atlastest.LoadJob(atlastest.FixtureFlexDownload).Set("id", "66b1c2d3e4f5a60718293a64"),
	}
	for _, j := range flex {
		sim.PutFlexJob(harness.GroupID, "Flex", j)
		want[j.ID()] = flexRow("Flex", j)
	}
	sim.PutFlexJob(harness.GroupID, "Flex", atlastest.LoadJob(atlastest.FixtureFlexRunning).Set("id", "66b1c2d3e4f5a60718293a65").
		Set("restoreScheduledDate", "2025-12-31T23:59:59Z"))
	sim.SetBackup(harness.GroupID, "Unprotected", atlastest.Backup{Enabled: false})

	day := model.Duration(24 * time.Hour)
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Targets: []config.Target{
		{GroupID: harness.GroupID, ClusterName: harness.ClusterName, API: config.APILegacy, DrillInterval: 30 * day, RTO: model.Duration(time.Hour)},
		{GroupID: harness.GroupID, DrillInterval: 30 * day, RTO: model.Duration(time.Hour), RPO: day},
	}})
	return h, want
}

// With one legacy, one Cloud Backup and one Flex cluster, /recovery.json and /recovery.csv hold
// exactly the rows the simulator's documents imply, each computed above from the wire documents
// without the exporter's code: no more (the example job and the others older than since are left
// out), no fewer, no field different; and no delivery URL.
func TestRecoveryRecordHoldsExactlyTheRestores(t *testing.T) {
	t.Parallel()
	h, want := recordWorld(t)
	status, body := testkit.Get(t, h.Srv.URL+"/recovery.json?since="+recordSince)
	if status != http.StatusOK {
		t.Fatalf("/recovery.json answered %d: %s", status, body)
	}
	var rec struct {
		GeneratedAt string `json:"generated_at"`
		Since       string `json:"since"`
		Clusters    []struct {
			GroupID       string           `json:"group_id"`
			ClusterName   string           `json:"cluster_name"`
			Family        string           `json:"family"`
			BackupEnabled *bool            `json:"backup_enabled"`
			RTO           *float64         `json:"rto_seconds"`
			Restores      []map[string]any `json:"restores"`
		} `json:"clusters"`
	}
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatalf("decode: %v\n%s", err, body)
	}
	if rec.Since != recordSince {
		t.Errorf("since %q, want %q", rec.Since, recordSince)
	}
	cell := func(m map[string]any, k string) string {
		switch v := m[k].(type) {
		case nil:
			return ""
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case string:
			return v
		}
		return fmt.Sprint(m[k])
	}
	got := map[string]row{}
	families := map[string]string{}
	for _, c := range rec.Clusters {
		families[c.ClusterName] = c.Family
		for _, r := range c.Restores {
			id := cell(r, "restore_job_id")
			if _, dup := got[id]; dup {
				t.Errorf("restore %s listed twice", id)
			}
			got[id] = row{c.ClusterName, id, cell(r, "kind"), cell(r, "outcome"), cell(r, "started_at"), cell(r, "finished_at"),
				cell(r, "duration_seconds"), cell(r, "snapshot_id"), cell(r, "target_group_id"), cell(r, "target_cluster_name")}
		}
	}
	compareRows(t, "JSON", got, want)
	for c, f := range map[string]string{harness.ClusterName: "legacy", "Cloud": "cloud_backup", "Flex": "flex", "Unprotected": "cloud_backup"} {
		if families[c] != f {
			t.Errorf("%s: family %q, want %q", c, families[c], f)
		}
	}

	status, body = testkit.Get(t, h.Srv.URL+"/recovery.csv?since="+recordSince)
	if status != http.StatusOK {
		t.Fatalf("/recovery.csv answered %d: %s", status, body)
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := "group_id,cluster_name,restore_job_id,kind,outcome,started_at,finished_at,duration_seconds,snapshot_id,target_group_id,target_cluster_name"
	if len(records) == 0 || strings.Join(records[0], ",") != header {
		t.Fatalf("CSV header %v, want %s", records[:min(1, len(records))], header)
	}
	gotCSV := map[string]row{}
	for _, r := range records[1:] {
		gotCSV[r[2]] = row{r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]}
	}
	compareRows(t, "CSV", gotCSV, want)

	for _, leak := range []string{"placeholder", "restore.example", "X-Restore-Key", "8f1d3d0c"} {
		for name, out := range map[string][]byte{"JSON": mustGet(t, h, "/recovery.json"), "CSV": mustGet(t, h, "/recovery.csv"), "page": mustGet(t, h, "/recovery")} {
			if bytes.Contains(out, []byte(leak)) {
				t.Errorf("the %s record holds %q, from a delivery secret", name, leak)
			}
		}
	}
}

func compareRows(t *testing.T, what string, got, want map[string]row) {
	t.Helper()
	for id, w := range want {
		if g, ok := got[id]; !ok {
			t.Errorf("%s: restore %s (%s) missing", what, id, w.cluster)
		} else if g != w {
			t.Errorf("%s: restore %s\n got %+v\nwant %+v", what, id, g, w)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: restore %s is not in the window or not in the simulator", what, id)
		}
	}
}

func mustGet(t *testing.T, h *harness.Harness, path string) []byte {
	t.Helper()
	status, body := testkit.Get(t, h.Srv.URL+path)
	if status != http.StatusOK {
		t.Fatalf("%s answered %d: %s", path, status, body)
	}
	return body
}

// since= takes a time or a duration back from now; anything else is a 400 that says what it takes.
func TestRecoverySinceParameter(t *testing.T) {
	t.Parallel()
	h, _ := recordWorld(t)
	for _, q := range []string{"since=yesterday", "since=2026-13-01", "since=-5d"} {
		status, body := testkit.Get(t, h.Srv.URL+"/recovery.json?"+q)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "RFC 3339") {
			t.Errorf("%s answered %d: %s", q, status, body)
		}
	}
	// 30 days back from now holds the Flex job of 2026-12-01 only if now is within 30 days of it:
	// compare with an explicit time instead, computed here.
	since := time.Now().Add(-30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	a := mustGet(t, h, "/recovery.csv?since=30d")
	b := mustGet(t, h, "/recovery.csv?since="+since)
	if strings.Count(string(a), "\n") != strings.Count(string(b), "\n") {
		t.Errorf("since=30d and since=%s differ:\n%s\n---\n%s", since, a, b)
	}
	if status, _ := testkit.Get(t, h.Srv.URL+"/recovery.xml"); status != http.StatusNotFound {
		t.Errorf("/recovery.xml answered %d, want 404", status)
	}
}

// The record costs no request beyond a scrape's: it joins the read in flight or makes the same read.
func TestRecoveryRecordCostsAScrape(t *testing.T) {
	t.Parallel()
	h, _ := recordWorld(t)
	h.Scrape(t, 0)
	perScrape := h.Sim.TotalRequests()
	h.Scrape(t, 0)
	perScrape = h.Sim.TotalRequests() - perScrape
	before := h.Sim.TotalRequests()
	mustGet(t, h, "/recovery.json")
	if got := h.Sim.TotalRequests() - before; got != perScrape {
		t.Errorf("/recovery.json made %d requests, a scrape %d", got, perScrape)
	}
}

// The page, rendered by a real headless browser, shows every cluster of the record, every failed
// or cancelled restore marked as such, and each cluster's four verdicts; the verdicts that do not
// depend on today's date are the right ones.
func TestRecoveryPageInABrowser(t *testing.T) {
	t.Parallel()
	browser := testkit.NewBrowser(t)
	h, want := recordWorld(t)
	dom := browser.DOM(t, h.Srv.URL+"/recovery?since="+recordSince)
	var rec struct {
		Clusters []struct {
			GroupID     string `json:"group_id"`
			ClusterName string `json:"cluster_name"`
		} `json:"clusters"`
	}
	if err := json.Unmarshal(mustGet(t, h, "/recovery.json?since="+recordSince), &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Clusters) != 4 {
		t.Fatalf("%d clusters in the record, want 4", len(rec.Clusters))
	}
	sections := strings.Split(dom, `<section class="cluster"`)[1:]
	if len(sections) != len(rec.Clusters) {
		t.Errorf("the page shows %d clusters, the record %d", len(sections), len(rec.Clusters))
	}
	section := map[string]string{}
	for _, s := range sections {
		for _, c := range rec.Clusters {
			if strings.HasPrefix(s, ` id="`+c.GroupID+"/"+c.ClusterName+`"`) {
				section[c.ClusterName] = s
			}
		}
	}
	for _, c := range rec.Clusters {
		s, ok := section[c.ClusterName]
		if !ok {
			t.Errorf("cluster %s is not on the page", c.ClusterName)
			continue
		}
		for _, v := range []string{"protected", "recovery-point", "drill", "recovery-time"} {
			if !regexpFind(s, `data-verdict="`+v+`" data-ok="(ok|bad|unknown)"`) {
				t.Errorf("%s: no %s verdict", c.ClusterName, v)
			}
		}
	}
	for id, r := range want {
		if r.outcome != "failed" && r.outcome != "cancelled" {
			continue
		}
		if !strings.Contains(section[r.cluster], `<tr class="failed" data-restore="`+id+`">`) {
			t.Errorf("failed restore %s of %s is not shown as failed", id, r.cluster)
		}
	}
	verdict := func(cluster, v string) string {
		s := section[cluster]
		i := strings.Index(s, `data-verdict="`+v+`" data-ok="`)
		if i < 0 {
			return ""
		}
		rest := s[i+len(`data-verdict="`+v+`" data-ok="`):]
		return rest[:strings.IndexByte(rest, '"')]
	}
	for _, c := range []struct{ cluster, verdict, want string }{
		{"Unprotected", "protected", "bad"},
		{"Cloud", "protected", "ok"},
		{"Cloud", "recovery-time", "ok"},                  // 40 minutes against an rto of an hour
		{"Flex", "recovery-time", "ok"},                   // 2m42s
		{harness.ClusterName, "recovery-time", "unknown"}, // legacy jobs give no finish time
	} {
		if got := verdict(c.cluster, c.verdict); got != c.want {
			t.Errorf("%s: %s verdict %q, want %q", c.cluster, c.verdict, got, c.want)
		}
	}
	for _, link := range []string{`href="/recovery.json?since=`, `href="/recovery.csv?since=`} {
		if !strings.Contains(dom, link) {
			t.Errorf("the page has no %s link", link)
		}
	}
}

func regexpFind(s, expr string) bool { return regexp.MustCompile(expr).MatchString(s) }

// A cluster whose backups are turned off is no longer read for restore jobs, but its restores
// happened all the same: the record keeps those of its last complete read, dated.
func TestRecordKeepsTheHistoryOfAClusterTurnedOff(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: harness.PublicKey, PrivateKey: harness.PrivateKey})
	sim.SetBackup(harness.GroupID, "Cloud", atlastest.Backup{Enabled: true})
	failed := atlastest.LoadJob(atlastest.FixtureCloudAutomated).Set("id", "6b0a2c400000000000000031").Delete("finishedAt").Set("failed", true)
	sim.PutCloudBackupJob(harness.GroupID, "Cloud", failed)
	h := harness.NewWith(t, sim, harness.Options{Root: atlastest.RootAtlasV2, Discovery: model.Duration(50 * time.Millisecond),
		Targets: []config.Target{{GroupID: harness.GroupID}}})
	h.Scrape(t, 0)
	sim.SetBackup(harness.GroupID, "Cloud", atlastest.Backup{Enabled: false})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if v, ok := harness.Value(h.Scrape(t, 0), "mongodbatlas_backup_enabled", harness.Target("Cloud")); ok && v == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cluster's backups never read as off")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var rec struct {
		Clusters []struct {
			ClusterName    string           `json:"cluster_name"`
			BackupEnabled  *bool            `json:"backup_enabled"`
			RestoresReadAt *string          `json:"restores_read_at"`
			Restores       []map[string]any `json:"restores"`
		} `json:"clusters"`
	}
	if err := json.Unmarshal(mustGet(t, h, "/recovery.json?since="+recordSince), &rec); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Clusters {
		if c.ClusterName != "Cloud" {
			continue
		}
		if c.BackupEnabled == nil || *c.BackupEnabled || c.RestoresReadAt == nil {
			t.Errorf("backup_enabled %v, restores_read_at %v: want false and the last read's time", c.BackupEnabled, c.RestoresReadAt)
		}
		if len(c.Restores) != 1 || c.Restores[0]["restore_job_id"] != failed.ID() || c.Restores[0]["outcome"] != "failed" {
			t.Errorf("restores %v, want the failed restore of before", c.Restores)
		}
		return
	}
	t.Errorf("the cluster turned off is not in the record: %+v", rec)
}

// since= with an offset: a "+" that was not escaped arrives as a space and still reads.
func TestRecoverySinceWithAnOffset(t *testing.T) {
	t.Parallel()
	h, _ := recordWorld(t)
	a := mustGet(t, h, "/recovery.csv?since=2026-01-01T02:00:00+02:00")
	b := mustGet(t, h, "/recovery.csv?since="+recordSince)
	if string(a) != string(b) {
		t.Errorf("since with +02:00 differs from the same instant in Z:\n%s\n---\n%s", a, b)
	}
}

// A cap on the jobs exported never shortens the record: it holds every restore listed, and keeps
// holding them, from the last complete read, while a read fails.
func TestRecordHoldsTheJobsACapLeavesOut(t *testing.T) {
	one := 1
	h := harness.New(t, harness.Options{Jobs: config.Jobs{MaxPerCluster: &one}})
	ids := []string{"6b7789aa80eef5354c77ee21", "6b7789aa80eef5354c77ee22", "6b7789aa80eef5354c77ee23"}
	for i, id := range ids {
		h.Sim.PutJob(harness.GroupID, harness.ClusterName, atlastest.LoadJob(atlastest.FixtureQuery).Set("id", id).
			Set("created", fmt.Sprintf("2026-1%d-01T08:00:00Z", i)))
	}
	restores := func() (map[string]bool, string) {
		var rec struct {
			Clusters []struct {
				ReadAt   string `json:"restores_read_at"`
				Restores []struct {
					ID string `json:"restore_job_id"`
				} `json:"restores"`
			} `json:"clusters"`
		}
		if err := json.Unmarshal(mustGet(t, h, "/recovery.json?since="+recordSince), &rec); err != nil {
			t.Fatal(err)
		}
		got, readAt := map[string]bool{}, ""
		for _, c := range rec.Clusters {
			readAt = c.ReadAt
			for _, r := range c.Restores {
				got[r.ID] = true
			}
		}
		return got, readAt
	}
	if n := len(h.Scrape(t, 0)["mongodbatlas_restore_job_info"].GetMetric()); n != 1 {
		t.Fatalf("%d jobs exported, want 1 (max_per_cluster)", n)
	}
	got, readAt := restores()
	for _, id := range ids {
		if !got[id] {
			t.Errorf("restore %s is not in the record: %v", id, got)
		}
	}
	faults.Inject(h.Sim, faults.Fault{Kind: faults.Status, Status: 500, Route: atlastest.RouteRestoreJobs})
	if v := harness.MustValue(t, h.Scrape(t, 0), "mongodbatlas_scrape_success", harness.Target(harness.ClusterName)); v != 0 {
		t.Fatalf("scrape_success %v with the list failing", v)
	}
	got, again := restores()
	if again != readAt {
		t.Errorf("restores_read_at %s while the read fails, want the last complete read's %s", again, readAt)
	}
	for _, id := range ids {
		if !got[id] {
			t.Errorf("read failing: restore %s is not in the record: %v", id, got)
		}
	}
}
