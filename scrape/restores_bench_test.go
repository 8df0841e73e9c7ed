package scrape

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

// BenchmarkRecordMemory is what the recovery record keeps for 10,000 listed jobs that a cap left
// out of the export (a row each; the jobs kept cost the record nothing, as it derives their rows
// from their views), against what keeping their whole views would cost: the heap still held
// after a collection, per 10,000 jobs.
func BenchmarkRecordMemory(b *testing.B) {
	const n = 10000
	var raw atlas.RestoreJob
	if err := atlas.Decode(atlastest.FixtureBytes(atlastest.FixtureInProgress), &raw); err != nil {
		b.Fatal(err)
	}
	held := func(build func() any) float64 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		kept := build()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(kept)
		return float64(after.HeapAlloc) - float64(before.HeapAlloc)
	}
	var rows, views float64
	for range b.N {
		views += held(func() any { return benchViews(raw, n) })
		rows += held(func() any {
			vs := benchViews(raw, n)
			return restoresOf(vs) // the views themselves become garbage, as after a round
		})
	}
	b.ReportMetric(rows/float64(b.N)/1e6, "record-MB/10k-jobs")
	b.ReportMetric(views/float64(b.N)/1e6, "views-MB/10k-jobs")
}

// benchViews maps n copies of a job, each with its own ID and creation time, as a list read does.
func benchViews(raw atlas.RestoreJob, n int) []*Job {
	out := make([]*Job, n)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		j := raw
		j.ID = fmt.Sprintf("6c%022x", i)
		j.SnapshotID = fmt.Sprintf("5a%022x", i)
		j.Created = atlas.Time{Time: base.Add(time.Duration(i) * time.Minute)}
		out[i] = FromLegacy(&j)
	}
	return out
}
