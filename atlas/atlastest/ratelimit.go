package atlastest

import (
	"net/http"
	"strconv"
	"time"
)

// RateLimit is Atlas's per-project token buckets for the backup endpoints (Cloud Backups, Flex
// restore jobs, Flex snapshots: one bucket each), simulated.
type RateLimit struct {
	Capacity int
	Refill   int
	Period   time.Duration
}

type simBucket struct {
	tokens float64
	last   time.Time
}

// spend charges one token from the bucket named by set and project, and answers 429 with Retry-After when it is
// empty, as Atlas does. It reports whether the request may go on.
func (s *Server) spend(w http.ResponseWriter, bucket string) bool {
	rl := s.opts.RateLimit
	if rl.Capacity <= 0 {
		return true
	}
	s.mu.Lock()
	now := s.now()
	b, ok := s.buckets[bucket]
	if !ok {
		b = &simBucket{tokens: float64(rl.Capacity), last: now}
		s.buckets[bucket] = b
	}
	rate := float64(rl.Refill) / rl.Period.Seconds()
	b.tokens = min(float64(rl.Capacity), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	allowed := b.tokens >= 1
	if allowed {
		b.tokens--
	} else {
		s.stats.RateLimited++
	}
	remaining, wait := int(b.tokens), (1-b.tokens)/rate
	s.mu.Unlock()
	w.Header().Set("RateLimit-Limit", strconv.Itoa(rl.Capacity))
	w.Header().Set("RateLimit-Remaining", strconv.Itoa(remaining))
	if !allowed {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait)+1))
		WriteError(w, http.StatusTooManyRequests, "RATE_LIMITED_TOKEN_BUCKET",
			"You have exceeded the rate limit for this resource.", "Too Many Requests", true)
	}
	return allowed
}
