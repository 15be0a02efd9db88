package engine

import (
	"context"
	"strings"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/vault"
)

// CreateVault implements firn.Glacier. It is idempotent: creating an
// existing vault succeeds and changes nothing. An account holds at most
// Options.MaxVaults vaults (LimitExceededException).
func (e *Engine) CreateVault(ctx context.Context, in *firn.CreateVaultInput) (*firn.CreateVaultOutput, error) {
	r, err := e.beginVault(ctx, "CreateVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if err := r.authorizeAccount(); err != nil {
		return nil, err
	}
	if err := e.admit(classMetadata); err != nil {
		return nil, err
	}
	out := &firn.CreateVaultOutput{Location: vault.Location(r.acct, in.VaultName)}
	e.acctMu.Lock()
	defer e.acctMu.Unlock()
	// The vault's absence and the count are read in the transaction that
	// writes the record, so that the limit holds across engines.
	err = e.write(func(b *store.Batch) error {
		exists, err := b.Has(store.VaultKey(r.acct, in.VaultName))
		if err != nil || exists {
			return err
		}
		n := 0
		err = b.Scan(store.VaultPrefix(r.acct), store.PrefixEnd(store.VaultPrefix(r.acct)), func(_, _ []byte) (bool, error) {
			n++
			return n < e.opts.MaxVaults, nil
		})
		if err != nil {
			return err
		}
		if n >= e.opts.MaxVaults {
			return firn.Errorf(firn.CodeLimitExceeded, "VaultName: account %s already has %d vaults, the maximum", r.acct, e.opts.MaxVaults)
		}
		v := vault.Record{ID: e.newID(), Account: r.acct, Name: in.VaultName, Created: e.now()}
		return b.SetRecord(store.VaultKey(r.acct, v.Name), &v)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeVault implements firn.Glacier.
func (e *Engine) DescribeVault(ctx context.Context, in *firn.DescribeVaultInput) (*firn.DescribeVaultOutput, error) {
	v, err := e.viewVault(ctx, "DescribeVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	d, err := e.describe(v)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// describe returns v's description: its counts as of its last inventory
// (see inventory.go), which is always current by default.
func (e *Engine) describe(v *vault.Record) (firn.DescribeVaultOutput, error) {
	d := firn.DescribeVaultOutput{VaultARN: e.vaultARN(v), VaultName: v.Name, CreationDate: v.Created}
	if e.opts.InventoryInterval > 0 {
		v, err := e.refreshInventory(v)
		if err != nil {
			return d, err
		}
		if inv := v.Inventory; inv != nil {
			d.LastInventoryDate, d.NumberOfArchives, d.SizeInBytes = inv.Date, inv.Archives, inv.Bytes
		}
		return d, nil
	}
	c, err := e.db.Counters(store.CounterKey(v.ID))
	if err != nil {
		return d, ioError(err)
	}
	d.NumberOfArchives, d.SizeInBytes = c.Archives, c.Bytes
	if c.LastWrite != 0 {
		d.LastInventoryDate = time.Unix(0, c.LastWrite).UTC()
	}
	return d, nil
}

// ListVaults implements firn.Glacier. Vaults come in ASCII order of name;
// Marker is the ARN of the last vault of the previous page.
func (e *Engine) ListVaults(ctx context.Context, in *firn.ListVaultsInput) (*firn.ListVaultsOutput, error) {
	r, err := e.beginAccount(ctx, "ListVaults", in.AccountId)
	if err != nil {
		return nil, err
	}
	limit, err := listLimit(in.Limit, defaultVaultLimit, maxListLimit)
	if err != nil {
		return nil, err
	}
	prefix := store.VaultPrefix(r.acct)
	lower := prefix
	if in.Marker != "" {
		name, ok := strings.CutPrefix(in.Marker, vault.ARN(e.opts.Region, r.acct, ""))
		if !ok || vault.ValidateName(name) != nil {
			return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Marker: %q is not a vault ARN of account %s", in.Marker, r.acct)
		}
		lower = append(store.VaultKey(r.acct, name), 0)
	}
	out := &firn.ListVaultsOutput{VaultList: []firn.DescribeVaultOutput{}}
	var last *vault.Record
	more := false
	err = e.db.Scan(lower, store.PrefixEnd(prefix), func(_, val []byte) (bool, error) {
		if len(out.VaultList) == limit {
			more = true
			return false, nil
		}
		var v vault.Record
		if err := unmarshal(val, &v); err != nil {
			return false, err
		}
		d, err := e.describe(&v)
		if err != nil {
			return false, err
		}
		out.VaultList = append(out.VaultList, d)
		last = &v
		return true, nil
	})
	if err != nil {
		return nil, ioError(err)
	}
	if more {
		out.Marker = e.vaultARN(last)
	}
	return out, nil
}

// DeleteVault implements firn.Glacier. A vault that holds archives cannot
// be deleted (InvalidParameterValueException).
func (e *Engine) DeleteVault(ctx context.Context, in *firn.DeleteVaultInput) (*firn.DeleteVaultOutput, error) {
	r, err := e.beginDelete(ctx, "DeleteVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	e.acctMu.Lock()
	defer e.acctMu.Unlock()
	v, unlock, err := r.lock(exclusive)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := e.takeInventory(v); err != nil {
		return nil, err
	}
	var segs []vault.Segment
	err = e.write(func(b *store.Batch) error {
		// Read in the transaction that deletes, so that no engine's
		// upload lands in between.
		v, err := r.current(b, v)
		if err != nil {
			return err
		}
		c, err := b.Counters(store.CounterKey(v.ID))
		if err != nil {
			return err
		}
		if !e.deletable(v, c) {
			return firn.Errorf(firn.CodeInvalidParameterValue, "Vault not empty or recently written to: %s", e.vaultARN(v))
		}
		k := store.VaultKey(v.Account, v.Name)
		b.Delete(k)
		e.releaseRefs(b, v.Segments, k)
		b.Delete(store.CounterKey(v.ID))
		for _, p := range [][]byte{store.TombstonePrefix(v.ID), store.SourceIDPrefix(v.ID), store.UploadPrefix(v.ID), store.PartVaultPrefix(v.ID), store.JobPrefix(v.ID)} {
			b.DeleteRange(p, store.PrefixEnd(p))
		}
		segs, err = e.dropVaultRefs(b, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	e.releaseSegments(append(segs, v.Segments...))
	return &firn.DeleteVaultOutput{}, nil
}

// deletable reports whether v may be deleted: it holds no archives and,
// when inventories follow a cadence, was also empty at its last inventory
// with no writes since.
func (e *Engine) deletable(v *vault.Record, c store.Counters) bool {
	if c.Archives > 0 {
		return false
	}
	if e.opts.InventoryInterval <= 0 || c.LastWrite == 0 {
		return true
	}
	inv := v.Inventory
	return inv != nil && inv.Archives == 0 && c.LastWrite <= inv.Date.UnixNano()
}
