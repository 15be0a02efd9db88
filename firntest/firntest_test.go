package firntest_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/job"
)

func TestNewEngine(t *testing.T) {
	var e *firntest.Engine
	t.Run("sub", func(t *testing.T) {
		e = firntest.New(t, &firntest.Options{Start: time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC), Engine: &engine.Options{AccountID: "111122223333"}})
		out, err := e.CreateVault(t.Context(), &firn.CreateVaultInput{VaultName: "v"})
		if err != nil {
			t.Fatal(err)
		}
		if out.Location != "/111122223333/vaults/v" {
			t.Errorf("Location %q: the engine options were not used", out.Location)
		}
		d, err := e.DescribeVault(t.Context(), &firn.DescribeVaultInput{VaultName: "v"})
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC); !d.CreationDate.Equal(want) {
			t.Errorf("CreationDate %v, want the clock's start %v", d.CreationDate, want)
		}
	})
	// The subtest's cleanup closed the engine; closing again is harmless.
	if err := e.Close(); err != nil {
		t.Errorf("Close after cleanup: %v", err)
	}
}

func TestEnginesAreIndependent(t *testing.T) {
	a, b := firntest.New(t, nil), firntest.New(t, nil)
	if _, err := a.CreateVault(t.Context(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.DescribeVault(t.Context(), &firn.DescribeVaultInput{VaultName: "v"}); !errors.Is(err, firn.ErrResourceNotFound) {
		t.Errorf("vault of one engine seen by another: %v", err)
	}
	if !a.Clock.Now().Equal(firntest.Epoch) {
		t.Errorf("clock starts at %v, want Epoch %v", a.Clock.Now(), firntest.Epoch)
	}
}

func TestClockDrivesEngine(t *testing.T) {
	e := firntest.New(t, &firntest.Options{Engine: &engine.Options{JobTiming: job.Timing{Inventory: job.Window{Min: time.Hour, Max: time.Hour}}}})
	ctx := t.Context()
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
	if err != nil {
		t.Fatal(err)
	}
	status := func() firn.StatusCode {
		d, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j.JobId})
		if err != nil {
			t.Fatal(err)
		}
		return d.StatusCode
	}
	e.Clock.Advance(time.Hour - time.Nanosecond)
	if s := status(); s != firn.StatusInProgress {
		t.Errorf("status %s before the due time", s)
	}
	e.Clock.Advance(time.Nanosecond)
	if s := status(); s != firn.StatusSucceeded {
		t.Errorf("status %s at the due time", s)
	}
}

func wantPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

func TestOperationNames(t *testing.T) {
	g := reflect.TypeFor[firn.Glacier]()
	f := firntest.Inject(firntest.New(t, nil))
	for i := range g.NumMethod() {
		op := g.Method(i).Name
		if n := f.Calls(op); n != 0 { // panics for an unknown name
			t.Errorf("Calls(%s) = %d before any call", op, n)
		}
	}
	wantPanic(t, "FailNext(unknown)", func() { f.FailNext("UploadArchives", 1, firn.ErrServiceUnavailable) })
	wantPanic(t, "Delay(unknown)", func() { f.Delay("", time.Second) })
	wantPanic(t, "Calls(unknown)", func() { f.Calls("uploadArchive") })
	wantPanic(t, "FailNext(nil error)", func() { f.FailNext("UploadArchive", 1, nil) })
}

func TestFaultyGenerated(t *testing.T) {
	testkit.CheckForwarder(t, "faulty_glacier.go", "firntest", "Faulty", "call")
}

