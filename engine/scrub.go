package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/treehash"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// ScrubReport is the outcome of Scrub.
type ScrubReport struct {
	// Segments is the number of segments verified, and Bytes the number of
	// bytes they hold (before compression).
	Segments, Bytes int64
	// Damaged lists the damage found, one entry per damaged segment of each
	// record holding it, vault by vault. Empty when everything is intact.
	Damaged []Damage
}

// Damage is damage that Scrub found in the stored bytes of one record.
type Damage struct {
	// Account and Vault name the vault of the record.
	Account, Vault string
	// Kind is the kind of record: "archive", "part" (of a multipart upload
	// in progress), "job" (the bytes a job reads or produced) or
	// "inventory" (a vault's last inventory, kept when inventories are
	// taken on a cadence).
	Kind string
	// ID is the archive ID, the multipart upload ID of a part, or the job
	// ID; "" for an inventory.
	ID string
	// Part is the index of a damaged part (its range start divided by the
	// part size); 0 for the other kinds.
	Part int
	// Segment is the ID of the damaged segment (its file name without the
	// ".seg" extension), or "" when the damage is a tree hash that does not
	// match the record.
	Segment string
	// Chunk is the index of the damaged 1 MiB chunk in the segment (also
	// its tree-hash leaf), or -1 when the damage is not confined to one
	// chunk: a missing or unreadable segment, a damaged index or footer, a
	// size or tree hash that does not match the record.
	Chunk int
	// Reason describes the damage.
	Reason string
}

// String describes the damage in one line, naming the record.
func (d Damage) String() string {
	s := fmt.Sprintf("vault %s (account %s): %s", d.Vault, d.Account, d.Kind)
	if d.ID != "" {
		s += " " + d.ID
	}
	if d.Kind == "part" {
		s += fmt.Sprintf(" part %d", d.Part)
	}
	if d.Segment != "" {
		s += ": segment " + d.Segment
	}
	if d.Chunk >= 0 {
		s += fmt.Sprintf(" chunk %d", d.Chunk)
	}
	return s + ": " + d.Reason
}

// scrubPage is how many records Scrub reads at a time, so that no Pebble
// iterator stays open while it reads segments.
const scrubPage = 256

// Scrub re-reads every stored chunk of every archive, multipart part, job
// output and inventory, verifies its CRC-32C and that its SHA-256 equals
// the tree-hash leaf stored for it, checks that each segment has the size
// its record says, and that the tree hash of an archive or part combined
// from those leaves equals the one recorded at upload. Damage is reported
// in the ScrubReport, not as an error, and nothing is repaired or changed.
//
// Scrub reads everything, so it takes about as long as reading the whole
// store. It may run concurrently with any operation: a record deleted or
// replaced while it is being scrubbed is skipped, never reported as
// damaged. Segments that no record references are not read (Check reports
// them; Open reclaims them). The error is non-nil only if the metadata
// could not be read or ctx was cancelled; the report then holds what was
// found until then.
func (e *Engine) Scrub(ctx context.Context) (*ScrubReport, error) {
	r := &ScrubReport{}
	var vaults []vault.Record
	err := eachRecord(ctx, e.db, store.VaultAll(), func(_ []byte, v *vault.Record) error {
		vaults = append(vaults, *v)
		return nil
	})
	if err != nil {
		return r, err
	}
	for i := range vaults {
		if err := e.scrubVault(ctx, r, &vaults[i]); err != nil {
			return r, err
		}
	}
	return r, nil
}

// scrubVault scrubs the records of v.
func (e *Engine) scrubVault(ctx context.Context, r *ScrubReport, v *vault.Record) error {
	at := Damage{Account: v.Account, Vault: v.Name}
	if len(v.Segments) > 0 {
		d := at
		d.Kind = "inventory"
		e.scrubRecord(r, d, store.VaultKey(v.Account, v.Name), v.Segments, nil, "")
	}
	err := eachRecord(ctx, e.db, store.ArchivePrefix(v.ID), func(k []byte, a *vault.ArchiveRecord) error {
		d := at
		d.Kind, d.ID = "archive", a.ArchiveID()
		e.scrubRecord(r, d, k, a.Segments, nil, a.TreeHash)
		return nil
	})
	if err != nil {
		return err
	}
	p := store.PartVaultPrefix(v.ID)
	err = eachRecord(ctx, e.db, p, func(k []byte, part *store.PartRecord) error {
		var uid ulid.ULID
		copy(uid[:], k[len(p):])
		d := at
		d.Kind, d.ID = "part", uid.String()
		d.Part = int(binary.BigEndian.Uint32(k[len(p)+16:]))
		e.scrubRecord(r, d, k, part.Segments, nil, part.TreeHash.String())
		return nil
	})
	if err != nil {
		return err
	}
	return eachRecord(ctx, e.db, store.JobPrefix(v.ID), func(k []byte, j *job.Record) error {
		d := at
		d.Kind, d.ID = "job", j.ID.String()
		// A job reading an archive that still exists holds the archive's
		// segments, which the archive's scrub has covered.
		var archiveKey []byte
		treeHash := ""
		switch {
		case j.Archive != nil:
			archiveKey, treeHash = store.ArchiveKey(v.ID, j.Archive.ArchiveKey), j.Archive.TreeHash
		case j.Select != nil && !j.Done():
			archiveKey, treeHash = store.ArchiveKey(v.ID, j.Select.ArchiveKey), j.Select.TreeHash
		}
		e.scrubRecord(r, d, k, j.Segments, archiveKey, treeHash)
		return nil
	})
}

