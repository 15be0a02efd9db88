// Package lock is the vault lock state machine of Amazon S3 Glacier, as
// plain values and pure functions: the time is always passed in, and
// nothing here does I/O.
//
// A vault has at most one lock. Its lifecycle:
//
//	none --Initiate--> InProgress --Complete--> Locked
//	InProgress --Abort, or TTL (24 h) after Initiate--> none
//
// An InProgress lock is enforced like a Locked one while it lasts; it
// expires TTL after initiation and is then the same as no lock, whether or
// not anyone has removed it yet ([Lock.At]). A Locked lock is permanent: its
// policy never changes and it cannot be aborted or replaced.
//
// Transitions return the new Lock and leave the receiver alone; on error
// the new Lock is the receiver unchanged. Every error is a *firn.Error:
//
//   - Initiate: MissingParameterValueException for an empty policy,
//     InvalidParameterValueException for a policy [policy.Parse] rejects
//     (including one over 20 KB); AccessDeniedException while InProgress
//     or Locked.
//   - Complete: MissingParameterValueException for an empty lock ID;
//     InProgress with the lock's ID -> Locked; Locked with its ID -> no
//     change (idempotent); Locked with another ID -> AccessDeniedException;
//     InProgress with another ID -> InvalidParameterValueException; no lock
//     or an expired one -> ResourceNotFoundException.
//   - Abort: InProgress -> none; none -> none (idempotent); Locked ->
//     AccessDeniedException.
//
// The service does not document CompleteVaultLock without a lock in force.
// Its lock-policy subresource is then absent, for which the service answers
// 404 ResourceNotFoundException (GetVaultLock does so, and emulators such as
// moto do so for CompleteVaultLock), so Complete does the same; the message
// says when the lock expired if it did.
package lock

import (
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/policy"
)

// State is the state of a vault lock.
type State string

// Lock states. None, the zero State, means the vault has no lock.
const (
	None       State = ""
	InProgress State = firn.LockStateInProgress
	Locked     State = firn.LockStateLocked
)

// TTL is how long an InProgress lock lasts before it expires.
const TTL = 24 * time.Hour

// Lock is a vault's lock. The zero Lock is no lock; it is a value, safe to
// copy and to share.
type Lock struct {
	// State is None, InProgress or Locked.
	State State
	// ID is the lock ID that InitiateVaultLock returned.
	ID string
	// Policy is the verbatim lock policy document.
	Policy string
	// Created is when the lock was initiated.
	Created time.Time
	// Expiry is when an InProgress lock expires, TTL after Created as
	// Initiate set it; zero in any other state, and in locks recorded
	// before it was kept (see Expires).
	Expiry time.Time
}

// Expires is when an InProgress lock expires: its Expiry, or TTL after
// Created if that is zero. It is zero for any other state.
func (l Lock) Expires() time.Time {
	switch {
	case l.State != InProgress:
		return time.Time{}
	case !l.Expiry.IsZero():
		return l.Expiry
	}
	return l.Created.Add(TTL)
}

// Expired reports whether l is an InProgress lock whose TTL has run out
// at now.
func (l Lock) Expired(now time.Time) bool {
	return l.State == InProgress && !now.Before(l.Expires())
}

// At is the lock in force at now: l itself, or the zero Lock (none) if l
// has expired.
func (l Lock) At(now time.Time) Lock {
	if l.Expired(now) {
		return Lock{}
	}
	return l
}

// Initiate starts a lock with the policy document doc and the lock ID id
// (which the caller makes unique and non-empty) at now.
func (l Lock) Initiate(doc, id string, now time.Time) (Lock, error) {
	if doc == "" {
		return l, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Policy")
	}
	if _, err := policy.Parse(doc); err != nil {
		return l, err
	}
	switch l.At(now).State {
	case InProgress:
		return l, firn.Errorf(firn.CodeAccessDenied, "Vault lock %s is in progress; abort it with AbortVaultLock before initiating a new one", l.ID)
	case Locked:
		return l, firn.Errorf(firn.CodeAccessDenied, "The vault is locked; its vault lock policy cannot be replaced")
	}
	return Lock{State: InProgress, ID: id, Policy: doc, Created: now, Expiry: now.Add(TTL)}, nil
}

// Complete locks an InProgress lock for ever, given its ID.
func (l Lock) Complete(id string, now time.Time) (Lock, error) {
	if id == "" {
		return l, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: lockId")
	}
	switch {
	case l.Expired(now):
		return l, firn.Errorf(firn.CodeResourceNotFound, "No vault lock is in progress: lock %s expired at %s, %v after InitiateVaultLock", l.ID, l.Expires().Format(time.RFC3339Nano), TTL)
	case l.State == None:
		return l, firn.Errorf(firn.CodeResourceNotFound, "No vault lock is in progress to complete with lockId %q", id)
	case id != l.ID && l.State == Locked:
		return l, firn.Errorf(firn.CodeAccessDenied, "lockId: %q is not the ID the vault was locked with", id)
	case id != l.ID:
		return l, firn.Errorf(firn.CodeInvalidParameterValue, "lockId: %q is not the ID of the vault lock in progress", id)
	}
	l.State, l.Expiry = Locked, time.Time{}
	return l, nil
}

// Abort removes an InProgress lock. It is idempotent: with no lock in force
// it succeeds and returns none.
func (l Lock) Abort(now time.Time) (Lock, error) {
	if l.At(now).State == Locked {
		return l, firn.Errorf(firn.CodeAccessDenied, "The vault lock is in the Locked state and cannot be aborted")
	}
	return Lock{}, nil
}
