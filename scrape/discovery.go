package scrape

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/recovery"
)

// discovery expands targets that name no cluster into cluster targets. It is a background loop
// with its own interval and deadline, never on a scrape's path: clusters change rarely, and
// listing projects and clusters on every scrape would spend budget and time for nothing. Scrapes
// read its last result; no lock is held across a network call.
type discovery struct {
	interval time.Duration
	// scopes are the discovering targets, in config order.
	scopes []*scope
	// described are the configured cluster targets whose description is read: for the family of
	// api: auto, and for every one's backup coverage.
	described []*described
	// passed is signalled after each pass, for the snapshot reads of what it found.
	passed chan struct{}
	// loopStop ends the discovery loop; set when the loop starts, under Scraper.applyMu.
	loopStop context.CancelFunc

	mu sync.Mutex
	// done closes after the first pass, for whoever wants to wait for it (tests, probes).
	done     chan struct{}
	doneOnce sync.Once
}

// scope is one discovering target and what discovery last learnt of it.
type scope struct {
	target config.Target
	// name labels the discovery metrics: project/<id>, org/<id> or all_projects.
	name string

	// Guarded by discovery.mu.
	clusters    map[string][]Cluster // by project ID, the last good list of each
	ok          bool                 // the last pass read every list
	lastSuccess time.Time            // the last pass that read every list
	err         error                // why the last pass did not
}

// described is a configured cluster target and what its description last said.
type described struct {
	target config.Target

	// Guarded by discovery.mu.
	backup Backup    // the last description read
	found  bool      // a description has been read
	readAt time.Time // when it was read
	err    error     // why the last pass could not read it
}

// Cluster is a cluster the exporter watches, configured or discovered, with what its description
// says of its backups. Target.API is the restore-job family read at each scrape: empty for a
// cluster watched for its coverage alone (its backups are off), auto while its description is unknown.
type Cluster struct {
	Target config.Target
	Backup Backup
}

// readsJobs reports a cluster whose restore jobs are read at each scrape.
func (c Cluster) readsJobs() bool { return c.Target.API != "" }

// Discovery is what one discovering target's discovery looks like to a scrape.
type Discovery struct {
	// Scope is project/<group_id>, org/<org_id> or all_projects.
	Scope string
	// OK reports that the last pass read every project and cluster list.
	OK bool
	// LastSuccess is when a pass last did; zero if none ever has, and then the target counts
	// as failed, since its clusters are unknown.
	LastSuccess time.Time
}

// Timing of the loop. Each read of a pass has its own deadline (Options.DiscoveryReadTimeout);
// a failed pass is retried sooner than the interval, so a brief outage does not hide new
// clusters for the whole interval.
const (
	retryFailedDiscovery = time.Minute
	// minDiscoveryGap keeps a tiny refresh_interval from turning the loop into a busy one.
	minDiscoveryGap = 100 * time.Millisecond
)

func scopeName(t config.Target) string {
	switch {
	case t.GroupID != "":
		return "project/" + t.GroupID
	case t.OrgID != "":
		return "org/" + t.OrgID
	}
	return "all_projects"
}

// scopeKey identifies a discovering target across reloads: the same scope with the same filters
// and settings keeps its last result, so a reload does not blind the exporter until it rediscovers.
func scopeKey(t config.Target) string {
	return strings.Join([]string{scopeName(t), t.ProjectInclude, t.ProjectExclude, t.ClusterInclude,
		t.ClusterExclude, t.API, t.DrillInterval.String(), t.RPO.String(), t.RTO.String()}, "\x00")
}

// newDiscovery prepares the scopes of the discovering targets, keeping what prev knew of those
// that did not change. Every configured cluster target is described: on Atlas by its description,
// on Cloud and Ops Manager by its project's backup configurations.
func newDiscovery(targets []config.Target, interval time.Duration, prev *discovery) *discovery {
	d := &discovery{interval: interval, done: make(chan struct{}), passed: make(chan struct{}, 1)}
	old := map[string]*scope{}
	if prev != nil {
		prev.mu.Lock()
		for _, s := range prev.scopes {
			old[scopeKey(s.target)] = s
		}
		prev.mu.Unlock()
	}
	for _, t := range targets {
		if !t.Discovers() {
			continue
		}
		s := &scope{target: t, name: scopeName(t), clusters: map[string][]Cluster{}}
		if o, ok := old[scopeKey(t)]; ok {
			prev.mu.Lock()
			s.clusters, s.ok, s.lastSuccess, s.err = o.clusters, o.ok, o.lastSuccess, o.err
			prev.mu.Unlock()
		}
		d.scopes = append(d.scopes, s)
	}
	oldDesc := map[string]*described{}
	if prev != nil {
		prev.mu.Lock()
		for _, a := range prev.described {
			oldDesc[targetKey(a.target.GroupID, a.target.ClusterName)] = a
		}
		prev.mu.Unlock()
	}
	for _, t := range targets {
		if t.Discovers() {
			continue
		}
		a := &described{target: t}
		if o, ok := oldDesc[targetKey(t.GroupID, t.ClusterName)]; ok {
			prev.mu.Lock()
			a.backup, a.found, a.readAt, a.err = o.backup, o.found, o.readAt, o.err
			prev.mu.Unlock()
		}
		d.described = append(d.described, a)
	}
	if len(d.scopes) == 0 && len(d.described) == 0 {
		d.doneOnce.Do(func() { close(d.done) })
	}
	return d
}

