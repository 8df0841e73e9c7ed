package collector

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// Gzip writes one gzip member (RFC 1952) whose deflate stream is spliced from pieces compressed
// apart: what is written to it, compressed as it comes, and fragments of samples compressed while
// the round's reads were still in flight (Render). A deflate stream may be cut into runs of blocks
// that each refer to nothing before them and end on a byte boundary (a sync flush), so a run
// compressed elsewhere is copied as it is; the trailer's CRC-32 is combined from the pieces' own.
// For a hundred thousand jobs this leaves the end of a scrape a copy of 7 MB instead of
// compressing 290 MB.
type Gzip struct {
	w  io.Writer
	fw *flate.Writer
	// dirty says fw holds bytes since its last reset, which a sync flush must end before a splice.
	dirty bool
	crc   uint32
	size  int64
	err   error
}

// gzipHeader is a member header with no name, time or comment: the answer is a stream, not a file.
var gzipHeader = [10]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// NewGzip starts a gzip stream on w at flate's BestSpeed, the level /metrics has always used.
func NewGzip(w io.Writer) *Gzip {
	fw, _ := flate.NewWriter(w, flate.BestSpeed) // the level is valid, so no error
	g := &Gzip{w: w, fw: fw}
	_, g.err = w.Write(gzipHeader[:])
	return g
}

// Write compresses p into the stream.
func (g *Gzip) Write(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	g.crc = crc32.Update(g.crc, crc32.IEEETable, p)
	g.size += int64(len(p))
	g.dirty = g.dirty || len(p) > 0
	n, err := g.fw.Write(p)
	g.err = err
	return n, err
}

// splice copies a fragment compressed apart into the stream.
func (g *Gzip) splice(f *fragment) error {
	if g.err != nil || f.n == 0 {
		return g.err
	}
	if g.dirty {
		// Everything written so far leaves fw, ending on a byte boundary; after the fragment, fw
		// starts afresh, as its back-references must not reach over the fragment's bytes.
		if g.err = g.fw.Flush(); g.err != nil {
			return g.err
		}
		g.fw.Reset(g.w)
		g.dirty = false
	}
	if _, g.err = g.w.Write(f.data); g.err != nil {
		return g.err
	}
	g.crc = crc32Combine(g.crc, f.crc, f.n)
	g.size += f.n
	return nil
}

// Close ends the deflate stream with a final block and writes the trailer; it does not close
// the underlying writer.
func (g *Gzip) Close() error {
	if g.err != nil {
		return g.err
	}
	if g.err = g.fw.Close(); g.err != nil {
		return g.err
	}
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], g.crc)
	binary.LittleEndian.PutUint32(trailer[4:], uint32(g.size)) // ISIZE is the length modulo 2^32
	_, g.err = g.w.Write(trailer[:])
	return g.err
}

// fragment is text compressed on its own: deflate blocks that refer to nothing before them and
// end with a sync flush, with the CRC-32 and length of the text they hold.
type fragment struct {
	data    []byte
	crc     uint32
	n       int64
	samples int
}

// fragmentWriter compresses text into fragments, one after another, reusing its buffer and its
// compressor (about a megabyte of state) for every target.
type fragmentWriter struct {
	fw  *flate.Writer
	buf bytes.Buffer
	crc uint32
	n   int64
}

func newFragmentWriter() *fragmentWriter {
	fr := &fragmentWriter{}
	fr.fw, _ = flate.NewWriter(&fr.buf, flate.BestSpeed) // the level is valid, so no error
	return fr
}

// Write compresses p into the current fragment; writing to memory cannot fail.
func (fr *fragmentWriter) Write(p []byte) (int, error) {
	fr.crc = crc32.Update(fr.crc, crc32.IEEETable, p)
	fr.n += int64(len(p))
	return fr.fw.Write(p)
}

// abandon drops the current fragment and starts the next, which refers to nothing before it.
func (fr *fragmentWriter) abandon() {
	fr.buf.Reset()
	fr.fw.Reset(&fr.buf)
	fr.crc, fr.n = 0, 0
}

// end closes the current fragment with a sync flush and starts the next, which refers to nothing
// before it. An empty fragment holds no bytes at all.
func (fr *fragmentWriter) end(samples int) fragment {
	f := fragment{crc: fr.crc, n: fr.n, samples: samples}
	if fr.n > 0 {
		_ = fr.fw.Flush() // writing to memory cannot fail
		f.data = bytes.Clone(fr.buf.Bytes())
	}
	fr.abandon()
	return f
}

// crc32Combine is the CRC-32 (IEEE) of a text whose first part has crc1 and whose second part,
// len2 bytes long, has crc2: crc1 shifted over len2 zero bytes, modulo the polynomial, plus crc2.
func crc32Combine(crc1, crc2 uint32, len2 int64) uint32 {
	if len2 <= 0 {
		return crc1
	}
	return multModP(xPow8n(len2), crc1) ^ crc2
}

// crcPoly is the IEEE polynomial, bit-reflected, as hash/crc32 uses it.
const crcPoly = 0xedb88320

// multModP multiplies two polynomials over GF(2) modulo crcPoly, in the reflected bit order in
// which x^0 is the top bit.
func multModP(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// xPow8n is x^(8n) modulo crcPoly, by squaring: the shift of n zero bytes.
func xPow8n(n int64) uint32 {
	p := uint32(1) << 31  // x^0
	sq := uint32(1) << 23 // x^8, one byte
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			p = multModP(sq, p)
		}
		sq = multModP(sq, sq)
	}
	return p
}
