package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// The request path. Every operation takes the same steps in this order,
// and the first that fails ends it with the error the client gets:
//
//  1. begin runs the time-driven work that has become due, so that no
//     operation observes a state the clock has already moved past, and
//     resolves the AccountId; beginVault also checks the vault name.
//  2. The operation checks the rest of its input: bad input fails before
//     any state is read.
//  3. view, or lock for an operation that reads and rewrites the vault's
//     state, loads the vault and authorizes the caller (authorize.go); an
//     account-wide operation calls authorizeAccount instead.
//  4. A mutation is admitted (admit, space.go): refused once the metadata
//     store has failed, or for the lack of free space.
//  5. The operation applies its domain rule and records its changes in
//     one batch, which write commits.
//
// update takes steps 3 to 5 for a change of the vault record; viewVault
// and updateVault are the whole path of an operation whose only input is
// its vault. Two variants of begin take a step at once: beginAccount
// authorizes an account-wide operation, and beginDelete admits a delete
// (only the failed state refuses one). Any other departure from this
// order is commented where it happens.

// request is an operation in progress: its caller (ctx), its name (op, as
// in the IAM action glacier:op) and the account and vault it acts on.
type request struct {
	e    *Engine
	ctx  context.Context
	op   string
	acct string
	name string // the vault's; "" for an account-wide operation

	// seen is the vault record view read and its stored bytes, which
	// relock reuses when the bytes are unchanged under the lock.
	seen    *vault.Record
	seenRaw []byte
}

// begin starts operation op on the resources of account accountID.
func (e *Engine) begin(ctx context.Context, op, accountID string) (*request, error) {
	e.tick()
	acct, err := e.account(accountID)
	if err != nil {
		return nil, err
	}
	return &request{e: e, ctx: ctx, op: op, acct: acct}, nil
}

