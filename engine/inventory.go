package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Inventories. With Options.InventoryInterval zero, a vault's inventory is
// always current: DescribeVault counts every archive and an inventory job
// lists the vault as it is at completion. With a positive interval, the
// engine behaves like the service: an inventory is taken at each cadence
// point (the vault's creation plus a multiple of the interval) when archives
// were added or removed since the last one; DescribeVault's counts and
// LastInventoryDate, inventory jobs and DeleteVault's emptiness rule all
// follow the last inventory. The inventory due at a cadence point is taken
// when the vault is next looked at, and lists the archives created up to
// that point (an archive created earlier and deleted between the cadence
// point and that look is missing from it).

// inventoryDue returns the cadence point at which v's next inventory is
// due, and whether it has passed and anything changed since the last.
func (e *Engine) inventoryDue(v *vault.Record) (time.Time, bool, error) {
	iv := e.opts.InventoryInterval
	now := e.now()
	if iv <= 0 || now.Before(v.Created.Add(iv)) {
		return time.Time{}, false, nil
	}
	point := v.Created.Add(now.Sub(v.Created) / iv * iv)
	last := time.Time{}
	if v.Inventory != nil {
		last = v.Inventory.Date
	}
	if !point.After(last) {
		return point, false, nil
	}
	c, err := e.db.Counters(store.CounterKey(v.ID))
	if err != nil {
		return point, false, ioError(err)
	}
	return point, c.LastWrite > last.UnixNano(), nil
}

// refreshInventory takes v's inventory if one is due and returns the vault
// as it is afterwards. The caller holds no lock on v.
func (e *Engine) refreshInventory(v *vault.Record) (*vault.Record, error) {
	if _, due, err := e.inventoryDue(v); err != nil || !due {
		return v, err
	}
	v, unlock, err := e.lockVault(v.Account, v.Name, exclusive)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return v, e.takeInventory(v)
}

// errInventoryTaken ends the commit of an inventory that another engine
// took first.
var errInventoryTaken = errors.New("engine: the inventory was taken by another engine")

// takeInventory takes v's due inventory, if any; the caller holds v's
// exclusive lock. The archive list goes to a new segment that replaces the
// previous inventory's.
func (e *Engine) takeInventory(v *vault.Record) error {
	point, due, err := e.inventoryDue(v)
	if err != nil || !due {
		return err
	}
	id := e.newID()
	w, err := e.blobs.Create(id)
	if err != nil {
		return ioError(err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := store.NewSnapshotWriter(bw)
	inv := vault.Inventory{Date: point}
	err = e.scanArchives(v, "", func(ent *job.Entry) (bool, error) {
		if ent.Created.After(point) {
			return true, nil
		}
		inv.Archives++
		inv.Bytes += ent.Size
		return true, enc.Write(ent)
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		w.Abort()
		return ioError(err)
	}
	info, err := w.Commit()
	if err != nil {
		return ioError(err)
	}
	var old []vault.Segment
	err = e.write(func(b *store.Batch) error {
		cur, err := e.reread(b, v)
		if err != nil {
			return err
		}
		if cur.Inventory != nil && !cur.Inventory.Date.Before(point) {
			// Another engine took it meanwhile: this one is spare.
			*v = *cur
			return errInventoryTaken
		}
		old = cur.Segments
		cur.Inventory = &inv
		cur.Segments = []vault.Segment{{ID: id, Size: info.Size}}
		k := store.VaultKey(cur.Account, cur.Name)
		e.releaseRefs(b, old, k)
		e.addRefs(b, cur.Segments, k)
		if err := b.SetRecord(k, cur); err != nil {
			return err
		}
		*v = *cur
		return nil
	})
	if errors.Is(err, errInventoryTaken) {
		e.discardSegment(id)
		return nil
	}
	if err != nil {
		e.discardSegment(id)
		return err
	}
	e.releaseSegments(old)
	return nil
}

// scanArchives calls fn for each archive of v in creation order, starting
// at the archive with key from ("" for the first). The entry fn is given is
// refilled for the next archive (see job.Entry).
func (e *Engine) scanArchives(v *vault.Record, from string, fn func(*job.Entry) (bool, error)) error {
	prefix := store.ArchivePrefix(v.ID)
	lower := prefix
	if from != "" {
		lower = store.ArchiveKey(v.ID, ulid.MustParseStrict(from))
	}
	var ent job.Entry
	return e.db.Scan(lower, store.PrefixEnd(prefix), func(_, val []byte) (bool, error) {
		if err := store.DecodeInventoryEntry(val, &ent); err != nil {
			return false, fmt.Errorf("engine: decoding record: %w", err)
		}
		return fn(&ent)
	})
}

// scanSnapshot calls fn for each archive of v's last inventory, starting at
// the archive with key from ("" for the first). The entry fn is given is
// refilled for the next archive.
func (e *Engine) scanSnapshot(v *vault.Record, from string, fn func(*job.Entry) (bool, error)) error {
	if len(v.Segments) == 0 {
		return nil
	}
	r, err := e.openSegments(v.Segments, 0, 0, v.Segments[0].Size)
	if err != nil {
		return err
	}
	defer r.Close()
	dec := store.NewSnapshotReader(bufio.NewReaderSize(r, 64<<10))
	var lower ulid.ULID
	started := from == ""
	if !started {
		lower = ulid.MustParseStrict(from)
	}
	var ent job.Entry
	for {
		if err := dec.Read(&ent); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if !started {
			if ent.Key.Compare(lower) < 0 {
				continue
			}
			started = true
		}
		if more, err := fn(&ent); err != nil || !more {
			return err
		}
	}
}

// writeInventory writes the inventory of v that j asks for into a new
// segment, streaming: one archive is held at a time. It returns the
// segment, the output size, and the marker to continue a range inventory
// from ("" when it is complete): the key of the next archive, which is its
// ID but for an imported archive's (see import.go).
func (e *Engine) writeInventory(v *vault.Record, j *job.Record) (vault.Segment, int64, string, error) {
	inv := j.Inventory
	id := e.newID()
	w, err := e.blobs.Create(id)
	if err != nil {
		return vault.Segment{}, 0, "", ioError(err)
	}
	scan, date := e.scanArchives, e.now()
	if e.opts.InventoryInterval > 0 {
		scan, date = e.scanSnapshot, v.Inventory.Date
	}
	iw := job.NewInventoryWriter(w, inv.Format, j.VaultARN, date)
	n, next := 0, ""
	err = scan(v, inv.Filter.Marker, func(ent *job.Entry) (bool, error) {
		if !inv.Filter.Match(ent) {
			return true, nil
		}
		if inv.Filter.Limit > 0 && n == inv.Filter.Limit {
			next = ent.Key.String()
			return false, nil
		}
		n++
		return true, iw.Add(ent)
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

// noInventory is the error for an inventory job on a vault that has none
// yet.
func (e *Engine) noInventory(v *vault.Record) error {
	return firn.Errorf(firn.CodeResourceNotFound, "Vault inventory is not yet available for ARN: %s; inventories are taken every %v after the vault changes", e.vaultARN(v), e.opts.InventoryInterval)
}
