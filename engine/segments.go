package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/firnstore/firn/internal/ctxio"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/treehash"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Segment lifetime: a segment is written and made durable before the
// record that needs it (an archive, a multipart part, a job reading an
// archive) is committed, and discarded if that commit fails. The record
// holds a reference key to it, written in the same batch as the record. A
// segment without references is deleted after the batch that dropped the
// last one commits; one left behind by a crash is reclaimed at Open.

// writeSegment streams body into a new durable segment of 1 to limit bytes
// and returns it with its tree hash. what names the upload in errors.
func (e *Engine) writeSegment(ctx context.Context, body io.Reader, limit int64, what string) (vault.Segment, [32]byte, error) {
	id := e.newID()
	w, err := e.blobs.Create(id)
	if err != nil {
		return vault.Segment{}, [32]byte{}, ioError(err)
	}
	br := ctxio.NewReader(ctx, io.LimitReader(body, limit+1))
	n, err := io.Copy(w, br)
	if err != nil {
		w.Abort()
		if berr := br.Err(); berr != nil {
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

// addRefs records in b that owner references segs. On a shared database
// it deletes their intents (see segStore.Create) in the same batch: a
// referenced segment needs none, and b may be the first reference. The
// intent of a segment written during b's transaction (a job's output)
// stays, being newer than what the transaction reads on PostgreSQL; the
// sweep deletes it.
func (e *Engine) addRefs(b *store.Batch, segs []vault.Segment, owner []byte) {
	for _, s := range segs {
		b.Set(store.SegRefKey(s.ID, owner), nil)
		if e.shared {
			b.Delete(store.IntentKey(s.ID))
		}
	}
}

func dropRefs(b *store.Batch, segs []vault.Segment, owner []byte) {
	for _, s := range segs {
		b.Delete(store.SegRefKey(s.ID, owner))
	}
}

// releaseSegments deletes the segments that are no longer referenced. The
// caller holds the lock under which new references to them could be added.
//
// On a shared database it deletes nothing, leaving the segments to the
// sweep (ObjectStore.SweepInterval): a transaction of another engine that
// read the record holding them before this one dropped it may still commit
// a new reference, which no lock of this engine's excludes.
func (e *Engine) releaseSegments(segs []vault.Segment) {
	if !e.shared {
		e.deleteUnreferenced(segs)
	}
}

// deleteUnreferenced deletes the segments of segs that no record
// references.
func (e *Engine) deleteUnreferenced(segs []vault.Segment) {
	for _, s := range segs {
		p := store.SegRefPrefix(s.ID)
		used, err := e.db.Any(p, store.PrefixEnd(p))
		if err != nil || used {
			// Left for reclaim at the next Open.
			continue
		}
		if err := e.blobs.Delete(s.ID); err != nil {
			e.opts.Logger.Warn("deleting unreferenced segment", "segment", s.ID, "err", err)
		}
	}
}

// discardSegment deletes a segment that no metadata references. On a
// shared database it leaves it to the sweep, deleting only its intent: a
// commit reported as failed may have happened.
func (e *Engine) discardSegment(id ulid.ULID) {
	if e.shared {
		e.blobs.dropIntent(id)
		return
	}
	if err := e.blobs.Delete(id); err != nil {
		e.opts.Logger.Warn("discarding segment", "segment", id, "err", err)
	}
}

// dropVaultRefs records in b the deletion of the references held by a
// vault's parts and jobs, and returns their segments.
func (e *Engine) dropVaultRefs(b *store.Batch, v *vault.Record) ([]vault.Segment, error) {
	var all []vault.Segment
	for _, p := range [][]byte{store.PartVaultPrefix(v.ID), store.JobPrefix(v.ID)} {
		err := scanRecords(b, p, store.PrefixEnd(p), func(k []byte, h *store.SegmentHolder) (bool, error) {
			dropRefs(b, h.Segments, k)
			all = append(all, h.Segments...)
			return true, nil
		})
		if err != nil {
			return nil, ioError(err)
		}
	}
	return all, nil
}

// reclaim deletes the segments that nothing references.
func (e *Engine) reclaim() error {
	ids, err := e.blobs.List()
	if err != nil {
		return fmt.Errorf("engine: listing segments: %w", err)
	}
	segs := make([]vault.Segment, len(ids))
	for i, id := range ids {
		segs[i] = vault.Segment{ID: id}
	}
	e.releaseSegments(segs)
	return nil
}
