package scrape_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/harness"
)

// Scrapers with a tiny timeout, hammering while Prometheus scrapes with a long one, neither
// shorten nor fail Prometheus's scrapes; each short scrape answers at its own deadline with the
// last good values, as a failed read would.
func TestShortDeadlinesDoNotFailLongScrapes(t *testing.T) {
	h := harness.New(t, harness.Options{})
	h.Scrape(t, 0) // a first good read, and the Digest challenge answered
	h.Sim.SetLatency(300 * time.Millisecond)

	var stop atomic.Bool
	var wg sync.WaitGroup
	var shortSlow, shortStale atomic.Int64
	for range 3 {
		wg.Go(func() {
			for !stop.Load() {
				start := time.Now()
				_, fams := h.Get(t, "/metrics", 10*time.Millisecond) // the handler's floor is 100ms
				if time.Since(start) > 2*time.Second {
					shortSlow.Add(1)
				}
				if _, ok := harness.Value(fams, "mongodbatlas_restore_job_info", harness.Job(harness.ExampleJobID)); ok {
					shortStale.Add(1)
				}
			}
		})
	}
	for i := range 5 {
		if up := harness.MustValue(t, h.Scrape(t, 5*time.Second), "mongodbatlas_up", nil); up != 1 {
			t.Errorf("long scrape %d: up = %v; a short scraper's deadline cut it short:\n%s", i, up, h.Logs)
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := shortSlow.Load(); n > 0 {
		t.Errorf("%d short scrapes waited past their own deadline for a longer read", n)
	}
	if shortStale.Load() == 0 {
		t.Error("no short scrape served the last good values while the read was unfinished")
	}
}
