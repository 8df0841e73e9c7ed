package collector

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"log/slog"
	"math/rand/v2"
	"os/exec"
	"testing"
	"time"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/config"
	"github.com/atlasrestore/mongodbatlas_restore_exporter/scrape"
)

func TestCRC32Combine(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sizes := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {3, 8}, {1000, 1}, {7, 65537}, {100000, 333333}} {
		a, b := make([]byte, sizes[0]), make([]byte, sizes[1])
		for i := range a {
			a[i] = byte(rng.Uint32())
		}
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		want := crc32.ChecksumIEEE(append(append([]byte{}, a...), b...))
		if got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b))); got != want {
			t.Errorf("parts of %d and %d bytes: combined %08x, want %08x", sizes[0], sizes[1], got, want)
		}
	}
}

// spliceRound is a round as /metrics meets it: targets Render compressed, a target read with an
// undocumented status, one with no jobs, one whose pinned job failed, and a stale target served
// from an older read, which Render never sees.
func spliceRound(m *Metrics) *scrape.Round {
	r := benchRound(600, 6)
	odd := scrape.FromLegacy(&atlas.RestoreJob{ID: "6bff00000000000000000001", StatusName: "QUEUED",
		Created:  atlas.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC)},
		Delivery: &atlas.Delivery{MethodName: "QUERY", StatusName: "ARCHIVED"}})
	r.Targets[1].Jobs = append(r.Targets[1].Jobs, odd)
	r.Targets[2].Jobs = nil
	r.Targets[3].Jobs[4] = nil
	for _, t := range r.Targets {
		m.Render(context.Background(), t)
	}
	stale := &scrape.TargetResult{Target: config.Target{GroupID: "5a0000000000000000000009", ClusterName: "Down"},
		Stale: true, Jobs: benchRound(50, 1).Targets[0].Jobs}
	stale.Fail(atlas.ErrBodyTooLarge)
	r.Targets = append(r.Targets[:3], append([]*scrape.TargetResult{stale}, r.Targets[3:]...)...)
	return r
}

// A gzipped answer splices what Render compressed into one gzip member that any decoder reads as
// exactly the plain answer: Go's (Prometheus's), which checks the CRC and length, and gzip(1),
// which is zlib's kind of decoder, as curl and browsers use.
func TestGzipAnswerSplicesRenderedTargets(t *testing.T) {
	t.Parallel()
	m := New(slog.New(slog.DiscardHandler))
	r := spliceRound(m)
	var plain bytes.Buffer
	wantN := m.WriteText(&plain, r)

	var zipped bytes.Buffer
	g := NewGzip(&zipped)
	gotN := m.WriteGzip(g, r)
	if _, err := io.WriteString(g, "# the caller's own samples follow\n"); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	want := plain.String() + "# the caller's own samples follow\n"
	if gotN != wantN {
		t.Errorf("gzipped answer counts %d samples, plain %d", gotN, wantN)
	}
	if zipped.Len() >= len(want)/10 {
		t.Errorf("gzipped answer is %d bytes of %d: not compressed", zipped.Len(), len(want))
	}

	rd := bytes.NewReader(zipped.Bytes()) // a ByteReader: the gzip reader takes no more than it needs
	zr, err := gzip.NewReader(rd)
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false) // one member, not members glued together
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("Go's gzip reader: %v", err)
	}
	if string(got) != want {
		t.Fatalf("gzipped answer differs from the plain one (%d bytes against %d)", len(got), len(want))
	}
	if rd.Len() != 0 {
		t.Errorf("%d bytes after the gzip member", rd.Len())
	}

	cmd := exec.Command("gzip", "-dc")
	cmd.Stdin = bytes.NewReader(zipped.Bytes())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gzip -dc: %v", err)
	}
	if string(out) != want {
		t.Fatalf("gzip(1) reads %d bytes, want the plain answer's %d", len(out), len(want))
	}
}

// endsAfter is a context whose Err reports it ended after its first n looks.
type endsAfter struct {
	context.Context
	n int
}

func (c *endsAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.DeadlineExceeded
	}
	return nil
}

// A Render cut by its round's deadline, midway through a target, leaves that target to the answer
// and nothing of it in the compressor it returns to the pool: the next target's fragments, and
// the answer, are whole.
func TestRenderCutByItsDeadlineLeavesTheTargetToTheAnswer(t *testing.T) {
	t.Parallel()
	m := New(slog.New(slog.DiscardHandler))
	r := benchRound(3*renderChunk, 1)
	r.Targets = append(r.Targets, benchRound(2*renderChunk, 1).Targets[0])
	r.Targets[1].Target.ClusterName = "Second"
	m.Render(&endsAfter{Context: context.Background(), n: 5}, r.Targets[0]) // two families and a bit
	if r.Targets[0].Rendered != nil {
		t.Fatal("a render cut short left its fragments")
	}
	m.Render(context.Background(), r.Targets[1])
	if r.Targets[1].Rendered == nil {
		t.Fatal("the next target was not rendered")
	}
	var plain, zipped bytes.Buffer
	m.WriteText(&plain, r)
	g := NewGzip(&zipped)
	m.WriteGzip(g, r)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&zipped)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, plain.Bytes()) {
		t.Fatalf("the answer differs from the plain one (err %v, %d bytes against %d)", err, len(got), plain.Len())
	}
}

// hangsUp is a client that goes away after n bytes: every later write fails.
type hangsUp struct{ n int }

func (h *hangsUp) Write(p []byte) (int, error) {
	if h.n -= len(p); h.n < 0 {
		return 0, io.ErrClosedPipe
	}
	return len(p), nil
}

// A scraper that hangs up mid-answer stops the writing: the stream keeps the first error, reports
// it on Close, and writes nothing more, spliced fragments included.
func TestGzipKeepsTheFirstWriteError(t *testing.T) {
	t.Parallel()
	m := New(slog.New(slog.DiscardHandler))
	r := spliceRound(m)
	for _, cut := range []int{0, 5, 2000, 20000} { // the whole answer is about 40 kB
		w := &hangsUp{n: cut}
		g := NewGzip(w)
		m.WriteGzip(g, r)
		if err := g.Close(); !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("hung up after %d bytes: Close = %v, want the write's error", cut, err)
		}
		if _, err := g.Write([]byte("more")); !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("hung up after %d bytes: a later Write = %v", cut, err)
		}
	}
}
