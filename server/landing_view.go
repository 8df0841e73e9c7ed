package server

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/record"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// problem is a restore job an operator must look at: broken, killed, a delivery that failed or
// expired unfetched.
type problem struct {
	GroupID, ClusterName, JobID, Family, What string
	Since                                     time.Time
}

// failure is a target that could not be read, and why, in words from the error itself: upstream
// text in it has passed the client's redactor.
type failure struct {
	GroupID, ClusterName, Cause, Reason string
}

// coverage is a watched cluster's four verdicts, as /recovery shows them in full.
type coverage struct {
	GroupID, ClusterName string
	Verdicts             record.Verdicts
}

// view is what the landing page shows of a round: problems first, then each target's jobs by
// state, each failed target's reason, and each cluster's recoverability.
type view struct {
	Problems []problem
	Failures []failure
	// States is "FINISHED 3, BROKEN 1" per target key.
	States   map[string]string
	Coverage []coverage
}

// maxReason bounds a failure's words on the page.
const maxReason = 300

func viewOf(r *scrape.Round, now time.Time) view {
	v := view{States: map[string]string{}}
	for _, t := range r.Targets {
		key := t.Target.GroupID + "/" + t.Target.ClusterName
		counts := map[string]int{}
		for _, j := range t.Jobs {
			if j == nil {
				continue
			}
			counts[j.Status]++
			if what := trouble(j); what != "" {
				v.Problems = append(v.Problems, problem{GroupID: t.Target.GroupID, ClusterName: t.Target.ClusterName,
					JobID: j.ID, Family: family(t.Target), What: what, Since: jobTime(j)})
			}
		}
		var parts []string
		for _, s := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
		}
		v.States[key] = strings.Join(parts, ", ")
		if err := t.Err(); err != nil {
			reason := err.Error()
			if len(reason) > maxReason {
				reason = reason[:maxReason] + "…"
			}
			v.Failures = append(v.Failures, failure{GroupID: t.Target.GroupID, ClusterName: t.Target.ClusterName,
				Cause: scrape.Cause(err), Reason: reason})
		}
	}
	slices.SortStableFunc(v.Problems, func(a, b problem) int { return b.Since.Compare(a.Since) })
	rec := record.Build(r, now.Add(-record.DefaultWindow), now, "")
	for _, c := range rec.Clusters {
		v.Coverage = append(v.Coverage, coverage{GroupID: c.GroupID, ClusterName: c.ClusterName, Verdicts: c.Judge(now)})
	}
	return v
}

// trouble says what is wrong with a job, or nothing: the states the restore alerts fire on.
func trouble(j *scrape.Job) string {
	switch {
	case j.Status == "BROKEN":
		return "broken"
	case j.Status == "KILLED":
		return "killed"
	case j.DeliveryStatus == "FAILED" || j.DeliveryStatus == "INTERRUPTED":
		return "delivery " + strings.ToLower(j.DeliveryStatus)
	case j.DeliveryStatus == "EXPIRED" && j.Downloaded != nil && !*j.Downloaded:
		return "download expired, never fetched"
	}
	return ""
}

// jobTime dates a job for the page: when it was requested, else started, else finished.
func jobTime(j *scrape.Job) time.Time {
	for _, t := range []time.Time{j.Created, j.Started, j.Finished} {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
