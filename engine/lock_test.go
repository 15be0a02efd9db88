package engine

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/lock"
	"github.com/firnstore/firn/vault"
	"pgregory.net/rapid"
)

// lockEngine is an engine on an in-memory file system whose ticker never
// fires during a test, so that timers run only when the test says.
type lockEngine struct {
	fs    vfs.FS
	clock *testkit.Clock
	e     *Engine
}

func openLockEngine(t *testing.T) *lockEngine {
	t.Helper()
	le := &lockEngine{fs: vfs.NewMem(), clock: testkit.NewClock(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))}
	le.open(t)
	t.Cleanup(func() { le.close(t) })
	return le
}

func (le *lockEngine) open(t tb) {
	t.Helper()
	e, err := Open("d", &Options{FS: le.fs, Clock: le.clock, TickInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	le.e = e
}

func (le *lockEngine) close(t tb) {
	t.Helper()
	if le.e == nil {
		return
	}
	if err := le.e.Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := le.e.Close(); err != nil {
		t.Error(err)
	}
	le.e = nil
}

func (le *lockEngine) reopen(t tb) {
	t.Helper()
	le.close(t)
	le.open(t)
}

// record returns the stored vault record.
func (le *lockEngine) record(t tb, name string) *vault.Record {
	t.Helper()
	v, err := le.e.loadVault(DefaultAccountID, name)
	if err != nil {
		t.Fatalf("loading vault %s: %v", name, err)
	}
	return v
}

// lockTimers returns the due times of the stored lock timers, by timer ID.
func (le *lockEngine) lockTimers(t tb) map[string][]time.Time {
	t.Helper()
	timers := map[string][]time.Time{}
	lower, upper := store.TimerRange(math.MaxInt64 - 1)
	err := le.e.db.Scan(lower, upper, func(k, _ []byte) (bool, error) {
		due, kind, id := store.TimerSplit(k)
		if kind == store.TimerLockExpire {
			timers[string(id)] = append(timers[string(id)], time.Unix(0, due).UTC())
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return timers
}

func mustLockOp[O any](t tb, what string) func(*O, error) *O {
	return func(out *O, err error) *O {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return out
	}
}

// denyDescribe is a lock policy whose effect is easy to observe.
const denyDescribe = `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DescribeVault","Resource":"*"}]}`

// harmless is a lock policy that denies nothing an in-process call does.
const harmless = `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`

func (le *lockEngine) initiate(t tb, name, doc string) string {
	t.Helper()
	return mustLockOp[firn.InitiateVaultLockOutput](t, "InitiateVaultLock")(le.e.InitiateVaultLock(context.Background(),
		&firn.InitiateVaultLockInput{VaultName: name, Policy: &firn.VaultLockPolicy{Policy: doc}})).LockId
}

func (le *lockEngine) createVault(t tb, name string) {
	t.Helper()
	mustLockOp[firn.CreateVaultOutput](t, "CreateVault")(le.e.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: name}))
}

// wantExpiryTimerRan runs the due timers and checks that the lock of vault
// "v" and its expiry timer are gone.
func (le *lockEngine) wantExpiryTimerRan(t *testing.T) {
	t.Helper()
	le.e.tick()
	if l := le.record(t, "v").Lock; l != (lock.Lock{}) {
		t.Errorf("after the expiry timer the lock is %+v, want none", l)
	}
	if got := le.lockTimers(t); len(got) != 0 {
		t.Errorf("lock timers after expiry: %v", got)
	}
}

func TestLockTimerExpires(t *testing.T) {
	le := openLockEngine(t)
	le.createVault(t, "v")
	le.initiate(t, "v", denyDescribe)
	v := le.record(t, "v")
	tid := string(store.LockTimerID(v.ID, v.Account, v.Name))
	if got := le.lockTimers(t)[tid]; len(got) != 1 || !got[0].Equal(v.Lock.Expires()) {
		t.Fatalf("lock timers %v, want one at %v", got, v.Lock.Expires())
	}

	le.clock.Advance(lock.TTL - time.Nanosecond)
	le.e.tick()
	if le.record(t, "v").Lock.State != lock.InProgress || len(le.lockTimers(t)) != 1 {
		t.Fatal("the lock or its timer went before the expiry")
	}
	le.clock.Advance(time.Nanosecond)
	// Expired before the timer ran: no longer enforced, though still stored.
	if le.record(t, "v").Lock.State != lock.InProgress {
		t.Fatal("the lock went before its timer ran")
	}
	if doc := le.e.lockPolicyDoc(le.record(t, "v")); doc != "" {
		t.Errorf("lockPolicyDoc of an expired lock = %q, want none", doc)
	}
	le.wantExpiryTimerRan(t)
}

func TestLockTimerIdempotent(t *testing.T) {
	le := openLockEngine(t)
	le.createVault(t, "v")
	le.initiate(t, "v", harmless)
	v := le.record(t, "v")
	due, id := v.Lock.Expires().UnixNano(), store.LockTimerID(v.ID, v.Account, v.Name)
	le.clock.Advance(lock.TTL)
	for i := range 2 {
		if err := le.e.onLockExpire(due, id); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	// A lock initiated afterwards is not touched by a replay of the old timer.
	le.initiate(t, "v", harmless)
	want := le.record(t, "v").Lock
	if err := le.e.onLockExpire(due, id); err != nil {
		t.Fatal(err)
	}
	if got := le.record(t, "v").Lock; got != want {
		t.Errorf("replayed timer changed the new lock: %+v, want %+v", got, want)
	}
	if got := le.lockTimers(t)[string(id)]; len(got) != 1 || !got[0].Equal(want.Expires()) {
		t.Errorf("lock timers %v, want one at %v", got, want.Expires())
	}
}

func TestLockTimerRemovedByTransitions(t *testing.T) {
	le := openLockEngine(t)
	le.createVault(t, "v")
	ctx := context.Background()

	le.initiate(t, "v", harmless)
	mustLockOp[firn.AbortVaultLockOutput](t, "AbortVaultLock")(le.e.AbortVaultLock(ctx, &firn.AbortVaultLockInput{VaultName: "v"}))
	if got := le.lockTimers(t); len(got) != 0 {
		t.Errorf("lock timers after AbortVaultLock: %v", got)
	}

	// An expired lock whose timer has not run is replaced with its timer.
	le.initiate(t, "v", harmless)
	le.clock.Advance(lock.TTL)
	id := le.initiate(t, "v", harmless)
	v := le.record(t, "v")
	if got := le.lockTimers(t)[string(store.LockTimerID(v.ID, v.Account, v.Name))]; len(got) != 1 || !got[0].Equal(v.Lock.Expires()) {
		t.Errorf("lock timers after replacing an expired lock: %v, want one at %v", got, v.Lock.Expires())
	}

	mustLockOp[firn.CompleteVaultLockOutput](t, "CompleteVaultLock")(le.e.CompleteVaultLock(ctx, &firn.CompleteVaultLockInput{VaultName: "v", LockId: id}))
	if got := le.lockTimers(t); len(got) != 0 {
		t.Errorf("lock timers after CompleteVaultLock: %v", got)
	}
}

func TestLockTimerDeletedVault(t *testing.T) {
	le := openLockEngine(t)
	ctx := context.Background()
	le.createVault(t, "v")
	le.initiate(t, "v", harmless)
	mustLockOp[firn.DeleteVaultOutput](t, "DeleteVault")(le.e.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"}))
	le.createVault(t, "v") // same name, another vault
	le.clock.Advance(lock.TTL)
	le.e.tick()
	if got := le.lockTimers(t); len(got) != 0 {
		t.Errorf("lock timers of a deleted vault: %v", got)
	}
	_, err := le.e.GetVaultLock(ctx, &firn.GetVaultLockInput{VaultName: "v"})
	wantCode(t, "GetVaultLock of the new vault", err, firn.CodeResourceNotFound)
}

// TestLockTimerBusyVault runs the timer while the vault is held: the work
// is retried by a later tick.
func TestLockTimerBusyVault(t *testing.T) {
	le := openLockEngine(t)
	le.createVault(t, "v")
	le.initiate(t, "v", harmless)
	v := le.record(t, "v")
	le.clock.Advance(lock.TTL)
	mu := le.e.vaultLock(v.ID)
	mu.RLock()
	le.e.tick()
	mu.RUnlock()
	if len(le.lockTimers(t)) != 1 || le.record(t, "v").Lock.State != lock.InProgress {
		t.Fatal("the timer ran while the vault was held")
	}
	le.e.tick()
	if len(le.lockTimers(t)) != 0 || le.record(t, "v").Lock.State != lock.None {
		t.Fatal("a later tick did not expire the lock")
	}
}

// lockMachine drives vault locks on two vaults through the engine, with
// clock advances, ticks and reopens, against a model of the lifecycle.
type lockMachine struct {
	le     *lockEngine
	models map[string]*lockModel
	docs   map[string]string // lock ID -> policy
}

// lockModel is what the API reference says a vault's lock is.
type lockModel struct {
	state    lock.State
	id       string
	doc      string
	created  time.Time
	deadline time.Time
}

var lockVaults = []string{"a", "b"}

// settle drops an InProgress lock at its deadline.
func (m *lockMachine) settle() {
	now := m.le.clock.Now()
	for _, lm := range m.models {
		if lm.state == lock.InProgress && !now.Before(lm.deadline) {
			*lm = lockModel{}
		}
	}
}

func (m *lockMachine) pick(t *rapid.T) (string, *lockModel) {
	name := rapid.SampledFrom(lockVaults).Draw(t, "vault")
	return name, m.models[name]
}

func (m *lockMachine) Initiate(t *rapid.T) {
	name, lm := m.pick(t)
	doc := rapid.SampledFrom([]string{denyDescribe, harmless, `{"Statement":[]}`}).Draw(t, "doc")
	out, err := m.le.e.InitiateVaultLock(context.Background(), &firn.InitiateVaultLockInput{VaultName: name, Policy: &firn.VaultLockPolicy{Policy: doc}})
	switch {
	case doc == `{"Statement":[]}`:
		wantCode(t, "InitiateVaultLock of a bad policy", err, firn.CodeInvalidParameterValue)
	case lm.state != lock.None:
		wantCode(t, "InitiateVaultLock over a lock", err, firn.CodeAccessDenied)
	default:
		if err != nil {
			t.Fatalf("InitiateVaultLock: %v", err)
		}
		now := m.le.clock.Now()
		*lm = lockModel{state: lock.InProgress, id: out.LockId, doc: doc, created: now, deadline: now.Add(24 * time.Hour)}
		m.docs[out.LockId] = doc
	}
}

func (m *lockMachine) Complete(t *rapid.T) {
	name, lm := m.pick(t)
	id := lm.id
	if id == "" || rapid.Bool().Draw(t, "other") {
		ids := []string{"01ARZ3NDEKTSV4RRFFQ69G5FAV"}
		for id := range m.docs {
			ids = append(ids, id)
		}
		id = rapid.SampledFrom(ids).Draw(t, "id")
	}
	_, err := m.le.e.CompleteVaultLock(context.Background(), &firn.CompleteVaultLockInput{VaultName: name, LockId: id})
	switch {
	case lm.state == lock.None:
		wantCode(t, "CompleteVaultLock without a lock", err, firn.CodeResourceNotFound)
	case id != lm.id && lm.state == lock.Locked:
		wantCode(t, "CompleteVaultLock of a Locked lock with another ID", err, firn.CodeAccessDenied)
	case id != lm.id:
		wantCode(t, "CompleteVaultLock with another ID", err, firn.CodeInvalidParameterValue)
	case err != nil:
		t.Fatalf("CompleteVaultLock: %v", err)
	default:
		lm.state = lock.Locked
	}
}

func (m *lockMachine) Abort(t *rapid.T) {
	name, lm := m.pick(t)
	_, err := m.le.e.AbortVaultLock(context.Background(), &firn.AbortVaultLockInput{VaultName: name})
	if lm.state == lock.Locked {
		wantCode(t, "AbortVaultLock of a Locked lock", err, firn.CodeAccessDenied)
		return
	}
	if err != nil {
		t.Fatalf("AbortVaultLock: %v", err)
	}
	*lm = lockModel{}
}

func (m *lockMachine) Advance(t *rapid.T) {
	d := rapid.SampledFrom([]time.Duration{time.Nanosecond, time.Hour, 24*time.Hour - time.Nanosecond, 24 * time.Hour, 1000 * 24 * time.Hour}).Draw(t, "d")
	m.le.clock.Advance(d)
	m.settle()
}

func (m *lockMachine) Tick(t *rapid.T) { m.le.e.tick() }

func (m *lockMachine) Reopen(t *rapid.T) { m.le.reopen(t) }

// Check compares every observable of each vault's lock with the model: the
// GetVaultLock output, the enforcement of the policy, and the stored timer.
func (m *lockMachine) Check(t *rapid.T) {
	ctx := context.Background()
	for _, name := range lockVaults {
		lm := m.models[name]
		out, err := m.le.e.GetVaultLock(ctx, &firn.GetVaultLockInput{VaultName: name})
		if lm.state == lock.None {
			wantCode(t, "GetVaultLock of "+name, err, firn.CodeResourceNotFound)
		} else {
			if err != nil {
				t.Fatalf("GetVaultLock of %s: %v", name, err)
			}
			want := firn.GetVaultLockOutput{Policy: lm.doc, State: string(lm.state), CreationDate: lm.created}
			if lm.state == lock.InProgress {
				want.ExpirationDate = lm.deadline
			}
			if out.Policy != want.Policy || out.State != want.State ||
				!out.CreationDate.Equal(want.CreationDate) || !out.ExpirationDate.Equal(want.ExpirationDate) {
				t.Fatalf("GetVaultLock of %s = %+v, want %+v", name, *out, want)
			}
		}
		_, err = m.le.e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: name})
		if lm.doc == denyDescribe {
			wantCode(t, "DescribeVault under a lock that denies it", err, firn.CodeAccessDenied)
		} else if err != nil {
			t.Fatalf("DescribeVault of %s: %v", name, err)
		}
	}
	// An InProgress lock, expired or not, has its one timer; any other
	// state has none.
	timers := m.le.lockTimers(t)
	for _, name := range lockVaults {
		v := m.le.record(t, name)
		got := timers[string(store.LockTimerID(v.ID, v.Account, v.Name))]
		switch v.Lock.State {
		case lock.InProgress:
			if len(got) != 1 || !got[0].Equal(v.Lock.Expires()) {
				t.Fatalf("vault %s: lock timers %v, want one at %v", name, got, v.Lock.Expires())
			}
		default:
			if len(got) != 0 {
				t.Fatalf("vault %s with lock state %q has lock timers %v", name, v.Lock.State, got)
			}
		}
	}
}

func TestLockEngineStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		le := &lockEngine{fs: vfs.NewMem(), clock: testkit.NewClock(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))}
		le.open(t)
		defer le.close(t)
		m := &lockMachine{le: le, models: map[string]*lockModel{}, docs: map[string]string{}}
		for _, name := range lockVaults {
			le.createVault(t, name)
			m.models[name] = &lockModel{}
		}
		t.Repeat(rapid.StateMachineActions(m))
	})
}
