package atlas

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// Bound caps the requests in flight at once across everything that reads through one Within
// client: a scrape's workers and the concurrent pages of its long lists share it, and two scrapes
// with their own bounds never queue behind each other.
type Bound struct {
	sem *semaphore.Weighted
	n   int
}

// NewBound allows n requests in flight at once; n below one means one.
func NewBound(n int) *Bound {
	n = max(n, 1)
	return &Bound{sem: semaphore.NewWeighted(int64(n)), n: n}
}

// Within returns a client that shares c's connections, credentials and budget, and makes at most
// b's number of requests at once; a list reads that many pages concurrently.
func (c *Client) Within(b *Bound) *Client {
	bound := *c
	bound.bound = b
	return &bound
}

// Background returns a client for reads off the scrape path (snapshot lists): it shares c's
// connections, credentials and budget, but takes a token only from above the half of each bucket
// kept for scrapes, and never waits for one.
func (c *Client) Background() *Client {
	bg := *c
	bg.background = true
	return &bg
}

// UsesLimiter reports whether the client pays from l: a client is reused only on the same budget.
func (c *Client) UsesLimiter(l *Limiter) bool { return c.opts.Limiter == l }

// pageWindow is how many pages of a list may be read at once: the bound's size, or one.
func (c *Client) pageWindow() int {
	if c.bound == nil {
		return 1
	}
	return c.bound.n
}

// acquire waits for room under the bound; release gives it back. Without a bound it never waits.
func (c *Client) acquire(ctx context.Context) (release func(), err error) {
	if c.bound == nil {
		return func() {}, nil
	}
	if err := c.bound.sem.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	return func() { c.bound.sem.Release(1) }, nil
}
