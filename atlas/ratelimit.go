package atlas

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Limits shape a token bucket: Capacity tokens at most, Refill tokens added every Period.
type Limits struct {
	Capacity float64
	Refill   float64
	Period   time.Duration
}

// Atlas's published defaults for the buckets the exporter draws on (atlas-api.md section 7).
var (
	// CloudBackupLimits covers both restore-job families, per project.
	CloudBackupLimits = Limits{Capacity: 1200, Refill: 500, Period: time.Minute}
	// ClusterLimits covers cluster lists, per project.
	ClusterLimits = Limits{Capacity: 10000, Refill: 5000, Period: time.Minute}
	// ProjectLimits covers the list of projects the credential sees.
	ProjectLimits = Limits{Capacity: 1200, Refill: 500, Period: time.Minute}
	// OrgProjectLimits covers an organisation's project list, per organisation.
	OrgProjectLimits = Limits{Capacity: 500, Refill: 250, Period: time.Minute}
)

// BudgetError says a request was not sent because its bucket could not pay for it before the
// deadline: the exporter's own rate limiting, so Atlas never has to answer 429.
type BudgetError struct {
	Bucket string
	Wait   time.Duration
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("rate-limit budget of %s exhausted: next request allowed in %s, past the deadline", e.Bucket, e.Wait.Round(time.Millisecond))
}

// ErrBudget matches any *BudgetError with errors.Is.
var ErrBudget = errors.New("rate-limit budget exhausted")

// Is lets errors.Is(err, ErrBudget) find a BudgetError.
func (e *BudgetError) Is(target error) bool { return target == ErrBudget }

// Limiter holds the token buckets every scrape and probe draw on; it outlives config reloads so a
// reload cannot reset the budget.
type Limiter struct {
	limits map[string]Limits // by bucket set
	now    func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket // by set and scope
}

type bucket struct {
	tokens      float64
	last        time.Time
	pausedUntil time.Time
}

// Bucket sets, as Atlas meters them.
const (
	setCloudBackups = "cloud_backups"
	setClusters     = "clusters"
	setProjects     = "projects"
	setOrgProjects  = "org_projects"
)

// NewLimiter builds the buckets with restore-job limits as given (zero: Atlas's defaults) and
// Atlas's defaults for the rest.
func NewLimiter(restoreJobs Limits) *Limiter {
	if restoreJobs.Capacity <= 0 || restoreJobs.Refill <= 0 || restoreJobs.Period <= 0 {
		restoreJobs = CloudBackupLimits
	}
	return &Limiter{
		limits: map[string]Limits{
			setCloudBackups: restoreJobs,
			setClusters:     ClusterLimits,
			setProjects:     ProjectLimits,
			setOrgProjects:  OrgProjectLimits,
		},
		now:     time.Now,
		buckets: map[string]*bucket{},
	}
}

// take pays one token from the bucket set/scope, waiting for a refill or a 429 pause if the
// context's deadline allows, and failing fast with a BudgetError if it does not.
func (l *Limiter) take(ctx context.Context, set, scope string) error {
	key := set + ":" + scope
	lim := l.limits[set]
	for {
		l.mu.Lock()
		now := l.now()
		b, ok := l.buckets[key]
		if !ok {
			b = &bucket{tokens: lim.Capacity, last: now}
			l.buckets[key] = b
		}
		b.tokens = min(lim.Capacity, b.tokens+now.Sub(b.last).Seconds()*lim.Refill/lim.Period.Seconds())
		b.last = now
		var wait time.Duration
		switch {
		case now.Before(b.pausedUntil):
			wait = b.pausedUntil.Sub(now)
		case b.tokens >= 1:
			b.tokens--
			l.mu.Unlock()
			return nil
		default:
			wait = time.Duration((1 - b.tokens) / lim.Refill * float64(lim.Period))
		}
		l.mu.Unlock()
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
}

// pause stops a bucket for everyone until Atlas's Retry-After has passed, and empties it.
func (l *Limiter) pause(set, scope string, d time.Duration) {
	key := set + ":" + scope
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{last: l.now()}
		l.buckets[key] = b
	}
	if until := l.now().Add(d); until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
	b.tokens = 0
}

// Tokens returns what a bucket holds now, for tests and benchmarks.
func (l *Limiter) Tokens(set, scope string) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[set+":"+scope]
	if !ok {
		return l.limits[set].Capacity
	}
	lim := l.limits[set]
	return min(lim.Capacity, b.tokens+l.now().Sub(b.last).Seconds()*lim.Refill/lim.Period.Seconds())
}