func TestFailNext(t *testing.T) {
	e := firntest.New(t, nil)
	f := firntest.Inject(e)
	ctx := t.Context()
	f.FailNext("CreateVault", 2, &firn.Error{Code: firn.CodeLimitExceeded, Message: "too many"})
	for i := range 2 {
		out, err := f.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
		var fe *firn.Error
		if out != nil || !errors.As(err, &fe) || fe.Code != firn.CodeLimitExceeded || fe.Message != "too many" {
			t.Fatalf("call %d: %v, %v; want the injected LimitExceededException", i, out, err)
		}
		fe.Message = "changed by the caller"
	}
	if _, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"}); !errors.Is(err, firn.ErrResourceNotFound) {
		t.Fatalf("a failed call reached the engine: %v", err)
	}
	if _, err := f.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatalf("third call: %v", err)
	}
	if n := f.Calls("CreateVault"); n != 3 {
		t.Errorf("Calls = %d, want 3", n)
	}

	// A failed upload does not read its body; other operations are not
	// affected; FailNext replaces pending failures; Reset removes them.
	f.FailNext("UploadArchive", 5, firn.ErrServiceUnavailable)
	f.FailNext("UploadArchive", 1, firn.ErrRequestTimeout)
	body := bytes.NewReader([]byte("data"))
	_, err := f.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: body})
	if !errors.Is(err, firn.ErrRequestTimeout) || !strings.Contains(err.Error(), "UploadArchive") {
		t.Fatalf("UploadArchive: %v, want the injected RequestTimeoutException naming the operation", err)
	}
	if body.Len() != 4 {
		t.Errorf("the failed call read %d bytes of the body", 4-body.Len())
	}
	if _, err := f.ListVaults(ctx, &firn.ListVaultsInput{}); err != nil {
		t.Errorf("ListVaults: %v", err)
	}
	if _, err := f.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: body}); err != nil {
		t.Fatalf("UploadArchive after its one failure: %v", err)
	}
	f.FailNext("UploadArchive", 3, firn.ErrServiceUnavailable)
	f.Reset()
	if _, err := f.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("x"))}); err != nil {
		t.Fatalf("UploadArchive after Reset: %v", err)
	}
	f.FailNext("DeleteVault", 1, firn.ErrServiceUnavailable)
	f.FailNext("DeleteVault", 0, firn.ErrServiceUnavailable)
	if _, err := f.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "nope"}); !errors.Is(err, firn.ErrResourceNotFound) {
		t.Errorf("DeleteVault after FailNext(0): %v, want the engine's ResourceNotFoundException", err)
	}
}

func TestDelay(t *testing.T) {
	f := firntest.Inject(firntest.New(t, nil))
	ctx := t.Context()
	f.Delay("ListVaults", 30*time.Millisecond)
	f.FailNext("ListVaults", 1, firn.ErrServiceUnavailable)
	start := time.Now()
	if _, err := f.ListVaults(ctx, &firn.ListVaultsInput{}); !errors.Is(err, firn.ErrServiceUnavailable) {
		t.Errorf("delayed failing call: %v", err)
	}
	if _, err := f.ListVaults(ctx, &firn.ListVaultsInput{}); err != nil {
		t.Errorf("delayed call: %v", err)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("two delayed calls took %v, want at least 60ms", d)
	}

	f.Delay("ListVaults", time.Hour)
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err := f.ListVaults(cctx, &firn.ListVaultsInput{})
	if !errors.Is(err, firn.ErrRequestTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("call whose context ends while delayed: %v, want RequestTimeoutException wrapping the context's error", err)
	}

	f.Reset()
	start = time.Now()
	if _, err := f.ListVaults(ctx, &firn.ListVaultsInput{}); err != nil || time.Since(start) > 10*time.Second {
		t.Errorf("after Reset: %v in %v", err, time.Since(start))
	}
}

// TestFaultyConcurrent checks that exactly n of many concurrent calls fail.
func TestFaultyConcurrent(t *testing.T) {
	f := firntest.Inject(firntest.New(t, nil))
	f.FailNext("ListVaults", 10, firn.ErrServiceUnavailable)
	var mu sync.Mutex
	var codes []string
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			_, err := f.ListVaults(context.Background(), &firn.ListVaultsInput{})
			mu.Lock()
			defer mu.Unlock()
			codes = append(codes, string(firn.CodeOf(err)))
		})
	}
	wg.Wait()
	sort.Strings(codes)
	failed := 0
	for _, c := range codes {
		if c == string(firn.CodeServiceUnavailable) {
			failed++
		}
	}
	if failed != 10 || f.Calls("ListVaults") != 32 {
		t.Errorf("%d of %d calls failed (%v), want 10 of 32", failed, f.Calls("ListVaults"), codes)
	}
}
