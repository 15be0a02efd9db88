package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/ctxio"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/treehash"
	"github.com/firnstore/firn/vault"
)

// UploadArchive implements firn.Glacier. Body is streamed into a new
// segment while its tree hash is computed; the archive is committed only if
// the body is 1 byte to Options.MaxArchiveSize long and matches Checksum
// (when given). ArchiveDescription loses its leading and trailing spaces
// and tabs, as in the HTTP header that carries it (vault.ArchiveDescription).
// When it returns, the archive's bytes and metadata are durable.
func (e *Engine) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	r, err := e.beginVault(ctx, "UploadArchive", in.AccountId, in.VaultName)
	if err != nil {
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
		return nil, missingParameter("Body")
	}
	if _, err := r.view(); err != nil {
		return nil, err
	}
	body, done, err := e.admitUpload(in.Body, declaredSize(in.Body))
	if err != nil {
		return nil, err
	}
	defer done()
	seg, sum, small, err := e.writeArchive(ctx, body, e.opts.MaxArchiveSize)
	if err != nil {
		return nil, err
	}
	if small != nil {
		defer small.release()
	}
	if err := checkChecksum(want, sum); err != nil {
		e.discardSegment(seg.ID)
		return nil, err
	}
	// The bytes are written without the vault's lock; the commit takes it,
	// so that DeleteVault cannot drop the vault meanwhile.
	v, unlock, err := r.relock(shared)
	if err != nil {
		e.discardSegment(seg.ID)
		return nil, err
	}
	defer unlock()
	a := vault.ArchiveRecord{
		ID:          e.newID(),
		Description: desc,
		Size:        seg.Size,
		TreeHash:    treehash.Hex(sum),
		Created:     e.now(),
		Segments:    []vault.Segment{seg},
	}
	var extra func(*store.Batch) error
	if small != nil {
		extra = func(b *store.Batch) error {
			setInline(b, seg.ID, small.bytes())
			return nil
		}
	}
	if err := e.commitArchive(v, &a, extra); err != nil {
		e.discardSegment(seg.ID)
		return nil, err
	}
	id := a.ID.String()
	return &firn.UploadArchiveOutput{
		ArchiveId: id,
		Checksum:  a.TreeHash,
		Location:  vault.ArchiveLocation(r.acct, v.Name, id),
	}, nil
}

// commitArchive commits a new archive record with its segment references
// and counters, plus the writes extra records (nil: none).
func (e *Engine) commitArchive(v *vault.Record, a *vault.ArchiveRecord, extra func(b *store.Batch) error) error {
	return e.write(func(b *store.Batch) error {
		if _, err := e.reread(b, v); err != nil {
			return err
		}
		k := store.ArchiveKey(v.ID, a.ID)
		if err := b.SetRecord(k, a); err != nil {
			return err
		}
		e.addRefs(b, a.Segments, k)
		b.AddCounters(store.CounterKey(v.ID), 1, a.Size, a.Created)
		if extra == nil {
			return nil
		}
		return extra(b)
	})
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

// writeArchive reads the body of an UploadArchive or ImportArchive, of at
// most limit bytes. A body of up to inlineMax bytes is returned whole as small, for the caller to store
// inline and then release; a larger one is streamed into a new durable blob
// segment. Either way it returns the segment and its tree hash.
func (e *Engine) writeArchive(ctx context.Context, body io.Reader, limit int64) (vault.Segment, [32]byte, *smallBody, error) {
	buf := smallPool.Get().(*[]byte)
	br := ctxio.NewReader(ctx, io.LimitReader(body, limit+1))
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

// loadArchive returns the archive of v that id names (see findArchive).
func (e *Engine) loadArchive(v *vault.Record, id string) (*vault.ArchiveRecord, error) {
	return e.findArchive(e.db, v, id)
}

// DeleteArchive implements firn.Glacier. Deleting an archive that was
// already deleted succeeds; an archive ID that never existed is a
// ResourceNotFoundException. Jobs already reading the archive keep its
// bytes until they expire.
func (e *Engine) DeleteArchive(ctx context.Context, in *firn.DeleteArchiveInput) (*firn.DeleteArchiveOutput, error) {
	r, err := e.beginDelete(ctx, "DeleteArchive", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if in.ArchiveId == "" {
		return nil, missingParameter("ArchiveId")
	}
	if vault.SourceArchiveID(in.ArchiveId) != nil {
		// No archive has such an ID: not found, before any state is read.
		return nil, vault.ArchiveNotFound(in.ArchiveId)
	}
	v, unlock, err := r.lock(exclusive)
	if err != nil {
		return nil, err
	}
	defer unlock()
	a, err := e.loadArchive(v, in.ArchiveId)
	if errors.Is(err, firn.ErrResourceNotFound) {
		aid, ok, kerr := archiveKey(e.db, v, in.ArchiveId)
		if kerr != nil {
			return nil, kerr
		}
		deleted, terr := e.db.Has(store.TombstoneKey(v.ID, aid))
		if terr != nil {
			return nil, ioError(terr)
		}
		if ok && deleted {
			return &firn.DeleteArchiveOutput{}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	// Authorized again, now that the archive's age is known.
	if err := r.authorize(v, a.Created); err != nil {
		return nil, err
	}
	err = e.write(func(b *store.Batch) error {
		k := store.ArchiveKey(v.ID, a.ID)
		if e.shared {
			// Another engine may have deleted it since it was loaded;
			// the counters must drop once.
			if there, err := b.Has(k); err != nil || !there {
				return err
			}
		}
		b.Delete(k)
		e.releaseRefs(b, a.Segments, k)
		b.AddCounters(store.CounterKey(v.ID), -1, -a.Size, e.now())
		b.Set(store.TombstoneKey(v.ID, a.ID), nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.releaseSegments(a.Segments)
	return &firn.DeleteArchiveOutput{}, nil
}
