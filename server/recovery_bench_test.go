package server

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/record"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// BenchmarkRecoveryRecord builds and writes the record of 1,000 clusters with 20 restores each
// from a round already read (warm data, no API work), in each of its three forms.
func BenchmarkRecoveryRecord(b *testing.B) {
	const clusters, restores = 1000, 20
	now := time.Now()
	r := &scrape.Round{}
	on := true
	for c := range clusters {
		t := config.Target{GroupID: fmt.Sprintf("5a%022x", c/10), ClusterName: fmt.Sprintf("Cluster%d", c), API: config.APICloudBackup,
			DrillInterval: model.Duration(30 * 24 * time.Hour), RTO: model.Duration(time.Hour), RPO: model.Duration(24 * time.Hour)}
		tr := &scrape.TargetResult{Target: t, LastSuccess: now}
		for i := range restores {
			started := now.Add(-time.Duration(i*7) * 24 * time.Hour)
			tr.Jobs = append(tr.Jobs, &scrape.Job{ID: fmt.Sprintf("6b%08x%014x", c, i), DeliveryMethod: "automated", Status: "FINISHED",
				Started: started, Finished: started.Add(20 * time.Minute), SnapshotID: fmt.Sprintf("65%022x", i),
				TargetGroupID: t.GroupID, TargetClusterName: t.ClusterName + "-restored"})
		}
		tr.LastRestore = scrape.Success{At: now.Add(20 * time.Minute), Took: 20 * time.Minute}
		r.Targets = append(r.Targets, tr)
		r.Clusters = append(r.Clusters, scrape.ClusterState{Cluster: scrape.Cluster{Target: t, Backup: scrape.Backup{Enabled: &on, PIT: &on}},
			Family: config.APICloudBackup, Snapshot: scrape.Snapshot{Read: true, OK: true, Last: now.Add(-time.Hour)}})
	}
	since := now.Add(-record.DefaultWindow)
	for _, form := range []string{"html", "json", "csv"} {
		b.Run(form, func(b *testing.B) {
			for range b.N {
				rec := record.Build(r, since, now, "bench")
				var err error
				switch form {
				case "html":
					err = recoveryTemplate.Execute(io.Discard, recoveryPage(rec, "", now))
				case "json":
					err = json.NewEncoder(io.Discard).Encode(rec)
				case "csv":
					err = rec.WriteCSV(io.Discard)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
