package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/treehash"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Imported archives keep their source ID. One whose ID is a canonical ULID
// (a Firn archive's) is stored under that key, as an upload is; any other
// is stored under a key derived from its date and ID (vault.SourceKey),
// with its ID in the record and an index entry from the ID's hash to the
// key. Deleting an imported archive leaves its index entry beside the
// tombstone of its key, so that a second delete finds the tombstone; an
// import of the ID again points the entry at the new key and clears the
// tombstone of that key.

var _ firn.Importer = (*Engine)(nil)

// ImportArchive implements firn.Importer. It is authorized as
// glacier:UploadArchive: the vault's access and lock policies decide it as
// they decide an upload. Bad input fails with the error code of the field
// it names and changes nothing. The archive may be up to
// vault.MaxImportSize bytes, beyond Options.MaxArchiveSize, which bounds a
// single upload. As for UploadArchive, the bytes are durable before the
// record, its index entry, segment references and vault counters commit in
// one batch; the counters' last write is the import's time, not
// CreationDate, so that the next inventory lists the archive. Two imports of
// one ID at once, by this engine or by engines sharing a database, store
// it once: the other reports Imported false.
func (e *Engine) ImportArchive(ctx context.Context, in *firn.ImportArchiveInput) (*firn.ImportArchiveOutput, error) {
	r, err := e.beginVault(ctx, "UploadArchive", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	want, err := checkImport(in, e.now())
	if err != nil {
		return nil, err
	}
	v, err := r.view()
	if err != nil {
		return nil, err
	}
	a := vault.ArchiveRecord{
		Description: in.ArchiveDescription,
		Size:        in.Size,
		TreeHash:    treehash.Hex(*want),
		Created:     in.CreationDate.UTC(),
	}
	key, sum, indexed := vault.SourceKey(in.ArchiveId, a.Created)
	a.ID = key
	if indexed {
		a.ExternalID = in.ArchiveId
	}
	out := &firn.ImportArchiveOutput{
		ArchiveId: in.ArchiveId,
		Checksum:  a.TreeHash,
		Location:  vault.ArchiveLocation(r.acct, v.Name, in.ArchiveId),
	}
	if there, err := e.imported(e.db, v, &a, sum); err != nil {
		return nil, err
	} else if there {
		return out, nil
	}

	body, done, err := e.admitUpload(in.Body, in.Size)
	if err != nil {
		return nil, err
	}
	defer done()
	// One byte beyond Size tells a longer body.
	seg, got, small, err := e.writeArchive(ctx, io.LimitReader(body, in.Size+1), in.Size+1)
	if err != nil {
		return nil, err
	}
	if small != nil {
		defer small.release()
	}
	if seg.Size != in.Size {
		e.discardSegment(seg.ID)
		if seg.Size > in.Size {
			return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Body: longer than Size, %d bytes", in.Size)
		}
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Body: %d bytes, shorter than Size, %d bytes", seg.Size, in.Size)
	}
	if err := checkChecksum(want, got); err != nil {
		e.discardSegment(seg.ID)
		return nil, err
	}
	a.Segments = []vault.Segment{seg}
	// Exclusive: the checks and the commit of two imports of one ID must
	// not interleave, and on Pebble the lock is what keeps them apart.
	v, unlock, err := r.relock(exclusive)
	if err != nil {
		e.discardSegment(seg.ID)
		return nil, err
	}
	defer unlock()
	err = e.write(func(b *store.Batch) error {
		if _, err := e.reread(b, v); err != nil {
			return err
		}
		if there, err := e.imported(b, v, &a, sum); err != nil || there {
			return cmp.Or(err, errImported)
		}
		k := store.ArchiveKey(v.ID, a.ID)
		if err := b.SetRecord(k, &a); err != nil {
			return err
		}
		if indexed {
			b.Set(store.SourceIDKey(v.ID, sum), a.ID[:])
		}
		b.Delete(store.TombstoneKey(v.ID, a.ID))
		e.addRefs(b, a.Segments, k)
		b.AddCounters(store.CounterKey(v.ID), 1, a.Size, e.now())
		if small != nil {
			setInline(b, seg.ID, small.bytes())
		}
		return nil
	})
	if err != nil {
		e.discardSegment(seg.ID)
		if errors.Is(err, errImported) {
			return out, nil
		}
		return nil, err
	}
	out.Imported = true
	return out, nil
}

// errImported ends the commit of an import that another one made first.
var errImported = errors.New("engine: the archive was imported meanwhile")

// checkImport checks an import's input, in the order of its fields, and
// returns its checksum.
func checkImport(in *firn.ImportArchiveInput, now time.Time) (*[32]byte, error) {
	if err := vault.SourceArchiveID(in.ArchiveId); err != nil {
		return nil, err
	}
	if err := vault.ImportDescription(in.ArchiveDescription); err != nil {
		return nil, err
	}
	if err := vault.ImportCreationDate(in.CreationDate, now); err != nil {
		return nil, err
	}
	if in.Checksum == "" {
		return nil, missingParameter("Checksum")
	}
	want, err := parseChecksum("Checksum", in.Checksum)
	if err != nil {
		return nil, err
	}
	if in.Size < 1 || in.Size > vault.MaxImportSize {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Size: %d, it must be 1 to %d bytes", in.Size, int64(vault.MaxImportSize))
	}
	if in.Body == nil {
		return nil, missingParameter("Body")
	}
	return want, nil
}

// imported reports whether v already holds the archive a (of source ID
// hash sum), read through rd, or fails if it holds the ID with other
// metadata, or a's key under another archive.
func (e *Engine) imported(rd store.Reader, v *vault.Record, a *vault.ArchiveRecord, sum [32]byte) (bool, error) {
	id := a.ArchiveID()
	cur, err := e.findArchive(rd, v, id)
	if errors.Is(err, firn.ErrResourceNotFound) {
		// Read outside a transaction, the index may predate the archive
		// at a's key, which is then a's.
		var other vault.ArchiveRecord
		err = store.GetRecord(rd, store.ArchiveKey(v.ID, a.ID), &other)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return false, nil
		case err != nil:
			return false, ioError(err)
		case other.ArchiveID() != id:
			return false, firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveId: %s would be stored under the key of archive %s; it cannot be imported", id, other.ArchiveID())
		}
		cur = &other
	} else if err != nil {
		return false, err
	}
	if diff := differs(cur, a); diff != "" {
		return false, firn.Errorf(firn.CodeInvalidParameterValue, "%s: archive %s is already in the vault with another %s", diff, id, diff)
	}
	return true, nil
}

