package atlas

import (
	"context"
	"net/url"
)

// Route templates of the Cloud Backup restore-job endpoints (Atlas v1.0 and v2).
const (
	RouteCloudBackupRestoreJobs = "/groups/{group_id}/clusters/{cluster_name}/backup/restoreJobs"
	RouteCloudBackupRestoreJob  = "/groups/{group_id}/clusters/{cluster_name}/backup/restoreJobs/{job_id}"
)

// CloudBackupRestoreJob is a Cloud Backup restore job (DiskBackupSnapshotRestoreJob).
//
// It has no status enum: the booleans and timestamps say where the job is. The delivery URL
// fields (deliveryUrl, privateDownloadDeliveryUrls, components[].downloadUrl) are bearer secrets
// and deliberately not declared; readiness shows in expiresAt instead.
type CloudBackupRestoreJob struct {
	ID                string                 `json:"id"`
	SnapshotID        string                 `json:"snapshotId"`
	DeliveryType      string                 `json:"deliveryType"`
	Cancelled         bool                   `json:"cancelled"`
	Failed            bool                   `json:"failed"`
	Expired           bool                   `json:"expired"`
	FinishedAt        *Time                  `json:"finishedAt"`
	ExpiresAt         *Time                  `json:"expiresAt"`
	Timestamp         *Time                  `json:"timestamp"`
	TargetClusterName string                 `json:"targetClusterName"`
	TargetGroupID     string                 `json:"targetGroupId"`
	Components        []CloudBackupComponent `json:"components"`
}

// CloudBackupComponent is one shard's part of a sharded restore; only its name is read.
type CloudBackupComponent struct {
	ReplicaSetName string `json:"replicaSetName"`
}

func cloudBackupPath(groupID, clusterName string) string {
	return "/groups/" + url.PathEscape(groupID) + "/clusters/" + url.PathEscape(clusterName) + "/backup/restoreJobs"
}

// GetCloudBackupRestoreJob reads one Cloud Backup restore job.
func (c *Client) GetCloudBackupRestoreJob(ctx context.Context, groupID, clusterName, jobID string) (*CloudBackupRestoreJob, error) {
	var job CloudBackupRestoreJob
	path := cloudBackupPath(groupID, clusterName) + "/" + url.PathEscape(jobID)
	cl := call{accept: c.mediaType(), endpoint: RouteCloudBackupRestoreJob, path: path, set: setCloudBackups, scope: groupID}
	if err := c.do(ctx, cl, &job); err != nil {
		return nil, err
	}
	return &job, nil
}

// ListCloudBackupRestoreJobs reads every Cloud Backup restore job of a cluster, following pages to the end.
func (c *Client) ListCloudBackupRestoreJobs(ctx context.Context, groupID, clusterName string) ([]CloudBackupRestoreJob, error) {
	cl := call{accept: c.mediaType(), endpoint: RouteCloudBackupRestoreJobs, path: cloudBackupPath(groupID, clusterName),
		set: setCloudBackups, scope: groupID}
	return listAll(ctx, c, cl, func(j *CloudBackupRestoreJob) string { return j.ID })
}
