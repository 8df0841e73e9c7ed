package scrape

import (
	"context"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

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
