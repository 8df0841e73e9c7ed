package scrape

import (
	"slices"
	"strconv"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
)

// Job is a restore job of either API family, reduced to what the metrics say; zero values
// and nil pointers mean "the API did not say", and yield no series.
type Job struct {
	ID, ClusterID, SnapshotID, BatchID string
	DeliveryMethod, PointInTime        string
	// Status and DeliveryStatus are the contract's enums, derived where the family has none.
	Status, DeliveryStatus string
	// TargetGroupID and TargetClusterName name where a restore went, where the API says.
	TargetGroupID, TargetClusterName string
	Created, Finished, Snapshot      time.Time
	Expiry                           time.Time
	// Started is when the restore began, where the family says: Cloud Backup's creation second
	// in the job's ObjectID (Atlas's scheduled time in every recording), Flex's
	// restoreScheduledDate. Legacy jobs say when they were requested (Created), never when they finished.
	Started                       time.Time
	ValiditySeconds, MaxDownloads *float64
	Downloaded, Encryption        *bool
	Components                    *int
	// Odd lists the timestamp fields that held something other than a time, as field=value;
	// their series are left out and the rest of the job is exported.
	Odd []string
}

// same reports a view that says exactly what o says, field by field, so that one can stand for
// the other.
func (j *Job) same(o *Job) bool {
	return j.ID == o.ID && j.ClusterID == o.ClusterID && j.SnapshotID == o.SnapshotID && j.BatchID == o.BatchID &&
		j.DeliveryMethod == o.DeliveryMethod && j.PointInTime == o.PointInTime &&
		j.Status == o.Status && j.DeliveryStatus == o.DeliveryStatus &&
		j.TargetGroupID == o.TargetGroupID && j.TargetClusterName == o.TargetClusterName &&
		j.Created.Equal(o.Created) && j.Finished.Equal(o.Finished) && j.Snapshot.Equal(o.Snapshot) &&
		j.Expiry.Equal(o.Expiry) && j.Started.Equal(o.Started) &&
		samePtr(j.ValiditySeconds, o.ValiditySeconds) && samePtr(j.MaxDownloads, o.MaxDownloads) &&
		samePtr(j.Downloaded, o.Downloaded) && samePtr(j.Encryption, o.Encryption) && samePtr(j.Components, o.Components) &&
		slices.Equal(j.Odd, o.Odd)
}

func samePtr[T comparable](a, b *T) bool { return a == b || (a != nil && b != nil && *a == *b) }

// timeOf takes a timestamp field, zero when absent, noting it in odd when it held something
// other than a time; every family's mapping reads its times through it.
func timeOf(odd *[]string, field string, t *atlas.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	if t.Invalid != "" {
		*odd = append(*odd, field+"="+t.Invalid)
	}
	return t.Time
}

func ptr[T any](v T) *T { return &v }

// FromLegacy maps a legacy job field by field: its enums are the contract's enums.
func FromLegacy(j *atlas.RestoreJob) *Job {
	v := &Job{
		ID:         j.ID,
		ClusterID:  j.ClusterID,
		SnapshotID: j.SnapshotID,
		BatchID:    j.BatchID,
		Status:     j.StatusName,
		Downloaded: ptr(len(j.Hashes) > 0),
		Encryption: j.EncryptionEnabled,
	}
	v.Created = timeOf(&v.Odd, "created", &j.Created)
	if j.PointInTime != nil {
		v.PointInTime = strconv.FormatBool(*j.PointInTime)
	}
	if j.Timestamp != nil {
		v.Snapshot = timeOf(&v.Odd, "timestamp.date", &j.Timestamp.Date)
	}
	if d := j.Delivery; d != nil {
		v.DeliveryMethod = d.MethodName
		v.DeliveryStatus = d.StatusName
		v.TargetGroupID, v.TargetClusterName = d.TargetGroupID, d.TargetClusterName
		v.Expiry = timeOf(&v.Odd, "delivery.expires", &d.Expires)
		if d.ExpirationHours != nil {
			v.ValiditySeconds = ptr(float64(*d.ExpirationHours) * 3600)
		}
		if d.MaxDownloads != nil {
			v.MaxDownloads = ptr(float64(*d.MaxDownloads))
		}
	}
	return v
}

// isTime reports a timestamp that was sent and reads as a time; an odd value says nothing.
func isTime(t *atlas.Time) bool { return t != nil && !t.IsZero() }

// Cloud Backup has no status enum; these derive the contract's statuses from its booleans and
// timestamps, in the order the README's mapping table gives.
func cloudBackupStatus(j *atlas.CloudBackupRestoreJob) string {
	switch {
	case j.Failed:
		return "BROKEN"
	case j.Cancelled:
		return "KILLED"
	case isTime(j.FinishedAt), j.Expired:
		return "FINISHED"
	case j.DeliveryType == "download" && isTime(j.ExpiresAt):
		// A ready download has its URLs and expiresAt but, as observed, still no finishedAt.
		return "FINISHED"
	}
	return "IN_PROGRESS"
}

