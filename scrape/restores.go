package scrape

import (
	"time"
)

// Restore is one restore as the recovery record shows it: what it was, how it ended, when it
// started and finished. It keeps a few fields per job, so that the record of every job the API
// lists costs little beside the capped jobs the metrics export.
type Restore struct {
	ID string
	// Kind is "download" or "restore" (into a cluster); Outcome "succeeded", "failed",
	// "cancelled" or "in_progress".
	Kind, Outcome string
	// Started and Finished are zero where the API does not say; legacy jobs never say when they finished.
	Started, Finished time.Time
	SnapshotID        string
	// TargetGroupID and TargetClusterName name where a restore into a cluster went.
	TargetGroupID, TargetClusterName string
}

// Duration is how long the restore took, where both its start and finish are known.
func (r Restore) Duration() (time.Duration, bool) {
	if r.Started.IsZero() || r.Finished.IsZero() || r.Finished.Before(r.Started) {
		return 0, false
	}
	return r.Finished.Sub(r.Started), true
}

// Outcomes of a restore, from the contract's job status mapping.
const (
	OutcomeSucceeded  = "succeeded"
	OutcomeFailed     = "failed"
	OutcomeCancelled  = "cancelled"
	OutcomeInProgress = "in_progress"
)

// outcome reads a job's status as the record says it: succeeded is exactly what counts for the
// drill's last success (FINISHED, its delivery not failed); a status no documentation lists is
// not known to have ended, so it reads as in progress.
func (j *Job) outcome() string {
	switch j.Status {
	case "BROKEN":
		return OutcomeFailed
	case "KILLED":
		return OutcomeCancelled
	case "FINISHED":
		if j.DeliveryStatus == "FAILED" || j.DeliveryStatus == "INTERRUPTED" {
			return OutcomeFailed
		}
		return OutcomeSucceeded
	}
	return OutcomeInProgress
}

// kind tells a download from a restore into a cluster: Cloud Backup and Flex say so in their
// delivery type; a legacy job restores into a cluster when its delivery is AUTOMATED_RESTORE or
// names a target (automated restores report back as HTTP), and is a download otherwise.
func (j *Job) kind() string {
	switch j.DeliveryMethod {
	case "download", "DOWNLOAD":
		return "download"
	case "automated", "pointInTime", "RESTORE", "AUTOMATED_RESTORE":
		return "restore"
	}
	if j.TargetClusterName != "" || j.TargetGroupID != "" {
		return "restore"
	}
	return "download"
}

// Restores are the recovery record's rows of every restore the cluster's API lists, before any
// cap: derived from the jobs kept, plus the rows of those a cap left out, and its collection
// restores.
func (t *TargetResult) Restores() []Restore { return recordRows(t.Jobs, t.Dropped, t.Collections) }

// recordRows is the one way a read becomes record rows, for the round's targets and for the
// last read of a cluster whose jobs are no longer read.
func recordRows(jobs []*Job, dropped []Restore, collections []*CollectionJob) []Restore {
	rows := append(restoresOf(jobs), dropped...)
	for _, j := range collections {
		rows = append(rows, j.Restore())
	}
	return rows
}

// droppedRows are the rows of the jobs listed that kept, a cap's choice among them, left out; a
// cap that keeps every job costs nothing.
func droppedRows(listed, kept []*Job) []Restore {
	if len(kept) == len(listed) {
		return nil
	}
	in := make(map[*Job]bool, len(kept))
	for _, j := range kept {
		in[j] = true
	}
	var out []*Job
	for _, j := range listed {
		if !in[j] {
			out = append(out, j)
		}
	}
	return restoresOf(out)
}

// restoresOf reduces every job listed to its record row.
func restoresOf(jobs []*Job) []Restore {
	out := make([]Restore, 0, len(jobs))
	for _, j := range jobs {
		if j == nil {
			continue
		}
		started := j.Started
		if started.IsZero() {
			started = j.Created // legacy: when it was requested
		}
		out = append(out, Restore{ID: j.ID, Kind: j.kind(), Outcome: j.outcome(), Started: started, Finished: j.Finished,
			SnapshotID: j.SnapshotID, TargetGroupID: j.TargetGroupID, TargetClusterName: j.TargetClusterName})
	}
	return out
}

// collectionOutcome reads a collection restore's state as the record says it.
func collectionOutcome(state string) string {
	switch state {
	case "SUCCESSFUL":
		return OutcomeSucceeded
	case "FAILED":
		return OutcomeFailed
	case "CANCELED":
		return OutcomeCancelled
	}
	return OutcomeInProgress
}

// Restore is a collection-level restore as a record row: always a restore into a cluster.
func (j *CollectionJob) Restore() Restore {
	return Restore{ID: j.ID, Kind: "restore", Outcome: collectionOutcome(j.State), Started: j.Created, Finished: j.Finished,
		TargetGroupID: j.TargetGroupID, TargetClusterName: j.TargetClusterName}
}
