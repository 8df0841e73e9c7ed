package server

import (
	"context"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// recent is the last round over every target, kept for the landing page, which shows what a
// scrape saw without reading the API again for every person who opens it.
type recent struct {
	r  *scrape.Round
	at time.Time
}

// freshFor is how long the landing page shows the last round before it reads one itself.
const freshFor = time.Minute

// remember keeps a round over every target.
func (h *Scrapes) remember(r *scrape.Round) { h.last.Store(&recent{r: r, at: time.Now()}) }

// recentRound is the last round over every target if it is at most freshFor old, else a new
// one, read (or joined) under the default scrape deadline: the page reads by itself when nobody
// has. It reports whether this call read it.
func (h *Scrapes) recentRound(ctx context.Context) (*recent, bool) {
	if l := h.last.Load(); l != nil && time.Since(l.at) <= freshFor {
		return l, false
	}
	ctx, cancel := context.WithTimeout(ctx, h.opts.DefaultTimeout)
	defer cancel()
	h.remember(h.scraper.Scrape(ctx, "all", nil))
	return h.last.Load(), true
}
