package atlas

import (
	"bytes"
	"time"

	"github.com/go-json-experiment/json/jsontext"
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

// UnmarshalJSONFrom never fails on a value, so that the decoder goes on with the rest of the
// document. It reads the token from the decoder itself: a time in every job's every timestamp
// field made the method form (a copy of the raw value, then a second decode of it) a tenth of
// a page's decoding.
func (t *Time) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*t = Time{}
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		return err
	case '"':
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		t.set(tok.String())
		return nil
	}
	raw, err := dec.ReadValue() // a number, a bool, an object or an array: never a time
	if err != nil {
		return err
	}
	t.Invalid = cleanDetail(string(raw))
	return nil
}

// UnmarshalJSON is UnmarshalJSONFrom for a value already read whole.
func (t *Time) UnmarshalJSON(b []byte) error {
	return t.UnmarshalJSONFrom(jsontext.NewDecoder(bytes.NewReader(b), decodeOptions))
}

// set reads a string as a time, keeping a bounded copy of it when it is none.
func (t *Time) set(s string) {
	parsed, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Invalid = cleanDetail(`"` + s + `"`)
		return
	}
	t.Time = parsed
}
