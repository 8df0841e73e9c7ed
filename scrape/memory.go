package scrape

import (
	"sync"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// targetKey names a target across scrapes and reloads.
func targetKey(groupID, clusterName string) string { return groupID + "/" + clusterName }

// memory is what the exporter remembers between scrapes, per target: the last complete read
// (served, marked stale, when a read fails), terminal jobs (never read again), and how long the
// cluster's list was (to price a list read against per-job GETs).
type memory struct {
	mu      sync.Mutex
	targets map[string]*remembered
}

type remembered struct {
	lastRead
	outcome  outcome
	terminal map[string]*Job
	listSize int
}

// lastRead is a target's last complete read: its jobs, when it was made, and the newest
// successful restore it saw.
type lastRead struct {
	jobs        []*Job
	collections []*CollectionJob
	// collectionsAt is when the collections were read: they can fail apart from the jobs.
	collectionsAt time.Time
	at            time.Time
	lastRestore   Success
	// dropped are the record rows of listed jobs a cap left out of jobs.
	dropped []Restore
	// rendered is what Options.Render made of jobs: the next read that yields the same jobs, or a
	// failed one served these, reuses it instead of rendering them again.
	rendered any
}

// rows are the recovery record's rows of the read: its jobs', those a cap left out, and its
// collection restores.
func (l lastRead) rows() []Restore { return recordRows(l.jobs, l.dropped, l.collections) }

func (m *memory) get(key string) *remembered {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.targets == nil {
		m.targets = map[string]*remembered{}
	}
	r, ok := m.targets[key]
	if !ok {
		r = &remembered{terminal: map[string]*Job{}, listSize: -1}
		m.targets[key] = r
	}
	return r
}

// keep records a complete read, and for a pinned target the terminal jobs in it, which are
// never read again; a listed cluster reads its whole list each scrape, so it keeps none.
func (m *memory) keep(key string, read lastRead, pinned bool) {
	r := m.get(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	r.lastRead = read
	if !pinned {
		return
	}
	for _, j := range read.jobs {
		if j != nil && j.terminal() {
			r.terminal[j.ID] = j
		}
	}
}

// lastGood returns the last complete read; its time is zero if there was none.
func (m *memory) lastGood(key string) lastRead {
	r := m.get(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	return r.lastRead
}

func (m *memory) terminalJob(key, id string) *Job {
	r := m.get(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	return r.terminal[id]
}

func (m *memory) setListSize(key string, n int) {
	r := m.get(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	r.listSize = n
}

func (m *memory) listSize(key string) int {
	r := m.get(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	return r.listSize
}

// record notes how a target's read went.
func (m *memory) record(key string, o outcome) {
	r := m.get(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	r.outcome = o
}

// status returns a copy of what is remembered of a target, for the landing page.
func (m *memory) status(key string) remembered {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.targets[key]; ok {
		return remembered{lastRead: r.lastRead, outcome: r.outcome}
	}
	return remembered{}
}

// retain forgets every target not among targets: clusters that left the config or discovery.
func (m *memory) retain(targets []config.Target) {
	keep := make(map[string]bool, len(targets))
	for _, t := range targets {
		keep[targetKey(t.GroupID, t.ClusterName)] = true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for key := range m.targets {
		if !keep[key] {
			delete(m.targets, key)
		}
	}
}

// size is how many targets are remembered, for tests of what is forgotten.
func (m *memory) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.targets)
}

// forget drops everything about a target the API says no longer exists.
func (m *memory) forget(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.targets, key)
}

// shareUnchanged replaces each view equal to one of the last read's by that one, so that a read
// of an unchanged list holds no second copy of it: between scrapes memory holds one view per job,
// and a scrape adds only what changed.
func shareUnchanged(views, last []*Job) []*Job {
	if len(last) == 0 {
		return views
	}
	byID := make(map[string]*Job, len(last))
	for _, j := range last {
		if j != nil {
			byID[j.ID] = j
		}
	}
	for i, v := range views {
		if old := byID[v.ID]; old != nil && v.same(old) {
			views[i] = old
		}
	}
	return views
}

// terminal reports a job that can no longer change, which the exporter keeps and stops re-reading.
func (j *Job) terminal() bool {
	switch j.Status {
	case "BROKEN", "KILLED":
		return true
	case "FINISHED":
		switch j.DeliveryStatus {
		case "EXPIRED", "MAX_DOWNLOADS_EXCEEDED", "FAILED":
			return true
		}
	}
	return false
}
