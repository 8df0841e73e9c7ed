package collector

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HandlerOptions set the scrape deadline.
type HandlerOptions struct {
	// DefaultTimeout applies when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds (default 10s).
	DefaultTimeout time.Duration
	// TimeoutOffset is kept back from Prometheus's timeout to encode and send the answer (default 500ms).
	TimeoutOffset time.Duration
}

func (o HandlerOptions) withDefaults() HandlerOptions {
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

// Handler serves the exporter's own metrics from self plus a fresh reading of every target.
func (e *Exporter) Handler(self prometheus.Gatherer, o HandlerOptions) http.Handler {
	o = o.withDefaults()
	errLog := &promErrorLog{logger: e.logger}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timeout := scrapeTimeout(r.Header, o.DefaultTimeout, o.TimeoutOffset)
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		reg := prometheus.NewRegistry()
		reg.MustRegister(e.NewCollector(ctx))
		// Targets first, so the self-metrics gathered after them count this scrape's API calls.
		promhttp.HandlerFor(prometheus.Gatherers{reg, self}, promhttp.HandlerOpts{
			ErrorLog:      errLog,
			ErrorHandling: promhttp.ContinueOnError,
		}).ServeHTTP(w, r)
	})
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

// promErrorLog routes promhttp's errors to slog under the key err.
type promErrorLog struct{ logger *slog.Logger }

func (l *promErrorLog) Println(v ...any) {
	l.logger.Error("Error serving metrics", "err", fmt.Sprint(v...))
}
