package engine

import (
	"fmt"

	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/vault"
)

// Segment lifetime: every record that needs a blob segment (an archive, a
// multipart part, a job reading an archive) holds a reference key to it,
// written in the same batch as the record. A segment without references is
// deleted after the batch that dropped the last one commits; one left behind
// by a crash is reclaimed at Open.

func addRefs(b *store.Batch, segs []vault.Segment, owner []byte) {
	for _, s := range segs {
		b.Set(store.SegRefKey(s.ID, owner), nil)
	}
}

func dropRefs(b *store.Batch, segs []vault.Segment, owner []byte) {
	for _, s := range segs {
		b.Delete(store.SegRefKey(s.ID, owner))
	}
}

// releaseSegments deletes the segments that are no longer referenced. The
// caller holds the lock under which new references to them could be added.
func (e *Engine) releaseSegments(segs []vault.Segment) {
	for _, s := range segs {
		p := store.SegRefPrefix(s.ID)
		used, err := e.db.Any(p, store.PrefixEnd(p))
		if err != nil || used {
			// Left for reclaim at the next Open.
			continue
		}
		if err := e.blobs.Delete(blob.ID(s.ID)); err != nil {
			e.opts.Logger.Warn("deleting unreferenced segment", "segment", blob.ID(s.ID), "err", err)
		}
	}
}

// dropVaultRefs records in b the deletion of the references held by a
// vault's parts and jobs, and returns their segments.
func (e *Engine) dropVaultRefs(b *store.Batch, v *vault.Vault) ([]vault.Segment, error) {
	var all []vault.Segment
	for _, p := range [][]byte{store.PartVaultPrefix(v.ID), store.JobPrefix(v.ID)} {
		err := e.db.Scan(p, store.PrefixEnd(p), func(k, val []byte) (bool, error) {
			var h store.SegmentHolder
			if err := unmarshal(val, &h); err != nil {
				return false, err
			}
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

func unmarshal(b []byte, v any) error {
	if err := store.DecodeRecord(b, v); err != nil {
		return fmt.Errorf("engine: decoding record: %w", err)
	}
	return nil
}
