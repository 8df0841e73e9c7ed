package atlas_test

import (
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
)

// A timestamp field holds whatever Atlas sent: a time, null, or something else, which is kept
// (bounded) as Invalid; whatever it holds, the fields after it still decode.
func TestTimeDecodesWhateverCame(t *testing.T) {
	when := time.Date(2026, 11, 30, 8, 15, 0, 250_000_000, time.UTC)
	cases := []struct {
		name, value string
		want        time.Time
		invalid     string
	}{
		{"a time", `"2026-11-30T08:15:00.25Z"`, when, ""},
		{"an offset", `"2026-11-30T09:15:00.25+01:00"`, when, ""},
		{"null", `null`, time.Time{}, ""},
		{"empty", `""`, time.Time{}, `""`},
		{"not a time", `"soon"`, time.Time{}, `"soon"`},
		{"a number", `1764490500`, time.Time{}, `1764490500`},
		{"an object", `{"$date": 1}`, time.Time{}, `{"$date": 1}`},
		{"an array", `[1, 2]`, time.Time{}, `[1, 2]`},
		{"a bool", `true`, time.Time{}, `true`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var doc struct {
				Created atlas.Time `json:"created"`
				After   string     `json:"after"`
			}
			if err := atlas.Decode([]byte(`{"created": `+c.value+`, "after": "kept"}`), &doc); err != nil {
				t.Fatal(err)
			}
			if !doc.Created.Time.Equal(c.want) || doc.Created.Invalid != c.invalid {
				t.Errorf("got %v, invalid %q; want %v, invalid %q", doc.Created.Time, doc.Created.Invalid, c.want, c.invalid)
			}
			if doc.After != "kept" {
				t.Errorf("the field after it reads %q", doc.After)
			}
		})
	}
	var direct atlas.Time
	if err := direct.UnmarshalJSON([]byte(`"2026-11-30T08:15:00.25Z"`)); err != nil || !direct.Equal(when) {
		t.Errorf("UnmarshalJSON: %v, %v", direct.Time, err)
	}
	// Called directly, as encoding/json would: an invalid byte is no time, not a failure.
	if err := direct.UnmarshalJSON([]byte("\"2026-11-30\xff\"")); err != nil || direct.Invalid == "" || !direct.IsZero() {
		t.Errorf("UnmarshalJSON of invalid UTF-8: %v, %v, invalid %q", direct.Time, err, direct.Invalid)
	}
}
