package scrape

import (
	"log/slog"
	"sync"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
)

// oddFields logs each job field that held something other than a time, and each collection
// restore's errorMessage, once, not once per scrape: the job is read every scrape.
type oddFields struct {
	logger *slog.Logger

	mu   sync.Mutex
	seen map[string]struct{}
}

// maxOddFields bounds what is remembered; past it, odd fields go unlogged rather than grow memory.
const maxOddFields = 10000

func (o *oddFields) note(t config.Target, j *Job) { o.odd(t, j.ID, j.Odd) }

// noteCollection logs a collection restore job's odd fields, and its errorMessage once at debug:
// free text, never a label.
func (o *oddFields) noteCollection(t config.Target, j *CollectionJob) {
	o.odd(t, j.ID, j.Odd)
	if j.ErrorMessage != "" && o.first(t.GroupID+"/"+t.ClusterName+"/"+j.ID+"/errorMessage") {
		o.logger.Debug("A collection restore job reports an error", "group_id", t.GroupID, "cluster_name", t.ClusterName,
			"restore_job_id", j.ID, "state", j.State, "error_message", j.ErrorMessage)
	}
}

func (o *oddFields) odd(t config.Target, id string, fields []string) {
	for _, f := range fields {
		if o.first(t.GroupID + "/" + t.ClusterName + "/" + id + "/" + f) {
			o.logger.Warn("A restore job field is not a time; its series is left out, the rest of the job is exported",
				"group_id", t.GroupID, "cluster_name", t.ClusterName, "restore_job_id", id, "field", f)
		}
	}
}

// first reports whether key is new, remembering it while there is room.
func (o *oddFields) first(key string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, dup := o.seen[key]; dup || len(o.seen) >= maxOddFields {
		return false
	}
	if o.seen == nil {
		o.seen = map[string]struct{}{}
	}
	o.seen[key] = struct{}{}
	return true
}
