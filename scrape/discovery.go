package scrape

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
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
