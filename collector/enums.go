package collector

import (
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"unicode/utf8"
)

// Documented values, in the order the docs list them; each gets a series so alerts can match on 1.
var (
	jobStatuses      = []string{"FINISHED", "IN_PROGRESS", "BROKEN", "KILLED"}
	collectionStates = []string{"INITIALIZING", "IN_PROGRESS", "FINALIZING", "SUCCESSFUL", "CANCELED", "FAILED"}
	// PENDING is only in the spec's enum, but a series that exists at 0 costs less than a surprise.
	deliveryStatuses = []string{
		"NOT_STARTED", "IN_PROGRESS", "READY", "FAILED", "INTERRUPTED", "EXPIRED", "MAX_DOWNLOADS_EXCEEDED", "PENDING",
	}
)

// maxLabelLen bounds label values taken from API text, so a hostile or broken response cannot
// blow up series size.
const maxLabelLen = 128

// labelValue makes API text safe as a label value: valid UTF-8 and bounded in length. A value
// cut to the bound ends in "~" and a hash of the whole value, so two values that share their
// first maxLabelLen bytes still name two series.
func labelValue(s string) string {
	if len(s) <= maxLabelLen && utf8.ValidString(s) {
		return s // nearly every value: it runs for every job's every family
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxLabelLen {
		return s
	}
	sum := fnv.New32a()
	_, _ = sum.Write([]byte(s))
	suffix := fmt.Sprintf("~%08x", sum.Sum32())
	cut := maxLabelLen - len(suffix)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + suffix
}

// stateSet lists the values to emit for an enum: the documented ones, plus the current value when
// the docs do not know it, so nothing is ever dropped.
func stateSet(documented []string, current string) (values []string, unknown bool) {
	for _, v := range documented {
		if v == current {
			return documented, false
		}
	}
	return append(append(make([]string, 0, len(documented)+1), documented...), current), true
}

// onceLogger logs each undocumented enum value once per process, not once per scrape, and
// remembers at most maxUnknownValues of them: an upstream that invents a value per job must not
// grow memory or the log without bound. Past the bound it says so once, and logs no more.
type onceLogger struct {
	logger *slog.Logger

	mu   sync.Mutex
	seen map[string]struct{}
	full bool
}

// maxUnknownValues bounds the undocumented values remembered (about 100 bytes each).
const maxUnknownValues = 1000

func (o *onceLogger) unknown(field, value string, attrs ...any) {
	key := field + "\x00" + value
	o.mu.Lock()
	_, dup := o.seen[key]
	full := !dup && len(o.seen) >= maxUnknownValues
	first := full && !o.full
	switch {
	case full:
		o.full = true
	case !dup:
		if o.seen == nil {
			o.seen = map[string]struct{}{}
		}
		o.seen[key] = struct{}{}
	}
	o.mu.Unlock()
	switch {
	case first:
		o.logger.Warn("Too many undocumented status values; further ones are exported but no longer logged",
			"logged", maxUnknownValues)
	case !dup && !full:
		o.logger.Warn("Undocumented status value; exported as its own series",
			append([]any{"field", field, "value", value}, attrs...)...)
	}
}
