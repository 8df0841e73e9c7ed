package atlas

import (
	"context"
	"net/url"
)

// RouteCollectionRestoreJobs lists a cluster's collection-level (granular) restore jobs, Atlas v2 only.
const RouteCollectionRestoreJobs = "/groups/{group_id}/clusters/{cluster_name}/collectionRestoreJobs"

// CollectionRestoreJob is a restore of single collections or databases. errorMessage is free
// text from upstream: the exporter logs it redacted at debug, never as a label. The collection
// and database lists are not read: a job naming a hundred collections stays one job.
type CollectionRestoreJob struct {
	ID string `json:"id"`
	// State is INITIALIZING, IN_PROGRESS, FINALIZING, SUCCESSFUL, CANCELED or FAILED.
	State             string `json:"state"`
	CreatedAt         *Time  `json:"createdAt"`
	FinishedAt        *Time  `json:"finishedAt"`
	RestoredDocuments *int64 `json:"restoredDocuments"`
	TotalDocuments    *int64 `json:"totalDocuments"`
	ErrorMessage      string `json:"errorMessage"`
	SnapshotID        string `json:"snapshotId"`
	TargetClusterName string `json:"targetClusterName"`
	TargetGroupID     string `json:"targetGroupId"`
}

// ListCollectionRestoreJobs reads every collection restore job of a cluster.
func (c *Client) ListCollectionRestoreJobs(ctx context.Context, groupID, clusterName string) ([]CollectionRestoreJob, error) {
	if !c.IsV2() {
		return nil, errCollectionsNeedV2
	}
	cl := call{accept: MediaTypeCollectionRestores, endpoint: RouteCollectionRestoreJobs,
		path: "/groups/" + url.PathEscape(groupID) + "/clusters/" + url.PathEscape(clusterName) + "/collectionRestoreJobs",
		set:  setCloudBackups, scope: groupID}
	return listAll(ctx, c, cl, func(j *CollectionRestoreJob) string { return j.ID })
}
