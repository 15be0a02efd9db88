package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/treehash"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// UploadArchive implements firn.Glacier. Body is streamed into a new
// segment while its tree hash is computed; the archive is committed only if
// the body is 1 byte to Options.MaxArchiveSize long and matches Checksum
// (when given). ArchiveDescription loses its leading and trailing spaces
// and tabs, as in the HTTP header that carries it (vault.ArchiveDescription).
// When it returns, the archive's bytes and metadata are durable.
func (e *Engine) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	acct, err := e.account(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := vault.ValidateName(in.VaultName); err != nil {
		return nil, err
	}
	desc, err := vault.ArchiveDescription(in.ArchiveDescription)
	if err != nil {
		return nil, err
	}
	want, err := parseChecksum("Checksum", in.Checksum)
	if err != nil {
		return nil, err
	}
	if in.Body == nil {
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Body")
	}
	if v, err := e.loadVault(acct, in.VaultName); err != nil {
		return nil, err
	} else if err := e.authorize(ctx, "UploadArchive", v, time.Time{}); err != nil {
		return nil, err
	}
	body, done, err := e.admitUpload(in.Body, declaredSize(in.Body))
	if err != nil {
		return nil, err
	}
	defer done()
	seg, sum, small, err := e.writeArchive(ctx, body)
	if err != nil {
		return nil, err
	}
	if small != nil {
		defer small.release()
	}
	if want != nil && *want != sum {
		e.discardSegment(seg.ID)
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Checksum mismatch: expected %s, computed %s", treehash.Hex(*want), treehash.Hex(sum))
	}
	v, unlock, err := e.lockVault(acct, in.VaultName, false)
	if err != nil {
		e.discardSegment(seg.ID)
		return nil, err
	}
	defer unlock()
	a := vault.Archive{
		ID:          e.newID(),
		Description: desc,
		Size:        seg.Size,
		TreeHash:    treehash.Hex(sum),
		Created:     e.now(),
		Segments:    []vault.Segment{seg},
	}
	var extra func(*store.Batch)
	if small != nil {
		extra = func(b *store.Batch) { setInline(b, seg.ID, small.bytes()) }
	}
	if err := e.commitArchive(v, &a, extra); err != nil {
		e.discardSegment(seg.ID)
		return nil, err
	}
	id := ulid.ULID(a.ID).String()
	return &firn.UploadArchiveOutput{
		ArchiveId: id,
		Checksum:  a.TreeHash,
		Location:  vault.ArchiveLocation(acct, v.Name, id),
	}, nil
}

// commitArchive commits a new archive record with its segment references
// and counters, plus whatever extra holds (used by multipart completion).
func (e *Engine) commitArchive(v *vault.Vault, a *vault.Archive, extra func(b *store.Batch)) error {
	b := e.db.NewBatch()
	k := store.ArchiveKey(v.ID, a.ID)
	if err := b.SetJSON(k, a); err != nil {
		b.Close()
		return ioError(err)
	}
	addRefs(b, a.Segments, k)
	b.AddCounters(store.CounterKey(v.ID), 1, a.Size, a.Created)
	if extra != nil {
		extra(b)
	}
	return commit(b)
}

// writeSegment streams body into a new durable segment of 1 to limit bytes
// and returns it with its tree hash. what names the upload in errors.
func (e *Engine) writeSegment(ctx context.Context, body io.Reader, limit int64, what string) (vault.Segment, [32]byte, error) {
	id := e.newID()
	w, err := e.blobs.Create(blob.ID(id))
	if err != nil {
		return vault.Segment{}, [32]byte{}, ioError(err)
	}
	body = &bodyReader{ctx: ctx, r: io.LimitReader(body, limit+1)}
	n, err := io.Copy(w, body)
	if err != nil {
		w.Abort()
		if berr := body.(*bodyReader).err; berr != nil {
			return vault.Segment{}, [32]byte{}, bodyError(what, berr)
		}
		return vault.Segment{}, [32]byte{}, ioError(err)
	}
	if err := sizeError(what, n, limit); err != nil {
		w.Abort()
		return vault.Segment{}, [32]byte{}, err
	}
	info, err := w.Commit()
	if err != nil {
		return vault.Segment{}, [32]byte{}, ioError(err)
	}
	return vault.Segment{ID: id, Size: info.Size}, treehash.Root(info.Leaves), nil
}

// smallBody holds the whole body of a small upload, to be stored inline.
type smallBody struct {
	buf *[]byte
	n   int
}

func (b *smallBody) bytes() []byte { return (*b.buf)[:b.n] }
func (b *smallBody) release()      { smallPool.Put(b.buf) }

var smallPool = sync.Pool{New: func() any {
	b := make([]byte, inlineMax+1)
	return &b
}}

