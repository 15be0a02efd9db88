package engine

import (
	"context"
	"errors"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/lock"
	"github.com/firnstore/firn/vault"
)

// Vault locks. A vault's lock is part of its record (vault.Record.Lock) and
// follows the lock package's state machine. An InProgress lock has a
// store.TimerLockExpire timer at its expiry, set in the batch that initiates it
// and deleted in the batch that completes, aborts or replaces it; the timer
// only tidies up, since an expired lock is treated as absent by every
// reader (lock.Lock.At) before the timer has run.

// InitiateVaultLock implements firn.Glacier. The policy is a vault lock
// policy of at most 20 KB in the language of package policy
// (InvalidParameterValueException otherwise, MissingParameterValueException
// when absent); it is enforced from now on, together with the access
// policy. The lock stays InProgress until CompleteVaultLock or
// AbortVaultLock, or until it expires lock.TTL (24 hours) later by
// Options.Clock. Initiating while a lock is InProgress or Locked fails with
// AccessDeniedException. LockId is a 26-character ULID.
func (e *Engine) InitiateVaultLock(ctx context.Context, in *firn.InitiateVaultLockInput) (*firn.InitiateVaultLockOutput, error) {
	r, err := e.beginVault(ctx, "InitiateVaultLock", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	doc := ""
	if in.Policy != nil {
		doc = in.Policy.Policy
	}
	if err := vault.ValidatePolicyDocument("Policy", doc); err != nil {
		return nil, err
	}
	id := e.newID().String()
	err = r.update(func(v *vault.Record, b *store.Batch) error {
		l, err := v.Lock.Initiate(doc, id, e.now())
		if err != nil {
			return err
		}
		// An in-progress lock here has expired, its timer not yet run.
		replaceLock(b, v, l)
		setTimer(b, l.Expires(), store.TimerLockExpire, store.LockTimerID(v.ID, v.Account, v.Name))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &firn.InitiateVaultLockOutput{LockId: id}, nil
}

// CompleteVaultLock implements firn.Glacier. It locks the InProgress lock
// with ID LockId for ever: its policy can then never be changed or removed.
// With the ID of a Locked lock it succeeds again; with another ID it fails
// with AccessDeniedException when Locked and InvalidParameterValueException
// when InProgress. With no lock in force (none, aborted or expired) it
// fails with ResourceNotFoundException (see package lock).
func (e *Engine) CompleteVaultLock(ctx context.Context, in *firn.CompleteVaultLockInput) (*firn.CompleteVaultLockOutput, error) {
	// A missing LockId fails before the account and vault are looked at.
	if in.LockId == "" {
		return nil, missingParameter("lockId")
	}
	err := e.updateVault(ctx, "CompleteVaultLock", in.AccountId, in.VaultName, func(v *vault.Record, b *store.Batch) error {
		l, err := v.Lock.Complete(in.LockId, e.now())
		if err != nil {
			return err
		}
		replaceLock(b, v, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &firn.CompleteVaultLockOutput{}, nil
}

// AbortVaultLock implements firn.Glacier. It removes an InProgress lock and
// its policy; it succeeds when there is no lock, and fails with
// AccessDeniedException when the lock is Locked.
func (e *Engine) AbortVaultLock(ctx context.Context, in *firn.AbortVaultLockInput) (*firn.AbortVaultLockOutput, error) {
	err := e.updateVault(ctx, "AbortVaultLock", in.AccountId, in.VaultName, func(v *vault.Record, b *store.Batch) error {
		l, err := v.Lock.Abort(e.now())
		if err != nil {
			return err
		}
		replaceLock(b, v, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &firn.AbortVaultLockOutput{}, nil
}

// GetVaultLock implements firn.Glacier. ExpirationDate is zero once the
// lock is Locked. ResourceNotFoundException when the vault has no lock in
// force (none, aborted or expired).
func (e *Engine) GetVaultLock(ctx context.Context, in *firn.GetVaultLockInput) (*firn.GetVaultLockOutput, error) {
	v, err := e.viewVault(ctx, "GetVaultLock", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	l := v.Lock.At(e.now())
	if l.State == lock.None {
		return nil, firn.Errorf(firn.CodeResourceNotFound, "No vault lock policy is set for: %s", e.vaultARN(v))
	}
	return &firn.GetVaultLockOutput{
		Policy:         l.Policy,
		State:          string(l.State),
		CreationDate:   l.Created,
		ExpirationDate: l.Expires(),
	}, nil
}

// onLockExpire is the store.TimerLockExpire handler: it removes the vault's lock
// if it is still the InProgress lock that expires at due, and deletes the
// timer. A timer whose vault or lock has gone or changed is just deleted.
// Repeating it is harmless.
func (e *Engine) onLockExpire(due int64, id []byte) error {
	vid, acct, name, ok := store.SplitLockTimerID(id)
	if ok {
		// Ticks may run in operations that hold the vault's lock: do not
		// wait for it. The timer stays due and the next tick retries;
		// meanwhile readers already ignore the expired lock.
		l := e.vaultLock(vid)
		if !l.TryLock() {
			return nil
		}
		defer l.Unlock()
	}
	// The vault is read in the transaction that changes it: of engines
	// running the timer at once, one removes the lock, the others find it
	// gone, and none removes a lock initiated since.
	return e.write(func(b *store.Batch) error {
		b.Delete(store.TimerKey(due, store.TimerLockExpire, id))
		if !ok || vault.ValidateName(name) != nil {
			return nil
		}
		var v vault.Record
		err := b.GetRecord(store.VaultKey(acct, name), &v)
		if errors.Is(err, store.ErrNotFound) || err == nil && v.ID != vid {
			return nil
		}
		if err != nil {
			return err
		}
		if v.Lock.State != lock.InProgress || v.Lock.Expires().UnixNano() != due || !v.Lock.Expired(e.now()) {
			return nil
		}
		v.Lock = lock.Lock{}
		return b.SetRecord(store.VaultKey(acct, name), &v)
	})
}

// replaceLock sets v's lock to l, recording in b the removal of the expiry
// timer of the in-progress lock it replaces.
func replaceLock(b *store.Batch, v *vault.Record, l lock.Lock) {
	if v.Lock.State == lock.InProgress {
		deleteTimer(b, v.Lock.Expires(), store.TimerLockExpire, store.LockTimerID(v.ID, v.Account, v.Name))
	}
	v.Lock = l
}
