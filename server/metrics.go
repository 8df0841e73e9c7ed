package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/collector"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// Options set the scrape deadline of /metrics and /probe.
type Options struct {
	// DefaultTimeout applies when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds (default 10s).
	DefaultTimeout time.Duration
	// TimeoutOffset is kept back from Prometheus's timeout to encode and send the answer (default 500ms).
	TimeoutOffset time.Duration
}

func (o Options) withDefaults() Options {
	if o.DefaultTimeout <= 0 {
		o.DefaultTimeout = 10 * time.Second
	}
	if o.TimeoutOffset < 0 {
		o.TimeoutOffset = 0
	}
	return o
}

// minScrapeTimeout keeps a tiny or negative timeout from failing every scrape before it starts.
const minScrapeTimeout = 100 * time.Millisecond

// Scrapes serves the two scrape endpoints, /metrics and /probe, from one scraper and one set of
// metric families.
type Scrapes struct {
	scraper *scrape.Scraper
	metrics *collector.Metrics
	opts    Options
	logger  *slog.Logger
	// series is how many target series the last /metrics answer held, for the landing page.
	series atomic.Int64
	// last is the last round over every target, which the landing page shows.
	last atomic.Pointer[recent]
}

// NewScrapes wires the endpoints to what reads the API and what writes the metrics.
func NewScrapes(s *scrape.Scraper, m *collector.Metrics, o Options, logger *slog.Logger) *Scrapes {
	return &Scrapes{scraper: s, metrics: m, opts: o.withDefaults(), logger: logger}
}

// Metrics serves /metrics: a fresh reading of every target, then the exporter's own metrics
// from self. Target samples are written by the collector's text sink, at a fraction of a
// registry's cost.
func (h *Scrapes) Metrics(self prometheus.Gatherer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(renderFor(r), scrapeTimeout(r.Header, h.opts.DefaultTimeout, h.opts.TimeoutOffset))
		defer cancel()
		round := h.scraper.Scrape(ctx, "all", nil)
		h.remember(round)
		h.series.Store(int64(h.serveText(w, r, round, self)))
	})
}

// serveText streams a round, then self's metrics if any, in the text exposition format,
// gzipped when the scraper accepts it, as Prometheus does: ten thousand jobs are 28.5 MB of text
// and 0.66 MB gzipped. A gzipped answer splices in what the round compressed of each target while
// its other reads were in flight (collector.Metrics.Render), so little is left to do after the
// last read.
func (h *Scrapes) serveText(w http.ResponseWriter, req *http.Request, r *scrape.Round, self prometheus.Gatherer) int {
	var mfs []*dto.MetricFamily
	if self != nil {
		var err error
		if mfs, err = self.Gather(); err != nil {
			h.logger.Error("Error gathering the exporter's own metrics", "err", err)
		}
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	w.Header().Set("Content-Type", string(format))
	w.Header().Add("Vary", "Accept-Encoding")
	var out io.Writer = w
	var n int
	if acceptsGzip(req.Header) {
		w.Header().Set("Content-Encoding", "gzip")
		gz := collector.NewGzip(w)
		defer func() {
			if err := gz.Close(); err != nil {
				h.logger.Debug("Writing metrics failed; the scraper hung up", "err", err)
			}
		}()
		n = h.metrics.WriteGzip(gz, r)
		out = gz
	} else {
		n = h.metrics.WriteText(w, r)
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	enc := expfmt.NewEncoder(bw, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		h.logger.Debug("Writing metrics failed; the scraper hung up", "err", err)
	}
	return n
}

// renderFor is the request's context, marked for rendering while the reads are in flight when
// the answer will be gzipped, which is where that work is spliced in.
func renderFor(r *http.Request) context.Context {
	if acceptsGzip(r.Header) {
		return scrape.WithRender(r.Context())
	}
	return r.Context()
}

// acceptsGzip reads Accept-Encoding for gzip with a non-zero quality.
func acceptsGzip(h http.Header) bool {
	for _, v := range h.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
			if !found {
				return true
			}
			if f, err := strconv.ParseFloat(q, 64); err == nil && f > 0 {
				return true
			}
		}
	}
	return false
}

// scrapeTimeout takes Prometheus's timeout header less the offset, as blackbox_exporter does.
func scrapeTimeout(h http.Header, def, offset time.Duration) time.Duration {
	timeout := def
	if v := h.Get("X-Prometheus-Scrape-Timeout-Seconds"); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs > 0 && secs < 24*3600 {
			timeout = time.Duration(secs * float64(time.Second))
		}
	}
	return max(timeout-offset, minScrapeTimeout)
}
