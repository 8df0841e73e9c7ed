package atlas

import (
	"context"
	"net/url"
)

// RouteClusters lists a project's clusters, which is how Cloud and Ops Manager map names to IDs.
const RouteClusters = "/groups/{group_id}/clusters"

// Cluster is the part of a cluster document the exporter needs.
type Cluster struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// ClusterName is what Cloud and Ops Manager call the name.
	ClusterName string `json:"clusterName"`
	// Under v1.0, BackupEnabled is legacy backup and ProviderBackupEnabled Cloud Backup; under
	// v2 (2024-08-05) BackupEnabled is Cloud Backup and ProviderBackupEnabled is gone.
	BackupEnabled         bool `json:"backupEnabled"`
	ProviderBackupEnabled bool `json:"providerBackupEnabled"`
}

// DisplayName is the human name under either API's field.
func (c *Cluster) DisplayName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.ClusterName
}

// ListClusters reads every cluster of a project.
func (c *Client) ListClusters(ctx context.Context, groupID string) ([]Cluster, error) {
	accept := c.mediaType()
	if c.IsV2() {
		accept = MediaTypeClusters // the 2023 versions are sunset on 2027-07-01
	}
	cl := call{accept: accept, endpoint: RouteClusters, path: "/groups/" + url.PathEscape(groupID) + "/clusters",
		set: setClusters, scope: groupID}
	return listAll(ctx, c, cl, func(cl *Cluster) string { return cl.ID })
}
