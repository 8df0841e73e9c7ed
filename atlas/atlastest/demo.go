package atlastest

import (
	"context"
	"fmt"
	"time"
)

// The demo project: the documentation example's project and cluster, so its example job appears as documented.
const (
	DemoGroupID     = "5a66666887d9d61443b41645"
	DemoClusterName = "Cluster0"
	// DemoCloudCluster backs up with Cloud Backup, the family of every current Atlas cluster.
	DemoCloudCluster = "Cluster1"
	// DemoFlexCluster is a Flex cluster, what M2, M5 and Serverless became.
	DemoFlexCluster = "FlexCluster0"
	// DemoUnprotectedCluster has its backups off: it has no recovery point at all.
	DemoUnprotectedCluster = "Cluster2"
	// DemoCycle is how long one batch of demo jobs lives before the next batch replaces it.
	DemoCycle = 10 * time.Minute
)

// The demo's timeline within a cycle: short, so dashboards and alerts show something within a minute.
const (
	demoBrokenAt  = 20 * time.Second
	demoReadyAt   = 30 * time.Second
	demoExpiresAt = 3 * time.Minute
	// demoFinishedAt is when the Cloud Backup automated restore completes.
	demoFinishedAt = 40 * time.Second
)

// Demo drives the simulator's jobs through their lifecycle so a newcomer sees metrics move.
//
// Each cycle brings three legacy jobs on DemoClusterName: a download that finishes at 30 seconds,
// becomes READY and EXPIRES unused at 3 minutes; a restore that turns BROKEN at 20 seconds; and
// a finished QUERY restore. The documentation's example job stays throughout. DemoCloudCluster gets three
// Cloud Backup jobs: an automated restore that finishes at 40 seconds, a download that is ready
// at 30 seconds and expires at 3 minutes (an hour on Atlas), and a restore that fails at 20
// seconds. DemoFlexCluster gets a restore that completes at 40 seconds and a download, ready from
// 30 seconds until 3 minutes. At the next cycle the old jobs go away, as they do when Atlas forgets them, so alerts
// on them resolve.
type Demo struct {
	s     *Server
	start time.Time
	cycle int64
}

// NewDemo fills s with the demo project, counting its lifecycle from start. Its recovery points:
// the legacy cluster's newest snapshot is two hours old, the Flex cluster's a day's snapshot of
// this morning; the Cloud Backup cluster's snapshots stopped 30 hours ago (one is stuck in
// progress), so it is behind a one-day rpo; DemoUnprotectedCluster has no backup at all.
func NewDemo(s *Server, start time.Time) *Demo {
	s.AddCluster(DemoGroupID, DemoClusterName)
	s.PutJob(DemoGroupID, DemoClusterName, LoadJob(FixtureDocsExample))
	s.SetBackup(DemoGroupID, DemoClusterName, Backup{Enabled: true, Legacy: true})
	for i, age := range []time.Duration{26 * time.Hour, 14 * time.Hour, 2 * time.Hour} {
		s.PutSnapshot(DemoGroupID, DemoClusterName, LoadJob(FixtureLegacySnapshot).
			Set("id", fmt.Sprintf("6d00000000000000000001%02x", i)).Set("created.date", rfc3339(start.Add(-age))))
	}
	s.AddCluster(DemoGroupID, DemoCloudCluster)
	s.SetBackup(DemoGroupID, DemoCloudCluster, Backup{Enabled: true, PIT: true})
	for i, age := range []time.Duration{54 * time.Hour, 30 * time.Hour} {
		s.PutSnapshot(DemoGroupID, DemoCloudCluster, LoadJob(FixtureSnapshotCompleted).
			Set("id", fmt.Sprintf("6d00000000000000000002%02x", i)).Set("createdAt", rfc3339(start.Add(-age))))
	}
	s.PutSnapshot(DemoGroupID, DemoCloudCluster, LoadJob(FixtureSnapshotInProgress).Set("id", "6d0000000000000000000299"))
	s.AddFlexCluster(DemoGroupID, DemoFlexCluster)
	s.SetBackup(DemoGroupID, DemoFlexCluster, Backup{Enabled: true})
	for i, age := range []time.Duration{29 * time.Hour, 5 * time.Hour} {
		finished := start.Add(-age)
		s.PutSnapshot(DemoGroupID, DemoFlexCluster, LoadJob(FixtureFlexSnapshotCompleted).
			Set("id", fmt.Sprintf("6d00000000000000000003%02x", i)).Set("scheduledTime", rfc3339(finished.Add(-2*time.Minute))).
			Set("startTime", rfc3339(finished.Add(-90*time.Second))).Set("finishTime", rfc3339(finished)).
			Set("expiration", rfc3339(finished.Add(8*24*time.Hour))))
	}
	s.SetBackup(DemoGroupID, DemoUnprotectedCluster, Backup{Enabled: false})
	d := &Demo{s: s, start: start, cycle: -1}
	d.Advance(start)
	return d
}

