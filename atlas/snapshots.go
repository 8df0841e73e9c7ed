package atlas

import (
	"context"
	"net/url"
)

// Route templates of the snapshot lists, one per family: each says when the cluster's recovery
// points were taken.
const (
	RouteCloudBackupSnapshots = "/groups/{group_id}/clusters/{cluster_name}/backup/snapshots"
	// RouteShardedSnapshots lists a sharded cluster's snapshots apart.
	RouteShardedSnapshots = "/groups/{group_id}/clusters/{cluster_name}/backup/snapshots/shardedClusters"
	RouteFlexSnapshots    = "/groups/{group_id}/flexClusters/{cluster_name}/backup/snapshots"
	// RouteLegacySnapshots is Atlas's deprecated legacy backup list; Cloud and Ops Manager serve
	// the same list under the cluster's ID.
	RouteLegacySnapshots     = "/groups/{group_id}/clusters/{cluster_name}/snapshots"
	RouteLegacySnapshotsByID = "/groups/{group_id}/clusters/{cluster_id}/snapshots"
)

// CloudBackupSnapshot is the part of a Cloud Backup snapshot (DiskBackupReplicaSet) that says
// whether and when it is a recovery point. Enums are strings: recordings carry values the spec
// does not list (frequencyType "ondemand").
type CloudBackupSnapshot struct {
	ID string `json:"id"`
	// Status is queued, inProgress, completed or failed.
	Status string `json:"status"`
	// CreatedAt is when Atlas took the snapshot, the recovery point; absent until completed.
	CreatedAt     *Time  `json:"createdAt"`
	SnapshotType  string `json:"snapshotType"`
	FrequencyType string `json:"frequencyType"`
	Type          string `json:"type"`
}

// FlexSnapshot is the part of a Flex snapshot (FlexBackupSnapshot20241113) that dates it.
type FlexSnapshot struct {
	ID string `json:"id"`
	// Status is PENDING, QUEUED, RUNNING, FAILED or COMPLETED.
	Status string `json:"status"`
	// FinishTime is when the snapshot was written; Flex snapshots have no createdAt.
	FinishTime    *Time `json:"finishTime"`
	ScheduledTime *Time `json:"scheduledTime"`
}

// LegacySnapshot is the part of a legacy backup snapshot (Cloud Manager, Ops Manager, Atlas's
// deprecated legacy backup) that dates it.
type LegacySnapshot struct {
	ID string `json:"id"`
	// Complete is false while the snapshot is being taken.
	Complete bool `json:"complete"`
	// Created is the recovery point: its date and oplog increment.
	Created *struct {
		Date Time `json:"date"`
	} `json:"created"`
}

// ListCloudBackupSnapshots reads every Cloud Backup snapshot of a cluster, over every page. The
// list has no documented order, so callers must not take its first or last item for the newest.
func (c *Client) ListCloudBackupSnapshots(ctx context.Context, groupID, clusterName string) ([]CloudBackupSnapshot, error) {
	cl := call{accept: c.mediaType(), endpoint: RouteCloudBackupSnapshots,
		path: "/groups/" + url.PathEscape(groupID) + "/clusters/" + url.PathEscape(clusterName) + "/backup/snapshots",
		set:  setCloudBackups, scope: groupID}
	return listAll(ctx, c, cl, func(s *CloudBackupSnapshot) string { return s.ID })
}

// ListShardedSnapshots reads a sharded cluster's snapshots from the sharded list. MongoDB's own
// clients read the ordinary list for every cluster, and it is expected to hold sharded snapshots
// too, but no recording shows it: this is the fallback when it holds none.
func (c *Client) ListShardedSnapshots(ctx context.Context, groupID, clusterName string) ([]CloudBackupSnapshot, error) {
	cl := call{accept: c.mediaType(), endpoint: RouteShardedSnapshots,
		path: "/groups/" + url.PathEscape(groupID) + "/clusters/" + url.PathEscape(clusterName) + "/backup/snapshots/shardedClusters",
		set:  setCloudBackups, scope: groupID}
	return listAll(ctx, c, cl, func(s *CloudBackupSnapshot) string { return s.ID })
}

// ListFlexSnapshots reads every snapshot of a Flex cluster; Flex has a rate-limit bucket of its own.
func (c *Client) ListFlexSnapshots(ctx context.Context, groupID, name string) ([]FlexSnapshot, error) {
	if !c.IsV2() {
		return nil, errFlexNeedsV2
	}
	cl := call{accept: MediaTypeFlex, endpoint: RouteFlexSnapshots,
		path: "/groups/" + url.PathEscape(groupID) + "/flexClusters/" + url.PathEscape(name) + "/backup/snapshots",
		set:  setFlexSnapshots, scope: groupID}
	return listAll(ctx, c, cl, func(s *FlexSnapshot) string { return s.ID })
}

// ListLegacySnapshots reads every complete legacy snapshot of a cluster, by ID on Cloud and Ops
// Manager and by name on Atlas. The list's default is complete snapshots only; the exporter still
// checks each one's complete flag.
func (c *Client) ListLegacySnapshots(ctx context.Context, groupID string, cluster ClusterRef) ([]LegacySnapshot, error) {
	route := RouteLegacySnapshots
	if cluster.ID != "" {
		route = RouteLegacySnapshotsByID
	}
	cl := call{accept: c.mediaType(), endpoint: route,
		path: "/groups/" + url.PathEscape(groupID) + "/clusters/" + cluster.segment() + "/snapshots",
		set:  setLegacyBackup, scope: groupID}
	return listAll(ctx, c, cl, func(s *LegacySnapshot) string { return s.ID })
}
