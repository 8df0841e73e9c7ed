package scrape

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// TargetStatus is how a target's last read went, for a person at the landing page; the metrics
// say the same for Prometheus.
type TargetStatus struct {
	Target config.Target
	// Read is when the target was last read, well or not; zero if it never was.
	Read time.Time
	OK   bool
	// Cause is Atlas's errorCode, else the HTTP status, else the kind of failure.
	Cause string
	// LastSuccess is when it was last read completely.
	LastSuccess time.Time
	// Jobs is how many jobs the last good read exported.
	Jobs int
}

// outcome is what memory keeps of a target's last read.
type outcome struct {
	read  time.Time
	ok    bool
	cause string
}

// Cause names a failure in a word or a code, for a table cell.
func Cause(err error) string {
	switch {
	case err == nil:
		return ""
	case atlas.ErrorCode(err) != "":
		return atlas.ErrorCode(err)
	case atlas.StatusCode(err) != 0:
		return "HTTP " + strconv.Itoa(atlas.StatusCode(err))
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, atlas.ErrBudget):
		return "rate-limit budget"
	}
	return "error"
}

// Targets returns every configured and discovered target with how its last read went; it reads
// only memory, never the API.
func (s *Scraper) Targets() []TargetStatus {
	live := s.live.Load()
	if live == nil {
		return nil
	}
	clusters, _ := live.expand()
	out := make([]TargetStatus, 0, len(clusters))
	for _, t := range readTargets(clusters) {
		r := s.memory.status(targetKey(t.GroupID, t.ClusterName))
		out = append(out, TargetStatus{Target: t, Read: r.outcome.read, OK: r.outcome.ok, Cause: r.outcome.cause,
			LastSuccess: r.at, Jobs: len(r.jobs)})
	}
	return out
}

// Discoveries returns each discovering target's discovery state.
func (s *Scraper) Discoveries() []Discovery {
	live := s.live.Load()
	if live == nil {
		return nil
	}
	_, states := live.expand()
	return states
}

// Clusters returns every watched cluster, those without backup included, with its coverage and
// what the background reads last learnt of its recovery point; it reads only memory, never the API.
func (s *Scraper) Clusters() []ClusterState {
	live := s.live.Load()
	if live == nil {
		return nil
	}
	clusters, _ := live.expand()
	return live.clusterStates(clusters)
}