// Advance sets every demo job to its state at now.
func (d *Demo) Advance(now time.Time) {
	elapsed := max(now.Sub(d.start), 0)
	cycle := int64(elapsed / DemoCycle)
	cycleStart := d.start.Add(time.Duration(cycle) * DemoCycle)
	phase := elapsed - time.Duration(cycle)*DemoCycle
	if cycle != d.cycle {
		if d.cycle >= 0 {
			for k := range 3 {
				d.s.DeleteJob(DemoGroupID, DemoClusterName, d.JobID(d.cycle, k))
				d.s.DeleteJob(DemoGroupID, DemoCloudCluster, d.JobID(d.cycle, k+3))
				d.s.DeleteJob(DemoGroupID, DemoFlexCluster, d.JobID(d.cycle, k+6))
			}
		}
		d.cycle = cycle
	}
	for _, j := range d.demoJobs(cycle, cycleStart, phase) {
		d.s.PutJob(DemoGroupID, DemoClusterName, j)
	}
	for _, j := range d.demoCloudJobs(cycle, cycleStart, phase) {
		d.s.PutCloudBackupJob(DemoGroupID, DemoCloudCluster, j)
	}
	for _, j := range d.demoFlexJobs(cycle, cycleStart, phase) {
		d.s.PutFlexJob(DemoGroupID, DemoFlexCluster, j)
	}
}

// Run advances the demo every tick until ctx ends.
func (d *Demo) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.Advance(now)
		}
	}
}

