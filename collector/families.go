package collector

import (
	"strconv"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
)

// jobView is a restore job of either API family, reduced to what the metrics say; zero values
// and nil pointers mean "the API did not say", and yield no series.
type jobView struct {
	id, clusterID, snapshotID, batchID string
	deliveryMethod, pointInTime        string
	status, deliveryStatus             string
	// targetGroupID and targetClusterName name where a restore went, where the API says.
	targetGroupID, targetClusterName string
	created, finished, snapshot      time.Time
	expiry                           time.Time
	validitySeconds, maxDownloads    *float64
	downloaded, encryption           *bool
	components                       *int
}

func ptr[T any](v T) *T { return &v }

// fromLegacy maps a legacy job field by field: its enums are the contract's enums.
func fromLegacy(j *atlas.RestoreJob) *jobView {
	v := &jobView{
		id:         j.ID,
		clusterID:  j.ClusterID,
		snapshotID: j.SnapshotID,
		batchID:    j.BatchID,
		status:     j.StatusName,
		created:    j.Created,
		downloaded: ptr(len(j.Hashes) > 0),
		encryption: j.EncryptionEnabled,
	}
	if j.PointInTime != nil {
		v.pointInTime = strconv.FormatBool(*j.PointInTime)
	}
	if j.Timestamp != nil {
		v.snapshot = j.Timestamp.Date
	}
	if d := j.Delivery; d != nil {
		v.deliveryMethod = d.MethodName
		v.deliveryStatus = d.StatusName
		v.targetGroupID, v.targetClusterName = d.TargetGroupID, d.TargetClusterName
		v.expiry = d.Expires
		if d.ExpirationHours != nil {
			v.validitySeconds = ptr(float64(*d.ExpirationHours) * 3600)
		}
		if d.MaxDownloads != nil {
			v.maxDownloads = ptr(float64(*d.MaxDownloads))
		}
	}
	return v
}

// Cloud Backup has no status enum; these derive the contract's statuses from its booleans and
// timestamps, in the order the README's mapping table gives.
func cloudBackupStatus(j *atlas.CloudBackupRestoreJob) string {
	switch {
	case j.Failed:
		return "BROKEN"
	case j.Cancelled:
		return "KILLED"
	case j.FinishedAt != nil, j.Expired:
		return "FINISHED"
	case j.DeliveryType == "download" && j.ExpiresAt != nil:
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
	case j.ExpiresAt != nil:
		return "READY"
	}
	return "IN_PROGRESS"
}

// fromCloudBackup maps a Cloud Backup job; it has no creation time, download count, validity,
// download cap or encryption flag, so those series are absent.
func fromCloudBackup(j *atlas.CloudBackupRestoreJob, clusterID string) *jobView {
	v := &jobView{
		id:             j.ID,
		clusterID:      clusterID,
		snapshotID:     j.SnapshotID,
		deliveryMethod: j.DeliveryType,
		pointInTime:    strconv.FormatBool(j.DeliveryType == "pointInTime"),
		status:         cloudBackupStatus(j),
		deliveryStatus: cloudBackupDeliveryStatus(j),

		targetGroupID:     j.TargetGroupID,
		targetClusterName: j.TargetClusterName,
	}
	if j.FinishedAt != nil {
		v.finished = *j.FinishedAt
	}
	if j.ExpiresAt != nil {
		v.expiry = *j.ExpiresAt
	}
	if j.Timestamp != nil {
		v.snapshot = *j.Timestamp
	}
	if len(j.Components) > 0 {
		v.components = ptr(len(j.Components))
	}
	return v
}
