package blob

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// A Reader reads a committed segment. It holds the segment's index in
// memory, so Info needs no I/O. Every chunk is checked (frame header against
// the index, CRC-32C of the stored bytes, decoded length) before any of its
// bytes is returned; damage yields a *CorruptError, never data.
//
// A Reader's methods are safe for concurrent use, but each range reader it
// returns is for one goroutine. The caller must Close the Reader after the
// range readers are done.
type Reader struct {
	s      *Store
	id     ID
	o      object
	chunks []chunkMeta
	size   int64
}

func newReader(s *Store, id ID, o object) (*Reader, error) {
	r := &Reader{s: s, id: id, o: o}
	fileSize := o.size()
	if fileSize < footerSize {
		return nil, corruptf(id, -1, "file of %d bytes has no footer", fileSize)
	}
	var fb [footerSize]byte
	if err := r.readAt(fb[:], fileSize-footerSize); err != nil {
		return nil, err
	}
	f, err := decodeFooter(id, fb[:], fileSize)
	if err != nil {
		return nil, err
	}
	ib := make([]byte, f.indexLength)
	if err := r.readAt(ib, f.indexOffset); err != nil {
		return nil, err
	}
	if r.chunks, err = decodeIndex(id, &f, ib); err != nil {
		return nil, err
	}
	r.size = f.rawSize
	return r, nil
}

// readAt fills b from offset off of the file.
func (r *Reader) readAt(b []byte, off int64) error {
	n, err := r.o.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("blob: read segment %s at %d: %w", r.id, off, err)
}

// readChunk reads, checks and decodes chunk i, using the pooled buffers
// frame and raw (nil if the chunk is stored raw). The result aliases one of
// them.
func (r *Reader) readChunk(i int, frame, raw *[]byte) ([]byte, error) {
	m := &r.chunks[i]
	fb := (*frame)[:m.frameLen()]
	if err := r.readAt(fb, m.offset); err != nil {
		return nil, err
	}
	if !m.checkFrameHeader(fb) {
		return nil, corruptf(r.id, i, "frame header disagrees with the index")
	}
	stored := fb[frameHeaderSize:]
	if got := crc(stored); got != m.crc {
		return nil, corruptf(r.id, i, "crc mismatch: computed %#08x, stored %#08x", got, m.crc)
	}
	if m.codec == CodecNone {
		return stored, nil
	}
	return r.s.decode(r.id, i, m, stored, (*raw)[:ChunkSize])
}

// Size returns the number of bytes in the segment.
func (r *Reader) Size() int64 { return r.size }

// Info returns the segment's Info, from the index held in memory.
func (r *Reader) Info() Info {
	info := Info{ID: r.id, Size: r.size, Leaves: make([][32]byte, len(r.chunks)), StoredSize: r.o.size()}
	for i := range r.chunks {
		info.Leaves[i] = r.chunks[i].leaf
	}
	return info
}

