package record

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

func TestFamilyIsNullWhileUnknown(t *testing.T) {
	t.Parallel()
	for f, want := range map[Family]string{"": "null", "flex": `"flex"`} {
		got, err := json.Marshal(f)
		if err != nil || string(got) != want {
			t.Errorf("%q marshals to %s, %v; want %s", f, got, err, want)
		}
	}
}

// Each verdict from what the record holds, at a fixed now.
func TestVerdicts(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	on, off := true, false
	hours := func(h float64) *float64 { s := h * 3600; return &s }
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	state := func(ok *bool) string {
		switch {
		case ok == nil:
			return "unknown"
		case *ok:
			return "ok"
		}
		return "bad"
	}
	cases := []struct {
		name                             string
		c                                Cluster
		protected, point, drill, rtoWant string
	}{
		{"all within", Cluster{BackupEnabled: &on, PITEnabled: &on, LastSnapshotAt: ago(2 * time.Hour), RPOSeconds: hours(24),
			DrillIntervalSeconds: hours(24 * 30), RTOSeconds: hours(1), LastSuccess: scrape.Success{At: now.Add(-48 * time.Hour), Took: 20 * time.Minute}},
			"ok", "ok", "ok", "ok"},
		{"behind on every count", Cluster{BackupEnabled: &on, LastSnapshotAt: ago(30 * time.Hour), RPOSeconds: hours(24),
			DrillIntervalSeconds: hours(24), RTOSeconds: hours(1), LastSuccess: scrape.Success{At: now.Add(-48 * time.Hour), Took: 2 * time.Hour}},
			"ok", "bad", "bad", "bad"},
		{"backups off", Cluster{BackupEnabled: &off, DrillIntervalSeconds: hours(24)}, "bad", "bad", "bad", "unknown"},
		{"no objectives", Cluster{BackupEnabled: &on, LastSnapshotAt: ago(time.Hour), LastSuccess: scrape.Success{At: now.Add(-time.Hour)}},
			"ok", "unknown", "unknown", "unknown"},
		{"coverage unknown, legacy success", Cluster{RTOSeconds: hours(1), LastSuccess: scrape.Success{At: now.Add(-time.Hour)}},
			"unknown", "unknown", "unknown", "unknown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := c.c.Judge(now)
			got := []string{state(v.Protected.OK), state(v.RecoveryPoint.OK), state(v.Drill.OK), state(v.RecoveryTime.OK)}
			want := []string{c.protected, c.point, c.drill, c.rtoWant}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("verdicts %v, want %v (%+v)", got, want, v)
			}
			for _, x := range []Verdict{v.Protected, v.RecoveryPoint, v.Drill, v.RecoveryTime} {
				if x.Text == "" {
					t.Errorf("a verdict without words: %+v", v)
				}
			}
		})
	}
}

// A name that a spreadsheet would run as a formula is written as text.
func TestCSVDefusesFormulas(t *testing.T) {
	t.Parallel()
	rec := Record{Clusters: []Cluster{{GroupID: "g", ClusterName: "c", Restores: []Restore{{RestoreJobID: "j", TargetClusterName: "=HYPERLINK(1)"}}}}}
	var b bytes.Buffer
	if err := rec.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ",'=HYPERLINK(1)") {
		t.Errorf("the formula was not defused:\n%s", b.String())
	}
}

// A restore maps to its row: times in UTC, a duration only where both ends are known and in order.
func TestRestoreOf(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	end := start.Add(90 * time.Second)
	for _, c := range []struct {
		name              string
		in                scrape.Restore
		started, finished bool
		duration          float64 // -1: none
	}{
		{"both ends", scrape.Restore{Started: start, Finished: end}, true, true, 90},
		{"legacy: no finish", scrape.Restore{Started: start}, true, false, -1},
		{"no start", scrape.Restore{Finished: end}, false, true, -1},
		{"finish before start", scrape.Restore{Started: end, Finished: start}, true, true, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.in.ID, c.in.Kind, c.in.Outcome = "6b0000000000000000000001", "download", scrape.OutcomeSucceeded
			got := restoreOf(c.in)
			if got.RestoreJobID != c.in.ID || got.Kind != c.in.Kind || got.Outcome != c.in.Outcome {
				t.Errorf("row %+v lost the id, kind or outcome", got)
			}
			if (got.StartedAt != nil) != c.started || (got.FinishedAt != nil) != c.finished {
				t.Errorf("started %v, finished %v; want %v, %v", got.StartedAt, got.FinishedAt, c.started, c.finished)
			}
			for _, at := range []*time.Time{got.StartedAt, got.FinishedAt} {
				if at != nil && at.Location() != time.UTC {
					t.Errorf("time %v not in UTC", at)
				}
			}
			switch {
			case c.duration < 0 && got.DurationSeconds != nil:
				t.Errorf("duration %v, want none", *got.DurationSeconds)
			case c.duration >= 0 && (got.DurationSeconds == nil || *got.DurationSeconds != c.duration):
				t.Errorf("duration %v, want %v", got.DurationSeconds, c.duration)
			}
		})
	}
}
