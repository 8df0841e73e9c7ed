package atlas

import (
	"time"

	"github.com/go-json-experiment/json"
)

// Time is a timestamp as Atlas sends it (RFC 3339, fractions allowed) that tolerates what may come
// instead: null reads as absent, and "" or text that is no time reads as zero with Invalid set.
// One odd field then costs its one series, not the job or its 500-job page.
type Time struct {
	time.Time
	// Invalid is a bounded, redacted copy of what came instead of a time; empty when the value
	// was a time, null or absent.
	Invalid string
}

// UnmarshalJSON never fails, so that the decoder goes on with the rest of the document.
func (t *Time) UnmarshalJSON(b []byte) error {
	*t = Time{}
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		t.Invalid = cleanDetail(string(b))
		return nil
	}
	parsed, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Invalid = cleanDetail(`"` + s + `"`)
		return nil
	}
	t.Time = parsed
	return nil
}
