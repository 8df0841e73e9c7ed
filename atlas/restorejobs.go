package atlas

import (
	"context"
	"net/url"
)

// Route templates name endpoints in metrics and errors without the IDs that would explode cardinality.
const (
	RouteRestoreJobs = "/groups/{group_id}/clusters/{cluster_name}/restoreJobs"
	RouteRestoreJob  = "/groups/{group_id}/clusters/{cluster_name}/restoreJobs/{job_id}"
	// Cloud Manager and Ops Manager address clusters by ID.
	RouteRestoreJobsByID = "/groups/{group_id}/clusters/{cluster_id}/restoreJobs"
	RouteRestoreJobByID  = "/groups/{group_id}/clusters/{cluster_id}/restoreJobs/{job_id}"
)

// ClusterRef names a cluster in a request path: by ID when known (Cloud and Ops Manager), else by name (Atlas).
type ClusterRef struct {
	Name string
	ID   string
}

func (r ClusterRef) segment() string {
	if r.ID != "" {
		return url.PathEscape(r.ID)
	}
	return url.PathEscape(r.Name)
}

func (r ClusterRef) routes() (list, one string) {
	if r.ID != "" {
		return RouteRestoreJobsByID, RouteRestoreJobByID
	}
	return RouteRestoreJobs, RouteRestoreJob
}

func legacyPath(groupID string, cluster ClusterRef) string {
	return "/groups/" + url.PathEscape(groupID) + "/clusters/" + cluster.segment() + "/restoreJobs"
}

// GetRestoreJob reads one legacy restore job.
func (c *Client) GetRestoreJob(ctx context.Context, groupID string, cluster ClusterRef, jobID string) (*RestoreJob, error) {
	_, route := cluster.routes()
	var job RestoreJob
	cl := call{accept: c.mediaType(), endpoint: route, path: legacyPath(groupID, cluster) + "/" + url.PathEscape(jobID), set: setCloudBackups, scope: groupID}
	if err := c.do(ctx, cl, &job); err != nil {
		return nil, err
	}
	return &job, nil
}

// ListRestoreJobs reads every legacy restore job of a cluster, following pages to the end.
func (c *Client) ListRestoreJobs(ctx context.Context, groupID string, cluster ClusterRef) ([]RestoreJob, error) {
	route, _ := cluster.routes()
	cl := call{accept: c.mediaType(), endpoint: route, path: legacyPath(groupID, cluster), set: setCloudBackups, scope: groupID}
	return listAll(ctx, c, cl, func(j *RestoreJob) string { return j.ID })
}