// stopLoop ends the discovery loop, if one was started.
func (d *discovery) stopLoop() {
	if d.loopStop != nil {
		d.loopStop()
	}
}

// same reports a discovery of the same scopes, described targets and interval as o: a reload that
// changes none of them keeps the discovery, its pass in flight and its result.
func (d *discovery) same(o *discovery) bool {
	if d.interval != o.interval || len(d.scopes) != len(o.scopes) || len(d.described) != len(o.described) {
		return false
	}
	for i := range d.scopes {
		if scopeKey(d.scopes[i].target) != scopeKey(o.scopes[i].target) {
			return false
		}
	}
	for i := range d.described {
		a, b := d.described[i].target, o.described[i].target
		if targetKey(a.GroupID, a.ClusterName) != targetKey(b.GroupID, b.ClusterName) || a.API != b.API || a.ClusterID != b.ClusterID {
			return false
		}
	}
	return true
}

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

// expand returns the configured clusters plus the discovered ones, from discovery's last result;
// a configured target wins over a discovered one of the same cluster, and carries what its
// description said, once read.
func (live *liveConfig) expand() ([]Cluster, []Discovery) {
	d := live.discovery
	d.mu.Lock()
	desc := make(map[string]*described, len(d.described))
	for _, a := range d.described {
		desc[targetKey(a.target.GroupID, a.target.ClusterName)] = a
	}
	var static []Cluster
	for _, t := range live.targets {
		if t.Discovers() {
			continue
		}
		c := Cluster{Target: t}
		if live.byID {
			c.Backup = managerBackup()
		}
		if a := desc[targetKey(t.GroupID, t.ClusterName)]; a != nil && a.found {
			c.Backup = a.backup
			c.Target.API = readFamily(t.API, a.backup)
			if time.Since(a.readAt) > live.staleness {
				// Reads have failed for too long to vouch for the coverage; the family stays.
				c.Backup = Backup{Family: a.backup.Family}
			}
		}
		static = append(static, c)
	}
	d.mu.Unlock()
	if len(d.scopes) == 0 {
		return static, nil
	}
	seen := make(map[string]bool, len(static))
	for _, c := range static {
		seen[targetKey(c.Target.GroupID, c.Target.ClusterName)] = true
	}
	out := static
	d.mu.Lock()
	defer d.mu.Unlock()
	states := make([]Discovery, 0, len(d.scopes))
	for _, s := range d.scopes {
		states = append(states, Discovery{Scope: s.name, OK: s.ok, LastSuccess: s.lastSuccess})
		for _, cs := range s.clusters {
			for _, c := range cs {
				if key := targetKey(c.Target.GroupID, c.Target.ClusterName); !seen[key] {
					seen[key] = true
					out = append(out, c)
				}
			}
		}
	}
	return out, states
}

// readTargets are the clusters whose restore jobs a scrape reads.
func readTargets(clusters []Cluster) []config.Target {
	out := make([]config.Target, 0, len(clusters))
	for _, c := range clusters {
		if c.readsJobs() {
			out = append(out, c.Target)
		}
	}
	return out
}

// Known returns the cluster targets a probe may ask for, configured or discovered, and whether
// discovery still lacks a first result for some scope, in which case a target may yet appear.
func (s *Scraper) Known() (targets []config.Target, pending bool) {
	live := s.live.Load()
	if live == nil {
		return nil, false
	}
	clusters, states := live.expand()
	for _, c := range clusters {
		targets = append(targets, c.Target)
	}
	for _, st := range states {
		if st.LastSuccess.IsZero() {
			pending = true
		}
	}
	return targets, pending
}

// Discovered reports whether a first discovery pass has ended since start, so that readiness
// can wait for targets whose clusters or family are not known yet. A reload does not make the
// process unready again: its new targets show as failed until their pass, which is visible.
func (s *Scraper) Discovered() bool {
	live := s.live.Load()
	if live == nil {
		return false
	}
	if s.discoveredOnce.Load() {
		return true
	}
	select {
	case <-live.discovery.done:
		s.discoveredOnce.Store(true)
		return true
	default:
		return false
	}
}

// WaitDiscovered blocks until the live config's first discovery pass has ended, or ctx does.
func (s *Scraper) WaitDiscovered(ctx context.Context) error {
	live := s.live.Load()
	if live == nil {
		return nil
	}
	select {
	case <-live.discovery.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
