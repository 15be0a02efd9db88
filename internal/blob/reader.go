package blob

import (
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
// frame and raw. The result aliases one of them.
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
// segment. It streams: it decodes one chunk at a time, only the chunks the
// range touches, and holds two chunk buffers, released by Close. Its
// WriteTo (used by io.Copy) hands decoded chunks to the destination without
// an extra copy. It returns an error if the range is not within the
// segment.
func (r *Reader) NewRangeReader(off, n int64) (io.ReadCloser, error) {
	if off < 0 || n < 0 || n > r.size-off {
		return nil, fmt.Errorf("blob: segment %s: range [%d, %d+%d) is outside its %d bytes", r.id, off, off, n, r.size)
	}
	return &rangeReader{r: r, off: off, end: off + n}, nil
}

// Close releases the Reader's file.
func (r *Reader) Close() error { return r.o.Close() }

var errRangeReaderClosed = errors.New("blob: read from closed range reader")

type rangeReader struct {
	r          *Reader
	off, end   int64   // next byte to return; end of the range
	data       []byte  // the bytes from off on of the current chunk, within the range
	frame, raw *[]byte // nil until the first chunk is read
	err        error   // sticky
}

// next decodes the chunk holding rr.off.
func (rr *rangeReader) next() error {
	if rr.frame == nil {
		rr.frame, rr.raw = getBuf(), getBuf()
	}
	i := int(rr.off / ChunkSize)
	b, err := rr.r.readChunk(i, rr.frame, rr.raw)
	if err != nil {
		rr.err = err
		return err
	}
	base := int64(i) * ChunkSize
	rr.data = b[rr.off-base : min(int64(len(b)), rr.end-base)]
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
	if rr.frame != nil {
		putBuf(rr.frame)
		putBuf(rr.raw)
		rr.frame, rr.raw, rr.data = nil, nil, nil
	}
	rr.err = errRangeReaderClosed
	return nil
}
