package atlas

import (
	"context"
	"errors"
	"net/url"
)

// Route templates of Flex clusters (what M2, M5 and Serverless became), served under Atlas v2 only.
const (
	RouteFlexClusters    = "/groups/{group_id}/flexClusters"
	RouteFlexCluster     = "/groups/{group_id}/flexClusters/{cluster_name}"
	RouteFlexRestoreJobs = "/groups/{group_id}/flexClusters/{cluster_name}/backup/restoreJobs"
	RouteFlexRestoreJob  = "/groups/{group_id}/flexClusters/{cluster_name}/backup/restoreJobs/{job_id}"
)

// FlexRestoreJob is a Flex cluster's restore job (FlexBackupRestoreJob20241113). snapshotUrl is
// a bearer secret and deliberately not declared.
type FlexRestoreJob struct {
	ID string `json:"id"`
	// DeliveryType is RESTORE or DOWNLOAD; Status PENDING, QUEUED, RUNNING, FAILED or COMPLETED.
	DeliveryType             string `json:"deliveryType"`
	Status                   string `json:"status"`
	ExpirationDate           *Time  `json:"expirationDate"`
	RestoreScheduledDate     *Time  `json:"restoreScheduledDate"`
	RestoreFinishedDate      *Time  `json:"restoreFinishedDate"`
	SnapshotFinishedDate     *Time  `json:"snapshotFinishedDate"`
	SnapshotID               string `json:"snapshotId"`
	InstanceName             string `json:"instanceName"`
	ProjectID                string `json:"projectId"`
	TargetDeploymentItemName string `json:"targetDeploymentItemName"`
	TargetProjectID          string `json:"targetProjectId"`
}

// FlexCluster is the part of a Flex cluster document discovery needs.
type FlexCluster struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// BackupSettings.Enabled is read-only and true on every Flex cluster recorded; nil means not said.
	BackupSettings *struct {
		Enabled *bool `json:"enabled"`
	} `json:"backupSettings"`
	StateName   string `json:"stateName"`
	ClusterType string `json:"clusterType"`
}

// Reads refused under a root that does not serve them.
var (
	errFlexNeedsV2       = errors.New("flex clusters are served only under Atlas v2 (base_url .../api/atlas/v2)")
	errCollectionsNeedV2 = errors.New("collection restore jobs are served only under Atlas v2 (base_url .../api/atlas/v2)")
)

func flexPath(groupID, name string) string {
	return "/groups/" + url.PathEscape(groupID) + "/flexClusters/" + url.PathEscape(name) + "/backup/restoreJobs"
}

// ListFlexClusters reads every Flex cluster of a project.
func (c *Client) ListFlexClusters(ctx context.Context, groupID string) ([]FlexCluster, error) {
	if !c.IsV2() {
		return nil, errFlexNeedsV2
	}
	cl := call{accept: MediaTypeFlex, endpoint: RouteFlexClusters, path: "/groups/" + url.PathEscape(groupID) + "/flexClusters",
		set: setFlexClusters, scope: groupID}
	return listAll(ctx, c, cl, func(f *FlexCluster) string { return f.ID })
}

// ListFlexRestoreJobs reads every restore job of a Flex cluster, following pages to the end.
func (c *Client) ListFlexRestoreJobs(ctx context.Context, groupID, name string) ([]FlexRestoreJob, error) {
	if !c.IsV2() {
		return nil, errFlexNeedsV2
	}
	cl := call{accept: MediaTypeFlex, endpoint: RouteFlexRestoreJobs, path: flexPath(groupID, name), set: setFlexRestoreJobs, scope: groupID}
	return listAll(ctx, c, cl, func(j *FlexRestoreJob) string { return j.ID })
}

// GetFlexRestoreJob reads one restore job of a Flex cluster.
func (c *Client) GetFlexRestoreJob(ctx context.Context, groupID, name, jobID string) (*FlexRestoreJob, error) {
	if !c.IsV2() {
		return nil, errFlexNeedsV2
	}
	var job FlexRestoreJob
	cl := call{accept: MediaTypeFlex, endpoint: RouteFlexRestoreJob, path: flexPath(groupID, name) + "/" + url.PathEscape(jobID),
		set: setFlexRestoreJobs, scope: groupID}
	if err := c.do(ctx, cl, &job); err != nil {
		return nil, err
	}
	return &job, nil
}

// GetFlexCluster reads one Flex cluster's description; it answers only for a Flex cluster.
func (c *Client) GetFlexCluster(ctx context.Context, groupID, name string) (*FlexCluster, error) {
	if !c.IsV2() {
		return nil, errFlexNeedsV2
	}
	var f FlexCluster
	cl := call{accept: MediaTypeFlex, endpoint: RouteFlexCluster,
		path: "/groups/" + url.PathEscape(groupID) + "/flexClusters/" + url.PathEscape(name), set: setFlexClusters, scope: groupID}
	if err := c.do(ctx, cl, &f); err != nil {
		return nil, err
	}
	return &f, nil
}
