package atlastest

import (
	"context"
	"fmt"
	"time"
)

// The demo project: the seed's project and cluster, so its example job appears as documented.
const (
	DemoGroupID     = "5a66666887d9d61443b41645"
	DemoClusterName = "Cluster0"
	// DemoCycle is how long one batch of demo jobs lives before the next batch replaces it.
	DemoCycle = 10 * time.Minute
)

// The demo's timeline within a cycle: short, so dashboards and alerts show something within a minute.
const (
	demoBrokenAt  = 20 * time.Second
	demoReadyAt   = 30 * time.Second
	demoExpiresAt = 3 * time.Minute
)

// Demo drives the simulator's jobs through their lifecycle so a newcomer sees metrics move.
//
// Each cycle brings three jobs: a download that finishes at 30 seconds, becomes READY and EXPIRES
// unused at 3 minutes; a restore that turns BROKEN at 20 seconds; and a finished QUERY restore.
// The seed's example job stays throughout. At the next cycle the old jobs go away, as they do
// when Atlas forgets them, so alerts on them resolve.
type Demo struct {
	s     *Server
	start time.Time
	cycle int64
}

// NewDemo seeds s with the demo project, counting its lifecycle from start.
func NewDemo(s *Server, start time.Time) *Demo {
	s.AddCluster(DemoGroupID, DemoClusterName)
	s.PutJob(DemoGroupID, DemoClusterName, LoadJob(FixtureSeed))
	d := &Demo{s: s, start: start, cycle: -1}
	d.Advance(start)
	return d
}

// Advance sets every demo job to its state at now.
func (d *Demo) Advance(now time.Time) {
	elapsed := max(now.Sub(d.start), 0)
	cycle := int64(elapsed / DemoCycle)
	cycleStart := d.start.Add(time.Duration(cycle) * DemoCycle)
	phase := elapsed - time.Duration(cycle)*DemoCycle
	if cycle != d.cycle {
		if d.cycle >= 0 {
			for k := range 3 {
				d.s.DeleteJob(DemoGroupID, DemoClusterName, demoJobID(d.cycle, k))
			}
		}
		d.cycle = cycle
	}
	for _, j := range demoJobs(cycle, cycleStart, phase) {
		d.s.PutJob(DemoGroupID, DemoClusterName, j)
	}
}

// Run advances the demo every tick until ctx ends.
func (d *Demo) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.Advance(now)
		}
	}
}

// demoJobID gives each cycle's k-th job its own 24-hex ID.
func demoJobID(cycle int64, k int) string { return fmt.Sprintf("6d%014x%08x", cycle, k+1) }

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// demoJobs builds the cycle's jobs at phase, at the wire level, from the fixtures.
func demoJobs(cycle int64, cycleStart time.Time, phase time.Duration) []Job {
	created := rfc3339(cycleStart)
	snap := rfc3339(cycleStart.Add(-30 * time.Minute))

	download := LoadJob(FixtureInProgress).
		Set("id", demoJobID(cycle, 0)).
		Set("created", created).
		Set("timestamp.date", snap)
	switch {
	case phase < demoReadyAt:
		download.Set("statusName", "IN_PROGRESS").Set("delivery.statusName", "IN_PROGRESS")
	case phase < demoExpiresAt:
		download.Set("statusName", "FINISHED").Set("delivery.statusName", "READY").
			Set("delivery.expires", rfc3339(cycleStart.Add(demoExpiresAt)))
	default:
		download.Set("statusName", "FINISHED").Set("delivery.statusName", "EXPIRED").
			Set("delivery.expires", rfc3339(cycleStart.Add(demoExpiresAt)))
	}

	broken := LoadJob(FixtureInProgress).
		Set("id", demoJobID(cycle, 1)).
		Set("created", created).
		Set("timestamp.date", snap).
		Set("encryptionEnabled", false).
		Delete("masterKeyUUID")
	if phase < demoBrokenAt {
		broken.Set("statusName", "IN_PROGRESS").Set("delivery.statusName", "NOT_STARTED")
	} else {
		broken.Set("statusName", "BROKEN").Set("delivery.statusName", "FAILED")
	}

	query := LoadJob(FixtureQuery).
		Set("id", demoJobID(cycle, 2)).
		Set("created", created).
		Set("timestamp.date", snap)
	return []Job{download, broken, query}
}
