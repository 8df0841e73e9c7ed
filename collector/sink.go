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
// held beyond a small buffer. For ten thousand jobs the registry path costs seconds of CPU on a
// small machine and holds the whole exposition in memory; this costs a tenth of the CPU and almost
// no memory. Each sample is appended to buf, which goes to w once it passes textChunk: a sample is
// about twenty pieces, and one interface call each was a third of the writing's cost.
type textSink struct {
	w   TextWriter
	buf []byte
	cur *family
	// n counts the samples written, which the landing page reports.
	n int
}

// textChunk is how much the sink gathers before handing it to its writer.
const textChunk = 32 << 10

// TextWriter is what both bufio.Writer and bytes.Buffer offer, for the text sink.
type TextWriter interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
	WriteRune(rune) (int, error)
}

func newTextSink(w TextWriter) *textSink {
	return &textSink{w: w, buf: make([]byte, 0, textChunk+4<<10)}
}

func (s *textSink) sample(f *family, v float64, lv ...string) {
	s.n++
	b := s.buf
	if f != s.cur {
		s.cur = f
		b = append(b, "# HELP "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = appendEscaped(b, f.help, false)
		b = append(b, "\n# TYPE "...)
		b = append(b, f.name...)
		b = append(b, " gauge\n"...)
	}
	b = append(b, f.name...)
	if len(f.order) > 0 {
		b = append(b, '{')
		for n, i := range f.order {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, f.labels[i]...)
			b = append(b, `="`...)
			b = appendEscaped(b, lv[i], true)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = appendFloat(b, v)
	b = append(b, '\n')
	s.buf = b
	if len(b) >= textChunk {
		s.flush()
	}
}

// flush hands what the sink gathered to its writer; a write error is the writer's to keep (a
// bufio.Writer remembers it and reports it on its own Flush).
func (s *textSink) flush() {
	_, _ = s.w.Write(s.buf)
	s.buf = s.buf[:0]
}

// appendEscaped escapes as the text format requires: backslash and newline always, double quotes
// in label values.
func appendEscaped(b []byte, s string, quote bool) []byte {
	if !needsEscape(s) {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
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
