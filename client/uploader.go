package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/multipart"
	"github.com/firnstore/firn/treehash"
)

// Uploader defaults; the limits of parts are package multipart's.
const (
	defaultPartSize    = 8 << 20
	defaultConcurrency = 4
	defaultAttempts    = 3
	defaultRetryDelay  = time.Second
	// maxSingleUpload is the service's limit on the body of one
	// UploadArchive.
	maxSingleUpload = 4 << 30
)

// Uploader uploads archives, choosing by size between one UploadArchive and
// a multipart upload whose parts go up concurrently, computing every tree
// hash once (the archive's from its parts'), and retrying failed requests.
// The zero Uploader, like a nil one, uses the defaults. An Uploader is safe
// for concurrent use as long as its fields are not changed.
type Uploader struct {
	// PartSize is the size of a part: 1 MiB times a power of two, up to
	// 4 GiB. Default: 8 MiB. For a body of known size it is doubled as
	// often as needed to stay within the 10,000 parts of an upload.
	PartSize int64
	// Threshold is the size up to which a body goes in one UploadArchive;
	// larger bodies go in parts. At most 4 GiB. Default: PartSize. A body
	// of unknown size is read one part at a time, so one that fills a whole
	// part goes in parts whatever Threshold says.
	Threshold int64
	// Concurrency is how many parts are uploaded at once. Default: 4.
	Concurrency int
	// MaxAttempts is how many times a request (a part, a single upload,
	// the completion) is tried before the upload fails. Only failures that
	// may pass are retried: ServiceUnavailableException,
	// RequestTimeoutException and errors that are not a *firn.Error
	// (transport failures). Default: 3.
	MaxAttempts int
	// RetryDelay is the pause before the first retry of a request,
	// doubled before each further one. Default: 1 s.
	RetryDelay time.Duration
	// Sleep pauses for d, or until ctx is done, when it returns a non-nil
	// error that ends the upload. Default: a timer honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Upload uploads body to v as a new archive described by description, and
// returns a handle on the archive with its Checksum.
//
// When body is an io.ReaderAt and an io.Seeker (an *os.File, a
// *bytes.Reader, an *io.SectionReader, ...) its size is known: the bytes
// from its current offset to its end are read through ReadAt, each part
// once to hash it and once per attempt to send it, with no buffering, and
// the offset is left unchanged. Any other body is read once, to EOF, in
// part-sized buffers, at most Concurrency of them at a time.
//
// A multipart upload that fails — a request failing MaxAttempts times, or
// with an error that is not retried, a body that cannot be read, ctx done —
// is aborted, and the returned error says why. Bad fields fail with
// InvalidParameterValueException before any call.
func (u *Uploader) Upload(ctx context.Context, v *Vault, body io.Reader, description string) (*Archive, error) {
	c, err := optsOrZero(u).withDefaults()
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Body")
	}
	if ra, ok := body.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		base, size, err := remaining(ra)
		if err != nil {
			return nil, fmt.Errorf("firn: finding the body's size: %w", err)
		}
		if size >= 0 {
			return c.uploadReaderAt(ctx, v, ra, base, size, description)
		}
	}
	return c.uploadReader(ctx, v, body, description)
}

// withDefaults validates u and fills in its defaults.
func (u Uploader) withDefaults() (Uploader, error) {
	switch {
	case u.PartSize != 0 && !treehash.IsPowerOfTwoMiB(u.PartSize):
		return u, firn.Errorf(firn.CodeInvalidParameterValue, "Uploader.PartSize %d: must be 1 MiB times a power of two, up to 4 GiB", u.PartSize)
	case u.Threshold < 0 || u.Threshold > maxSingleUpload:
		return u, firn.Errorf(firn.CodeInvalidParameterValue, "Uploader.Threshold %d: must be 0 to 4 GiB", u.Threshold)
	case u.Concurrency < 0:
		return u, firn.Errorf(firn.CodeInvalidParameterValue, "Uploader.Concurrency %d: must not be negative", u.Concurrency)
	case u.MaxAttempts < 0:
		return u, firn.Errorf(firn.CodeInvalidParameterValue, "Uploader.MaxAttempts %d: must not be negative", u.MaxAttempts)
	case u.RetryDelay < 0:
		return u, firn.Errorf(firn.CodeInvalidParameterValue, "Uploader.RetryDelay %v: must not be negative", u.RetryDelay)
	}
	if u.PartSize == 0 {
		u.PartSize = defaultPartSize
	}
	if u.Threshold == 0 {
		u.Threshold = u.PartSize
	}
	if u.Concurrency == 0 {
		u.Concurrency = defaultConcurrency
	}
	if u.MaxAttempts == 0 {
		u.MaxAttempts = defaultAttempts
	}
	if u.RetryDelay == 0 {
		u.RetryDelay = defaultRetryDelay
	}
	if u.Sleep == nil {
		u.Sleep = sleep
	}
	return u, nil
}

