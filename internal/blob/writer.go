package blob

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
)

// errWriterDone is returned by a Writer used after Commit or Abort.
var errWriterDone = errors.New("blob: writer already committed or aborted")

// A Writer writes one segment. It is an io.Writer and an io.ReaderFrom.
// Nothing it writes is visible or durable before Commit.
//
// Chunks are sealed (hashed, compressed, checksummed) by the Store's workers
// while the caller fills the next chunk, and written to the file in order by
// one goroutine, so reading, sealing and writing overlap. ReadFrom reads
// straight into chunk buffers.
//
// A Writer is not safe for concurrent use. After an error from Write or
// ReadFrom caused by the file (not by the source reader), every later call
// returns an error too; Commit or Abort must still be called to release the
// Writer's resources.
type Writer struct {
	s    *Store
	id   ID
	p    pendingObject
	cur  *chunk // being filled; nil if none
	size int64
	done bool // Commit or Abort called

	// queue carries sealing chunks, in order, to the goroutine that writes
	// them; its capacity bounds the chunks in flight.
	queue   chan *chunk
	drained chan struct{} // closed when the write goroutine exits

	// m measures the pipeline for the policy; seq counts the chunks sealed.
	m   meter
	seq uint64

	// Owned by the write goroutine until drained is closed.
	chunks []chunkMeta
	off    int64 // end of the last frame written

	mu  sync.Mutex
	err error // first file error; sticky
}

// chunk is one chunk on its way through the pipeline.
type chunk struct {
	buf    *[]byte // raw bytes at frameHeaderSize
	n      int     // raw bytes in buf
	start  mark    // when filling began
	mode   mode
	out    *[]byte // compressed frame, or nil if stored raw in buf
	frame  []byte  // header and stored bytes, in buf or out
	meta   chunkMeta
	sealed chan struct{}
}

func (c *chunk) raw() []byte { return (*c.buf)[frameHeaderSize : frameHeaderSize+c.n] }

func newWriter(s *Store, id ID, p pendingObject) *Writer {
	w := &Writer{
		s:       s,
		id:      id,
		p:       p,
		queue:   make(chan *chunk, s.opts.Concurrency),
		drained: make(chan struct{}),
	}
	w.m.c = s.learnedCosts()
	go w.writeLoop()
	return w
}

