package engine

import (
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// writeInventory writes the inventory of v that j asks for into a new
// segment, streaming: one archive record is held at a time. It returns the
// segment, the output size, and the marker to continue a range inventory
// from ("" when it is complete).
func (e *Engine) writeInventory(v *vault.Vault, j *job.Job) (vault.Segment, int64, string, error) {
	inv := j.Inventory
	id := e.newID()
	w, err := e.blobs.Create(blob.ID(id))
	if err != nil {
		return vault.Segment{}, 0, "", ioError(err)
	}
	iw := job.NewInventoryWriter(w, inv.Format, j.VaultARN, e.now())
	prefix := store.ArchivePrefix(v.ID)
	lower := prefix
	if inv.Filter.Marker != "" {
		lower = store.ArchiveKey(v.ID, ulid.MustParseStrict(inv.Filter.Marker))
	}
	n, next := 0, ""
	err = e.db.Scan(lower, store.PrefixEnd(prefix), func(_, val []byte) (bool, error) {
		var a vault.Archive
		if err := unmarshal(val, &a); err != nil {
			return false, err
		}
		ent := job.Entry{ArchiveID: ulid.ULID(a.ID).String(), Description: a.Description, Created: a.Created, Size: a.Size, TreeHash: a.TreeHash}
		if !inv.Filter.Match(&ent) {
			return true, nil
		}
		if inv.Filter.Limit > 0 && n == inv.Filter.Limit {
			next = ent.ArchiveID
			return false, nil
		}
		n++
		return true, iw.Add(&ent)
	})
	if err == nil {
		err = iw.Close()
	}
	if err != nil {
		w.Abort()
		return vault.Segment{}, 0, "", ioError(err)
	}
	info, err := w.Commit()
	if err != nil {
		return vault.Segment{}, 0, "", ioError(err)
	}
	return vault.Segment{ID: id, Size: info.Size}, info.Size, next, nil
}
