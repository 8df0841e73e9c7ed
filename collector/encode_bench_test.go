package collector

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

// constSink turns samples into const metrics, the registry path that the text sink replaces: the
// reference the text sink is checked against and measured beside.
type constSink struct {
	ch    chan<- prometheus.Metric
	descs map[*family]*prometheus.Desc
}

func (s constSink) sample(f *family, v float64, lv ...string) {
	s.ch <- prometheus.MustNewConstMetric(s.descs[f], prometheus.GaugeValue, v, lv...)
}

func (constSink) splice(*family, *fragment) bool { return false }

// roundCollector emits a prepared round as const metrics, so encoding is measured without any
// API work; its descriptors are built once, as a registry needs them.
type roundCollector struct {
	m     *Metrics
	r     *scrape.Round
	descs map[*family]*prometheus.Desc
}

func newRoundCollector(m *Metrics, r *scrape.Round) roundCollector {
	descs := map[*family]*prometheus.Desc{}
	for _, f := range m.descs.all {
		descs[f] = prometheus.NewDesc(f.name, f.help, f.labels, nil)
	}
	return roundCollector{m: m, r: r, descs: descs}
}

func (c roundCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c roundCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.write(constSink{ch: ch, descs: c.descs}, c.r)
}

// benchRound is jobs restore jobs spread over clusters targets, shaped like the documentation's example.
func benchRound(jobs, clusters int) *scrape.Round {
	r := &scrape.Round{}
	exp := int64(48)
	maxDl := int64(2147483647)
	enc := false
	for c := range clusters {
		tr := &scrape.TargetResult{Target: config.Target{GroupID: fmt.Sprintf("5a%022x", c/10), ClusterName: fmt.Sprintf("Cluster%d", c)}}
		for j := range jobs / clusters {
			job := &atlas.RestoreJob{
				ID: fmt.Sprintf("6b%08x%014x", c, j), ClusterID: "5a66689487d9d61443b46149",
				SnapshotID: "5a6669d9fcc178211a0d86b9", StatusName: "FINISHED", EncryptionEnabled: &enc,
				Delivery: &atlas.Delivery{MethodName: "HTTP", StatusName: "EXPIRED", ExpirationHours: &exp, MaxDownloads: &maxDl},
				Hashes:   []atlas.FileHash{{TypeName: "SHA1"}},
			}
			tr.Jobs = append(tr.Jobs, scrape.FromLegacy(job))
		}
		r.Targets = append(r.Targets, tr)
	}
	return r
}

// BenchmarkEncode measures what /metrics does with a round already read: the CPU a scrape costs
// the exporter beyond waiting for Atlas, plain, gzipped as Prometheus asks, and gzipped with
// every target rendered first, as when each target is read before the last (render-ms is that
// work, done while reads are in flight; splice-ms what is left after the last read). It reports
// the size of the answer.
func BenchmarkEncode(b *testing.B) {
	for _, mode := range []string{"plain", "gzip", "rendered"} {
		for _, n := range []int{100, 1000, 10000} {
			name := fmt.Sprintf("jobs=%d", n)
			if mode != "plain" {
				name = mode + "/" + name
			}
			b.Run(name, func(b *testing.B) {
				e := New(slog.New(slog.DiscardHandler))
				r := benchRound(n, 100)
				var size byteCounter
				var rendering, splicing time.Duration
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if mode == "plain" {
						e.WriteText(&size, r)
						continue
					}
					start := time.Now()
					if mode == "rendered" {
						for _, t := range r.Targets {
							e.Render(context.Background(), t)
						}
					}
					rendered := time.Now()
					g := NewGzip(&size)
					e.WriteGzip(g, r)
					if err := g.Close(); err != nil {
						b.Fatal(err)
					}
					rendering += rendered.Sub(start)
					splicing += time.Since(rendered)
				}
				b.ReportMetric(float64(size)/float64(b.N)/1e6, "answer-MB/op")
				if mode == "rendered" {
					b.ReportMetric(float64(rendering)/float64(b.N)/1e6, "render-ms/op")
					b.ReportMetric(float64(splicing)/float64(b.N)/1e6, "splice-ms/op")
				}
			})
		}
	}
}

// byteCounter discards what it is given and counts it.
type byteCounter int64

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

// BenchmarkEncodeRegistry is the same through const metrics, a registry and expfmt: the path the
// text sink replaces on /metrics, kept for comparison.
func BenchmarkEncodeRegistry(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			e := New(slog.New(slog.DiscardHandler))
			r := benchRound(n, 100)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				reg := prometheus.NewRegistry()
				reg.MustRegister(newRoundCollector(e, r))
				mfs, err := reg.Gather()
				if err != nil {
					b.Fatal(err)
				}
				enc := expfmt.NewEncoder(io.Discard, expfmt.NewFormat(expfmt.TypeTextPlain))
				for _, mf := range mfs {
					if err := enc.Encode(mf); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
