package atlas

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/facts"
)

// Limits shape a token bucket; the type lives with Atlas's published figures in package facts.
type Limits = facts.Limits

// BudgetError says a request was not sent because its bucket could not pay for it before the
// deadline: the exporter's own rate limiting, so Atlas never has to answer 429.
type BudgetError struct {
	Bucket string
	Wait   time.Duration
	// Background marks a background read refused the half of the bucket kept for scrapes.
	Background bool
}

func (e *BudgetError) Error() string {
	if e.Background {
		return fmt.Sprintf("rate-limit budget of %s: its spare half is spent and the rest is kept for scrapes; a background read does not wait (%s)",
			e.Bucket, e.Wait.Round(time.Millisecond))
	}
	return fmt.Sprintf("rate-limit budget of %s exhausted: next request allowed in %s, past the deadline", e.Bucket, e.Wait.Round(time.Millisecond))
}

// ErrBudget matches any *BudgetError with errors.Is.
var ErrBudget = errors.New("rate-limit budget exhausted")

// Is lets errors.Is(err, ErrBudget) find a BudgetError.
func (e *BudgetError) Is(target error) bool { return target == ErrBudget }

// Bucket sets, as Atlas meters them.
const (
	setCloudBackups = "cloud_backups"
	setClusters     = "clusters"
	setProjects     = "projects"
	setOrgProjects  = "org_projects"
	// setLegacyBackup is Atlas's deprecated legacy backup routes (snapshots), 1,200 per project;
	// Cloud and Ops Manager's snapshot and backup configuration reads are booked there too, as
	// their limits are not published.
	setLegacyBackup = "legacy_backup"
	// Flex clusters, their restore jobs and their snapshots are each a set of 1,200 of their own.
	setFlexClusters    = "flex_clusters"
	setFlexRestoreJobs = "flex_restore_jobs"
	setFlexSnapshots   = "flex_snapshots"
)

// MaxPause bounds how long one 429's Retry-After stops a bucket: a header of a day, or a date
// in 2100, must not blind the exporter; Atlas's own buckets refill within a minute.
const MaxPause = 5 * time.Minute

// Limiter holds the token buckets every scrape and probe draw on; it outlives config reloads so a
// reload cannot reset the budget. The buckets are golang.org/x/time/rate limiters; the pause that
// Atlas's 429 asks for is the part rate has no notion of.
type Limiter struct {
	limits map[string]Limits // by bucket set

	mu      sync.Mutex
	buckets map[string]*bucket // by set and scope
}

type bucket struct {
	rate        *rate.Limiter
	pausedUntil time.Time // guarded by Limiter.mu
}

// NewLimiter builds the per-project backup buckets (Cloud Backups and the Flex sets, each 1,200
// on Atlas) with the limits given (zero: Atlas's defaults) and Atlas's defaults for the rest.
func NewLimiter(restoreJobs Limits) *Limiter {
	if restoreJobs.Capacity <= 0 || restoreJobs.Refill <= 0 || restoreJobs.Period <= 0 {
		restoreJobs = facts.CloudBackupLimits
	}
	return &Limiter{
		limits: map[string]Limits{
			setCloudBackups:    restoreJobs,
			setFlexRestoreJobs: restoreJobs,
			setFlexSnapshots:   restoreJobs,
			setLegacyBackup:    restoreJobs,
			setFlexClusters:    facts.FlexClusterLimits,
			setClusters:        facts.ClusterLimits,
			setProjects:        facts.ProjectLimits,
			setOrgProjects:     facts.OrgProjectLimits,
		},
		buckets: map[string]*bucket{},
	}
}

// bucket returns the bucket of set and scope, full when first used, and its pause.
func (l *Limiter) bucket(set, scope string) (*bucket, time.Time) {
	key := set + ":" + scope
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		lim := l.limits[set]
		b = &bucket{rate: rate.NewLimiter(rate.Limit(lim.Refill/lim.Period.Seconds()), max(int(lim.Capacity), 1))}
		l.buckets[key] = b
	}
	return b, b.pausedUntil
}

// take pays one token from the bucket set/scope, waiting out a 429 pause and then a refill if the
// context's deadline allows, and failing fast with a BudgetError if it does not.
func (l *Limiter) take(ctx context.Context, set, scope string) error {
	b, pausedUntil := l.bucket(set, scope)
	key := set + ":" + scope
	if wait := time.Until(pausedUntil); wait > 0 {
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return &BudgetError{Bucket: key, Wait: wait}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if b.rate.Allow() {
		return nil // a token is there: no wait, whatever the deadline
	}
	if err := b.rate.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
			return context.DeadlineExceeded // the deadline passed: no budget was refused
		}
		// rate refuses a wait that would pass the deadline; say how long it would have been.
		wait := time.Duration((1 - b.rate.Tokens()) / float64(b.rate.Limit()) * float64(time.Second))
		return &BudgetError{Bucket: key, Wait: max(wait, 0)}
	}
	return nil
}

// spareShare is the part of a bucket that background reads never touch: they take a token only
// while more than half the capacity is left, so a scrape always finds its budget.
const spareShare = 0.5

// takeSpare pays one token for a background read, only from what lies above the scrapes' share and
// only at once: it never waits for a refill or a 429 pause, and refuses with a BudgetError instead.
func (l *Limiter) takeSpare(set, scope string) error {
	b, pausedUntil := l.bucket(set, scope)
	key := set + ":" + scope
	now := time.Now()
	if wait := pausedUntil.Sub(now); wait > 0 {
		return &BudgetError{Bucket: key, Wait: wait, Background: true}
	}
	reserve := float64(b.rate.Burst()) * spareShare
	if tokens := b.rate.TokensAt(now); tokens-1 < reserve || !b.rate.AllowN(now, 1) {
		wait := time.Duration((reserve + 1 - tokens) / float64(b.rate.Limit()) * float64(time.Second))
		return &BudgetError{Bucket: key, Wait: max(wait, 0), Background: true}
	}
	return nil
}

// pause stops a bucket for everyone until Atlas's Retry-After has passed (at most MaxPause), and
// empties it, as Atlas's own bucket is empty.
func (l *Limiter) pause(set, scope string, d time.Duration) {
	b, _ := l.bucket(set, scope)
	now := time.Now()
	l.mu.Lock()
	if until := now.Add(min(d, MaxPause)); until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
	l.mu.Unlock()
	if n := int(b.rate.TokensAt(now)); n > 0 {
		b.rate.AllowN(now, n)
	}
}

// Unpause lifts every 429 pause, for a reload: the operator may have fixed what caused it.
func (l *Limiter) Unpause() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.buckets {
		b.pausedUntil = time.Time{}
	}
}