// ReadAt implements io.ReaderAt: it reads len(p) bytes from offset off of
// the segment, decoding every chunk the range touches. It returns io.EOF if
// fewer bytes remain; damage and I/O errors as described on Reader.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blob: read segment %s: negative offset %d", r.id, off)
	}
	frame, raw := getBuf(), getBuf()
	defer putBuf(frame)
	defer putBuf(raw)
	n := 0
	for n < len(p) && off < r.size {
		i := int(off / ChunkSize)
		b, err := r.readChunk(i, frame, raw)
		if err != nil {
			return n, err
		}
		k := copy(p[n:], b[off-int64(i)*ChunkSize:])
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// NewRangeReader returns a reader of the n bytes at offset off of the
// segment. It streams: only the chunks the range touches are read, and up
// to min(Concurrency, 4) of them are read and decoded ahead, on other
// goroutines, while the caller consumes the current one; each holds two
// chunk buffers until consumed or Close. Its WriteTo (used by io.Copy) hands
// decoded chunks to the destination without an extra copy. It returns an
// error if the range is not within the segment.
func (r *Reader) NewRangeReader(off, n int64) (io.ReadCloser, error) {
	if off < 0 || n < 0 || n > r.size-off {
		return nil, fmt.Errorf("blob: segment %s: range [%d, %d+%d) is outside its %d bytes", r.id, off, off, n, r.size)
	}
	first, end := int(off/ChunkSize), int((off+n+ChunkSize-1)/ChunkSize)
	if h, ok := r.o.(rangeHinter); ok && end > first {
		last := &r.chunks[end-1]
		h.willRead(r.chunks[first].offset, last.offset+int64(last.frameLen()))
	}
	return &rangeReader{
		ra:  readahead{r: r, next: first, end: end, depth: min(r.s.opts.Concurrency, maxReadahead)},
		off: off,
		end: off + n,
	}, nil
}

// Close releases the Reader's file.
func (r *Reader) Close() error { return r.o.Close() }

// maxReadahead bounds the chunks a range reader decodes ahead, and so its
// memory: retrievals are usually limited by their consumer.
const maxReadahead = 4

// A loading chunk is read, checked and decoded by its own goroutine.
type loading struct {
	i          int
	frame, raw *[]byte // raw is nil for a chunk stored raw
	data       []byte  // the decoded chunk, aliasing frame or raw
	err        error
	done       chan struct{}
}

func (l *loading) release() {
	putBuf(l.frame)
	if l.raw != nil {
		putBuf(l.raw)
	}
}

// readahead loads chunks [next, end) in order, up to depth of them ahead of
// the one being consumed, so that decoding (and hashing, when verifying)
// runs on several cores and overlaps with the consumer.
type readahead struct {
	r         *Reader
	next, end int
	depth     int
	verify    bool // also check each chunk's SHA-256 against its leaf
	queue     []*loading
}

// take returns the next chunk, leaving up to depth more loading; the caller
// must release it.
func (ra *readahead) take() *loading {
	ra.fill(1)
	l := ra.queue[0]
	ra.queue = ra.queue[1:]
	ra.fill(ra.depth)
	<-l.done
	return l
}

// fill starts loading chunks until n are queued or none is left.
func (ra *readahead) fill(n int) {
	for len(ra.queue) < n && ra.next < ra.end {
		l := &loading{i: ra.next, frame: getBuf(), done: make(chan struct{})}
		if ra.r.chunks[l.i].codec != CodecNone {
			l.raw = getBuf()
		}
		ra.next++
		ra.queue = append(ra.queue, l)
		go ra.load(l)
	}
}

func (ra *readahead) load(l *loading) {
	defer close(l.done)
	l.data, l.err = ra.r.readChunk(l.i, l.frame, l.raw)
	if l.err == nil && ra.verify && sha256.Sum256(l.data) != ra.r.chunks[l.i].leaf {
		l.err = corruptf(ra.r.id, l.i, "sha-256 differs from the stored leaf")
	}
}

// close waits for the chunks in flight and releases them.
func (ra *readahead) close() {
	for _, l := range ra.queue {
		<-l.done
		l.release()
	}
	ra.queue = nil
	ra.next = ra.end
}

var errRangeReaderClosed = errors.New("blob: read from closed range reader")

type rangeReader struct {
	ra       readahead
	cur      *loading // the chunk data is from, or nil
	off, end int64    // next byte to return; end of the range
	data     []byte   // the bytes from off on of cur, within the range
	err      error    // sticky
}

// next moves to the chunk holding rr.off.
func (rr *rangeReader) next() error {
	if rr.cur != nil {
		rr.cur.release()
	}
	rr.cur = rr.ra.take()
	if rr.cur.err != nil {
		rr.err = rr.cur.err
		return rr.err
	}
	base := int64(rr.cur.i) * ChunkSize
	rr.data = rr.cur.data[rr.off-base : min(int64(len(rr.cur.data)), rr.end-base)]
	return nil
}

func (rr *rangeReader) Read(p []byte) (int, error) {
	if rr.err != nil {
		return 0, rr.err
	}
	if len(rr.data) == 0 {
		if rr.off >= rr.end {
			return 0, io.EOF
		}
		if err := rr.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, rr.data)
	rr.data = rr.data[n:]
	rr.off += int64(n)
	return n, nil
}

func (rr *rangeReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for rr.err == nil {
		if len(rr.data) == 0 {
			if rr.off >= rr.end {
				return total, nil
			}
			if rr.next() != nil {
				break
			}
		}
		n, err := w.Write(rr.data)
		rr.data = rr.data[n:]
		rr.off += int64(n)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, rr.err
}

func (rr *rangeReader) Close() error {
	if rr.cur != nil {
		rr.cur.release()
		rr.cur, rr.data = nil, nil
	}
	rr.ra.close()
	rr.err = errRangeReaderClosed
	return nil
}