// Write appends p to the segment. It returns an error only if an earlier
// chunk could not be written to the file, or after Commit or Abort.
func (w *Writer) Write(p []byte) (int, error) {
	if err := w.check(); err != nil {
		return 0, err
	}
	n := 0
	for n < len(p) {
		c := w.fill()
		k := copy((*c.buf)[frameHeaderSize+c.n:], p[n:])
		c.n += k
		n += k
		if err := w.maybeSeal(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// ReadFrom appends the bytes of r, up to io.EOF, to the segment, reading
// directly into chunk buffers. It returns the number of bytes read and the
// first error other than io.EOF from r, or from the file as for Write.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	if err := w.check(); err != nil {
		return 0, err
	}
	var total int64
	for {
		c := w.fill()
		k, rerr := r.Read((*c.buf)[frameHeaderSize+c.n : frameHeaderSize+ChunkSize])
		if k < 0 || k > ChunkSize-c.n {
			return total, fmt.Errorf("blob: reader returned invalid count %d", k)
		}
		c.n += k
		total += int64(k)
		if err := w.maybeSeal(); err != nil {
			return total, err
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

func (w *Writer) check() error {
	if w.done {
		return errWriterDone
	}
	return w.loadErr()
}

func (w *Writer) loadErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Writer) setErr(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// fill returns the chunk being filled, starting one if needed.
func (w *Writer) fill() *chunk {
	if w.cur == nil {
		w.cur = &chunk{buf: getBuf(), start: now(), sealed: make(chan struct{})}
	}
	return w.cur
}

// maybeSeal hands the current chunk to the pipeline if it is full.
func (w *Writer) maybeSeal() error {
	if w.cur.n < ChunkSize {
		return nil
	}
	return w.seal()
}

// seal hands the current chunk to a worker and to the write goroutine. It
// blocks while the pipeline is full, which bounds memory.
func (w *Writer) seal() error {
	c := w.cur
	w.cur = nil
	c.meta.rawLen = uint32(c.n)
	w.size += int64(c.n)
	w.m.filled(c.start.since(), c.n)
	c.mode = modeCompress
	if w.s.choose != nil {
		c.mode = w.m.mode(w.s.choose, w.seq)
	}
	w.seq++
	w.queue <- c
	go w.sealChunk(c)
	return w.loadErr()
}

// sealChunk computes c's leaf, compresses it as its mode says and frames
// it.
func (w *Writer) sealChunk(c *chunk) {
	s := w.s
	s.sem <- struct{}{}
	defer func() { <-s.sem; close(c.sealed) }()
	raw := c.raw()
	t0 := now()
	c.meta.leaf = sha256.Sum256(raw)
	t1 := now()
	stored := raw
	c.meta.codec = CodecNone
	c.frame = (*c.buf)[:frameHeaderSize+len(raw)]
	var compressed, n int
	if s.opts.Codec != CodecNone {
		switch c.mode {
		case modeCompress:
			var out *[]byte
			var enc []byte
			compressed = len(raw)
			if out, enc, n = s.encode(raw); out != nil {
				c.out, stored = out, enc
				c.meta.codec = s.opts.Codec
				c.frame = (*out)[:frameHeaderSize+len(enc)]
			}
		case modeSample:
			var out *[]byte
			compressed = min(len(raw), sampleSize)
			if out, _, n = s.encode(raw[:compressed]); out != nil {
				outPool.Put(out)
			}
		}
	}
	w.m.sealed(t1.sub(t0), len(raw), t1.since(), compressed, n)
	c.meta.storedLen = uint32(len(stored))
	c.meta.crc = crc(stored)
	c.meta.putFrameHeader(c.frame)
}

// writeLoop writes sealed chunks to the file in order until the queue is
// closed. After a file error it keeps draining, so that no sender blocks,
// but writes nothing more.
func (w *Writer) writeLoop() {
	defer close(w.drained)
	failed := false
	for c := range w.queue {
		<-c.sealed
		if !failed {
			c.meta.offset = w.off
			t := now()
			_, err := w.p.Write(c.frame)
			w.m.wrote(t.since(), len(c.frame))
			if err != nil {
				w.setErr(fmt.Errorf("blob: write segment %s: %w", w.id, err))
				failed = true
			} else {
				w.off += int64(len(c.frame))
				w.chunks = append(w.chunks, c.meta)
			}
		}
		putBuf(c.buf)
		if c.out != nil {
			outPool.Put(c.out)
		}
	}
}

// stop seals any partial chunk, if flush is set, and waits for the write
// goroutine to finish.
func (w *Writer) stop(flush bool) error {
	w.done = true
	var err error
	if w.cur != nil {
		if flush && w.cur.n > 0 {
			err = w.seal()
		} else {
			putBuf(w.cur.buf)
			w.cur = nil
		}
	}
	close(w.queue)
	<-w.drained
	return errors.Join(err, w.loadErr())
}

// Commit finishes the segment: it writes the index and footer, syncs the
// file, gives it its final name and syncs the directory. When Commit returns
// nil the segment is durable and listed, and Info describes it. On error
// nothing is left that List would report, and the Writer is finished (Abort
// is then a no-op). (If the directory sync failed after the rename, the file
// is removed, but a crash may still bring it back: complete, yet never
// acknowledged, like any segment the engine reclaims at open.)
func (w *Writer) Commit() (Info, error) {
	if w.done {
		return Info{}, errWriterDone
	}
	defer w.s.done(w.id)
	err := w.stop(true)
	if err == nil {
		if _, err = w.p.Write(encodeTail(w.id, w.chunks, w.off, w.size)); err != nil {
			err = fmt.Errorf("blob: write segment %s: %w", w.id, err)
		}
	}
	if err == nil {
		t := now()
		err = w.p.commit()
		w.m.committed(t.since(), w.off)
	}
	if err != nil {
		return Info{}, errors.Join(err, w.p.abort())
	}
	w.s.learn(w.m.costs())
	info := Info{ID: w.id, Size: w.size, Leaves: make([][32]byte, len(w.chunks))}
	for i := range w.chunks {
		info.Leaves[i] = w.chunks[i].leaf
	}
	info.StoredSize = w.off + int64(len(w.chunks))*indexEntrySize + indexCRCSize + footerSize
	return info, nil
}

// Abort discards the segment and removes its file. It returns an error only
// if the file could not be removed. Calling Abort after Commit or Abort does
// nothing and returns nil.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	defer w.s.done(w.id)
	w.stop(false)
	return w.p.abort()
}
