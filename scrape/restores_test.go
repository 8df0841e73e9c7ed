package scrape

import (
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
)

func at(s string) *atlas.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &atlas.Time{Time: t}
}

// Each family's duration: Cloud Backup from the creation second in the job's ObjectID to
// finishedAt, Flex from restoreScheduledDate to restoreFinishedDate, legacy never (no finish).
func TestDurationPerFamily(t *testing.T) {
	t.Parallel()
	// 0x692c0000 is 2025-11-30T08:27:44Z.
	const cbID = "692c00000000000000000001"
	cases := []struct {
		name string
		job  *Job
		want time.Duration
		ok   bool
	}{
		{"cloud backup finished", FromCloudBackup(&atlas.CloudBackupRestoreJob{ID: cbID, DeliveryType: "automated",
			FinishedAt: at("2025-11-30T08:57:44Z")}, ""), 30 * time.Minute, true},
		{"cloud backup running", FromCloudBackup(&atlas.CloudBackupRestoreJob{ID: cbID, DeliveryType: "automated"}, ""), 0, false},
		{"cloud backup with an ID of no time", FromCloudBackup(&atlas.CloudBackupRestoreJob{ID: "not-an-id", DeliveryType: "automated",
			FinishedAt: at("2025-11-30T09:37:44Z")}, ""), 0, false},
		{"flex completed", FromFlex(&atlas.FlexRestoreJob{ID: "x", DeliveryType: "RESTORE", Status: "COMPLETED",
			RestoreScheduledDate: at("2026-11-30T08:15:00Z"), RestoreFinishedDate: at("2026-11-30T08:17:30Z")}), 150 * time.Second, true},
		{"flex failed, which keeps its finish", FromFlex(&atlas.FlexRestoreJob{ID: "x", DeliveryType: "RESTORE", Status: "FAILED",
			RestoreScheduledDate: at("2026-11-30T08:15:00Z"), RestoreFinishedDate: at("2026-11-30T08:16:00Z")}), time.Minute, true},
		{"flex finish before start", FromFlex(&atlas.FlexRestoreJob{ID: "x", Status: "COMPLETED",
			RestoreScheduledDate: at("2026-11-30T08:15:00Z"), RestoreFinishedDate: at("2026-11-30T08:14:00Z")}), 0, false},
		{"legacy finished", FromLegacy(&atlas.RestoreJob{ID: "x", StatusName: "FINISHED", Created: *at("2026-11-30T08:15:00Z")}), 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.job.Duration()
			if got != c.want || ok != c.ok {
				t.Errorf("Duration() = %v, %v; want %v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// A Flex restore into a cluster has no delivery: its expirationDate (always scheduled + 6h) is
// no expiry; a Flex download's is.
func TestFlexExpiryOnlyForDownloads(t *testing.T) {
	t.Parallel()
	restore := FromFlex(&atlas.FlexRestoreJob{ID: "x", DeliveryType: "RESTORE", ExpirationDate: at("2026-11-30T14:15:00Z")})
	download := FromFlex(&atlas.FlexRestoreJob{ID: "y", DeliveryType: "DOWNLOAD", ExpirationDate: at("2026-11-30T14:15:00Z")})
	if !restore.Expiry.IsZero() {
		t.Errorf("a Flex restore has an expiry %v", restore.Expiry)
	}
	if download.Expiry.IsZero() {
		t.Error("a Flex download lost its expiry")
	}
}

// The record's kind and outcome of each family's jobs, from the contract's status mapping.
func TestKindAndOutcome(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		job           *Job
		kind, outcome string
	}{
		{"legacy HTTP download finished", &Job{DeliveryMethod: "HTTP", Status: "FINISHED", DeliveryStatus: "READY"}, "download", OutcomeSucceeded},
		{"legacy download expired unused", &Job{DeliveryMethod: "HTTP", Status: "FINISHED", DeliveryStatus: "EXPIRED"}, "download", OutcomeSucceeded},
		{"legacy automated restore reported as HTTP", &Job{DeliveryMethod: "HTTP", TargetClusterName: "c2", Status: "FINISHED"}, "restore", OutcomeSucceeded},
		{"legacy automated restore", &Job{DeliveryMethod: "AUTOMATED_RESTORE", Status: "IN_PROGRESS"}, "restore", OutcomeInProgress},
		{"legacy broken", &Job{DeliveryMethod: "SCP", Status: "BROKEN", DeliveryStatus: "FAILED"}, "download", OutcomeFailed},
		{"legacy killed", &Job{DeliveryMethod: "HTTP", Status: "KILLED"}, "download", OutcomeCancelled},
		{"finished with a failed delivery", &Job{DeliveryMethod: "HTTP", Status: "FINISHED", DeliveryStatus: "INTERRUPTED"}, "download", OutcomeFailed},
		{"cloud backup download", &Job{DeliveryMethod: "download", Status: "FINISHED", DeliveryStatus: "READY"}, "download", OutcomeSucceeded},
		{"cloud backup point in time", &Job{DeliveryMethod: "pointInTime", Status: "BROKEN"}, "restore", OutcomeFailed},
		{"flex restore", &Job{DeliveryMethod: "RESTORE", Status: "FINISHED"}, "restore", OutcomeSucceeded},
		{"flex download", &Job{DeliveryMethod: "DOWNLOAD", Status: "IN_PROGRESS"}, "download", OutcomeInProgress},
		{"an undocumented status", &Job{DeliveryMethod: "RESTORE", Status: "RESTORING"}, "restore", OutcomeInProgress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if k, o := c.job.kind(), c.job.outcome(); k != c.kind || o != c.outcome {
				t.Errorf("kind, outcome = %s, %s; want %s, %s", k, o, c.kind, c.outcome)
			}
			c.job.Finished = time.Now().Add(-time.Hour)
			_, succeeded := c.job.succeededAt(time.Now())
			if succeeded != (c.outcome == OutcomeSucceeded) {
				t.Errorf("the drill counts it as a success: %v; the record says %s", succeeded, c.outcome)
			}
		})
	}
}

// The newest success carries its own duration, not another job's.
func TestNewestSuccessDuration(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	jobs := []*Job{
		{ID: "old", Status: "FINISHED", Started: base, Finished: base.Add(time.Minute)},
		{ID: "new", Status: "FINISHED", Started: base.Add(time.Hour), Finished: base.Add(3 * time.Hour)},
		{ID: "failed", Status: "BROKEN", Started: base.Add(4 * time.Hour), Finished: base.Add(5 * time.Hour)},
		{ID: "legacy", Status: "FINISHED", Created: base.Add(30 * time.Minute)},
	}
	got := newestSuccess(jobs, base.Add(6*time.Hour))
	if !got.At.Equal(base.Add(3*time.Hour)) || got.Took != 2*time.Hour {
		t.Errorf("newest success %+v, want at +3h taking 2h", got)
	}
	legacyOnly := newestSuccess(jobs[3:], base.Add(6*time.Hour))
	if legacyOnly.Took != 0 || legacyOnly.At.IsZero() {
		t.Errorf("a legacy success %+v: want its time and no duration", legacyOnly)
	}
}

// Collection restores' states, as Atlas's v2 spec lists them.
func TestCollectionOutcome(t *testing.T) {
	for state, want := range map[string]string{
		"SUCCESSFUL": OutcomeSucceeded, "FAILED": OutcomeFailed, "CANCELED": OutcomeCancelled,
		"IN_PROGRESS": OutcomeInProgress, "QUEUED": OutcomeInProgress, "": OutcomeInProgress,
	} {
		if got := collectionOutcome(state); got != want {
			t.Errorf("state %q: outcome %q, want %q", state, got, want)
		}
	}
}
