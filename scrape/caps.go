package scrape

import (
	"slices"
	"time"
)

// Caps bound how many jobs a listed cluster exports: restore-job history only grows.
type Caps struct {
	// MaxAge drops jobs that are no longer in progress and older than this; zero keeps all.
	MaxAge time.Duration
	// MaxPerCluster keeps the newest finished jobs up to this many; zero keeps all. Jobs in
	// progress are always kept and count toward it.
	MaxPerCluster int
}

// age is the best time the API gives for when a job happened.
func (j *Job) age() time.Time {
	switch {
	case !j.Created.IsZero():
		return j.Created
	case !j.Finished.IsZero():
		return j.Finished
	}
	return j.Snapshot
}

// apply returns the jobs to export, in their original order.
func (c Caps) apply(jobs []*Job, now time.Time) []*Job {
	if c.MaxAge <= 0 && c.MaxPerCluster <= 0 {
		return jobs
	}
	var running, done []*Job
	for _, j := range jobs {
		switch {
		case j.Status == "IN_PROGRESS":
			running = append(running, j)
		case c.MaxAge > 0 && !j.age().IsZero() && now.Sub(j.age()) > c.MaxAge:
			// too old, and finished: dropped
		default:
			done = append(done, j)
		}
	}
	if c.MaxPerCluster > 0 && len(running)+len(done) > c.MaxPerCluster {
		slices.SortStableFunc(done, func(a, b *Job) int { return b.age().Compare(a.age()) })
		done = done[:max(c.MaxPerCluster-len(running), 0)]
	}
	keep := make(map[*Job]bool, len(running)+len(done))
	for _, j := range running {
		keep[j] = true
	}
	for _, j := range done {
		keep[j] = true
	}
	out := make([]*Job, 0, len(keep))
	for _, j := range jobs {
		if keep[j] {
			out = append(out, j)
		}
	}
	return out
}
