package engine

import (
	"errors"
	"fmt"
	"github.com/firnstore/firn/internal/store"
	"io"

	"github.com/firnstore/firn/treehash"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Reading stored segments: the bytes of a range of the segments that hold
// an archive or a job's output, and the tree hash of such a range from the
// segments' stored leaf hashes, without reading the bytes.

// rangeTreeHash is the hex tree hash of [start, endExcl) of an archive of
// size bytes held by segs, or "" when the range is not tree-hash aligned.
// whole, when not "", is the archive's tree hash, returned for the whole
// range without reading the leaves.
func (e *Engine) rangeTreeHash(segs []vault.Segment, segSize int64, whole string, start, endExcl, size int64) (string, error) {
	if !treehash.Aligned(start, endExcl, size) {
		return "", nil
	}
	if start == 0 && endExcl == size && whole != "" {
		return whole, nil
	}
	first, last := treehash.LeafSpan(start, endExcl)
	// Only the segments covering the range need their leaves read.
	leafBase, skip := 0, 0
	if segSize > 0 {
		perSeg := int(segSize / treehash.LeafSize)
		skip = first / perSeg
		leafBase = skip * perSeg
	}
	var leaves [][32]byte
	covered := leafBase
	for _, s := range segs[skip:] {
		if covered >= last {
			break
		}
		info, err := e.blobs.Stat(s.ID)
		if err != nil {
			return "", ioError(err)
		}
		leaves = append(leaves, info.Leaves...)
		covered += len(info.Leaves)
	}
	if covered < last {
		return "", ioError(fmt.Errorf("engine: segments hold %d leaves, range needs %d", covered, last))
	}
	return treehash.Hex(treehash.Root(leaves[first-leafBase : last-leafBase])), nil
}

// openSegments streams n bytes from offset off of the bytes held by segs,
// where every segment but the last holds segSize bytes (0: one segment).
func (e *Engine) openSegments(segs []vault.Segment, segSize, off, n int64) (io.ReadCloser, error) {
	i := 0
	if segSize > 0 {
		i = int(off / segSize)
		off -= int64(i) * segSize
	}
	mr := &multiReader{}
	for ; n > 0 && i < len(segs); i++ {
		s := segs[i]
		take := min(n, s.Size-off)
		mr.parts = append(mr.parts, segPart{id: s.ID, off: off, n: take})
		n -= take
		off = 0
	}
	if n > 0 {
		return nil, ioError(errors.New("engine: output range beyond the stored segments"))
	}
	mr.blobs = e.blobs
	return mr, nil
}

type segPart struct {
	id     ulid.ULID
	off, n int64
}

// multiReader reads a run of segment ranges in order, opening each segment
// only when it is reached.
type multiReader struct {
	blobs *segStore
	parts []segPart
	seg   segReader
	cur   io.ReadCloser
}

// next opens the next part; it returns io.EOF after the last.
func (m *multiReader) next() error {
	if len(m.parts) == 0 {
		return io.EOF
	}
	pt := m.parts[0]
	m.parts = m.parts[1:]
	r, err := m.blobs.Open(pt.id)
	if errors.Is(err, store.ErrUnavailable) {
		// An inline segment's bytes are in the database.
		return ioError(err)
	}
	if err != nil {
		return err
	}
	rr, err := r.NewRangeReader(pt.off, pt.n)
	if err != nil {
		r.Close()
		return err
	}
	m.seg, m.cur = r, rr
	return nil
}

// WriteTo hands each segment's bytes to w through the segment reader's
// own WriteTo, so that io.Copy makes no copy of its own.
func (m *multiReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if m.cur == nil {
			if err := m.next(); err == io.EOF {
				return total, nil
			} else if err != nil {
				return total, err
			}
		}
		n, err := io.Copy(w, m.cur)
		total += n
		if err != nil {
			return total, err
		}
		if err := m.closeCurrent(); err != nil {
			return total, err
		}
	}
}

func (m *multiReader) Read(p []byte) (int, error) {
	for {
		if m.cur == nil {
			if err := m.next(); err != nil {
				return 0, err
			}
		}
		n, err := m.cur.Read(p)
		if err == io.EOF {
			err = m.closeCurrent()
			if n > 0 || err != nil {
				return n, err
			}
			continue
		}
		return n, err
	}
}

func (m *multiReader) closeCurrent() error {
	err := errors.Join(m.cur.Close(), m.seg.Close())
	m.cur, m.seg = nil, nil
	return err
}

// Close releases the segment being read.
func (m *multiReader) Close() error {
	m.parts = nil
	if m.cur == nil {
		return nil
	}
	return m.closeCurrent()
}
