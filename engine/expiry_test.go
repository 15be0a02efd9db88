package engine

import (
	"context"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/lock"
)

// Expiries live in the records (see internal/store's doc): these tests
// rewrite a record's expiry and its timer, as a build with another
// job.OutputLifetime or lock.TTL would have written them, or drop the
// expiry, as builds before it was recorded did, and check that a reopened
// engine follows the record.

// rewriteJobExpiry stores expiry as the job's (zero: none) and moves its
// expiry timer to when the job then expires.
func (le *lockEngine) rewriteJobExpiry(t *testing.T, jobID string, expiry time.Time) {
	t.Helper()
	v := le.record(t, "v")
	j, k, err := le.e.loadJob(v, jobID)
	if err != nil {
		t.Fatal(err)
	}
	b := le.e.db.NewBatch()
	deleteTimer(b, j.Expires(), store.TimerJobExpire, k)
	j.Expiry = expiry
	setTimer(b, j.Expires(), store.TimerJobExpire, k)
	if err := b.SetRecord(k, j); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}

// wantJobExpiresAt checks that the job is there until at and gone from
// then on, also once the timers have run.
func (le *lockEngine) wantJobExpiresAt(t *testing.T, jobID string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	describe := func() error {
		_, err := le.e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: jobID})
		return err
	}
	le.clock.Advance(at.Add(-time.Nanosecond).Sub(le.clock.Now()))
	le.e.tick()
	if err := describe(); err != nil {
		t.Fatalf("DescribeJob a nanosecond before the expiry: %v", err)
	}
	le.clock.Advance(time.Nanosecond)
	wantCode(t, "DescribeJob at the expiry", describe(), firn.CodeResourceNotFound)
	le.e.tick()
	p := store.JobPrefix(le.record(t, "v").ID)
	if has, err := le.e.db.Any(p, store.PrefixEnd(p)); err != nil || has {
		t.Errorf("job record still stored after its expiry timer ran (%v)", err)
	}
}

func (le *lockEngine) retrievalJob(t *testing.T) (jobID string, completed time.Time) {
	t.Helper()
	le.createVault(t, "v")
	archive := upload(t, le.e, "v", []byte("expiring output"))
	out, err := le.e.InitiateJob(context.Background(), &firn.InitiateJobInput{VaultName: "v",
		JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: archive}})
	if err != nil {
		t.Fatal(err)
	}
	return out.JobId, le.clock.Now()
}

func TestJobExpiryFromRecord(t *testing.T) {
	le := openLockEngine(t)
	jobID, completed := le.retrievalJob(t)
	j, _, err := le.e.loadJob(le.record(t, "v"), jobID)
	if err != nil {
		t.Fatal(err)
	}
	if want := completed.Add(job.OutputLifetime); !j.Expiry.Equal(want) {
		t.Fatalf("recorded expiry %v, want %v", j.Expiry, want)
	}
	le.rewriteJobExpiry(t, jobID, completed.Add(time.Hour))
	le.reopen(t)
	le.wantJobExpiresAt(t, jobID, completed.Add(time.Hour))
}

func TestJobExpiryOldRecord(t *testing.T) {
	le := openLockEngine(t)
	jobID, completed := le.retrievalJob(t)
	le.rewriteJobExpiry(t, jobID, time.Time{})
	le.reopen(t)
	le.wantJobExpiresAt(t, jobID, completed.Add(job.OutputLifetime))
}

// rewriteLockExpiry stores expiry as the vault lock's (zero: none) and
// moves its expiry timer to when the lock then expires.
func (le *lockEngine) rewriteLockExpiry(t *testing.T, expiry time.Time) {
	t.Helper()
	v := le.record(t, "v")
	tid := store.LockTimerID(v.ID, v.Account, v.Name)
	b := le.e.db.NewBatch()
	deleteTimer(b, v.Lock.Expires(), store.TimerLockExpire, tid)
	v.Lock.Expiry = expiry
	setTimer(b, v.Lock.Expires(), store.TimerLockExpire, tid)
	if err := b.SetRecord(store.VaultKey(v.Account, v.Name), v); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}

// wantLockExpiresAt checks that GetVaultLock reports the expiry at, that
// the lock holds until then and is gone from then on, also from the record
// once the timers have run.
func (le *lockEngine) wantLockExpiresAt(t *testing.T, at time.Time) {
	t.Helper()
	ctx := context.Background()
	get := func() (*firn.GetVaultLockOutput, error) {
		return le.e.GetVaultLock(ctx, &firn.GetVaultLockInput{VaultName: "v"})
	}
	out, err := get()
	if err != nil {
		t.Fatal(err)
	}
	if !out.ExpirationDate.Equal(at) {
		t.Errorf("GetVaultLock ExpirationDate %v, want %v", out.ExpirationDate, at)
	}
	le.clock.Advance(at.Add(-time.Nanosecond).Sub(le.clock.Now()))
	le.e.tick()
	if _, err := get(); err != nil {
		t.Fatalf("GetVaultLock a nanosecond before the expiry: %v", err)
	}
	le.clock.Advance(time.Nanosecond)
	_, err = get()
	wantCode(t, "GetVaultLock at the expiry", err, firn.CodeResourceNotFound)
	le.wantExpiryTimerRan(t)
}

func TestLockExpiryFromRecord(t *testing.T) {
	le := openLockEngine(t)
	le.createVault(t, "v")
	le.initiate(t, "v", harmless)
	initiated := le.clock.Now()
	if l := le.record(t, "v").Lock; !l.Expiry.Equal(initiated.Add(lock.TTL)) {
		t.Fatalf("recorded expiry %v, want %v", l.Expiry, initiated.Add(lock.TTL))
	}
	le.rewriteLockExpiry(t, initiated.Add(time.Hour))
	le.reopen(t)
	le.wantLockExpiresAt(t, initiated.Add(time.Hour))
}

func TestLockExpiryOldRecord(t *testing.T) {
	le := openLockEngine(t)
	le.createVault(t, "v")
	le.initiate(t, "v", harmless)
	initiated := le.clock.Now()
	le.rewriteLockExpiry(t, time.Time{})
	le.reopen(t)
	le.wantLockExpiresAt(t, initiated.Add(lock.TTL))
}
