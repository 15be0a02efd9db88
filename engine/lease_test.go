package engine

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/testkit"
)

// Short lease times, long beside a request to a loaded MinIO (a renewal
// may take seconds on a loaded CI machine running the race detector): an
// abandoned lease is taken over after 6.25 s.
const (
	testLeaseLifetime = 5 * time.Second
	testLeaseRenew    = time.Second
)

func TestLease(t *testing.T) {
	c := miniotest.Start(t)
	env := &osEnv{c: c, bucket: c.NewBucket()}
	t.Run("SecondOpenRefused", func(t *testing.T) { testLeaseSecondOpen(t, env) })
	t.Run("TakeOverAfterCrash", func(t *testing.T) { testLeaseTakeOver(t, env) })
	t.Run("RacingTakeOvers", func(t *testing.T) { testLeaseRace(t, env) })
	t.Run("TakenLeaseRefusesWrites", func(t *testing.T) { testLeaseTaken(t, env) })
	t.Run("SameHostAndDirectory", func(t *testing.T) { testLeaseSameDir(t, env) })
}

func (env *osEnv) leaseStore(t *testing.T) *ObjectStore {
	s := env.store(t)
	s.LeaseLifetime, s.LeaseRenewInterval = testLeaseLifetime, testLeaseRenew
	return s
}

// aheadClock is the real time plus an offset: a machine whose clock is
// ahead.
type aheadClock time.Duration

func (d aheadClock) Now() time.Time { return firn.SystemClock{}.Now().Add(time.Duration(d)) }

func openLease(dir string, s *ObjectStore, clock firn.Clock) (*Engine, error) {
	return Open(dir, &Options{ObjectStore: s, Clock: clock, Logger: slog.New(slog.DiscardHandler)})
}

func wantInUse(t *testing.T, err error, holderDir, what string) {
	t.Helper()
	if !errors.Is(err, ErrBucketInUse) || !strings.Contains(err.Error(), holderDir) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("%s: %v; want ErrBucketInUse naming the holder's data directory %s and pid", what, err, holderDir)
	}
}

func wantUnavailable(t *testing.T, e *Engine, what string) {
	t.Helper()
	_, err := e.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: "after"})
	if !errors.Is(err, firn.ErrServiceUnavailable) {
		t.Fatalf("%s: CreateVault: %v, want ServiceUnavailableException", what, err)
	}
}

// readLease returns the lease object of s.
func readLease(t *testing.T, s *ObjectStore) (*leaseRecord, *blob.Bucket) {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), s.bucketConfig())
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := b.GetVersioned(context.Background(), leaseName)
	if err != nil {
		t.Fatal(err)
	}
	var r leaseRecord
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r, b
}

