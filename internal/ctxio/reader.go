// Package ctxio reads a caller's body on the caller's context.
package ctxio

import (
	"context"
	"io"
)

// Reader reads from an io.Reader until a context is done. It remembers the
// failure of its source, or the context's, so that a caller copying from it
// can tell that failure from the failure of the writer it copies to. A
// Reader is not safe for concurrent use.
type Reader struct {
	ctx context.Context
	r   io.Reader
	err error
}

// NewReader returns a Reader of r that fails with ctx's error once ctx is
// done.
func NewReader(ctx context.Context, r io.Reader) *Reader {
	return &Reader{ctx: ctx, r: r}
}

// Read reads from the source, or fails with the context's error without
// reading once the context is done.
func (b *Reader) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		b.err = err
		return 0, err
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// Err returns the last error other than io.EOF that Read returned, or nil.
func (b *Reader) Err() error { return b.err }