// JobID gives each cycle's k-th job its own 24-hex ID, which begins, as Atlas's do, with the
// second it was created: the cycle's start.
func (d *Demo) JobID(cycle int64, k int) string {
	return fmt.Sprintf("%08x%08x%08x", d.start.Add(time.Duration(cycle)*DemoCycle).Unix(), cycle, k+1)
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// demoJobs builds the cycle's jobs at phase, at the wire level, from the fixtures.
func (d *Demo) demoJobs(cycle int64, cycleStart time.Time, phase time.Duration) []Job {
	created := rfc3339(cycleStart)
	snap := rfc3339(cycleStart.Add(-30 * time.Minute))

	download := LoadJob(FixtureInProgress).
		Set("id", d.JobID(cycle, 0)).
		Set("created", created).
		Set("timestamp.date", snap)
	switch {
	case phase < demoReadyAt:
		download.Set("statusName", "IN_PROGRESS").Set("delivery.statusName", "IN_PROGRESS")
	case phase < demoExpiresAt:
		download.Set("statusName", "FINISHED").Set("delivery.statusName", "READY").
			Set("delivery.expires", rfc3339(cycleStart.Add(demoExpiresAt)))
	default:
		download.Set("statusName", "FINISHED").Set("delivery.statusName", "EXPIRED").
			Set("delivery.expires", rfc3339(cycleStart.Add(demoExpiresAt)))
	}

	broken := LoadJob(FixtureInProgress).
		Set("id", d.JobID(cycle, 1)).
		Set("created", created).
		Set("timestamp.date", snap).
		Set("encryptionEnabled", false).
		Delete("masterKeyUUID")
	if phase < demoBrokenAt {
		broken.Set("statusName", "IN_PROGRESS").Set("delivery.statusName", "NOT_STARTED")
	} else {
		broken.Set("statusName", "BROKEN").Set("delivery.statusName", "FAILED")
	}

	query := LoadJob(FixtureQuery).
		Set("id", d.JobID(cycle, 2)).
		Set("created", created).
		Set("timestamp.date", snap)
	return []Job{download, broken, query}
}

// demoCloudJobs builds the cycle's Cloud Backup jobs at phase, at the wire level, from the fixtures.
func (d *Demo) demoCloudJobs(cycle int64, cycleStart time.Time, phase time.Duration) []Job {
	snap := rfc3339(cycleStart.Add(-30 * time.Minute))
	automated := LoadJob(FixtureCloudAutomated).Set("id", d.JobID(cycle, 3)).Set("timestamp", snap).
		Set("targetClusterName", DemoCloudCluster+"-restored").Set("targetGroupId", DemoGroupID)
	if phase < demoFinishedAt {
		automated.Delete("finishedAt")
	} else {
		automated.Set("finishedAt", rfc3339(cycleStart.Add(demoFinishedAt)))
	}

	download := LoadJob(FixtureCloudReady).Set("id", d.JobID(cycle, 4)).Set("timestamp", snap)
	switch {
	case phase < demoReadyAt:
		download.Delete("expiresAt").Set("deliveryUrl", []any{})
	case phase < demoExpiresAt:
		download.Set("expiresAt", rfc3339(cycleStart.Add(demoExpiresAt)))
	default:
		download.Set("expiresAt", rfc3339(cycleStart.Add(demoExpiresAt))).Set("expired", true).Set("deliveryUrl", []any{})
	}

	failed := LoadJob(FixtureCloudAutomated).Set("id", d.JobID(cycle, 5)).Set("timestamp", snap).Delete("finishedAt")
	if phase >= demoBrokenAt {
		failed.Set("failed", true)
	}
	return []Job{automated, download, failed}
}

// demoFlexJobs builds the cycle's Flex jobs at phase, at the wire level, from the fixtures.
func (d *Demo) demoFlexJobs(cycle int64, cycleStart time.Time, phase time.Duration) []Job {
	restore := LoadJob(FixtureFlexRunning).Set("id", d.JobID(cycle, 6)).Set("projectId", DemoGroupID).
		Set("instanceName", DemoFlexCluster).Set("restoreScheduledDate", rfc3339(cycleStart)).
		Set("snapshotFinishedDate", rfc3339(cycleStart.Add(-30*time.Minute))).Set("targetProjectId", DemoGroupID)
	if phase >= demoFinishedAt {
		restore.Set("status", "COMPLETED").Set("restoreFinishedDate", rfc3339(cycleStart.Add(demoFinishedAt)))
	}
	download := LoadJob(FixtureFlexDownload).Set("id", d.JobID(cycle, 7)).Set("projectId", DemoGroupID).
		Set("instanceName", DemoFlexCluster).Set("restoreScheduledDate", rfc3339(cycleStart)).
		Set("snapshotFinishedDate", rfc3339(cycleStart.Add(-30*time.Minute))).
		Set("expirationDate", rfc3339(cycleStart.Add(demoExpiresAt)))
	if phase < demoReadyAt {
		download.Set("status", "RUNNING").Delete("restoreFinishedDate").Delete("snapshotUrl")
	} else {
		download.Set("restoreFinishedDate", rfc3339(cycleStart.Add(demoReadyAt)))
	}
	return []Job{restore, download}
}
