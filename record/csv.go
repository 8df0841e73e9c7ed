package record

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// csvHeader is one row per restore: the cluster first, then the restore's fields in the JSON's order.
var csvHeader = []string{"group_id", "cluster_name", "restore_job_id", "kind", "outcome", "started_at", "finished_at",
	"duration_seconds", "snapshot_id", "target_group_id", "target_cluster_name"}

// WriteCSV writes the record's restores, one row each under a header row; an unknown time or
// duration is an empty cell.
func (r Record) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, c := range r.Clusters {
		for _, x := range c.Restores {
			row := []string{c.GroupID, c.ClusterName, x.RestoreJobID, x.Kind, x.Outcome, timeCell(x.StartedAt),
				timeCell(x.FinishedAt), numberCell(x.DurationSeconds), x.SnapshotID, x.TargetGroupID, x.TargetClusterName}
			for i := range row {
				row[i] = defuse(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func numberCell(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// defuse keeps a cell from being read as a formula by a spreadsheet (CSV injection): names come
// from upstream, and auditors open these files in spreadsheets.
func defuse(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
