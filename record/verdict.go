package record

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// Verdict is one question of the record answered at a glance: OK is true, false or unknown
// (nil), and Text says why in words.
type Verdict struct {
	OK   *bool
	Text string
}

// Verdicts are the four questions an operator and an auditor ask of a cluster.
type Verdicts struct {
	Protected, RecoveryPoint, Drill, RecoveryTime Verdict
}

// Judge answers the four questions at now from what the record holds.
func (c Cluster) Judge(now time.Time) Verdicts {
	var v Verdicts
	switch {
	case c.BackupEnabled == nil:
		v.Protected = Verdict{Text: "unknown: the API does not say"}
	case *c.BackupEnabled && c.PITEnabled != nil && *c.PITEnabled:
		v.Protected = yes("backups on, continuous")
	case *c.BackupEnabled:
		v.Protected = yes("backups on")
	default:
		v.Protected = no("backups off")
	}
	switch {
	case c.LastSnapshotAt == nil && c.BackupEnabled != nil && !*c.BackupEnabled:
		v.RecoveryPoint = no("no snapshots: backups off")
	case c.LastSnapshotAt == nil:
		v.RecoveryPoint = Verdict{Text: "no completed snapshot read"}
	case c.RPOSeconds == nil:
		v.RecoveryPoint = Verdict{Text: "newest snapshot " + age(now, *c.LastSnapshotAt) + " old; no rpo"}
	default:
		old, rpo := now.Sub(*c.LastSnapshotAt), secondsDuration(*c.RPOSeconds)
		v.RecoveryPoint = within(old <= rpo, "newest snapshot "+age(now, *c.LastSnapshotAt)+" old, rpo "+human(rpo))
	}
	last := c.LastSuccess
	switch {
	case last.At.IsZero() && c.DrillIntervalSeconds != nil:
		v.Drill = no("no successful restore on record")
	case last.At.IsZero():
		v.Drill = Verdict{Text: "no successful restore on record; no drill_interval"}
	case c.DrillIntervalSeconds == nil:
		v.Drill = Verdict{Text: "last successful restore " + age(now, last.At) + " ago; no drill_interval"}
	default:
		every := secondsDuration(*c.DrillIntervalSeconds)
		v.Drill = within(now.Sub(last.At) <= every, "last successful restore "+age(now, last.At)+" ago, drill every "+human(every))
	}
	switch {
	case last.At.IsZero():
		v.RecoveryTime = Verdict{Text: "no successful restore to time"}
	case last.Took <= 0:
		v.RecoveryTime = Verdict{Text: "the last restore's duration is unknown (legacy jobs and Cloud Backup downloads give no finish time)"}
	case c.RTOSeconds == nil:
		v.RecoveryTime = Verdict{Text: "last restore took " + human(last.Took) + "; no rto"}
	default:
		rto := secondsDuration(*c.RTOSeconds)
		v.RecoveryTime = within(last.Took <= rto, "last restore took "+human(last.Took)+", rto "+human(rto))
	}
	return v
}

// Failed counts the restores that failed or were cancelled, which the page lists first.
func (c Cluster) Failed() int {
	n := 0
	for _, r := range c.Restores {
		if r.Outcome == scrape.OutcomeFailed || r.Outcome == scrape.OutcomeCancelled {
			n++
		}
	}
	return n
}

func yes(text string) Verdict { t := true; return Verdict{OK: &t, Text: text} }
func no(text string) Verdict  { f := false; return Verdict{OK: &f, Text: text} }

func within(ok bool, text string) Verdict {
	if ok {
		return yes(text)
	}
	return no(text)
}

func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// age is how long ago t was, to the minute: the page's figures need no more.
func age(now, t time.Time) string { return human(now.Sub(t).Round(time.Minute)) }

// human writes a duration as the config does (30d, 1d2h, 90s).
func human(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	return model.Duration(d.Round(time.Second)).String()
}
