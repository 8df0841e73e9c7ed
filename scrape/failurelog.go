package scrape

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
)

// maxFailureLines bounds the lines a round logs about its targets: beyond them one summary line
// counts the rest by cause, so twenty thousand failing targets cost twenty lines, not twenty
// thousand.
const maxFailureLines = 20

// logFailures writes one line per failed target per round, for the first maxFailureLines, with
// Atlas's errorCode when there is one, and a summary of the rest by cause; successes are logged
// at debug. It runs after the round's waiters have their answer, so however long it takes, it
// cannot cost a scrape its deadline.
func (s *Scraper) logFailures(r *Round) {
	lines, debugLines := 0, 0
	more := map[string]int{}
	for _, t := range r.Targets {
		if t.CollectionsErr != nil {
			if lines < maxFailureLines {
				lines++
				s.logger.Warn("Reading collection restore jobs failed; the cluster's restore jobs are unaffected",
					"group_id", t.Target.GroupID, "cluster_name", t.Target.ClusterName, "err", t.CollectionsErr,
					"error_code", atlas.ErrorCode(t.CollectionsErr))
			} else {
				more["collection restores: "+Cause(t.CollectionsErr)]++
			}
		}
		if t.OK() {
			if debugLines < maxFailureLines {
				debugLines++
				s.logger.Debug("Read target", "group_id", t.Target.GroupID, "cluster_name", t.Target.ClusterName,
					"restore_jobs", len(t.Jobs), "round_seconds", r.Duration.Seconds())
			}
			continue
		}
		if lines >= maxFailureLines {
			more[Cause(t.errs[0])]++
			continue
		}
		lines++
		s.logFailure(t)
	}
	if len(more) > 0 {
		n := 0
		for _, k := range more {
			n += k
		}
		s.logger.Error("More targets failed than are logged one by one", "more_failed", n, "causes", countsByCause(more),
			"targets", len(r.Targets))
	}
}

// countsByCause writes counts by cause in one bounded, ordered line: "HTTP 500: 30, ...".
func countsByCause(more map[string]int) string {
	causes := make([]string, 0, len(more))
	for c, k := range more {
		causes = append(causes, fmt.Sprintf("%s: %d", c, k))
	}
	slices.Sort(causes)
	return strings.Join(causes, ", ")
}

// logFailure is one failed target's line: the first error, Atlas's errorCode and status, a hint,
// and how old the values served instead are.
func (s *Scraper) logFailure(t *TargetResult) {
	first := t.errs[0]
	attrs := []any{
		"group_id", t.Target.GroupID,
		"cluster_name", t.Target.ClusterName,
		"failed_requests", len(t.errs),
		"err", first,
	}
	if code := atlas.ErrorCode(first); code != "" {
		attrs = append(attrs, "error_code", code)
	}
	if status := atlas.StatusCode(first); status != 0 {
		attrs = append(attrs, "status", status)
	}
	switch {
	case errors.Is(first, context.DeadlineExceeded):
		attrs = append(attrs, "hint", "the Atlas API did not answer within the scrape deadline")
	case errors.Is(first, atlas.ErrBudget):
		attrs = append(attrs, "hint", "the rate-limit budget cannot cover this scrape; scrape less often or raise rate_limit")
	}
	switch {
	case t.Stale:
		attrs = append(attrs, "serving_last_good_from", t.LastSuccess.UTC().Format(time.RFC3339))
	case t.expired:
		attrs = append(attrs, "last_good_expired_at", t.LastSuccess.Add(s.opts.MaxStaleness).UTC().Format(time.RFC3339))
	}
	s.logger.Error("Scraping target failed", attrs...)
}