// differs names the first input field in which b differs from a, "" if
// none.
func differs(a, b *vault.ArchiveRecord) string {
	switch {
	case a.TreeHash != b.TreeHash:
		return "Checksum"
	case a.Size != b.Size:
		return "Size"
	case !a.Created.Equal(b.Created):
		return "CreationDate"
	case a.Description != b.Description:
		return "ArchiveDescription"
	}
	return ""
}

// archiveKey returns the key that id names in v, read through rd, and
// whether it names one: a canonical ULID is a key; any other ID is looked
// up in the source ID index, and else read as a ULID (a native ID in lower
// case).
func archiveKey(rd store.Reader, v *vault.Record, id string) (ulid.ULID, bool, error) {
	u, perr := ulid.ParseStrict(id)
	if perr == nil && u.String() == id {
		return u, true, nil
	}
	b, err := rd.Get(store.SourceIDKey(v.ID, sha256.Sum256([]byte(id))))
	switch {
	case err == nil && len(b) == len(u):
		return ulid.ULID(b), true, nil
	case err == nil:
		return ulid.ULID{}, false, ioError(errors.New("engine: source ID index entry of " + id + " is not a key"))
	case !errors.Is(err, store.ErrNotFound):
		return ulid.ULID{}, false, ioError(err)
	}
	return u, perr == nil, nil
}

// findArchive returns the archive of v that id names, read through rd, or
// ResourceNotFoundException.
func (e *Engine) findArchive(rd store.Reader, v *vault.Record, id string) (*vault.ArchiveRecord, error) {
	if id == "" {
		return nil, missingParameter("ArchiveId")
	}
	k, ok, err := archiveKey(rd, v, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, vault.ArchiveNotFound(id)
	}
	var a vault.ArchiveRecord
	err = store.GetRecord(rd, store.ArchiveKey(v.ID, k), &a)
	if errors.Is(err, store.ErrNotFound) || err == nil && a.ExternalID != "" && a.ExternalID != id {
		return nil, vault.ArchiveNotFound(id)
	}
	if err != nil {
		return nil, ioError(err)
	}
	return &a, nil
}

// DescribeArchive implements firn.Importer. It is authorized as
// glacier:DescribeVault. A deleted archive is a ResourceNotFoundException.
func (e *Engine) DescribeArchive(ctx context.Context, in *firn.DescribeArchiveInput) (*firn.DescribeArchiveOutput, error) {
	r, err := e.beginVault(ctx, "DescribeVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if in.ArchiveId == "" {
		return nil, missingParameter("ArchiveId")
	}
	v, err := r.view()
	if err != nil {
		return nil, err
	}
	a, err := e.loadArchive(v, in.ArchiveId)
	if err != nil {
		return nil, err
	}
	return &firn.DescribeArchiveOutput{
		ArchiveId:          a.ArchiveID(),
		ArchiveDescription: a.Description,
		CreationDate:       a.Created,
		Size:               a.Size,
		SHA256TreeHash:     a.TreeHash,
	}, nil
}
