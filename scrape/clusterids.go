package scrape

import (
	"context"
	"fmt"
	"sync"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// clusterIDs caches the name-to-ID map that Cloud and Ops Manager paths need: clusters are
// renamed or recreated rarely, so one read per project per config is enough, redone after a 404.
type clusterIDs struct {
	mu      sync.Mutex
	byGroup map[string]map[string]string
}

func (c *clusterIDs) lookup(groupID, name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	names, ok := c.byGroup[groupID]
	if !ok {
		return "", false
	}
	return names[name], true
}

func (c *clusterIDs) store(groupID string, clusters []atlas.Cluster) {
	names := make(map[string]string, len(clusters))
	for i := range clusters {
		names[clusters[i].DisplayName()] = clusters[i].ID
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byGroup == nil {
		c.byGroup = map[string]map[string]string{}
	}
	c.byGroup[groupID] = names
}

func (c *clusterIDs) forget(groupID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byGroup, groupID)
}

// resolveClusterIDs fills in the cluster ID of every target that names its cluster only, reading
// each project's cluster list at most once; a target whose cluster cannot be found fails.
func (s *Scraper) resolveClusterIDs(ctx context.Context, live *liveConfig, targets []*TargetResult) {
	var missing []task
	seen := map[string]bool{}
	for _, tr := range targets {
		if tr.clusterID != "" {
			continue
		}
		if _, cached := live.ids.lookup(tr.Target.GroupID, tr.Target.ClusterName); cached || seen[tr.Target.GroupID] {
			continue
		}
		seen[tr.Target.GroupID] = true
		missing = append(missing, task{t: tr})
	}
	failed := map[string]error{}
	var mu sync.Mutex
	s.runTasks(ctx, live, missing, func(tk task) {
		clusters, err := live.client.ListClusters(ctx, tk.t.Target.GroupID)
		if err != nil {
			mu.Lock()
			failed[tk.t.Target.GroupID] = fmt.Errorf("resolve cluster IDs: %w", err)
			mu.Unlock()
			return
		}
		live.ids.store(tk.t.Target.GroupID, clusters)
	})
	for _, tr := range targets {
		if tr.clusterID != "" || !tr.OK() {
			continue
		}
		if err, ok := failed[tr.Target.GroupID]; ok {
			tr.Fail(err)
			continue
		}
		id, _ := live.ids.lookup(tr.Target.GroupID, tr.Target.ClusterName)
		if id == "" {
			tr.Fail(fmt.Errorf("resolve cluster IDs: project %s has no cluster named %q", tr.Target.GroupID, tr.Target.ClusterName))
			continue
		}
		tr.clusterID = id
	}
}

// forgetClusterID drops a project's cached IDs when the API no longer knows a resolved cluster,
// so the next scrape reads the list again.
func (s *Scraper) forgetClusterID(live *liveConfig, tr *TargetResult, err error) {
	if live.byID && tr.Target.ClusterID == "" && atlas.ErrorCode(err) == "CLUSTER_NOT_FOUND" {
		live.ids.forget(tr.Target.GroupID)
	}
}

// clusterIDFor is a Cloud or Ops Manager cluster's ID for a background read: from the cache, else
// from the project's cluster list, which it caches for the scrapes too.
func (s *Scraper) clusterIDFor(ctx context.Context, live *liveConfig, client *atlas.Client, t config.Target) (string, error) {
	if id, cached := live.ids.lookup(t.GroupID, t.ClusterName); cached && id != "" {
		return id, nil
	}
	clusters, err := client.ListClusters(ctx, t.GroupID)
	if err != nil {
		return "", fmt.Errorf("resolve cluster IDs: %w", err)
	}
	live.ids.store(t.GroupID, clusters)
	if id, _ := live.ids.lookup(t.GroupID, t.ClusterName); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("resolve cluster IDs: project %s has no cluster named %q", t.GroupID, t.ClusterName)
}