// cloudBackupDeliveryStatus applies to download jobs only; automated restores have no download.
func cloudBackupDeliveryStatus(j *atlas.CloudBackupRestoreJob) string {
	if j.DeliveryType != "download" {
		return ""
	}
	switch {
	case j.Failed:
		return "FAILED"
	case j.Cancelled:
		return "" // a cancelled job says KILLED; its download never existed
	case j.Expired:
		return "EXPIRED"
	case isTime(j.ExpiresAt):
		return "READY"
	}
	return "IN_PROGRESS"
}

// FromCloudBackup maps a Cloud Backup job; it has no creation time, download count, validity,
// download cap or encryption flag, so those series are absent.
func FromCloudBackup(j *atlas.CloudBackupRestoreJob, clusterID string) *Job {
	v := &Job{
		ID:             j.ID,
		ClusterID:      clusterID,
		SnapshotID:     j.SnapshotID,
		DeliveryMethod: j.DeliveryType,
		PointInTime:    strconv.FormatBool(j.DeliveryType == "pointInTime"),
		Status:         cloudBackupStatus(j),
		DeliveryStatus: cloudBackupDeliveryStatus(j),

		TargetGroupID:     j.TargetGroupID,
		TargetClusterName: j.TargetClusterName,
	}
	v.Finished = timeOf(&v.Odd, "finishedAt", j.FinishedAt)
	v.Expiry = timeOf(&v.Odd, "expiresAt", j.ExpiresAt)
	v.Snapshot = timeOf(&v.Odd, "timestamp", j.Timestamp)
	if started := objectIDTime(j.ID); !started.After(time.Now()) {
		v.Started = started // an ID that decodes to the future was not minted by Atlas at creation
	}
	if len(j.Components) > 0 {
		v.Components = ptr(len(j.Components))
	}
	return v
}

// flexStatus maps Flex's status enum onto the contract's job statuses.
func flexStatus(s string) string {
	switch s {
	case "PENDING", "QUEUED", "RUNNING":
		return "IN_PROGRESS"
	case "COMPLETED":
		return "FINISHED"
	case "FAILED":
		return "BROKEN"
	}
	return s // undocumented: exported as its own series, as for every family
}

// FromFlex maps a Flex restore job as the contract says: its status onto the job statuses,
// expirationDate to the expiry of a download (a restore into a cluster has no delivery: its
// expirationDate is always scheduled + 6 hours), restoreFinishedDate to the finished time,
// restoreScheduledDate to the start, deliveryType to the delivery method. Flex says nothing of
// downloads, validity, caps or encryption.
func FromFlex(j *atlas.FlexRestoreJob) *Job {
	v := &Job{
		ID:                j.ID,
		SnapshotID:        j.SnapshotID,
		DeliveryMethod:    j.DeliveryType,
		Status:            flexStatus(j.Status),
		TargetGroupID:     j.TargetProjectID,
		TargetClusterName: j.TargetDeploymentItemName,
	}
	if j.DeliveryType != "RESTORE" {
		v.Expiry = timeOf(&v.Odd, "expirationDate", j.ExpirationDate)
	}
	v.Finished = timeOf(&v.Odd, "restoreFinishedDate", j.RestoreFinishedDate)
	v.Snapshot = timeOf(&v.Odd, "snapshotFinishedDate", j.SnapshotFinishedDate)
	v.Started = timeOf(&v.Odd, "restoreScheduledDate", j.RestoreScheduledDate)
	return v
}

// Duration is how long the restore took, from its start to its finish, where the API gives both.
func (j *Job) Duration() (time.Duration, bool) {
	if j.Started.IsZero() || j.Finished.IsZero() || j.Finished.Before(j.Started) {
		return 0, false
	}
	return j.Finished.Sub(j.Started), true
}

// CollectionJob is a collection-level restore job, reduced to what its metrics say.
type CollectionJob struct {
	ID, State                        string
	Created, Finished                time.Time
	Restored, Total                  *float64
	TargetGroupID, TargetClusterName string
	// ErrorMessage is free text from upstream, already redacted; it goes to a debug log only.
	ErrorMessage string
	Odd          []string
}

// Duration is finishedAt less createdAt, once finished.
func (j *CollectionJob) Duration() (time.Duration, bool) {
	if j.Created.IsZero() || j.Finished.IsZero() || j.Finished.Before(j.Created) {
		return 0, false
	}
	return j.Finished.Sub(j.Created), true
}

// FromCollectionRestore maps a collection restore job; its collection list is not read.
func FromCollectionRestore(j *atlas.CollectionRestoreJob) *CollectionJob {
	v := &CollectionJob{ID: j.ID, State: j.State, TargetGroupID: j.TargetGroupID, TargetClusterName: j.TargetClusterName,
		ErrorMessage: j.ErrorMessage}
	v.Created = timeOf(&v.Odd, "createdAt", j.CreatedAt)
	v.Finished = timeOf(&v.Odd, "finishedAt", j.FinishedAt)
	if j.RestoredDocuments != nil {
		v.Restored = ptr(float64(*j.RestoredDocuments))
	}
	if j.TotalDocuments != nil {
		v.Total = ptr(float64(*j.TotalDocuments))
	}
	return v
}
