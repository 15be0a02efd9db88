package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Check verifies the engine's invariants and reports every violation found:
// each vault's counters equal the sum of its archives; each imported
// archive is found through the source ID index, whose every entry names an
// archive or a tombstone (see checkSourceIndex); every archive, part
// and job references the segments it holds, and each such segment exists
// with the recorded size; every reference resolves to a record that holds
// it; every stored segment is referenced or named by an intent, which
// the next Open reclaims (but on a shared database, see Options.Metadata,
// unreferenced segments wait for the sweep by design); multipart uploads
// and their parts
// are consistent (see checkUploads). On an object store, a segment is
// reported missing only when the store keeps answering so and does not list
// it (see blob.OpenS3); other failures to read one are reported as such.
// It reads all metadata and the segment indexes (not the data), so it is
// meant for tests and offline checks; it must not run concurrently with
// mutations, and first waits for Open's reclaim of what a crash left.
func (e *Engine) Check(ctx context.Context) error {
	select {
	case <-e.reclaimed:
	case <-ctx.Done():
		return ctx.Err()
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	// holders maps owner key -> its segments, for every record kind that
	// holds segments.
	holders := map[string][]vault.Segment{}
	var vaults []vault.Record
	err := scanRecords(e.db, store.VaultAll(), store.PrefixEnd(store.VaultAll()), func(_ []byte, v *vault.Record) (bool, error) {
		vaults = append(vaults, *v)
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, v := range vaults {
		if len(v.Segments) > 0 {
			holders[string(store.VaultKey(v.Account, v.Name))] = v.Segments
		}
		var n, size int64
		imported := map[string]string{}
		p := store.ArchivePrefix(v.ID)
		err := scanRecords(e.db, p, store.PrefixEnd(p), func(k []byte, a *vault.ArchiveRecord) (bool, error) {
			n++
			size += a.Size
			var sum int64
			for _, s := range a.Segments {
				sum += s.Size
			}
			if sum != a.Size {
				bad("vault %s archive %s: segments hold %d bytes, archive size is %d", v.Name, a.ArchiveID(), sum, a.Size)
			}
			if a.ExternalID != "" {
				imported[string(k)] = a.ExternalID
			}
			holders[string(k)] = a.Segments
			return true, nil
		})
		if err != nil {
			return err
		}
		c, err := e.db.Counters(store.CounterKey(v.ID))
		if err != nil {
			return err
		}
		if c.Archives != n || c.Bytes != size {
			bad("vault %s: counters say %d archives / %d bytes, records hold %d / %d", v.Name, c.Archives, c.Bytes, n, size)
		}
		if err := e.checkSourceIndex(&v, imported, bad); err != nil {
			return err
		}
		if err := e.checkUploads(&v, bad); err != nil {
			return err
		}
		for _, p := range [][]byte{store.PartVaultPrefix(v.ID), store.JobPrefix(v.ID)} {
			err := scanRecords(e.db, p, store.PrefixEnd(p), func(k []byte, h *store.SegmentHolder) (bool, error) {
				holders[string(k)] = h.Segments
				return true, nil
			})
			if err != nil {
				return err
			}
		}
	}

	refs := map[string]bool{}
	referenced := map[ulid.ULID]bool{}
	err = e.db.Scan(store.SegRefAll(), store.PrefixEnd(store.SegRefAll()), func(k, _ []byte) (bool, error) {
		seg, owner := store.SegRefSplit(k)
		refs[string(seg[:])+string(owner)] = true
		referenced[seg] = true
		segs, ok := holders[string(owner)]
		if !ok {
			bad("segment %s is referenced by %x, which is not a record", seg, owner)
			return true, nil
		}
		held := false
		for _, s := range segs {
			held = held || s.ID == seg
		}
		if !held {
			bad("segment %s is referenced by %x, which does not hold it", seg, owner)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for owner, segs := range holders {
		for _, s := range segs {
			if !refs[string(s.ID[:])+owner] {
				bad("record %x holds segment %s without a reference", []byte(owner), s.ID)
			}
			info, err := e.blobs.Stat(s.ID)
			switch {
			case errors.Is(err, blob.ErrNotFound):
				bad("record %x holds segment %s, which does not exist", []byte(owner), s.ID)
			case err != nil:
				bad("segment %s: %v", s.ID, err)
			case info.Size != s.Size:
				bad("segment %s holds %d bytes, record %x says %d", s.ID, info.Size, []byte(owner), s.Size)
			}
		}
	}
	if e.shared {
		return errors.Join(errs...)
	}
	// A segment whose deletion failed after its last reference was dropped
	// keeps its intent, for the next Open to reclaim.
	intended := map[ulid.ULID]bool{}
	if e.blobs.intents {
		segs, err := e.intendedSegments()
		if err != nil {
			return err
		}
		for _, s := range segs {
			intended[s.ID] = true
		}
	}
	ids, err := e.blobs.List()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !referenced[id] && !intended[id] {
			bad("segment %s is stored but neither referenced nor named by an intent", id)
		}
	}
	return errors.Join(errs...)
}

// checkSourceIndex checks v's source ID index against imported, which maps
// the key of each of v's archives with an ExternalID to that ID: every one
// has an entry naming its key, and every entry names an archive or the
// tombstone of a deleted one.
func (e *Engine) checkSourceIndex(v *vault.Record, imported map[string]string, bad func(string, ...any)) error {
	found := map[string]bool{}
	p := store.SourceIDPrefix(v.ID)
	err := e.db.Scan(p, store.PrefixEnd(p), func(k, val []byte) (bool, error) {
		if len(val) != 16 {
			bad("vault %s: source ID index entry %x holds %d bytes, not a key", v.Name, k, len(val))
			return true, nil
		}
		ak := store.ArchiveKey(v.ID, ulid.ULID(val))
		if id, ok := imported[string(ak)]; ok {
			if sum := sha256.Sum256([]byte(id)); string(k[len(p):]) != string(sum[:]) {
				bad("vault %s: source ID index entry %x names archive %s, whose ID does not hash to it", v.Name, k, id)
			}
			found[string(ak)] = true
			return true, nil
		}
		dead, err := e.db.Has(store.TombstoneKey(v.ID, ulid.ULID(val)))
		if err != nil {
			return false, err
		}
		if !dead {
			bad("vault %s: source ID index entry %x names key %s, which is neither an imported archive nor deleted", v.Name, k, ulid.ULID(val))
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for k, id := range imported {
		if !found[k] {
			bad("vault %s: imported archive %s has no source ID index entry", v.Name, id)
		}
	}
	return nil
}
