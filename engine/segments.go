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
// last one commits. Where segment files are local, an intent
// (store.IntentKey) covers each moment a crash could leave one behind:
// committed before the segment is written, deleted by its first reference;
// written by the batch that drops a reference (releaseRefs), deleted once
// the segment is found referenced or its deletion is durable. Open then
// reads what the intents name, however many segments there are, and
// reclaims it in the background (startReclaim).

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

// addRefs records in b that owner references segs, and deletes their
// intents (see segStore.Create) in the same batch: a referenced segment
// needs none, and b may be the first reference. On a shared database the
// intent of a segment written during b's transaction (a job's output)
// stays, being newer than what the transaction reads on PostgreSQL; the
// sweep deletes it.
func (e *Engine) addRefs(b *store.Batch, segs []vault.Segment, owner []byte) {
	for _, s := range segs {
		b.Set(store.SegRefKey(s.ID, owner), nil)
		if e.blobs.intents {
			b.Delete(store.IntentKey(s.ID))
		}
	}
}

// dropRefs records in b the deletion of owner's references to segs, which
// b moves to another owner.
func dropRefs(b *store.Batch, segs []vault.Segment, owner []byte) {
	for _, s := range segs {
		b.Delete(store.SegRefKey(s.ID, owner))
	}
}

// releaseRefs records in b the deletion of owner's references to segs,
// which the caller passes to releaseSegments once b commits. Where
// segment files are local it records their intents in b, so that a crash
// before releaseSegments leaves them for Open to reclaim.
func (e *Engine) releaseRefs(b *store.Batch, segs []vault.Segment, owner []byte) {
	dropRefs(b, segs, owner)
	if e.blobs.intents && !e.shared {
		v := store.IntentValue(e.now())
		for _, s := range segs {
			b.Set(store.IntentKey(s.ID), v)
		}
	}
}

// releaseSegments deletes the segments that are no longer referenced, and
// the intents releaseRefs recorded for segs. The caller holds the lock
// under which new references to them could be added.
//
// On a shared database it deletes nothing, leaving the segments to the
// sweep (ObjectStore.SweepInterval): a transaction of another engine that
// read the record holding them before this one dropped it may still commit
// a new reference, which no lock of this engine's excludes.
func (e *Engine) releaseSegments(segs []vault.Segment) {
	if e.shared {
		return
	}
	used, _ := e.deleteUnreferenced(segs)
	if !e.blobs.intents || len(used) == 0 {
		return
	}
	b := e.db.NewBatch()
	for _, id := range used {
		b.Delete(store.IntentKey(id))
	}
	// Not synced: an intent whose deletion a crash undoes is checked again
	// at Open.
	if err := b.CommitNoSync(); err != nil {
		e.opts.Logger.Warn("deleting the intents of released segments", "count", len(used), "err", err)
	}
}

// deleteUnreferenced deletes the segments of segs that no record
// references, with their intents (see segStore.Delete), and returns the
// IDs of those it found referenced, whose intents, if any, are no longer
// needed, and how many it could not check or delete, which keep their
// intents.
func (e *Engine) deleteUnreferenced(segs []vault.Segment) (used []ulid.ULID, failed int) {
	for _, s := range segs {
		p := store.SegRefPrefix(s.ID)
		ok, err := e.db.Any(p, store.PrefixEnd(p))
		switch {
		case err != nil:
			// Left for reclaim at the next Open, or the next sweep.
			failed++
		case ok:
			used = append(used, s.ID)
		default:
			if err := e.blobs.Delete(s.ID); err != nil {
				e.opts.Logger.Warn("deleting unreferenced segment", "segment", s.ID, "err", err)
				failed++
			}
		}
	}
	return used, failed
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
// vault's parts and jobs (see releaseRefs), and returns their segments.
func (e *Engine) dropVaultRefs(b *store.Batch, v *vault.Record) ([]vault.Segment, error) {
	var all []vault.Segment
	for _, p := range [][]byte{store.PartVaultPrefix(v.ID), store.JobPrefix(v.ID)} {
		err := scanRecords(b, p, store.PrefixEnd(p), func(k []byte, h *store.SegmentHolder) (bool, error) {
			e.releaseRefs(b, h.Segments, k)
			all = append(all, h.Segments...)
			return true, nil
		})
		if err != nil {
			return nil, ioError(err)
		}
	}
	return all, nil
}

// reclaim deletes every segment that nothing references, listing them
// all: the upgrade of a store that kept no intents needs it once.
func (e *Engine) reclaim() error {
	ids, err := e.blobs.List()
	if err != nil {
		return fmt.Errorf("engine: listing segments: %w", err)
	}
	segs := make([]vault.Segment, len(ids))
	for i, id := range ids {
		segs[i] = vault.Segment{ID: id}
	}
	e.deleteUnreferenced(segs)
	return nil
}

// intendedSegments returns the segments that the intents name. At Open,
// before any request, they are what a crash (or a failed deletion) left,
// never a segment being written.
func (e *Engine) intendedSegments() ([]vault.Segment, error) {
	var segs []vault.Segment
	p := store.IntentAll()
	err := e.db.Scan(p, store.PrefixEnd(p), func(k, _ []byte) (bool, error) {
		segs = append(segs, vault.Segment{ID: store.IntentID(k)})
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: reading intents: %w", err)
	}
	return segs, nil
}

// reclaimIntents deletes the segments of segs (see intendedSegments) that
// nothing references, and the intents; an intent whose segment could not
// be checked or deleted stays for the next Open. It runs beside requests:
// no request can add a reference to a segment that none holds, and one
// that drops the last reference to a segment of segs deletes it as
// releaseSegments does, so either side finds it gone. The deletions of
// intents are not synced: one that a crash undoes is checked again.
func (e *Engine) reclaimIntents(segs []vault.Segment) {
	used, failed := e.deleteUnreferenced(segs)
	if failed > 0 {
		e.opts.Logger.Warn("reclaiming segments left by a crash", "intents", len(segs), "unresolved", failed)
	}
	if len(used) == 0 {
		return
	}
	b := e.db.NewBatch()
	for _, id := range used {
		b.Delete(store.IntentKey(id))
	}
	if err := b.CommitNoSync(); err != nil {
		e.opts.Logger.Warn("deleting the intents of referenced segments", "count", len(used), "err", err)
	}
}
