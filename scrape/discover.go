package scrape

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
)

// runDiscovery discovers until ctx ends: at once, then every interval, or sooner after a failure.
func (s *Scraper) runDiscovery(ctx context.Context, live *liveConfig) {
	d := live.discovery
	if len(d.scopes) == 0 && len(d.described) == 0 {
		return
	}
	for {
		ok := s.discoverOnce(ctx, live)
		if ctx.Err() != nil {
			return // cut short by a reload or by Close: not a pass that readiness may count
		}
		d.doneOnce.Do(func() { close(d.done) })
		s.discoveredOnce.Store(true)
		select {
		case d.passed <- struct{}{}:
		default: // a signal is already waiting
		}
		wait := d.interval
		if !ok {
			wait = min(retryFailedDiscovery, d.interval)
		}
		wait = max(wait, minDiscoveryGap)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// discoverOnce is one pass over every scope; it reports full success. The pass has no deadline of
// its own: each read has one (readTimeout), so the pass lasts as long as its work, however large
// the organisation and slow the API, and only a reload or Close cuts it short.
func (s *Scraper) discoverOnce(ctx context.Context, live *liveConfig) bool {
	client := live.client.Within(atlas.NewBound(s.opts.Concurrency))
	all := s.describeTargets(ctx, live, client)
	for _, sc := range live.discovery.scopes {
		var err error
		if perr := recovery.Do(live.redact, func() { err = s.discoverScope(ctx, live, client, sc) }); perr != nil {
			s.logPanic(perr)
			err = perr
		}
		live.discovery.mu.Lock()
		sc.ok, sc.err = err == nil, err
		if err == nil {
			sc.lastSuccess = time.Now()
		}
		n, ever := 0, !sc.lastSuccess.IsZero()
		for _, cs := range sc.clusters {
			n += len(cs)
		}
		live.discovery.mu.Unlock()
		if ctx.Err() != nil {
			return false // the config was replaced or the exporter is stopping: nothing to report
		}
		if err != nil {
			all = false
			attrs := []any{"scope", sc.name, "err", err, "clusters", n}
			if code := atlas.ErrorCode(err); code != "" {
				attrs = append(attrs, "error_code", code)
			}
			if !ever {
				attrs = append(attrs, "hint", "no discovery has succeeded yet: this target's clusters are unknown and mongodbatlas_up is 0")
			}
			s.logger.Error("Discovery failed; keeping the last result", attrs...)
			continue
		}
		s.logger.Debug("Discovered clusters", "scope", sc.name, "clusters", n)
	}
	return all
}

// discoverScope lists one scope's projects, then each admitted project's clusters in parallel
// within the concurrency bound. A project whose list fails keeps its last good clusters and does
// not hide the others; a project no longer listed is dropped with its clusters.
func (s *Scraper) discoverScope(ctx context.Context, live *liveConfig, client *atlas.Client, sc *scope) error {
	t := sc.target
	var projects []atlas.Project
	switch {
	case t.GroupID != "":
		projects = []atlas.Project{{ID: t.GroupID}}
	case t.OrgID != "":
		rctx, cancel := context.WithTimeout(ctx, s.opts.DiscoveryReadTimeout)
		ps, err := client.ListOrgProjects(rctx, t.OrgID)
		cancel()
		if err != nil {
			return fmt.Errorf("discover projects of organisation %s: %w", t.OrgID, err)
		}
		projects = ps
	default:
		rctx, cancel := context.WithTimeout(ctx, s.opts.DiscoveryReadTimeout)
		ps, err := client.ListProjects(rctx)
		cancel()
		if err != nil {
			return fmt.Errorf("discover projects: %w", err)
		}
		projects = ps
	}
	found := make([][]Cluster, len(projects))
	failed := make([]error, len(projects))
	var g errgroup.Group
	g.SetLimit(s.opts.Concurrency)
	var refused []string
	defer func() { s.refuseNames(sc.name, "project ID", refused) }()
	for i, p := range projects {
		switch {
		case !config.IsObjectID(p.ID):
			refused = append(refused, p.ID)
			continue
		case p.Name == "" && t.ProjectInclude != "" && t.GroupID == "":
			continue // a listed project without a name matches no include pattern
		case !t.Admits(p.Name, ""):
			continue
		}
		p.ID = strings.ToLower(p.ID)
		projects[i].ID = p.ID
		g.Go(func() error {
			// Not a net/http goroutine: a panic here fails the project, not the process.
			pctx, cancel := context.WithTimeout(ctx, s.opts.DiscoveryReadTimeout)
			defer cancel()
			if perr := recovery.Do(live.redact, func() { found[i], failed[i] = s.discoverProject(pctx, live, client, t, p) }); perr != nil {
				s.logPanic(perr)
				failed[i] = perr
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through failed
	var firstErr error
	live.discovery.mu.Lock()
	defer live.discovery.mu.Unlock()
	next := make(map[string][]Cluster, len(projects))
	for i, p := range projects {
		switch {
		case failed[i] != nil:
			next[p.ID] = sc.clusters[p.ID] // its last good clusters
			if firstErr == nil {
				firstErr = failed[i]
			}
		case found[i] != nil:
			next[p.ID] = found[i]
		}
	}
	sc.clusters = next
	return firstErr
}

// discoverProject lists one project's clusters, and under v2 its Flex clusters, as watched
// clusters, those without backup included.
func (s *Scraper) discoverProject(ctx context.Context, live *liveConfig, client *atlas.Client, t config.Target, p atlas.Project) ([]Cluster, error) {
	clusters, err := client.ListClusters(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("discover clusters of project %s: %w", p.ID, err)
	}
	live.ids.store(p.ID, clusters)
	var configs map[string]*atlas.BackupConfig
	if live.byID {
		configs = s.backupConfigs(ctx, client, p.ID)
	}
	out := []Cluster{}
	var refused []string
	defer func() { s.refuseNames("project/"+p.ID, "cluster name", refused) }()
	for i := range clusters {
		c := &clusters[i]
		if !config.IsClusterName(c.DisplayName()) {
			refused = append(refused, c.DisplayName())
			continue
		}
		if !t.Admits(p.Name, c.DisplayName()) {
			continue
		}
		b := backupOf(c, live.v2)
		if live.byID {
			b = managerBackupOf(configs[c.ID])
		}
		ct := inherit(t, p.ID, c.DisplayName(), readFamily(t.API, b))
		if live.byID {
			ct.ClusterID = c.ID
		}
		out = append(out, Cluster{Target: ct, Backup: b})
	}
	if live.v2 {
		// Flex clusters are listed apart, and are always read as Flex: no other family serves them.
		flex, err := client.ListFlexClusters(ctx, p.ID)
		if err != nil {
			return nil, fmt.Errorf("discover Flex clusters of project %s: %w", p.ID, err)
		}
		for i := range flex {
			if !config.IsClusterName(flex[i].Name) {
				refused = append(refused, flex[i].Name)
				continue
			}
			if t.Admits(p.Name, flex[i].Name) {
				out = append(out, Cluster{Target: inherit(t, p.ID, flex[i].Name, config.APIFlex), Backup: flexBackupOf(&flex[i])})
			}
		}
	}
	return out, nil
}

// refuseNames logs the names or IDs from upstream that could not be real ones (empty, too long,
// control characters): they are left out, never a target, a label or a line on a page. One line
// per project and pass, the first few values quoted and cut, and how many, so an upstream that
// invents thousands costs one line.
func (s *Scraper) refuseNames(scope, what string, values []string) {
	if len(values) == 0 {
		return
	}
	quoted := make([]string, 0, 3)
	for _, v := range values[:min(len(values), 3)] {
		quoted = append(quoted, clip(v))
	}
	s.logger.Warn("Discovery left out a "+what+" that Atlas could not have given", "scope", scope, "left_out", len(values),
		"values", strings.Join(quoted, ", "))
}

// clip quotes a value from upstream for a log line, cut to 64 bytes.
func clip(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "..."
	}
	return strconv.Quote(s)
}

// inherit is a discovered cluster's target: what the discovering target passes on to each.
func inherit(t config.Target, groupID, name, api string) config.Target {
	return config.Target{GroupID: groupID, ClusterName: name, API: api, DrillInterval: t.DrillInterval, RPO: t.RPO, RTO: t.RTO}
}
