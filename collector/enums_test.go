package collector

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Each status value maps to the documented state set, with an undocumented value added as its own
// series, never dropped.
func TestStateSet(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		documented  []string
		current     string
		want        []string
		wantUnknown bool
	}{
		{"documented job status", jobStatuses, "FINISHED", jobStatuses, false},
		{"undocumented job status", jobStatuses, "QUEUED", append(slices.Clone(jobStatuses), "QUEUED"), true},
		{"documented delivery status", deliveryStatuses, "PENDING", deliveryStatuses, false},
		{"undocumented delivery status", deliveryStatuses, "ARCHIVED", append(slices.Clone(deliveryStatuses), "ARCHIVED"), true},
		{"documented collection state", collectionStates, "CANCELED", collectionStates, false},
		{"empty value", collectionStates, "", append(slices.Clone(collectionStates), ""), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, unknown := stateSet(c.documented, c.current)
			if !slices.Equal(got, c.want) || unknown != c.wantUnknown {
				t.Errorf("stateSet(%q) = %q, %v; want %q, %v", c.current, got, unknown, c.want, c.wantUnknown)
			}
		})
	}
	// Adding the undocumented value must not write into the documented list's spare capacity.
	if stateSet(jobStatuses[:2], "QUEUED"); jobStatuses[2] != "BROKEN" {
		t.Errorf("stateSet wrote into the documented list: %q", jobStatuses)
	}
}

// Label values from API text are valid UTF-8 and at most maxLabelLen bytes; a cut one keeps a hash.
func TestLabelValue(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 200)
	for _, c := range []struct {
		name, in string
		check    func(string) bool
	}{
		{"short value unchanged", "FINISHED", func(s string) bool { return s == "FINISHED" }},
		{"exactly the bound unchanged", long[:maxLabelLen], func(s string) bool { return s == long[:maxLabelLen] }},
		{"invalid UTF-8 replaced", "a\xffb", func(s string) bool { return s == "a\uFFFDb" }},
		{"long value cut with a hash", long, func(s string) bool {
			return len(s) == maxLabelLen && strings.HasPrefix(s, "aaaa") && s[len(s)-9] == '~'
		}},
		{"cut between runes", strings.Repeat("é", 100), func(s string) bool {
			return len(s) <= maxLabelLen && utf8.ValidString(s)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := labelValue(c.in); !c.check(got) {
				t.Errorf("labelValue(%.20q...) = %q", c.in, got)
			}
		})
	}
	if labelValue(long+"1") == labelValue(long+"2") {
		t.Error("two long values that differ past the bound map to one label value")
	}
}
