package scrape

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// lastValue is a gauge that does not exist until first set: a RateLimit-Remaining of 0 before
// Atlas ever sent the header would read as an exhausted budget.
type lastValue struct {
	desc *prometheus.Desc

	mu   sync.Mutex
	v    float64
	seen bool
}

var _ prometheus.Collector = (*lastValue)(nil)

func (l *lastValue) set(v float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.v, l.seen = v, true
}

func (l *lastValue) Describe(ch chan<- *prometheus.Desc) { ch <- l.desc }

func (l *lastValue) Collect(ch chan<- prometheus.Metric) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen {
		ch <- prometheus.MustNewConstMetric(l.desc, prometheus.GaugeValue, l.v)
	}
}
