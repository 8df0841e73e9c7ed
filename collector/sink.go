package collector

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// sink receives the samples of one scrape. The same emission code feeds const metrics (the
// prometheus.Collector) and the text writer that serves /metrics, so the two cannot disagree.
type sink interface {
	sample(f *family, v float64, labelValues ...string)
}

// constSink turns samples into const metrics, as a prometheus.Collector must.
type constSink chan<- prometheus.Metric

func (s constSink) sample(f *family, v float64, lv ...string) {
	s <- prometheus.MustNewConstMetric(f.desc, prometheus.GaugeValue, v, lv...)
}

// textSink writes the text exposition format (0.0.4) directly: for ten thousand jobs the registry
// path costs seconds of CPU on a small machine, this costs tens of milliseconds. Samples go to a
// buffer per family, so each family is written contiguously whatever order they arrive in.
type textSink struct {
	descs *descs
	bufs  []bytes.Buffer
}

// newTextSink sizes each family's buffer from hint (the last scrape's sizes), so a large scrape
// does not grow its buffers by doubling.
func newTextSink(d *descs, hint []int) *textSink {
	s := &textSink{descs: d, bufs: make([]bytes.Buffer, len(d.all))}
	for i := range s.bufs {
		if i < len(hint) {
			s.bufs[i].Grow(hint[i] + hint[i]/8)
		}
	}
	return s
}

// sizes reports each family's buffer size, as the hint for the next scrape.
func (s *textSink) sizes() []int {
	out := make([]int, len(s.bufs))
	for i := range s.bufs {
		out[i] = s.bufs[i].Len()
	}
	return out
}

func (s *textSink) sample(f *family, v float64, lv ...string) {
	b := &s.bufs[f.index]
	b.WriteString(f.name)
	if len(f.order) > 0 {
		b.WriteByte('{')
		for n, i := range f.order {
			if n > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.labels[i])
			b.WriteString(`="`)
			writeEscaped(b, lv[i], true)
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	var num [32]byte
	b.Write(appendFloat(num[:0], v))
	b.WriteByte('\n')
}

// writeTo writes every family that has samples, with its HELP and TYPE.
func (s *textSink) writeTo(w io.Writer) error {
	var head bytes.Buffer
	for i, f := range s.descs.all {
		if s.bufs[i].Len() == 0 {
			continue
		}
		head.Reset()
		head.WriteString("# HELP ")
		head.WriteString(f.name)
		head.WriteByte(' ')
		writeEscaped(&head, f.help, false)
		head.WriteString("\n# TYPE ")
		head.WriteString(f.name)
		head.WriteString(" gauge\n")
		if _, err := w.Write(head.Bytes()); err != nil {
			return err
		}
		if _, err := w.Write(s.bufs[i].Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// writeEscaped escapes as the text format requires: backslash and newline always, double quotes
// in label values.
func writeEscaped(b *bytes.Buffer, s string, quote bool) {
	if !strings.ContainsAny(s, "\\\n\"") {
		b.WriteString(s)
		return
	}
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '"' && quote:
			b.WriteString(`\"`)
		default:
			b.WriteRune(r)
		}
	}
}

// appendFloat formats a sample value as Prometheus's own encoder does.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
