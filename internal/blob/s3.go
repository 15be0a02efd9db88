package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
)

// Segments in an object store: one object per segment, named
// PREFIX segments/<ID>.seg, holding exactly the bytes of a segment file (see
// the package documentation), so chunks keep their layout, checksums and
// compression.
//
// A segment is uploaded while it is written: up to PartsInFlight parts of
// PartSize bytes are PUT in parallel as an S3 multipart upload, and Commit
// completes the upload. A segment no larger than PartSize is sent with a
// single PUT at Commit. The object becomes visible, under its final name,
// only when the store acknowledges the completion; an upload that never
// completes is never listed. [OpenS3] aborts the uploads a crash left
// behind where the store can list them by prefix (AWS S3, Ceph RGW); MinIO
// lists uploads only by exact object name, and removes stale ones itself
// (after 24 hours by default, MINIO_API_STALE_UPLOADS_EXPIRY).
//
// Opening a segment reads its last tailSize bytes with one ranged GET, which
// holds the footer and, for segments of up to about 1 GiB, the whole index.
// A range reader then reads the frames of the chunks its range touches, and
// only those, with one streamed ranged GET (see s3Object).
//
// Unlike a file, a deleted object stops being readable at once, even by
// Readers already open.
//
// A GET answered NoSuchKey is repeated for about 9 s before the segment is
// taken for absent, and an object still listed is never taken for absent
// (see Bucket.readConfirmed): a MinIO cluster recovering from a node's
// restart answers NoSuchKey for objects it holds. So Stat, Open, Verify and
// reads of a segment that is really missing take that long to say so.

// S3 integrity in transit: over http, minio-go signs every chunk of a body
// with SHA-256 (streaming SigV4); over https, TLS protects it. Beyond that,
// every frame's CRC-32C is checked on read.

const (
	segmentsDir = "segments/"
	// tailSize is what Open reads of an object's end: footer plus the
	// index of up to 1170 chunks.
	tailSize = 64 << 10
	// getAttempts is how often a ranged GET whose body fails midway is
	// tried; minio-go itself retries requests that fail before a response.
	getAttempts = 3
)

// OpenS3 opens the store of segments kept in b, under b's prefix followed
// by "segments/". It aborts the multipart uploads that Writers which never
// committed (a crash, say) left there, where the store lists them, so at
// most one Store may use a bucket and prefix at a time. It returns an error
// if opts are invalid or the store fails.
func OpenS3(ctx context.Context, b *Bucket, opts *Options) (*Store, error) {
	return openS3Store(ctx, b, opts, true)
}

// OpenS3Shared is OpenS3 for a bucket and prefix that several Stores, in
// as many processes, use at once: it aborts no multipart upload, as an
// unfinished one may be another Store's in flight. Those a crash abandons
// stay until the bucket's lifecycle rule (AbortIncompleteMultipartUpload)
// removes them.
func OpenS3Shared(ctx context.Context, b *Bucket, opts *Options) (*Store, error) {
	return openS3Store(ctx, b, opts, false)
}

func openS3Store(ctx context.Context, b *Bucket, opts *Options, abort bool) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.EnsureDefaults()
	be := &s3Backend{b: b, dir: b.key(segmentsDir)}
	if abort {
		if err := be.abortIncomplete(ctx); err != nil {
			return nil, err
		}
	}
	return newStore(be, o)
}

type s3Backend struct {
	b   *Bucket
	dir string // object name prefix of segments
	// parts recycles full-size part buffers.
	parts sync.Pool
}

func (s *s3Backend) key(id ID) string { return s.dir + id.String() + segSuffix }

func (s *s3Backend) abortIncomplete(ctx context.Context) error {
	for u := range s.b.core.Client.ListIncompleteUploads(ctx, s.b.name, s.dir, true) {
		if u.Err != nil {
			return fmt.Errorf("blob: list incomplete uploads in %s: %w", s.dir, u.Err)
		}
		if err := s.b.core.AbortMultipartUpload(ctx, s.b.name, u.Key, u.UploadID); err != nil && !isCode(err, minio.NoSuchUpload) {
			return fmt.Errorf("blob: abort incomplete upload of %s: %w", u.Key, err)
		}
	}
	return nil
}

