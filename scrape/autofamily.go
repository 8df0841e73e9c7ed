package scrape

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/recovery"
)

// findFamilies reads the description of each cluster target with api: auto, in parallel within
// the concurrency bound, and picks its family, in the discovery loop, so a scrape never pays for it. It reports whether every
// family was found; a target whose family is not found fails visibly, with the reason.
func (e *Scraper) findFamilies(ctx context.Context, live *liveConfig, client *atlas.Client) bool {
	d := live.discovery
	var g errgroup.Group
	g.SetLimit(e.opts.Concurrency) // the client's bound caps the requests; this, the goroutines
	failed := make([]bool, len(d.autos))
	for i, a := range d.autos {
		g.Go(func() error {
			t := a.target
			var api string
			var err error
			// Not a net/http goroutine: a panic here would end the process.
			if perr := recovery.Do(live.redact, func() { api, err = familyFromDescription(ctx, client, t) }); perr != nil {
				e.logPanic(perr)
				err = perr
			}
			d.mu.Lock()
			if err == nil {
				a.api, a.err = api, nil
			} else if a.api == "" {
				a.err = err // a family once found is kept through a failed read
			}
			d.mu.Unlock()
			if err != nil {
				failed[i] = true
				e.logger.Error("Finding the restore-job family failed; set api: in the target to skip this",
					"group_id", t.GroupID, "cluster_name", t.ClusterName, "err", err, "error_code", atlas.ErrorCode(err))
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through failed
	for _, f := range failed {
		if f {
			return false
		}
	}
	return true
}

// familyFromDescription picks a cluster's family from its description: a Flex cluster is flex,
// a dedicated cluster with Cloud Backup cloud_backup, legacy only where it says legacy backup.
func familyFromDescription(ctx context.Context, client *atlas.Client, t config.Target) (string, error) {
	c, err := client.GetCluster(ctx, t.GroupID, t.ClusterName)
	switch {
	case err == nil && client.IsV2() && c.BackupEnabled:
		return config.APICloudBackup, nil // under 2024-08-05 backupEnabled is Cloud Backup
	case err == nil && c.ProviderBackupEnabled:
		return config.APICloudBackup, nil
	case err == nil && c.BackupEnabled:
		return config.APILegacy, nil
	case err == nil:
		return "", errors.New("the cluster's description says no backup is enabled, so it has no restore jobs")
	case atlas.ErrorCode(err) == "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API" && client.IsV2():
		return config.APIFlex, nil
	case atlas.ErrorCode(err) == "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API":
		return "", errors.New("it is a Flex cluster, and Flex is served only under Atlas v2: set base_url to https://cloud.mongodb.com/api/atlas/v2")
	case atlas.StatusCode(err) == 404 && client.IsV2():
		// Not a dedicated cluster: perhaps a Flex one.
		if _, ferr := client.GetFlexCluster(ctx, t.GroupID, t.ClusterName); ferr == nil {
			return config.APIFlex, nil
		}
	}
	return "", fmt.Errorf("read the cluster's description: %w", err)
}

// familyUnknown is why a target with api: auto cannot be read yet.
func (d *discovery) familyUnknown(t config.Target) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.autos {
		if a.target.GroupID == t.GroupID && a.target.ClusterName == t.ClusterName && a.err != nil {
			return fmt.Errorf("restore-job family not found (api: auto): %w", a.err)
		}
	}
	return errors.New("restore-job family not found yet (api: auto): the cluster's description has not been read")
}
