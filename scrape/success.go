package scrape

import (
	"encoding/hex"
	"time"
)

// succeededAt reports when a job restored the cluster's backup successfully: a FINISHED job whose
// delivery did not fail. The time is the finish time, else the creation time, else the time that
// Atlas wrote into the job's ObjectID, since Cloud Backup downloads carry neither.
func (j *Job) succeededAt(now time.Time) (time.Time, bool) {
	if j.Status != "FINISHED" {
		return time.Time{}, false
	}
	switch j.DeliveryStatus {
	case "FAILED", "INTERRUPTED":
		return time.Time{}, false
	}
	switch {
	case !j.Finished.IsZero():
		return j.Finished, true
	case !j.Created.IsZero():
		return j.Created, true
	}
	t := objectIDTime(j.ID)
	return t, !t.IsZero() && !t.After(now)
}

// Success is a cluster's newest successful restore: when it finished, and how long it took
// (zero when its API does not say).
type Success struct {
	At   time.Time
	Took time.Duration
}

// newestSuccess is the drill metrics' values: the newest successful restore among jobs, zero if none.
func newestSuccess(jobs []*Job, now time.Time) Success {
	var newest Success
	for _, j := range jobs {
		if j == nil {
			continue
		}
		if t, ok := j.succeededAt(now); ok && t.After(newest.At) {
			took, _ := j.Duration()
			newest = Success{At: t, Took: took}
		}
	}
	return newest
}

// objectIDEpoch (2009-01-01, Unix seconds) bounds the ObjectID fallback: Atlas did not exist
// before it, so an ID that decodes earlier was not minted by Atlas and says nothing about time.
const objectIDEpoch = 1230768000

// objectIDTime decodes the creation second that a MongoDB ObjectID holds in its first four bytes;
// zero for anything that is not a 24-hex ID of Atlas's era.
func objectIDTime(id string) time.Time {
	if len(id) != 24 {
		return time.Time{}
	}
	var b [12]byte
	if _, err := hex.Decode(b[:], []byte(id)); err != nil {
		return time.Time{}
	}
	secs := int64(b[0])<<24 | int64(b[1])<<16 | int64(b[2])<<8 | int64(b[3])
	if secs < objectIDEpoch {
		return time.Time{}
	}
	return time.Unix(secs, 0).UTC()
}
