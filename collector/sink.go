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
	// splice writes a target's samples of f that Render compressed, reporting false when it
	// cannot (no fragment, or not a gzip stream), and then the samples are emitted one by one.
	splice(f *family, frag *fragment) bool
}

// textSink streams the text exposition format (0.0.4) to a writer as samples arrive, a HELP and
// TYPE before each family's first sample: Metrics.write delivers families whole, so nothing is
// held beyond a small buffer. For ten thousand jobs the registry path costs seconds of CPU on a
// small machine and holds the whole exposition in memory; this costs a tenth of the CPU and almost
// no memory. Each sample is appended to buf, which goes to w once it passes textChunk: a sample is
// about twenty pieces, and one interface call each was a third of the writing's cost.
type textSink struct {
	w   io.Writer
	buf []byte
	// gz is w when w is a gzip stream that fragments can be spliced into.
	gz *Gzip
	// clean holds, by label position, the last value found to need no escaping: a job's twenty
	// samples repeat its group, cluster and ID, and comparing a string with itself is one pointer.
	clean [4]string
	cur   *family
	// n counts the samples written, which the landing page reports.
	n int
}

// textChunk is how much the sink gathers before handing it to its writer.
const textChunk = 32 << 10

func newTextSink(w io.Writer) *textSink {
	return &textSink{w: w, buf: make([]byte, 0, textChunk+4<<10)}
}

func (s *textSink) sample(f *family, v float64, lv ...string) {
	s.n++
	b := s.header(s.buf, f)
	b = append(b, f.name...)
	if len(f.order) > 0 {
		b = append(b, '{')
		for n, i := range f.order {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, f.labels[i]...)
			b = append(b, `="`...)
			switch v := lv[i]; {
			case n < len(s.clean) && v == s.clean[n]:
				b = append(b, v...)
			case needsEscape(v):
				b = appendEscaped(b, v, true)
			default:
				b = append(b, v...)
				if n < len(s.clean) {
					s.clean[n] = v
				}
			}
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

// header appends a family's HELP and TYPE before its first sample.
func (s *textSink) header(b []byte, f *family) []byte {
	if f == s.cur {
		return b
	}
	s.cur = f
	b = append(b, "# HELP "...)
	b = append(b, f.name...)
	b = append(b, ' ')
	b = appendEscaped(b, f.help, false)
	b = append(b, "\n# TYPE "...)
	b = append(b, f.name...)
	return append(b, " gauge\n"...)
}

func (s *textSink) splice(f *family, frag *fragment) bool {
	if s.gz == nil || frag == nil {
		return false
	}
	if frag.samples == 0 {
		return true
	}
	s.buf = s.header(s.buf, f)
	s.flush()
	_ = s.gz.splice(frag) // a write error is the stream's to keep, as for flush
	s.n += frag.samples
	return true
}

// flush hands what the sink gathered to its writer; a write error is the writer's to keep (Gzip
// remembers it and reports it on Close; a response whose client hung up fails every later write).
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
	case v == 0 && !math.Signbit(v): // twelve samples of a job's twenty are state-set zeros
		return append(b, '0')
	case v == 1:
		return append(b, '1')
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
