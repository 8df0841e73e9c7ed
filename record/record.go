package record

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// Record is the recovery record in the contract's shape; field order is the JSON's.
type Record struct {
	GeneratedAt     time.Time `json:"generated_at"`
	ExporterVersion string    `json:"exporter_version"`
	Since           time.Time `json:"since"`
	Clusters        []Cluster `json:"clusters"`
}

// Cluster is one watched cluster's part of the record; null where the API does not say.
type Cluster struct {
	GroupID              string     `json:"group_id"`
	ClusterName          string     `json:"cluster_name"`
	Family               Family     `json:"family"`
	BackupEnabled        *bool      `json:"backup_enabled"`
	PITEnabled           *bool      `json:"pit_enabled"`
	LastSnapshotAt       *time.Time `json:"last_snapshot_at"`
	DrillIntervalSeconds *float64   `json:"drill_interval_seconds"`
	RTOSeconds           *float64   `json:"rto_seconds"`
	RPOSeconds           *float64   `json:"rpo_seconds"`
	Restores             []Restore  `json:"restores"`
	// RestoresReadAt is when the cluster's restore jobs were last read completely: the record
	// is complete up to then. For a cluster whose backups were turned off, whose jobs are no
	// longer read, it dates the history shown; null when they were never read.
	RestoresReadAt *time.Time `json:"restores_read_at"`

	// LastSuccess is the newest successful restore, for the page's drill verdict; the JSON has
	// every restore instead.
	LastSuccess scrape.Success `json:"-"`
	// ReadFailed marks a cluster whose last read failed, so its restores are its last good read.
	ReadFailed bool `json:"-"`
}

// Family is legacy, cloud_backup or flex; JSON null while it is not known (an api: auto target
// whose description has not been read).
type Family string

// MarshalJSON writes the unknown family as null, not as a value outside the contract's three.
func (f Family) MarshalJSON() ([]byte, error) {
	if f == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(f))
}

// Restore is one restore job of the cluster, restore or download, whatever its outcome.
type Restore struct {
	RestoreJobID      string     `json:"restore_job_id"`
	Kind              string     `json:"kind"`
	Outcome           string     `json:"outcome"`
	StartedAt         *time.Time `json:"started_at"`
	FinishedAt        *time.Time `json:"finished_at"`
	DurationSeconds   *float64   `json:"duration_seconds"`
	SnapshotID        string     `json:"snapshot_id"`
	TargetGroupID     string     `json:"target_group_id"`
	TargetClusterName string     `json:"target_cluster_name"`
}

// DefaultWindow is how far back the record reaches by default: a year, the auditors' period, and
// a margin for an audit that runs late.
const DefaultWindow = 400 * 24 * time.Hour

// Build turns a round into the record of the restores that started (or, without a start,
// finished) at since or later; a restore of no known time is kept, since nothing shows it is
// outside the window. Clusters are in project and name order, restores newest first.
func Build(r *scrape.Round, since, now time.Time, version string) Record {
	byTarget := make(map[string]*scrape.TargetResult, len(r.Targets))
	for _, t := range r.Targets {
		byTarget[t.Target.GroupID+"/"+t.Target.ClusterName] = t
	}
	rec := Record{GeneratedAt: now.UTC(), ExporterVersion: version, Since: since.UTC(), Clusters: make([]Cluster, 0, len(r.Clusters))}
	for _, c := range r.Clusters {
		t := c.Target
		out := Cluster{
			GroupID: t.GroupID, ClusterName: t.ClusterName, Family: Family(c.Family),
			BackupEnabled: c.Backup.Enabled, PITEnabled: c.Backup.PIT,
			DrillIntervalSeconds: seconds(time.Duration(t.DrillInterval)),
			RTOSeconds:           seconds(time.Duration(t.RTO)),
			RPOSeconds:           seconds(time.Duration(t.RPO)),
			Restores:             []Restore{},
		}
		if !c.Snapshot.Last.IsZero() {
			out.LastSnapshotAt = utc(c.Snapshot.Last)
		}
		rows, last := c.History, c.HistorySuccess
		if !c.HistoryAt.IsZero() {
			out.RestoresReadAt = utc(c.HistoryAt)
		}
		if tr := byTarget[t.GroupID+"/"+t.ClusterName]; tr != nil {
			last = tr.LastRestore
			out.ReadFailed = !tr.OK()
			out.RestoresReadAt = nil
			if !tr.LastSuccess.IsZero() {
				out.RestoresReadAt = utc(tr.LastSuccess)
			}
			rows = tr.Restores()
		}
		out.LastSuccess = last
		for _, row := range rows {
			if when := cmp.Or(row.Started, row.Finished); when.IsZero() || !when.Before(since) {
				out.Restores = append(out.Restores, restoreOf(row))
			}
		}
		slices.SortStableFunc(out.Restores, func(a, b Restore) int { return -compareTimes(a.StartedAt, b.StartedAt) })
		rec.Clusters = append(rec.Clusters, out)
	}
	slices.SortStableFunc(rec.Clusters, func(a, b Cluster) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.ClusterName, b.ClusterName))
	})
	return rec
}

func restoreOf(r scrape.Restore) Restore {
	out := Restore{RestoreJobID: r.ID, Kind: r.Kind, Outcome: r.Outcome, SnapshotID: r.SnapshotID,
		TargetGroupID: r.TargetGroupID, TargetClusterName: r.TargetClusterName}
	if !r.Started.IsZero() {
		out.StartedAt = utc(r.Started)
	}
	if !r.Finished.IsZero() {
		out.FinishedAt = utc(r.Finished)
	}
	if took, ok := r.Duration(); ok {
		s := took.Seconds()
		out.DurationSeconds = &s
	}
	return out
}

// compareTimes orders absent times before present ones.
func compareTimes(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

func utc(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}

// seconds is an objective in seconds, or nil for none.
func seconds(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	s := d.Seconds()
	return &s
}