// putLease writes r as the lease of s, unconditionally, as a holder that
// misjudged the lease, or one that crashed long ago, would have.
func putLease(t *testing.T, s *ObjectStore, r leaseRecord) {
	t.Helper()
	_, b := readLease(t, s)
	data, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(context.Background(), leaseName, strings.NewReader(string(data)), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

// testLeaseSecondOpen: while an engine runs, a second on its bucket and
// prefix, and a Restore, are refused naming it; another prefix is fine;
// after Close the next Open succeeds at once.
func testLeaseSecondOpen(t *testing.T, env *osEnv) {
	s := env.leaseStore(t)
	dirA := t.TempDir()
	a, err := openLease(dirA, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	createVault(t, a, "v")
	if _, err := a.Backup(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err = openLease(t.TempDir(), s, nil)
	wantInUse(t, err, dirA, "a second Open")
	_, err = Restore(context.Background(), t.TempDir(), &Options{ObjectStore: s})
	wantInUse(t, err, dirA, "Restore beside a live engine")

	other := *s
	other.Prefix += "other/"
	o, err := openLease(t.TempDir(), &other, nil)
	if err != nil {
		t.Fatalf("Open on another prefix: %v", err)
	}
	closeChecked(t, o)

	closeChecked(t, a)
	if r, _ := readLease(t, s); !r.Released {
		t.Fatalf("lease after Close: %+v, want released", r)
	}
	b, err := openLease(t.TempDir(), s, nil)
	if err != nil {
		t.Fatalf("Open after the holder's Close: %v", err)
	}
	createVault(t, b, "w")
	closeChecked(t, b)
}

// testLeaseTakeOver: an engine that stopped renewing (as if its machine
// had frozen, or crashed) stops writing once its lease's lifetime is over,
// and an engine whose clock says the lease has expired takes it over after
// watching it for that lifetime.
func testLeaseTakeOver(t *testing.T, env *osEnv) {
	s := env.leaseStore(t)
	dirA := t.TempDir()
	a, err := openLease(dirA, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	createVault(t, a, "v")
	a.lease.halt()
	testkit.Within(t, "the stalled engine's lease to lapse", func() error {
		<-a.lease.lost
		return nil
	})
	wantUnavailable(t, a, "after the lease lapsed")

	// By a clock that is behind, the lease looks live: refused at once,
	// which only delays the takeover.
	_, err = openLease(t.TempDir(), s, aheadClock(-time.Hour))
	wantInUse(t, err, dirA, "Open before the stated expiry")
	b, err := openLease(t.TempDir(), s, aheadClock(testLeaseLifetime))
	if err != nil {
		t.Fatalf("Open after the lease expired: %v", err)
	}
	createVault(t, b, "w")
	if r, _ := readLease(t, s); r.Holder != b.lease.rec.Holder {
		t.Fatalf("lease held by %s, want the new engine's %s", r, b.lease.rec.Holder)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if r, _ := readLease(t, s); r.Holder != b.lease.rec.Holder || r.Released {
		t.Fatalf("the old engine's Close changed the new one's lease: %+v", r)
	}
	closeChecked(t, b)
}

// testLeaseRace: of engines that take over one expired lease at once,
// exactly one wins, and the others name it.
func testLeaseRace(t *testing.T, env *osEnv) {
	s := env.leaseStore(t)
	closeChecked(t, func() *Engine {
		e, err := openLease(t.TempDir(), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}())
	putLease(t, s, leaseRecord{Holder: "CRASHED", Host: "gone", PID: 1, Dir: "/gone",
		Expires: firn.SystemClock{}.Now().Add(-time.Hour), Lifetime: testLeaseLifetime})

	const racers = 3
	engines := make([]*Engine, racers)
	errs := make([]error, racers)
	dirs := make([]string, racers)
	var wg sync.WaitGroup
	for i := range racers {
		dirs[i] = t.TempDir()
		wg.Go(func() { engines[i], errs[i] = openLease(dirs[i], s, nil) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("engines %d and %d both took the lease over", winner, i)
			}
			winner = i
			defer closeChecked(t, engines[i])
		}
	}
	if winner < 0 {
		t.Fatalf("no engine took the expired lease over: %v", errs)
	}
	for i, err := range errs {
		if i != winner {
			wantInUse(t, err, dirs[winner], "a losing Open")
		}
	}
}

// testLeaseTaken: an engine that finds its lease taken by another stops
// writing at once, and its Close leaves the other's lease alone.
func testLeaseTaken(t *testing.T, env *osEnv) {
	s := env.leaseStore(t)
	a, err := openLease(t.TempDir(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	createVault(t, a, "v")
	usurper := leaseRecord{Holder: "USURPER", Host: "elsewhere", PID: 2, Dir: "/elsewhere",
		Expires: firn.SystemClock{}.Now().Add(time.Hour), Lifetime: time.Hour}
	putLease(t, s, usurper)
	if err := a.lease.renew(); !errors.Is(err, blob.ErrChanged) {
		t.Fatalf("renewing a taken lease: %v, want blob.ErrChanged", err)
	}
	wantUnavailable(t, a, "after the lease was taken")
	if _, err := a.Backup(context.Background()); !errors.Is(err, firn.ErrServiceUnavailable) {
		t.Fatalf("Backup after the lease was taken: %v, want ServiceUnavailableException", err)
	}
	if err := a.blobs.Delete(a.newID()); !errors.Is(err, firn.ErrServiceUnavailable) {
		t.Fatalf("deleting a segment after the lease was taken: %v, want ServiceUnavailableException", err)
	}
	if _, err := a.DescribeVault(context.Background(), &firn.DescribeVaultInput{VaultName: "v"}); err != nil {
		t.Fatalf("DescribeVault after the lease was taken: %v; reads are still served", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if r, _ := readLease(t, s); *r != usurper {
		t.Fatalf("lease after the old holder's Close: %+v, want the usurper's %+v", r, usurper)
	}
}

// testLeaseSameDir: an engine reopened on its data directory after a crash
// takes its old lease over at once: the directory's lock proves its holder
// gone.
func testLeaseSameDir(t *testing.T, env *osEnv) {
	s := env.leaseStore(t)
	dir := t.TempDir()
	closeChecked(t, func() *Engine {
		e, err := openLease(dir, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}())
	host, _ := os.Hostname()
	r, _ := readLease(t, s)
	putLease(t, s, leaseRecord{Holder: "CRASHED", Host: host, PID: 3, Dir: r.Dir,
		Expires: firn.SystemClock{}.Now().Add(time.Hour), Lifetime: time.Hour})
	e, err := openLease(dir, s, nil)
	if err != nil {
		t.Fatalf("reopening the crashed holder's data directory: %v", err)
	}
	closeChecked(t, e)
}