// writeArchive reads the body of an UploadArchive. A body of up to
// inlineMax bytes is returned whole as small, for the caller to store
// inline and then release; a larger one is streamed into a new durable blob
// segment. Either way it returns the segment and its tree hash.
func (e *Engine) writeArchive(ctx context.Context, body io.Reader) (vault.Segment, [32]byte, *smallBody, error) {
	limit := e.opts.MaxArchiveSize
	buf := smallPool.Get().(*[]byte)
	br := &bodyReader{ctx: ctx, r: io.LimitReader(body, limit+1)}
	n, err := io.ReadFull(br, *buf)
	if err == nil {
		// Too large to store inline: stream it, starting with what was read.
		defer smallPool.Put(buf)
		seg, sum, err := e.writeSegment(ctx, io.MultiReader(bytes.NewReader((*buf)[:n]), body), limit, "archive")
		return seg, sum, nil, err
	}
	if err != io.ErrUnexpectedEOF && err != io.EOF {
		smallPool.Put(buf)
		return vault.Segment{}, [32]byte{}, nil, bodyError("archive", err)
	}
	if msg := sizeError("archive", int64(n), limit); msg != nil {
		smallPool.Put(buf)
		return vault.Segment{}, [32]byte{}, nil, msg
	}
	small := &smallBody{buf: buf, n: n}
	return vault.Segment{ID: e.newID(), Size: int64(n)}, treehash.Sum(small.bytes()), small, nil
}

// sizeError is the error for a body of n bytes when at most limit are
// allowed, or nil if n is within 1..limit.
func sizeError(what string, n, limit int64) error {
	if n == 0 {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Body: the %s is empty; it must hold at least 1 byte", what)
	}
	if n > limit {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Body: the %s is larger than the limit of %d bytes", what, limit)
	}
	return nil
}

// bodyError is the error for a request body that could not be read to the
// end: the client's fault, as a timeout is.
func bodyError(what string, err error) error {
	var fe *firn.Error
	if errors.As(err, &fe) {
		return err
	}
	return &firn.Error{Code: firn.CodeRequestTimeout, Message: "the " + what + " body could not be read to its end: " + err.Error(), Err: err}
}

// discardSegment deletes a segment that no metadata references.
func (e *Engine) discardSegment(id [16]byte) {
	if err := e.blobs.Delete(blob.ID(id)); err != nil {
		e.opts.Logger.Warn("discarding segment", "segment", blob.ID(id), "err", err)
	}
}

// bodyReader reads a request body, stops once ctx is done, and remembers
// the body's own failure so that it is not mistaken for a storage failure.
type bodyReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
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

// parseChecksum parses an optional hex tree hash; nil when absent.
func parseChecksum(field, s string) (*[32]byte, error) {
	if s == "" {
		return nil, nil
	}
	sum, err := treehash.ParseHex(s)
	if err != nil {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "%s: %q is not a 64-character hex SHA-256 tree hash", field, s)
	}
	return &sum, nil
}

// parseArchiveID parses an archive ID; any malformed ID is an archive that
// does not exist.
func parseArchiveID(id string) ([16]byte, error) {
	if id == "" {
		return [16]byte{}, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: ArchiveId")
	}
	u, err := ulid.ParseStrict(id)
	if err != nil {
		return [16]byte{}, vault.ArchiveNotFound(id)
	}
	return u, nil
}

// loadArchive returns an archive of v.
func (e *Engine) loadArchive(v *vault.Vault, id string) (*vault.Archive, error) {
	aid, err := parseArchiveID(id)
	if err != nil {
		return nil, err
	}
	var a vault.Archive
	err = e.db.GetJSON(store.ArchiveKey(v.ID, aid), &a)
	if errors.Is(err, store.ErrNotFound) {
		return nil, vault.ArchiveNotFound(id)
	}
	if err != nil {
		return nil, ioError(err)
	}
	return &a, nil
}

// DeleteArchive implements firn.Glacier. Deleting an archive that was
// already deleted succeeds; an archive ID that never existed is a
// ResourceNotFoundException. Jobs already reading the archive keep its
// bytes until they expire.
func (e *Engine) DeleteArchive(ctx context.Context, in *firn.DeleteArchiveInput) (*firn.DeleteArchiveOutput, error) {
	acct, err := e.account(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := e.admit(classDelete); err != nil {
		return nil, err
	}
	if err := vault.ValidateName(in.VaultName); err != nil {
		return nil, err
	}
	aid, err := parseArchiveID(in.ArchiveId)
	if err != nil {
		return nil, err
	}
	v, unlock, err := e.lockVault(acct, in.VaultName, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := e.authorize(ctx, "DeleteArchive", v, time.Time{}); err != nil {
		return nil, err
	}
	a, err := e.loadArchive(v, in.ArchiveId)
	if errors.Is(err, firn.ErrResourceNotFound) {
		deleted, terr := e.db.Has(store.TombstoneKey(v.ID, aid))
		if terr != nil {
			return nil, ioError(terr)
		}
		if deleted {
			return &firn.DeleteArchiveOutput{}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if err := e.authorize(ctx, "DeleteArchive", v, a.Created); err != nil {
		return nil, err
	}
	now := e.now()
	b := e.db.NewBatch()
	k := store.ArchiveKey(v.ID, a.ID)
	b.Delete(k)
	dropRefs(b, a.Segments, k)
	b.AddCounters(store.CounterKey(v.ID), -1, -a.Size, now)
	b.Set(store.TombstoneKey(v.ID, a.ID), nil)
	if err := commit(b); err != nil {
		return nil, err
	}
	e.releaseSegments(a.Segments)
	return &firn.DeleteArchiveOutput{}, nil
}
