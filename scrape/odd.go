package scrape

import (
	"log/slog"
	"sync"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// oddFields logs each job field that held something other than a time once, not once per
// scrape: the job is read every scrape, and its value will not change.
type oddFields struct {
	logger *slog.Logger

	mu   sync.Mutex
	seen map[string]struct{}
}

// maxOddFields bounds what is remembered; past it, odd fields go unlogged rather than grow memory.
const maxOddFields = 10000

func (o *oddFields) note(t config.Target, j *Job) {
	for _, f := range j.Odd {
		key := t.GroupID + "/" + t.ClusterName + "/" + j.ID + "/" + f
		o.mu.Lock()
		_, dup := o.seen[key]
		first := !dup && len(o.seen) < maxOddFields
		if first {
			if o.seen == nil {
				o.seen = map[string]struct{}{}
			}
			o.seen[key] = struct{}{}
		}
		o.mu.Unlock()
		if first {
			o.logger.Warn("A restore job field is not a time; its series is left out, the rest of the job is exported",
				"group_id", t.GroupID, "cluster_name", t.ClusterName, "restore_job_id", j.ID, "field", f)
		}
	}
}