func isCode(err error, code string) bool { return minio.ToErrorResponse(err).Code == code }

func (s *s3Backend) create(id ID) (pendingObject, error) {
	key := s.key(id)
	_, err := s.b.core.Client.StatObject(context.Background(), s.b.name, key, minio.StatObjectOptions{})
	switch {
	case err == nil:
		return nil, fmt.Errorf("blob: create %s: %w", id, ErrExist)
	case !isCode(err, minio.NoSuchKey):
		return nil, fmt.Errorf("blob: create %s: %w", id, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &s3Pending{
		s:      s,
		key:    key,
		ctx:    ctx,
		cancel: cancel,
		slots:  make(chan struct{}, s.b.partsInFlight),
	}, nil
}

func (s *s3Backend) open(id ID) (object, error) {
	var opts minio.GetObjectOptions
	opts.SetRange(0, -tailSize)
	o := &s3Object{s: s, key: s.key(id), lastEnd: -1}
	err := o.get(opts, func(rc io.Reader, h http.Header) error {
		size, err := objectSize(h)
		if err != nil {
			return err
		}
		tail, err := io.ReadAll(io.LimitReader(rc, tailSize+1))
		if err != nil {
			return err
		}
		if int64(len(tail)) != min(size, tailSize) {
			return fmt.Errorf("got %d bytes of the last %d", len(tail), min(size, tailSize))
		}
		o.n, o.tail = size, tail
		return nil
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("blob: open %s: %w", id, err)
	case isCode(err, minio.InvalidRange):
		// Only an empty object has no last bytes; newReader reports it.
		return &s3Object{s: s, key: o.key}, nil
	case err != nil:
		return nil, fmt.Errorf("blob: open %s: %w", id, err)
	}
	return o, nil
}

func (s *s3Backend) remove(id ID) error {
	err := s.b.core.Client.RemoveObject(context.Background(), s.b.name, s.key(id), minio.RemoveObjectOptions{})
	if err != nil && !isCode(err, minio.NoSuchKey) {
		return fmt.Errorf("blob: delete %s: %w", id, err)
	}
	return nil
}

func (s *s3Backend) list() ([]ID, error) {
	var ids []ID
	for o := range s.b.core.Client.ListObjects(context.Background(), s.b.name, minio.ListObjectsOptions{Prefix: s.dir, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("blob: list %s: %w", s.dir, o.Err)
		}
		if name, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, s.dir), segSuffix); ok {
			if id, err := ParseID(name); err == nil {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// objectSize returns the object's size from the Content-Range header of a
// ranged GET ("bytes first-last/size"), or from Content-Length if the store
// sent the whole object.
func objectSize(h http.Header) (int64, error) {
	text, name := h.Get("Content-Range"), "Content-Range"
	if text != "" {
		_, text, _ = strings.Cut(text, "/")
	} else {
		text, name = h.Get("Content-Length"), "Content-Length"
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("malformed %s %q", name, h.Get(name))
	}
	return n, nil
}

// s3Object is a committed segment object. Its last bytes are held in
// memory; everything else is read with ranged GETs.
//
// A range reader says which frames it will read (willRead); they come from
// one streamed GET of exactly those bytes. Without such a plan, a read that
// starts where the previous one ended is sequential: it and the reads after
// it come from a streamed GET of a window that starts at twice the read's
// length and doubles up to maxWindow, so it never reads ahead more than was
// already read in sequence. Readahead asks for chunks concurrently, so bytes
// a stream passes on its way to a later chunk are kept (up to maxAhead) for
// the read of the earlier one, arriving late. Other reads are ranged GETs
// of exactly their bytes.
type s3Object struct {
	s    *s3Backend
	key  string
	n    int64
	tail []byte // the last len(tail) bytes of the object

	mu       sync.Mutex
	planNext int64     // start of the planned frames not yet streamed
	planEnd  int64     // end of the frames a range reader will read
	lastEnd  int64     // end of the latest read requested
	body     io.Closer // the open stream, or nil
	stream   io.Reader // body's bytes [pos, end)
	pos      int64
	end      int64
	window   int64
	spans    []span // bytes passed by the stream, for reads not yet served
	held     int    // bytes in spans
}

// span is bytes b of the object at offset off.
type span struct {
	off int64
	b   []byte
}

const (
	maxWindow = 64 << 20
	maxAhead  = 8 << 20
)

func (o *s3Object) size() int64 { return o.n }

// rangeHinter is implemented by objects that read faster knowing what a
// range reader will read: the frames in [off, end), in order.
type rangeHinter interface{ willRead(off, end int64) }

func (o *s3Object) willRead(off, end int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.planNext, o.planEnd = off, end
}

func (o *s3Object) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeStream()
	o.spans, o.held = nil, 0
	return nil
}

func (o *s3Object) closeStream() {
	if o.body != nil {
		o.body.Close()
		o.body, o.stream = nil, nil
	}
}

func (o *s3Object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blob: read %s: negative offset %d", o.key, off)
	}
	if off >= o.n {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), o.n)
	want := p[:end-off]
	if tailOff := o.n - int64(len(o.tail)); off >= tailOff {
		copy(want, o.tail[off-tailOff:])
	} else if err := o.read(want, off); err != nil {
		return 0, fmt.Errorf("blob: read %s at %d: %w", o.key, off, err)
	}
	if len(want) < len(p) {
		return len(want), io.EOF
	}
	return len(want), nil
}

// read fills b from offset off: from the bytes kept, the stream, or a
// ranged GET of exactly b.
func (o *s3Object) read(b []byte, off int64) error {
	o.mu.Lock()
	sequential := off == o.lastEnd
	o.lastEnd = off + int64(len(b))
	if o.fromSpans(b, off) {
		o.mu.Unlock()
		return nil
	}
	streamed := false
	switch {
	case o.body != nil && off >= o.pos && off-o.pos <= maxAhead && off < o.end:
		streamed = o.readStream(b, off) == nil
	case off >= o.planNext && off < o.planEnd && off-o.planNext <= maxAhead:
		// The first read of the plan to arrive; earlier frames are kept.
		streamed = o.openWindow(o.planNext, 0) == nil && o.readStream(b, off) == nil
	case sequential:
		streamed = o.openWindow(off, int64(len(b))) == nil && o.readStream(b, off) == nil
	}
	o.mu.Unlock()
	if streamed {
		return nil
	}
	// A random read, or the stream failed: a GET of exactly b, retried.
	var opts minio.GetObjectOptions
	opts.SetRange(off, off+int64(len(b))-1)
	return o.get(opts, func(rc io.Reader, _ http.Header) error {
		_, err := io.ReadFull(rc, b)
		return err
	})
}

// fromSpans fills b from the bytes kept, if they hold all of it, and
// forgets those bytes: each is read once.
func (o *s3Object) fromSpans(b []byte, off int64) bool {
	for i, sp := range o.spans {
		from := off - sp.off
		to := from + int64(len(b))
		if from < 0 || to > int64(len(sp.b)) {
			continue
		}
		copy(b, sp.b[from:to])
		o.held -= len(b)
		switch {
		case from == 0 && to == int64(len(sp.b)):
			o.spans = slices.Delete(o.spans, i, i+1)
		case from == 0:
			o.spans[i] = span{sp.off + to, sp.b[to:]}
		case to == int64(len(sp.b)):
			o.spans[i] = span{sp.off, sp.b[:from]}
		default:
			o.spans[i] = span{sp.off, sp.b[:from]}
			o.spans = slices.Insert(o.spans, i+1, span{sp.off + to, sp.b[to:]})
		}
		return true
	}
	return false
}

// readStream fills b from offset off through the open stream, which is at
// or before off, keeping the bytes it passes, and opening the next windows
// as needed. On error the stream is closed.
func (o *s3Object) readStream(b []byte, off int64) error {
	for len(b) > 0 {
		if o.body != nil && off > o.pos && off <= o.end {
			gap := make([]byte, off-o.pos)
			if _, err := io.ReadFull(o.stream, gap); err != nil {
				o.closeStream()
				return err
			}
			o.keep(span{o.pos, gap})
			o.pos = off
		}
		if o.body == nil || o.pos != off || o.pos == o.end {
			if err := o.openWindow(off, int64(len(b))); err != nil {
				return err
			}
		}
		k := min(int64(len(b)), o.end-o.pos)
		if _, err := io.ReadFull(o.stream, b[:k]); err != nil {
			o.closeStream()
			return err
		}
		o.pos += k
		off += k
		b = b[k:]
	}
	return nil
}

// openWindow opens a stream at off: to the end of the plan, if off is in
// it, else of twice the previous window or twice the length about to be
// read, at most maxWindow.
func (o *s3Object) openWindow(off, want int64) error {
	o.closeStream()
	var end int64
	if off >= o.planNext && off < o.planEnd {
		end = o.planEnd
		o.planNext = end
	} else {
		o.window = min(max(2*o.window, 2*want), maxWindow)
		end = min(off+o.window, o.n)
	}
	var opts minio.GetObjectOptions
	opts.SetRange(off, end-1)
	rc, _, _, err := o.s.b.core.GetObject(context.Background(), o.s.b.name, o.key, opts)
	if err != nil {
		return err
	}
	o.body, o.stream, o.pos, o.end = rc, io.LimitReader(rc, end-off), off, end
	return nil
}

// keep holds sp for a read still to come, dropping the oldest bytes kept
// beyond maxAhead (their reads fall back to ranged GETs).
func (o *s3Object) keep(sp span) {
	o.spans = append(o.spans, sp)
	o.held += len(sp.b)
	for o.held > maxAhead {
		o.held -= len(o.spans[0].b)
		o.spans = o.spans[1:]
	}
}

// get sends a GET and hands its body to read, trying again when the body
// fails midway. Its error wraps ErrNotFound if the object is absent, as
// Bucket.readConfirmed decides: a segment deleted, or never committed.
func (o *s3Object) get(opts minio.GetObjectOptions, read func(io.Reader, http.Header) error) error {
	gone, err := o.s.b.readConfirmed(context.Background(), o.key, func() error { return o.getOnce(opts, read) })
	if gone {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

func (o *s3Object) getOnce(opts minio.GetObjectOptions, read func(io.Reader, http.Header) error) error {
	var err error
	for range getAttempts {
		var rc io.ReadCloser
		var h http.Header
		rc, _, h, err = o.s.b.core.GetObject(context.Background(), o.s.b.name, o.key, opts)
		if err != nil {
			return err
		}
		err = read(rc, h)
		rc.Close()
		if err == nil {
			return nil
		}
	}
	return err
}

// s3Pending uploads a segment as it is written. Full parts are PUT by
// goroutines, at most PartsInFlight at a time; Write blocks while that many
// are in flight, which bounds the memory held.
type s3Pending struct {
	s      *s3Backend
	key    string
	ctx    context.Context // canceled by abort
	cancel context.CancelFunc

	buf      []byte // the part being filled
	uploadID string // "" until the first full part is sent
	next     int    // number of the last part sent
	slots    chan struct{}
	wg       sync.WaitGroup

	mu    sync.Mutex
	err   error // first part failure
	parts []minio.CompletePart

	attempted bool // commit reached the store, so the object may exist
}

func (p *s3Pending) Write(b []byte) (int, error) {
	partSize := int(p.s.b.partSize)
	n := 0
	for len(b) > 0 {
		if p.buf == nil && p.next > 0 {
			// Past the first part, every part but the last is full.
			p.buf = p.getPart()
		}
		k := min(partSize-len(p.buf), len(b))
		p.buf = grow(p.buf, k, partSize)
		p.buf = append(p.buf, b[:k]...)
		b = b[k:]
		n += k
		if len(p.buf) == partSize {
			if err := p.sendPart(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// grow makes room for k more bytes in b, doubling its capacity up to limit,
// so that a small segment does not cost a full part of memory.
func grow(b []byte, k, limit int) []byte {
	if len(b)+k <= cap(b) {
		return b
	}
	c := min(max(2*cap(b), len(b)+k, 64<<10), limit)
	nb := make([]byte, len(b), c)
	copy(nb, b)
	return nb
}

func (p *s3Pending) getPart() []byte {
	if b, ok := p.s.parts.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, p.s.b.partSize)
}

func (p *s3Pending) putPart(b []byte) {
	if int64(cap(b)) == p.s.b.partSize {
		p.s.parts.Put(&b)
	}
}

func (p *s3Pending) loadErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// sendPart hands the buffered part to an upload goroutine, starting the
// multipart upload first if needed. It blocks while PartsInFlight parts are
// in flight, and returns the first part failure so far.
func (p *s3Pending) sendPart() error {
	if err := p.loadErr(); err != nil {
		return err
	}
	if p.uploadID == "" {
		id, err := p.s.b.core.NewMultipartUpload(p.ctx, p.s.b.name, p.key, minio.PutObjectOptions{})
		if err != nil {
			return fmt.Errorf("start upload of %s: %w", p.key, err)
		}
		p.uploadID = id
	}
	p.next++
	num, data := p.next, p.buf
	p.buf = nil
	p.slots <- struct{}{}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		part, err := p.s.b.core.PutObjectPart(p.ctx, p.s.b.name, p.key, p.uploadID, num,
			bytes.NewReader(data), int64(len(data)), minio.PutObjectPartOptions{})
		<-p.slots
		p.putPart(data)
		p.mu.Lock()
		defer p.mu.Unlock()
		if err != nil {
			if p.err == nil {
				p.err = fmt.Errorf("upload part %d of %s: %w", num, p.key, err)
			}
			return
		}
		p.parts = append(p.parts, minio.CompletePart{PartNumber: num, ETag: part.ETag})
	}()
	return p.loadErr()
}

// commit sends what remains and completes the upload: the object is
// acknowledged by the store when it returns nil.
func (p *s3Pending) commit() error {
	if p.uploadID == "" {
		p.attempted = true
		_, err := p.s.b.core.PutObject(p.ctx, p.s.b.name, p.key, bytes.NewReader(p.buf), int64(len(p.buf)), "", "", minio.PutObjectOptions{})
		if err != nil {
			return fmt.Errorf("put %s: %w", p.key, err)
		}
		p.buf = nil
		p.cancel()
		return nil
	}
	var err error
	if len(p.buf) > 0 {
		err = p.sendPart()
	}
	p.wg.Wait()
	if err = errors.Join(err, p.loadErr()); err != nil {
		return err
	}
	slices.SortFunc(p.parts, func(a, b minio.CompletePart) int { return a.PartNumber - b.PartNumber })
	p.attempted = true
	if _, err := p.s.b.core.CompleteMultipartUpload(p.ctx, p.s.b.name, p.key, p.uploadID, p.parts, minio.PutObjectOptions{}); err != nil {
		return fmt.Errorf("complete upload of %s: %w", p.key, err)
	}
	p.cancel()
	return nil
}

// abort stops the parts in flight and removes the upload and, if commit
// got as far as the store, the object.
func (p *s3Pending) abort() error {
	p.cancel()
	p.wg.Wait()
	p.buf = nil
	ctx := context.Background()
	var err error
	if p.uploadID != "" {
		if aerr := p.s.b.core.AbortMultipartUpload(ctx, p.s.b.name, p.key, p.uploadID); aerr != nil && !isCode(aerr, minio.NoSuchUpload) {
			err = fmt.Errorf("blob: abort upload of %s: %w", p.key, aerr)
		}
	}
	if p.attempted {
		if rerr := p.s.b.core.Client.RemoveObject(ctx, p.s.b.name, p.key, minio.RemoveObjectOptions{}); rerr != nil && !isCode(rerr, minio.NoSuchKey) {
			err = errors.Join(err, fmt.Errorf("blob: remove %s: %w", p.key, rerr))
		}
	}
	return err
}