// beginVault is begin for an operation on the vault named name.
func (e *Engine) beginVault(ctx context.Context, op, accountID, name string) (*request, error) {
	r, err := e.begin(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	if err := vault.ValidateName(name); err != nil {
		return nil, err
	}
	r.name = name
	return r, nil
}

// beginAccount is begin for an account-wide operation, which it
// authorizes before the operation checks its input.
func (e *Engine) beginAccount(ctx context.Context, op, accountID string) (*request, error) {
	r, err := e.begin(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	if err := r.authorizeAccount(); err != nil {
		return nil, err
	}
	return r, nil
}

// beginDelete is beginVault for a delete, which is admitted before its
// input is checked.
func (e *Engine) beginDelete(ctx context.Context, op, accountID, name string) (*request, error) {
	r, err := e.begin(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	if err := e.admit(classDelete); err != nil {
		return nil, err
	}
	if err := vault.ValidateName(name); err != nil {
		return nil, err
	}
	r.name = name
	return r, nil
}

// account resolves an AccountId: "" and "-" are the engine's own account
// (Options.AccountID), anything else must be a 12-digit account ID.
func (e *Engine) account(id string) (string, error) {
	if id == "" || id == "-" {
		return e.opts.AccountID, nil
	}
	if !vault.IsAccountID(id) {
		return "", firn.Errorf(firn.CodeInvalidParameterValue, "AccountId: %q is not a 12-digit account ID or \"-\"", id)
	}
	return id, nil
}

// view loads the request's vault, without a lock, and authorizes the
// operation on it.
func (r *request) view() (*vault.Record, error) {
	v, raw, err := r.e.readVault(r.acct, r.name)
	if err != nil {
		return nil, err
	}
	if err := r.authorize(v, time.Time{}); err != nil {
		return nil, err
	}
	r.seen, r.seenRaw = v, raw
	return v, nil
}

// relock locks the vault that view read, as lockVault does, for an
// operation that authorized it then and wrote bytes since: unless the
// record changed meanwhile it is not decoded again. The caller must not
// have changed view's record, and must call unlock.
func (r *request) relock(mode lockMode) (*vault.Record, func(), error) {
	if r.seen == nil || r.e.shared {
		return r.e.lockVault(r.acct, r.name, mode)
	}
	return r.e.lockRead(r.acct, r.name, mode, r.seen, r.seenRaw)
}

// lock is view under the vault's lock, held as mode says; the caller must
// call unlock.
func (r *request) lock(mode lockMode) (v *vault.Record, unlock func(), err error) {
	v, unlock, err = r.e.lockVault(r.acct, r.name, mode)
	if err != nil {
		return nil, nil, err
	}
	if err := r.authorize(v, time.Time{}); err != nil {
		unlock()
		return nil, nil, err
	}
	return v, unlock, nil
}

// update changes the request's vault record under the vault's exclusive
// lock, once the operation is authorized and admitted: fn changes v and may
// record other writes in b, which are committed with the record. If fn
// fails, nothing is written.
func (r *request) update(fn func(v *vault.Record, b *store.Batch) error) error {
	v, unlock, err := r.lock(exclusive)
	if err != nil {
		return err
	}
	defer unlock()
	if err := r.e.admit(classMetadata); err != nil {
		return err
	}
	return r.e.write(func(b *store.Batch) error {
		cur, err := r.current(b, v)
		if err != nil {
			return err
		}
		if err := fn(cur, b); err != nil {
			return err
		}
		return b.SetRecord(store.VaultKey(r.acct, cur.Name), cur)
	})
}

// current is reread for the request's vault, which is authorized again
// when it is read afresh.
func (r *request) current(b *store.Batch, v *vault.Record) (*vault.Record, error) {
	cur, err := r.e.reread(b, v)
	if err != nil || cur == v {
		return cur, err
	}
	if err := r.authorize(cur, time.Time{}); err != nil {
		return nil, err
	}
	return cur, nil
}

// reread returns vault v, loaded before b's transaction began, as the
// transaction reads it. On a shared database another engine may have
// changed the record since, or deleted or replaced the vault
// (ResourceNotFoundException), and reading it makes the commit conflict
// with such a change; elsewhere the vault's lock, held by the caller,
// keeps v current, and v itself is returned.
func (e *Engine) reread(b *store.Batch, v *vault.Record) (*vault.Record, error) {
	if !e.shared {
		return v, nil
	}
	var cur vault.Record
	err := b.GetRecord(store.VaultKey(v.Account, v.Name), &cur)
	if errors.Is(err, store.ErrNotFound) || err == nil && cur.ID != v.ID {
		return nil, vault.NotFound(e.opts.Region, v.Account, v.Name)
	}
	if err != nil {
		return nil, err
	}
	return &cur, nil
}

// viewVault is the whole path of an operation that reads the vault named
// name and has no other input: beginVault, then view.
func (e *Engine) viewVault(ctx context.Context, op, accountID, name string) (*vault.Record, error) {
	r, err := e.beginVault(ctx, op, accountID, name)
	if err != nil {
		return nil, err
	}
	return r.view()
}

// updateVault is the whole path of an operation that changes the record of
// the vault named name and has no other input: beginVault, then update.
func (e *Engine) updateVault(ctx context.Context, op, accountID, name string, fn func(v *vault.Record, b *store.Batch) error) error {
	r, err := e.beginVault(ctx, op, accountID, name)
	if err != nil {
		return err
	}
	return r.update(fn)
}

// lockMode is how an operation holds a vault's lock.
type lockMode bool

const (
	// shared excludes the exclusive holders only: for adding records
	// (archives, uploads, parts), changing those that a finer lock
	// guards (multipart uploads), or keeping what is read from going (the
	// segments of a job's output).
	shared lockMode = false
	// exclusive is for reading and rewriting the vault's existing state.
	exclusive lockMode = true
)

func (e *Engine) vaultLock(id ulid.ULID) *sync.RWMutex {
	if l, ok := e.vaultLocks.Load(id); ok {
		return l.(*sync.RWMutex)
	}
	l, _ := e.vaultLocks.LoadOrStore(id, new(sync.RWMutex))
	return l.(*sync.RWMutex)
}

// loadVault returns the vault named name of acct.
func (e *Engine) loadVault(acct, name string) (*vault.Record, error) {
	v, _, err := e.readVault(acct, name)
	return v, err
}

// readVault is loadVault, also returning the record's stored bytes.
func (e *Engine) readVault(acct, name string) (*vault.Record, []byte, error) {
	if err := vault.ValidateName(name); err != nil {
		return nil, nil, err
	}
	k := store.VaultKey(acct, name)
	raw, err := e.db.Get(k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, vault.NotFound(e.opts.Region, acct, name)
	}
	if err != nil {
		return nil, nil, ioError(err)
	}
	v, err := e.vaults.decode(k, raw)
	if err != nil {
		return nil, nil, ioError(fmt.Errorf("%w at %x", err, k))
	}
	return v, raw, nil
}

func (e *Engine) vaultARN(v *vault.Record) string { return vault.ARN(e.opts.Region, v.Account, v.Name) }

// lockVault loads a vault and locks it; the caller must call the returned
// unlock. The vault is re-read under the lock so that it cannot have been
// deleted or replaced meanwhile.
func (e *Engine) lockVault(acct, name string, mode lockMode) (*vault.Record, func(), error) {
	v, raw, err := e.readVault(acct, name)
	if err != nil {
		return nil, nil, err
	}
	return e.lockRead(acct, name, mode, v, raw)
}

// lockRead locks vault v, read earlier as raw, and returns its record as
// it is under the lock: v itself when its stored bytes are unchanged (the
// common case, as counters are records of their own), else the record
// read again; if the vault was deleted or replaced meanwhile, the vault
// now under that name, locked afresh.
func (e *Engine) lockRead(acct, name string, mode lockMode, v *vault.Record, raw []byte) (*vault.Record, func(), error) {
	l := e.vaultLock(v.ID)
	unlock := l.RUnlock
	if mode == exclusive {
		l.Lock()
		unlock = l.Unlock
	} else {
		l.RLock()
	}
	if e.shared {
		// Another engine may replace it whatever the lock: the
		// transaction that commits reads it again (reread).
		return v, unlock, nil
	}
	cur, err := e.db.Get(store.VaultKey(acct, name))
	if err == nil && bytes.Equal(cur, raw) {
		return v, unlock, nil
	}
	unlock()
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, vault.NotFound(e.opts.Region, acct, name)
	}
	if err != nil {
		return nil, nil, ioError(err)
	}
	return e.lockVault(acct, name, mode)
}

// missingParameter is the error for a required input field left empty.
func missingParameter(name string) error {
	return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: %s", name)
}