// remaining returns s's current offset and the number of bytes from there
// to its end, leaving the offset unchanged; size is -1 if s cannot seek
// (a pipe, say).
func remaining(s io.Seeker) (base, size int64, err error) {
	base, err = s.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, -1, nil
	}
	end, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, -1, nil
	}
	if _, err := s.Seek(base, io.SeekStart); err != nil {
		return 0, 0, err
	}
	return base, max(end-base, 0), nil
}

// uploadReaderAt uploads the size bytes of ra at base.
func (c Uploader) uploadReaderAt(ctx context.Context, v *Vault, ra io.ReaderAt, base, size int64, description string) (*Archive, error) {
	if size <= c.Threshold {
		return c.single(ctx, v, func() io.Reader { return io.NewSectionReader(ra, base, size) }, description)
	}
	partSize := c.PartSize
	for (size+partSize-1)/partSize > multipart.MaxParts && partSize < multipart.MaxPartSize {
		partSize *= 2
	}
	if (size+partSize-1)/partSize > multipart.MaxParts {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Body: %d bytes need more than %d parts of 4 GiB", size, multipart.MaxParts)
	}
	return c.multipart(ctx, v, description, partSize, func(ctx context.Context, send func(uploadPart) bool) error {
		for i, off := 0, int64(0); off < size; i, off = i+1, off+partSize {
			if !send(uploadPart{index: i, offset: off, size: min(partSize, size-off), ra: ra, base: base}) {
				break
			}
		}
		return nil
	})
}

// uploadReader uploads body, of unknown size, buffering at most Concurrency
// parts.
func (c Uploader) uploadReader(ctx context.Context, v *Vault, body io.Reader, description string) (*Archive, error) {
	first := make([]byte, c.PartSize)
	n, err := io.ReadFull(body, first)
	last := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !last {
		return nil, fmt.Errorf("firn: reading the body: %w", err)
	}
	if last && int64(n) <= c.Threshold {
		data := first[:n]
		return c.single(ctx, v, func() io.Reader { return bytes.NewReader(data) }, description)
	}
	free := make(chan []byte, c.Concurrency)
	release := func(buf []byte) func() { return func() { free <- buf } }
	return c.multipart(ctx, v, description, c.PartSize, func(ctx context.Context, send func(uploadPart) bool) error {
		allocated := 1
		// next returns a free buffer, making one while fewer than
		// Concurrency exist; nil once ctx is done.
		next := func() []byte {
			select {
			case buf := <-free:
				return buf
			default:
			}
			if allocated < c.Concurrency {
				allocated++
				return make([]byte, c.PartSize)
			}
			select {
			case buf := <-free:
				return buf
			case <-ctx.Done():
				return nil
			}
		}
		buf, size, off := first, n, int64(0)
		for i := 0; ; i++ {
			if !send(uploadPart{index: i, offset: off, size: int64(size), data: buf[:size], release: release(buf)}) || last {
				return nil
			}
			off += int64(size)
			if buf = next(); buf == nil {
				return nil
			}
			var err error
			size, err = io.ReadFull(body, buf)
			switch {
			case err == io.EOF:
				return nil
			case err == io.ErrUnexpectedEOF:
				last = true
			case err != nil:
				return fmt.Errorf("firn: reading the body: %w", err)
			}
		}
	})
}