// scrubRecord verifies the segments held by the record at key owner and,
// when treeHash is not "", that their leaves combine into it. Segments also
// referenced by the record at coveredBy (when not nil) are skipped, and so
// is the tree hash check then. Damage is reported with the fields of at.
func (e *Engine) scrubRecord(r *ScrubReport, at Damage, owner []byte, segs []vault.Segment, coveredBy []byte, treeHash string) {
	var leaves [][32]byte
	whole := true // every segment read intact, so leaves is complete
	for _, s := range segs {
		if coveredBy != nil {
			if covered, err := e.db.Has(store.SegRefKey(s.ID, coveredBy)); err == nil && covered {
				whole = false
				continue
			}
		}
		info, d, ok := e.scrubSegment(owner, s)
		if !ok {
			return // the record no longer holds the segment
		}
		if d != nil {
			d.Account, d.Vault, d.Kind, d.ID, d.Part = at.Account, at.Vault, at.Kind, at.ID, at.Part
			r.Damaged = append(r.Damaged, *d)
			whole = false
			continue
		}
		r.Segments++
		r.Bytes += info.Size
		leaves = append(leaves, info.Leaves...)
	}
	if whole && treeHash != "" && len(leaves) > 0 {
		if got := treehash.Hex(treehash.Root(leaves)); got != treeHash {
			d := at
			d.Chunk = -1
			d.Reason = "the tree hash of the stored bytes is " + got + ", the record says " + treeHash
			r.Damaged = append(r.Damaged, d)
		}
	}
}

// scrubSegment verifies segment s held by the record at key owner. It
// returns the segment's Info and nil if it is intact, the damage (without
// the record's fields) if not, and ok false if the record no longer
// references the segment, so that its absence is no damage.
func (e *Engine) scrubSegment(owner []byte, s vault.Segment) (blob.Info, *Damage, bool) {
	damage := func(err error) (blob.Info, *Damage, bool) {
		if errors.Is(err, blob.ErrNotFound) {
			if held, herr := e.db.Has(store.SegRefKey(s.ID, owner)); herr == nil && !held {
				return blob.Info{}, nil, false
			}
			return blob.Info{}, &Damage{Segment: s.ID.String(), Chunk: -1, Reason: "the segment is missing"}, true
		}
		d := &Damage{Segment: s.ID.String(), Chunk: -1, Reason: "unreadable: " + err.Error()}
		var ce *blob.CorruptError
		if errors.As(err, &ce) {
			d.Chunk, d.Reason = ce.Chunk, ce.Detail
		}
		return blob.Info{}, d, true
	}
	info, err := e.blobs.Stat(s.ID)
	if err != nil {
		return damage(err)
	}
	if info.Size != s.Size {
		return blob.Info{}, &Damage{Segment: s.ID.String(), Chunk: -1,
			Reason: fmt.Sprintf("the segment holds %d bytes, the record says %d", info.Size, s.Size)}, true
	}
	if err := e.blobs.Verify(s.ID); err != nil {
		return damage(err)
	}
	return info, nil, true
}

// eachRecord calls fn for every record with the given prefix, in key order,
// decoded as a T, reading them scrubPage at a time. It stops at the first
// error of fn or of decoding, or when ctx is done.
func eachRecord[T any](ctx context.Context, db *store.DB, prefix []byte, fn func(k []byte, rec *T) error) error {
	lower, upper := prefix, store.PrefixEnd(prefix)
	for {
		var keys, vals [][]byte
		err := db.Scan(lower, upper, func(k, v []byte) (bool, error) {
			keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
			return len(keys) < scrubPage, nil
		})
		if err != nil {
			return ioError(err)
		}
		for i := range keys {
			if err := ctx.Err(); err != nil {
				return err
			}
			var rec T
			if err := unmarshal(vals[i], &rec); err != nil {
				return err
			}
			if err := fn(keys[i], &rec); err != nil {
				return err
			}
		}
		if len(keys) < scrubPage {
			return nil
		}
		lower = append(keys[len(keys)-1], 0)
	}
}
