package collector

import (
	"io"
	"math"
	"strconv"
)

// sink receives the samples of one scrape: the text writer that serves /metrics, or in tests
// const metrics, so client_golang's encoder can check the hand-written one (sink_test.go).
type sink interface {
	sample(f *family, v float64, labelValues ...string)
}

// textSink streams the text exposition format (0.0.4) to a writer as samples arrive, a HELP and
// TYPE before each family's first sample: Metrics.write delivers families whole, so nothing is
// buffered. For ten thousand jobs the registry path costs seconds of CPU on a small machine and
// holds the whole exposition in memory; this costs a tenth of the CPU and almost no memory.
type textSink struct {
	w   TextWriter
	cur *family
	num [32]byte
	// n counts the samples written, which the landing page reports.
	n int
}

// TextWriter is what both bufio.Writer and bytes.Buffer offer, for the text sink.
type TextWriter interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
	WriteRune(rune) (int, error)
}

func newTextSink(w TextWriter) *textSink { return &textSink{w: w} }

func (s *textSink) sample(f *family, v float64, lv ...string) {
	s.n++
	w := s.w
	if f != s.cur {
		s.cur = f
		w.WriteString("# HELP ")
		w.WriteString(f.name)
		w.WriteByte(' ')
		writeEscaped(w, f.help, false)
		w.WriteString("\n# TYPE ")
		w.WriteString(f.name)
		w.WriteString(" gauge\n")
	}
	w.WriteString(f.name)
	if len(f.order) > 0 {
		w.WriteByte('{')
		for n, i := range f.order {
			if n > 0 {
				w.WriteByte(',')
			}
			w.WriteString(f.labels[i])
			w.WriteString(`="`)
			writeEscaped(w, lv[i], true)
			w.WriteByte('"')
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.Write(appendFloat(s.num[:0], v))
	w.WriteByte('\n')
}

// writeEscaped escapes as the text format requires: backslash and newline always, double quotes
// in label values.
func writeEscaped(b TextWriter, s string, quote bool) {
	if !needsEscape(s) {
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

// needsEscape is strings.ContainsAny(s, "\\\n\"") without building the set on every call: it
// runs for every label value of every sample.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == '\n' || c == '"' {
			return true
		}
	}
	return false
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
