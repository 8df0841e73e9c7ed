package scrape

import (
	"sync"
	"time"
)

// sharedRounds lets concurrent scrapes of one selection (an HA pair of Prometheus servers, a
// person at the landing page) share API work without sharing deadlines: a scrape joins the round
// in flight only when that round runs about as long as the scrape may wait, and otherwise starts
// one that does, which later scrapes join. A scrape with a short deadline therefore neither
// shortens nor fails a longer one, and each waiter answers at its own deadline.
type sharedRounds struct {
	// wg counts the rounds' goroutines, for their owner (the Scraper) to wait for on Close.
	wg *sync.WaitGroup

	mu       sync.Mutex
	inflight map[string]*sharedRound
	// closed is set by close: no goroutine starts after it, so the owner's Wait is final.
	closed bool
}

// close stops new rounds from starting goroutines; a scrape after it runs its round itself.
func (s *sharedRounds) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}

// sharedRound is one round in flight; r is set before done closes.
type sharedRound struct {
	deadline time.Time
	done     chan struct{}
	r        *Round
}

// joinSlack is how much sooner than a scrape's own deadline a round may end and still be joined,
// so that two scrapes started a moment apart share one: a tenth of the scrape's time, at most 1s.
func joinSlack(left time.Duration) time.Duration { return min(max(left/10, 0), time.Second) }

// join returns the round in flight for key if it lasts until about deadline, or starts run as a
// new one; run receives the round's deadline and must return. after runs on the round once its
// waiters have it: what it does (logging) costs no scrape its deadline.
func (s *sharedRounds) join(key string, deadline time.Time, run func(deadline time.Time) *Round, after func(*Round)) *sharedRound {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.inflight[key]; ok && !cur.deadline.Before(deadline.Add(-joinSlack(time.Until(deadline)))) {
		return cur
	}
	sr := &sharedRound{deadline: deadline, done: make(chan struct{})}
	if s.closed {
		// The owner is closing: its reads end at once, in this goroutine.
		sr.r = run(deadline)
		close(sr.done)
		return sr
	}
	if s.inflight == nil {
		s.inflight = map[string]*sharedRound{}
	}
	s.inflight[key] = sr
	s.wg.Go(func() {
		sr.r = run(deadline)
		close(sr.done)
		s.mu.Lock()
		if s.inflight[key] == sr {
			delete(s.inflight, key)
		}
		s.mu.Unlock()
		after(sr.r)
	})
	return sr
}
