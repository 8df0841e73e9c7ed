package atlas

import (
	"context"
	"net/url"
)

// RouteBackupConfigs is Cloud and Ops Manager's list of every cluster's backup configuration in a
// project: the one place those roots say whether a cluster is backed up.
const RouteBackupConfigs = "/groups/{group_id}/backupConfigs"

// BackupConfig is the part of a Cloud or Ops Manager backup configuration that says whether the
// cluster is backed up.
type BackupConfig struct {
	ClusterID string `json:"clusterId"`
	// StatusName is INACTIVE, PROVISIONING, STARTED, STOPPED or TERMINATING, current or desired;
	// only STARTED means backups are running.
	StatusName string `json:"statusName"`
}

// ListBackupConfigs reads the backup configuration of every cluster of a Cloud or Ops Manager
// project, in one paged call.
func (c *Client) ListBackupConfigs(ctx context.Context, groupID string) ([]BackupConfig, error) {
	cl := call{accept: mediaTypeJSON, endpoint: RouteBackupConfigs, path: "/groups/" + url.PathEscape(groupID) + "/backupConfigs",
		set: setLegacyBackup, scope: groupID}
	return listAll(ctx, c, cl, func(b *BackupConfig) string { return b.ClusterID })
}
