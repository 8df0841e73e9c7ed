package scrape

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
)

// describeTargets reads the description of each configured cluster target, in parallel within the
// concurrency bound, in the discovery loop, so a scrape never pays for it: api: auto takes its
// family from it, and every target its backup coverage. It reports whether every description was
// read. A family not found fails its target visibly, with the reason; a target that names its
// family only loses its coverage series meanwhile.
func (s *Scraper) describeTargets(ctx context.Context, live *liveConfig, client *atlas.Client) bool {
	d := live.discovery
	if live.byID {
		s.describeManagerTargets(ctx, live, client)
		return true // coverage unknown on Cloud and Ops Manager is logged, never a failed pass
	}
	var g errgroup.Group
	g.SetLimit(s.opts.Concurrency) // the client's bound caps the requests; this, the goroutines
	failed := make([]bool, len(d.described))
	for i, a := range d.described {
		g.Go(func() error {
			t := a.target
			var b Backup
			var err error
			// Not a net/http goroutine: a panic here would end the process.
			rctx, cancel := context.WithTimeout(ctx, s.opts.DiscoveryReadTimeout)
			defer cancel()
			if perr := recovery.Do(live.redact, func() { b, err = describe(rctx, client, t) }); perr != nil {
				s.logPanic(perr)
				err = perr
			}
			d.mu.Lock()
			if err == nil {
				a.backup, a.found, a.err, a.readAt = b, true, nil, time.Now()
			} else {
				a.err = err // what was once read is kept through a failed read
			}
			d.mu.Unlock()
			switch {
			case err != nil && t.API == config.APIAuto:
				failed[i] = true // the target cannot be read until its family is known: retry soon
				s.logger.Error("Finding the restore-job family failed; set api: in the target to skip this",
					"group_id", t.GroupID, "cluster_name", t.ClusterName, "err", err, "error_code", atlas.ErrorCode(err))
			case err != nil:
				// Its restore jobs are read all the same; the coverage is retried at the next pass.
				s.logger.Warn("Reading the cluster's description failed; its backup coverage is unknown until it is read",
					"group_id", t.GroupID, "cluster_name", t.ClusterName, "err", err, "error_code", atlas.ErrorCode(err))
			case b.Off():
				s.logger.Debug("The cluster's backups are off; it is watched for its coverage", "group_id", t.GroupID, "cluster_name", t.ClusterName)
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

// describe reads a cluster's description: a Flex cluster's from the Flex API, any other's from the
// cluster API, where a Flex cluster answers 400 (or, under v2, 404 before the Flex API finds it).
func describe(ctx context.Context, client *atlas.Client, t config.Target) (Backup, error) {
	if t.API == config.APIFlex {
		f, err := client.GetFlexCluster(ctx, t.GroupID, t.ClusterName)
		if err != nil {
			return Backup{}, fmt.Errorf("read the Flex cluster's description: %w", err)
		}
		return flexBackupOf(f), nil
	}
	c, err := client.GetCluster(ctx, t.GroupID, t.ClusterName)
	switch {
	case err == nil:
		b := backupOf(c, client.IsV2())
		if t.API == config.APIAuto && b.Family == "" && !b.Off() {
			return b, errors.New("the cluster's description names no backup family")
		}
		if t.API == config.APILegacy && client.IsV2() && b.Off() {
			// Under v2 backupEnabled is Cloud Backup: it cannot say whether legacy backup runs.
			b.Enabled, b.PIT = nil, nil
		}
		return b, nil
	case atlas.ErrorCode(err) == "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API" && !client.IsV2():
		return Backup{}, errors.New("it is a Flex cluster, and Flex is served only under Atlas v2: set base_url to https://cloud.mongodb.com/api/atlas/v2")
	case atlas.ErrorCode(err) == "CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API",
		atlas.StatusCode(err) == 404 && client.IsV2():
		// A Flex cluster, or under v2 perhaps one: its own API says.
		if f, ferr := client.GetFlexCluster(ctx, t.GroupID, t.ClusterName); ferr == nil {
			return flexBackupOf(f), nil
		}
	}
	return Backup{}, fmt.Errorf("read the cluster's description: %w", err)
}

// describeManagerTargets reads each project's backup configurations once, for the coverage of the
// configured Cloud and Ops Manager targets in it; their family is legacy whatever they say.
func (s *Scraper) describeManagerTargets(ctx context.Context, live *liveConfig, client *atlas.Client) {
	d := live.discovery
	byProject := map[string][]*described{}
	for _, a := range d.described {
		byProject[a.target.GroupID] = append(byProject[a.target.GroupID], a)
	}
	var g errgroup.Group
	g.SetLimit(s.opts.Concurrency)
	for groupID, targets := range byProject {
		g.Go(func() error {
			// Not a net/http goroutine: a panic here would end the process.
			if perr := recovery.Do(live.redact, func() {
				ctx, cancel := context.WithTimeout(ctx, s.opts.DiscoveryReadTimeout)
				defer cancel()
				configs := s.backupConfigs(ctx, client, groupID)
				if configs == nil {
					return
				}
				for _, a := range targets {
					id := a.target.ClusterID
					if id == "" {
						var err error
						if id, err = s.clusterIDFor(ctx, live, client, a.target); err != nil {
							s.logger.Warn("Resolving the cluster's ID failed; its backup coverage is unknown", "group_id", groupID,
								"cluster_name", a.target.ClusterName, "err", err)
							continue
						}
					}
					d.mu.Lock()
					a.backup, a.found, a.err, a.readAt = managerBackupOf(configs[id]), true, nil, time.Now()
					d.mu.Unlock()
				}
			}); perr != nil {
				s.logPanic(perr)
			}
			return nil
		})
	}
	_ = g.Wait()
}

// backupConfigs reads a Cloud or Ops Manager project's backup configurations, by cluster ID; nil
// when they cannot be read, which leaves the coverage unknown and is logged, never a failure of
// discovery: the key may lack the role, and the restore jobs do not depend on it.
func (s *Scraper) backupConfigs(ctx context.Context, client *atlas.Client, groupID string) map[string]*atlas.BackupConfig {
	configs, err := client.ListBackupConfigs(ctx, groupID)
	if err != nil {
		s.logger.Warn("Reading the project's backup configurations failed; its clusters' backup coverage is unknown",
			"group_id", groupID, "err", err, "error_code", atlas.ErrorCode(err))
		return nil
	}
	return backupConfigsByID(configs)
}

// familyUnknown is why a target with api: auto cannot be read yet.
func (d *discovery) familyUnknown(t config.Target) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.described {
		if a.target.GroupID == t.GroupID && a.target.ClusterName == t.ClusterName && a.err != nil {
			return fmt.Errorf("restore-job family not found (api: auto): %w", a.err)
		}
	}
	return errors.New("restore-job family not found yet (api: auto): the cluster's description has not been read")
}
