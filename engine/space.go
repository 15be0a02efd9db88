package engine

import (
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
)

// opClass says which free-space reserve an operation needs (see
// Options.FreeSpaceReserve).
type opClass int

const (
	// classUpload: UploadArchive and UploadMultipartPart, which store
	// archive bytes.
	classUpload opClass = iota
	// classMetadata: the other mutations, which write only metadata.
	classMetadata
	// classDelete: DeleteArchive, AbortMultipartUpload and DeleteVault,
	// which free space and so are never refused for the lack of it.
	classDelete
)

// chargeStep is how much an upload whose size was not declared is charged
// at a time as its bytes arrive.
const chargeStep = 1 << 20

// spaceGuard enforces the free-space reserves. It measures the free space
// rarely: at Open, at the first operation after each tick of the engine's
// ticker, and whenever an operation would leave less than twice the larger
// reserve by the last measurement (so that near the limit every operation
// measures, and one refused because the space was short succeeds as soon
// as space is back). Between measurements it subtracts what it admitted.
type spaceGuard struct {
	measure func() (int64, error) // nil: no guard
	upload  int64                 // Options.FreeSpaceReserve; <= 0: off
	meta    int64                 // Options.MetadataFreeSpaceReserve; <= 0: off
	charge  bool                  // archive bytes take local space
	log     *slog.Logger

	mu sync.Mutex
	// free is the last measurement, valid if known; charged is what was
	// admitted since, including all of inflight, the bytes admitted to
	// uploads still running (which the measurement may or may not hold).
	free, charged, inflight int64
	known                   bool
}

// newSpaceGuard returns the guard of an engine whose metadata is in
// dir/meta and, unless o.ObjectStore is set, archive bytes in dir/blobs. It
// measures once: a file system that cannot tell its free space turns the
// guard off.
func newSpaceGuard(dir string, o *Options) *spaceGuard {
	g := &spaceGuard{upload: o.FreeSpaceReserve, meta: o.MetadataFreeSpaceReserve, charge: o.ObjectStore == nil, log: o.Logger}
	if o.Metadata != "" {
		// Nothing is written locally: the database and the object
		// store manage their own space.
		g.upload, g.meta = 0, 0
	}
	if g.upload <= 0 && g.meta <= 0 {
		return g
	}
	paths := []string{filepath.Join(dir, "meta")}
	if g.charge {
		paths = append(paths, filepath.Join(dir, "blobs"))
	}
	free := o.FreeSpace
	if free == nil {
		free = func(path string) (int64, error) {
			du, err := o.FS.GetDiskUsage(path)
			return int64(min(du.AvailBytes, 1<<62)), err
		}
	}
	g.measure = func() (int64, error) {
		least := int64(-1)
		for _, p := range paths {
			n, err := free(p)
			if err != nil {
				return 0, err
			}
			if least < 0 || n < least {
				least = n
			}
		}
		return least, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.refresh(); errors.Is(err, vfs.ErrUnsupported) {
		g.measure = nil
	}
	return g
}

// refresh measures the free space. A failed measurement leaves it unknown
// and admits everything, after logging: the guard protects against a full
// disk, not against a broken file system, which the writes then report.
func (g *spaceGuard) refresh() error {
	free, err := g.measure()
	if err != nil {
		g.known = false
		if !errors.Is(err, vfs.ErrUnsupported) {
			g.log.Warn("measuring the free space; not enforcing the reserves", "err", err)
		}
		return err
	}
	g.free, g.charged, g.known = free, g.inflight, true
	return nil
}

// measureNow measures the free space, and reports false when the guard
// measures none or the measurement failed.
func (g *spaceGuard) measureNow() (int64, bool) {
	if g.measure == nil {
		return 0, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refresh() != nil {
		return 0, false
	}
	return g.free, true
}

// expire makes the next operation measure again; the engine's ticker calls
// it, so that space taken or freed by others is seen within a tick.
func (g *spaceGuard) expire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.known = false
}

// admit returns nil if an operation of class c that stores n more bytes
// leaves the reserve of its class free, and counts the n bytes as in
// flight until release; else the ServiceUnavailableException to return.
func (g *spaceGuard) admit(c opClass, n int64) error {
	reserve, field := g.upload, "FreeSpaceReserve"
	switch c {
	case classMetadata:
		reserve, field = g.meta, "MetadataFreeSpaceReserve"
	case classDelete:
		return nil
	}
	if !g.charge {
		n = 0
	}
	if g.measure == nil || reserve <= 0 {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.known || g.free-g.charged-n < 2*max(g.upload, g.meta) {
		g.refresh()
	}
	if !g.known {
		return nil
	}
	if left := g.free - g.charged - n; left < reserve {
		return firn.Errorf(firn.CodeServiceUnavailable,
			"not enough free space: %d bytes are free for the data directory, and storing %d more would leave less than the reserve of %d bytes (Options.%s); delete archives or free space on its file system, then retry",
			max(g.free-g.charged, 0), n, reserve, field)
	}
	g.charged += n
	g.inflight += n
	return nil
}

// release ends the flight of n bytes admitted to an upload, stored or not.
func (g *spaceGuard) release(n int64) {
	if !g.charge {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight -= n
}

// reservedBody reads an upload's body, charging the guard for the bytes
// beyond those admitted at the start, chargeStep at a time; once the guard
// refuses, it returns the refusal, which fails the upload before its
// segment is committed.
type reservedBody struct {
	r       io.Reader
	g       *spaceGuard
	read    int64
	allowed int64
	err     error
}

func (b *reservedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	if over := b.read - b.allowed; over > 0 {
		step := (over + chargeStep - 1) / chargeStep * chargeStep
		if b.err = b.g.admit(classUpload, step); b.err != nil {
			return 0, b.err
		}
		b.allowed += step
	}
	return n, err
}

// declaredSize is the size a body declares by a Len method (bytes.Reader,
// strings.Reader, the server's request bodies: their Content-Length), or
// 0.
func declaredSize(body io.Reader) int64 {
	if l, ok := body.(interface{ Len() int }); ok {
		return int64(max(l.Len(), 0))
	}
	return 0
}

// admit is the check at the entry of every mutation: it fails once the
// metadata store has failed or the object store's lease is lost, and refuses an operation of class c for the
// lack of free space (see Options.FreeSpaceReserve).
func (e *Engine) admit(c opClass) error {
	if err := e.db.Failed(); err != nil {
		return ioError(err)
	}
	if err := e.lease.check(); err != nil {
		return err
	}
	return e.space.admit(c, 0)
}

// admitUpload is admit for an upload of body, declaring size bytes (0 if
// unknown): it returns the body to read instead, which charges the guard
// for the bytes beyond size, and done, to call once the upload is over.
func (e *Engine) admitUpload(body io.Reader, size int64) (io.Reader, func(), error) {
	if err := e.db.Failed(); err != nil {
		return nil, nil, ioError(err)
	}
	if err := e.lease.check(); err != nil {
		return nil, nil, err
	}
	if err := e.space.admit(classUpload, size); err != nil {
		return nil, nil, err
	}
	if body == nil || !e.space.charge || e.space.measure == nil || e.space.upload <= 0 {
		return body, func() { e.space.release(size) }, nil
	}
	rb := &reservedBody{r: body, g: e.space, allowed: size}
	return rb, func() { e.space.release(rb.allowed) }, nil
}