// single uploads the bytes body returns (a new reader over the same bytes
// for each attempt) with one UploadArchive.
func (c Uploader) single(ctx context.Context, v *Vault, body func() io.Reader, description string) (*Archive, error) {
	h := treehash.NewSerial()
	if _, err := io.Copy(h, body()); err != nil {
		return nil, fmt.Errorf("firn: reading the body: %w", err)
	}
	checksum := treehash.Hex([32]byte(h.Sum(nil)))
	var out *firn.UploadArchiveOutput
	err := c.retry(ctx, func() (err error) {
		out, err = v.g.UploadArchive(ctx, &firn.UploadArchiveInput{
			AccountId:          v.account,
			VaultName:          v.name,
			ArchiveDescription: description,
			Checksum:           checksum,
			Body:               body(),
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	a := v.Archive(out.ArchiveId)
	a.Checksum = out.Checksum
	return a, nil
}

// uploadPart is one part to upload: size bytes at offset of the archive,
// held in data or read from ra at base+offset.
type uploadPart struct {
	index        int
	offset, size int64
	data         []byte
	ra           io.ReaderAt
	base         int64
	// release, if set, is called once the part is no longer needed.
	release func()
}

// body returns a new reader of the part's bytes.
func (p *uploadPart) body() io.Reader {
	if p.ra != nil {
		return io.NewSectionReader(p.ra, p.base+p.offset, p.size)
	}
	return bytes.NewReader(p.data)
}

// multipart runs a multipart upload of the parts that produce sends, in
// order; send reports false when the upload has failed and produce should
// stop. The upload is aborted if anything fails.
func (c Uploader) multipart(ctx context.Context, v *Vault, description string, partSize int64,
	produce func(ctx context.Context, send func(uploadPart) bool) error) (*Archive, error) {
	up, err := v.InitiateMultipartUpload(ctx, partSize, description)
	if err != nil {
		return nil, err
	}
	a, err := c.sendParts(ctx, up, produce)
	if err != nil {
		// Abort even when ctx is done: the upload would linger for a day.
		if aerr := up.Abort(context.WithoutCancel(ctx)); aerr != nil {
			err = errors.Join(err, fmt.Errorf("firn: aborting multipart upload %s: %w", up.id, aerr))
		}
		return nil, err
	}
	return a, nil
}

// sendParts uploads the parts that produce sends on Concurrency goroutines
// and completes the upload. The first failure cancels the rest.
func (c Uploader) sendParts(parent context.Context, up *MultipartUpload,
	produce func(ctx context.Context, send func(uploadPart) bool) error) (*Archive, error) {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	var (
		work = make(chan uploadPart)
		wg   sync.WaitGroup
		mu   sync.Mutex
		sums = make(map[int][32]byte)
	)
	for range c.Concurrency {
		wg.Go(func() {
			for p := range work {
				if ctx.Err() == nil {
					if sum, err := c.sendPart(ctx, up, &p); err != nil {
						cancel(err)
					} else {
						mu.Lock()
						sums[p.index] = sum
						mu.Unlock()
					}
				}
				if p.release != nil {
					p.release()
				}
			}
		})
	}
	var (
		n    int
		size int64
	)
	err := produce(ctx, func(p uploadPart) bool {
		select {
		case work <- p:
			n++
			size += p.size
			return true
		case <-ctx.Done():
			return false
		}
	})
	if err != nil {
		cancel(err)
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	ordered := make([][32]byte, n)
	for i := range ordered {
		ordered[i] = sums[i]
	}
	checksum := treehash.Hex(treehash.Root(ordered))
	var a *Archive
	err = c.retry(ctx, func() (err error) {
		a, err = up.Complete(ctx, size, checksum)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("firn: completing multipart upload %s: %w", up.id, err)
	}
	return a, nil
}

// sendPart hashes p and uploads it, retrying, and returns its tree hash.
func (c Uploader) sendPart(ctx context.Context, up *MultipartUpload, p *uploadPart) ([32]byte, error) {
	h := treehash.NewSerial()
	if _, err := io.Copy(h, p.body()); err != nil {
		return [32]byte{}, fmt.Errorf("firn: reading part %d of the body: %w", p.index+1, err)
	}
	sum := [32]byte(h.Sum(nil))
	rng := partRange(p.offset, p.size)
	err := c.retry(ctx, func() error {
		_, err := up.g.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{
			AccountId: up.account,
			VaultName: up.vault,
			UploadId:  up.id,
			Range:     rng,
			Checksum:  treehash.Hex(sum),
			Body:      p.body(),
		})
		return err
	})
	if err != nil {
		return sum, fmt.Errorf("firn: uploading part %d (%s) of multipart upload %s: %w", p.index+1, rng, up.id, err)
	}
	return sum, nil
}

// retry calls f until it succeeds, fails with an error that is not worth
// retrying, or has been tried MaxAttempts times, pausing RetryDelay,
// doubled each time, between attempts.
func (c Uploader) retry(ctx context.Context, f func() error) error {
	delay := c.RetryDelay
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || attempt >= c.MaxAttempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
		if err := c.Sleep(ctx, delay); err != nil {
			return err
		}
		delay *= 2
	}
}

// retryable reports whether a request that failed with err may succeed if
// sent again.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var e *firn.Error
	if !errors.As(err, &e) {
		return true
	}
	return e.Code == firn.CodeServiceUnavailable || e.Code == firn.CodeRequestTimeout
}

// sleep pauses for d or until ctx is done, returning ctx.Err() then.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
