package scrape

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// discovery expands targets that name no cluster into cluster targets, on its own interval: clusters
// change rarely, and listing projects and clusters on every scrape would spend budget for nothing.
type discovery struct {
	interval time.Duration

	mu       sync.Mutex
	found    []config.Target
	at       time.Time // last successful discovery
	failedAt time.Time
}

// retryFailedDiscovery spaces attempts after a failure, so a broken list is not re-read every scrape.
const retryFailedDiscovery = time.Minute

// expand returns the configured cluster targets plus the discovered ones; a failed refresh keeps
// the last good result.
func (e *Scraper) expand(ctx context.Context, live *liveConfig) []config.Target {
	var static, discover []config.Target
	for _, t := range live.targets {
		if t.Discovers() {
			discover = append(discover, t)
		} else {
			static = append(static, t)
		}
	}
	if len(discover) == 0 {
		return static
	}
	d := live.discovery
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	due := d.at.IsZero() || now.Sub(d.at) >= d.interval
	if due && (d.failedAt.IsZero() || now.Sub(d.failedAt) >= min(retryFailedDiscovery, d.interval)) {
		found, err := e.discover(ctx, live, discover)
		if err != nil {
			d.failedAt = now
			e.logger.Error("Discovery failed; keeping the last result", "err", err,
				"error_code", atlas.ErrorCode(err), "clusters", len(d.found))
		} else {
			if len(found) != len(d.found) {
				e.logger.Info("Discovered clusters", "clusters", len(found))
			}
			d.found, d.at, d.failedAt = found, now, time.Time{}
		}
	}
	seen := make(map[string]bool, len(static))
	for _, t := range static {
		seen[targetKey(t.GroupID, t.ClusterName)] = true
	}
	out := static
	for _, t := range d.found {
		if !seen[targetKey(t.GroupID, t.ClusterName)] {
			seen[targetKey(t.GroupID, t.ClusterName)] = true
			out = append(out, t) // a configured target wins over a discovered one
		}
	}
	return out
}

// discover lists the projects and clusters the discovering targets name.
func (e *Scraper) discover(ctx context.Context, live *liveConfig, targets []config.Target) ([]config.Target, error) {
	var found []config.Target
	for _, t := range targets {
		var projects []atlas.Project
		switch {
		case t.GroupID != "":
			projects = []atlas.Project{{ID: t.GroupID}}
		case t.OrgID != "":
			ps, err := live.client.ListOrgProjects(ctx, t.OrgID)
			if err != nil {
				return nil, fmt.Errorf("discover projects of organisation %s: %w", t.OrgID, err)
			}
			projects = ps
		default:
			ps, err := live.client.ListProjects(ctx)
			if err != nil {
				return nil, fmt.Errorf("discover projects: %w", err)
			}
			projects = ps
		}
		for _, p := range projects {
			if !t.Admits(p.Name, "") {
				continue
			}
			clusters, err := live.client.ListClusters(ctx, p.ID)
			if err != nil {
				return nil, fmt.Errorf("discover clusters of project %s: %w", p.ID, err)
			}
			live.ids.store(p.ID, clusters)
			for i := range clusters {
				c := &clusters[i]
				if !t.Admits(p.Name, c.DisplayName()) {
					continue
				}
				api, ok := familyOf(t, c, live)
				if !ok {
					continue
				}
				ct := config.Target{GroupID: p.ID, ClusterName: c.DisplayName(), API: api, DrillInterval: t.DrillInterval}
				if live.byID {
					ct.ClusterID = c.ID
				}
				found = append(found, ct)
			}
		}
	}
	return found, nil
}

// familyOf picks a discovered cluster's restore-job API: the target's own choice, else the one its
// backup settings say it uses; a cluster without backup has no restore jobs and is skipped.
func familyOf(t config.Target, c *atlas.Cluster, live *liveConfig) (string, bool) {
	switch {
	case t.API != "":
		return t.API, true
	case live.byID:
		return config.APILegacy, true // Cloud and Ops Manager have only the legacy family
	case c.ProviderBackupEnabled:
		return config.APICloudBackup, true
	case c.BackupEnabled && !live.v2:
		return config.APILegacy, true
	}
	return "", false
}

// Known returns the cluster targets a probe may ask for: configured ones, and those discovery
// found (discovering first if it never has).
func (e *Scraper) Known(ctx context.Context) []config.Target {
	live := e.live.Load()
	if live == nil {
		return nil
	}
	return e.expand(ctx, live)
}
