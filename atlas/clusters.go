package atlas

import (
	"context"
	"net/url"
)

// Route templates of the cluster resources: the list, which is how Cloud and Ops Manager map names
// to IDs and how discovery finds clusters, and one cluster's description, which says its family.
const (
	RouteClusters = "/groups/{group_id}/clusters"
	RouteCluster  = "/groups/{group_id}/clusters/{cluster_name}"
)

// Cluster is the part of a cluster document the exporter needs.
type Cluster struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// ClusterName is what Cloud and Ops Manager call the name.
	ClusterName string `json:"clusterName"`
	// Under v1.0, BackupEnabled is legacy backup and ProviderBackupEnabled Cloud Backup; under
	// v2 (2024-08-05) BackupEnabled is Cloud Backup and ProviderBackupEnabled is gone. Nil means
	// the description did not say.
	BackupEnabled         *bool `json:"backupEnabled"`
	ProviderBackupEnabled *bool `json:"providerBackupEnabled"`
	// PitEnabled is continuous (point-in-time) backup. Atlas leaves it set on a cluster being
	// deleted while clearing BackupEnabled, so it counts only beside backup.
	PitEnabled *bool `json:"pitEnabled"`
	// StateName is IDLE, CREATING, UPDATING, DELETING or REPAIRING; ClusterType is REPLICASET,
	// SHARDED or GEOSHARDED.
	StateName   string `json:"stateName"`
	ClusterType string `json:"clusterType"`
	// Paused clusters take no snapshots: Atlas stops their backups while they sleep.
	Paused *bool `json:"paused"`
	// The provider says a shared-tier (TENANT, M0) cluster, which cannot be backed up: under
	// 2024-08-05 in each region's configuration, under v1.0 in providerSettings.
	ReplicationSpecs []struct {
		RegionConfigs []struct {
			ProviderName string `json:"providerName"`
		} `json:"regionConfigs"`
	} `json:"replicationSpecs"`
	ProviderSettings *struct {
		ProviderName string `json:"providerName"`
	} `json:"providerSettings"`
}

// Provider is the cloud provider the description names (AWS, GCP, AZURE, TENANT); empty when none.
func (c *Cluster) Provider() string {
	if c.ProviderSettings != nil && c.ProviderSettings.ProviderName != "" {
		return c.ProviderSettings.ProviderName
	}
	for _, r := range c.ReplicationSpecs {
		for _, rc := range r.RegionConfigs {
			if rc.ProviderName != "" {
				return rc.ProviderName
			}
		}
	}
	return ""
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
	cl := call{accept: c.clusterMediaType(), endpoint: RouteClusters, path: "/groups/" + url.PathEscape(groupID) + "/clusters",
		set: setClusters, scope: groupID}
	return listAll(ctx, c, cl, func(cl *Cluster) string { return cl.ID })
}

// clusterMediaType is the cluster resources' version: 2024-08-05 under v2, which outlives the
// 2023 versions' sunset.
func (c *Client) clusterMediaType() string {
	if c.IsV2() {
		return MediaTypeClusters
	}
	return mediaTypeJSON
}

// GetCluster reads one cluster's description, which says how it is backed up.
func (c *Client) GetCluster(ctx context.Context, groupID, name string) (*Cluster, error) {
	var cluster Cluster
	cl := call{accept: c.clusterMediaType(), endpoint: RouteCluster,
		path: "/groups/" + url.PathEscape(groupID) + "/clusters/" + url.PathEscape(name), set: setClusters, scope: groupID}
	if err := c.do(ctx, cl, &cluster); err != nil {
		return nil, err
	}
	return &cluster, nil
}
