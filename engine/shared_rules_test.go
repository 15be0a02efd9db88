package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/pgtest"
	"github.com/firnstore/firn/internal/testkit"
)

// TestSharedRules races each rule that involves a read before a write from
// three engines on one PostgreSQL database and one MinIO bucket at once,
// and requires the outcome that one engine would give: every rule is
// decided in the database's transaction, not by an engine's own locks.
func TestSharedRules(t *testing.T) {
	c := miniotest.Start(t)
	ctx := context.Background()

	t.Run("CreateVaultIdempotent", func(t *testing.T) {
		es := sharedEngines(t, c, engine.Options{})
		locations := make([]string, 3*3)
		errs := race(es, 3, func(e *engine.Engine, i int) error {
			out, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "same"})
			if err == nil {
				locations[i] = out.Location
			}
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("CreateVault %d: %v", i, err)
			}
		}
		if locations[0] == "" || slices.ContainsFunc(locations, func(l string) bool { return l != locations[0] }) {
			t.Errorf("the creates answered different locations: %q", locations)
		}
		if n := vaultCount(t, es[2]); n != 1 {
			t.Errorf("%d vaults after creating one name nine times, want 1", n)
		}
	})

	t.Run("VaultLimit", func(t *testing.T) {
		const limit = 5
		es := sharedEngines(t, c, engine.Options{MaxVaults: limit})
		errs := race(es, 4, func(e *engine.Engine, i int) error {
			_, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: fmt.Sprintf("v%d", i)})
			return err
		})
		if ok := admitted(t, errs, firn.CodeLimitExceeded); ok != limit {
			t.Errorf("%d of %d creates of distinct vaults succeeded, want the limit, %d", ok, len(errs), limit)
		}
		if n := vaultCount(t, es[0]); n != limit {
			t.Errorf("%d vaults, want the limit, %d", n, limit)
		}
	})

	t.Run("DeleteVaultRacingUpload", func(t *testing.T) {
		es := sharedEngines(t, c, engine.Options{})
		for round := range 12 {
			name := fmt.Sprintf("v%d", round)
			if _, err := es[0].CreateVault(ctx, &firn.CreateVaultInput{VaultName: name}); err != nil {
				t.Fatal(err)
			}
			// The engines take turns at each part, so that every pair races.
			del, up := es[round%3], es[(round+1+round/3%2)%3]
			var delErr, upErr error
			start := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				<-start
				_, delErr = del.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: name})
			})
			wg.Go(func() {
				<-start
				_, upErr = up.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: name, Body: bytes.NewReader(testkit.Pattern(2000))})
			})
			close(start)
			wg.Wait()
			d, descErr := es[2].DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: name})
			switch {
			case delErr == nil && upErr == nil:
				t.Fatalf("round %d: the vault was deleted and an archive was committed into it", round)
			case delErr == nil:
				if firn.CodeOf(upErr) != firn.CodeResourceNotFound {
					t.Errorf("round %d: the upload into a deleted vault failed with %v, want ResourceNotFoundException", round, upErr)
				}
				if firn.CodeOf(descErr) != firn.CodeResourceNotFound {
					t.Errorf("round %d: the deleted vault is described: %v", round, descErr)
				}
			case upErr == nil:
				if firn.CodeOf(delErr) != firn.CodeInvalidParameterValue {
					t.Errorf("round %d: the delete of a vault holding an archive failed with %v, want InvalidParameterValueException", round, delErr)
				}
				if descErr != nil || d.NumberOfArchives != 1 {
					t.Errorf("round %d: the vault holding the upload: %+v, %v", round, d, descErr)
				}
			default:
				t.Errorf("round %d: both failed: delete %v, upload %v", round, delErr, upErr)
			}
		}
	})

	t.Run("CompleteMultipartOnce", func(t *testing.T) {
		es := sharedEngines(t, c, engine.Options{})
		if _, err := es[0].CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
			t.Fatal(err)
		}
		data := testkit.Pattern(1<<20 + 500)
		for round := range 3 {
			init, err := es[round].InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			for i, part := range [][]byte{data[:1<<20], data[1<<20:]} {
				start := i << 20
				_, err := es[(round+i+1)%3].UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: init.UploadId,
					Range: fmt.Sprintf("bytes %d-%d/*", start, start+len(part)-1), Body: bytes.NewReader(part)})
				if err != nil {
					t.Fatal(err)
				}
			}
			ids := make([]string, 3*2)
			errs := race(es, 2, func(e *engine.Engine, i int) error {
				out, err := e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: "v", UploadId: init.UploadId,
					ArchiveSize: int64(len(data)), Checksum: testkit.TreeHashHex(data)})
				if err == nil {
					ids[i] = out.ArchiveId
				}
				return err
			})
			for i, err := range errs {
				if err != nil {
					t.Errorf("round %d: CompleteMultipartUpload %d: %v", round, i, err)
				}
			}
			if ids[0] == "" || slices.ContainsFunc(ids, func(id string) bool { return id != ids[0] }) {
				t.Errorf("round %d: the completions returned different archives: %q", round, ids)
			}
			for _, e := range es {
				wantVault(t, e, "v", int64(round+1), int64(round+1)*int64(len(data)))
			}
		}
	})

	t.Run("VaultLock", func(t *testing.T) {
		es := sharedEngines(t, c, engine.Options{})
		const doc = `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"}]}`
		for round := range 6 {
			name := fmt.Sprintf("v%d", round)
			if _, err := es[0].CreateVault(ctx, &firn.CreateVaultInput{VaultName: name}); err != nil {
				t.Fatal(err)
			}
			ids := make([]string, 3*2)
			errs := race(es, 2, func(e *engine.Engine, i int) error {
				out, err := e.InitiateVaultLock(ctx, &firn.InitiateVaultLockInput{VaultName: name, Policy: &firn.VaultLockPolicy{Policy: doc}})
				if err == nil {
					ids[i] = out.LockId
				}
				return err
			})
			if ok := admitted(t, errs, firn.CodeAccessDenied); ok != 1 {
				t.Fatalf("round %d: %d racing InitiateVaultLock succeeded, want 1", round, ok)
			}
			lockID := slices.DeleteFunc(ids, func(id string) bool { return id == "" })[0]

			// Completion races abortion: exactly one wins, and the lock is
			// what the winner made it.
			var completeErr, abortErr error
			start := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				<-start
				_, completeErr = es[round%3].CompleteVaultLock(ctx, &firn.CompleteVaultLockInput{VaultName: name, LockId: lockID})
			})
			wg.Go(func() {
				<-start
				_, abortErr = es[(round+1)%3].AbortVaultLock(ctx, &firn.AbortVaultLockInput{VaultName: name})
			})
			close(start)
			wg.Wait()
			l, getErr := es[(round+2)%3].GetVaultLock(ctx, &firn.GetVaultLockInput{VaultName: name})
			switch {
			case completeErr == nil && abortErr == nil:
				t.Errorf("round %d: both CompleteVaultLock and AbortVaultLock succeeded", round)
			case completeErr == nil:
				if firn.CodeOf(abortErr) != firn.CodeAccessDenied {
					t.Errorf("round %d: AbortVaultLock of a locked vault: %v, want AccessDeniedException", round, abortErr)
				}
				if getErr != nil || l.State != "Locked" {
					t.Errorf("round %d: the completed lock: %+v, %v", round, l, getErr)
				}
			case abortErr == nil:
				if firn.CodeOf(completeErr) != firn.CodeResourceNotFound {
					t.Errorf("round %d: CompleteVaultLock of an aborted lock: %v, want ResourceNotFoundException", round, completeErr)
				}
				if firn.CodeOf(getErr) != firn.CodeResourceNotFound {
					t.Errorf("round %d: the aborted lock: %+v, %v", round, l, getErr)
				}
			default:
				t.Errorf("round %d: both failed: complete %v, abort %v", round, completeErr, abortErr)
			}
		}
	})

	t.Run("TagsLimit", func(t *testing.T) {
		es := sharedEngines(t, c, engine.Options{})
		if _, err := es[0].CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
			t.Fatal(err)
		}
		errs := race(es, 5, func(e *engine.Engine, i int) error {
			_, err := e.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{fmt.Sprintf("k%d", i): "v"}})
			return err
		})
		// Each call adds one key and fails only when ten are there.
		if ok := admitted(t, errs, firn.CodeLimitExceeded); ok != 10 {
			t.Errorf("%d of %d racing AddTagsToVault succeeded, want 10", ok, len(errs))
		}
		tags, err := es[1].ListTagsForVault(ctx, &firn.ListTagsForVaultInput{VaultName: "v"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tags.Tags) != 10 {
			t.Errorf("%d tags, want 10: %v", len(tags.Tags), tags.Tags)
		}
	})

	t.Run("BytesPerHour", func(t *testing.T) {
		es := sharedEngines(t, c, engine.Options{})
		if _, err := es[0].CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
			t.Fatal(err)
		}
		const size, limit = 300 << 10, 1 << 20 // three fit in the hour, not four
		a, err := es[1].UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(testkit.Pattern(size))})
		if err != nil {
			t.Fatal(err)
		}
		perHour := int64(limit)
		if _, err := es[2].SetDataRetrievalPolicy(ctx, &firn.SetDataRetrievalPolicyInput{Policy: &firn.DataRetrievalPolicy{
			Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyBytesPerHour, BytesPerHour: &perHour}}}}); err != nil {
			t.Fatal(err)
		}
		errs := race(es, 3, func(e *engine.Engine, i int) error {
			_, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId}})
			return err
		})
		if ok := admitted(t, errs, firn.CodePolicyEnforced); ok != limit/size {
			t.Errorf("%d racing retrievals of %d bytes admitted in an hour of %d bytes, want %d", ok, size, limit, limit/size)
		}
	})

	t.Run("ProvisionedCapacity", func(t *testing.T) {
		es := sharedEngines(t, c, engine.Options{})
		errs := race(es, 2, func(e *engine.Engine, i int) error {
			_, err := e.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{})
			return err
		})
		if ok := admitted(t, errs, firn.CodeLimitExceeded); ok != 2 {
			t.Errorf("%d of %d racing purchases succeeded, want 2", ok, len(errs))
		}
		l, err := es[0].ListProvisionedCapacity(ctx, &firn.ListProvisionedCapacityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.ProvisionedCapacityList) != 2 {
			t.Errorf("%d units, want 2", len(l.ProvisionedCapacityList))
		}
	})

	t.Run("ConcurrentUploads", func(t *testing.T) {
		es := sharedEngines(t, c, engine.Options{})
		if _, err := es[0].CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
			t.Fatal(err)
		}
		const goroutines, each = 8, 4
		sizes := make([]int64, 3*goroutines)
		errs := race(es, goroutines, func(e *engine.Engine, i int) error {
			for k := range each {
				size := 1 + (i*each+k)*131%5000
				if _, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(testkit.Pattern(size))}); err != nil {
					return err
				}
				sizes[i] += int64(size)
			}
			return nil
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("uploader %d: %v", i, err)
			}
		}
		var total int64
		for _, s := range sizes {
			total += s
		}
		for _, e := range es {
			wantVault(t, e, "v", 3*goroutines*each, total)
		}
	})
}

// sharedEngines opens three engines with opts on a fresh database and a
// fresh bucket of c, on one clock; each is checked and closed when t ends.
func sharedEngines(t *testing.T, c *miniotest.Cluster, opts engine.Options) []*engine.Engine {
	t.Helper()
	opts.Metadata = pgtest.NewDatabase(t)
	opts.ObjectStore = &engine.ObjectStore{Endpoint: c.Endpoint(0), Bucket: c.NewBucket(),
		AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey}
	opts.Clock = testkit.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	opts.Logger = slog.New(slog.DiscardHandler)
	var es []*engine.Engine
	for range 3 {
		o := opts
		o.FS = vfs.NewMem()
		e, err := engine.Open("firn", &o)
		if err != nil {
			t.Fatalf("engine.Open: %v", err)
		}
		es = append(es, e)
		t.Cleanup(func() {
			if err := e.Check(context.Background()); err != nil {
				t.Errorf("engine.Check: %v", err)
			}
			if err := e.Close(); err != nil {
				t.Errorf("engine.Close: %v", err)
			}
		})
	}
	return es
}

// race calls fn from each engine of es in n goroutines, all released at
// once, and returns their errors; fn's i numbers the call, from 0 to
// len(es)*n-1, and the engine of call i is es[i%len(es)].
func race(es []*engine.Engine, n int, fn func(e *engine.Engine, i int) error) []error {
	errs := make([]error, len(es)*n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			<-start
			errs[i] = fn(es[i%len(es)], i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// admitted returns how many of errs are nil, failing t for any error
// whose code is not refused.
func admitted(t *testing.T, errs []error, refused firn.Code) int {
	t.Helper()
	ok := 0
	for i, err := range errs {
		var fe *firn.Error
		switch {
		case err == nil:
			ok++
		case !errors.As(err, &fe) || fe.Code != refused:
			t.Errorf("call %d: %v (cause: %v), want success or %s", i, err, errors.Unwrap(err), refused)
		}
	}
	return ok
}

// vaultCount returns the number of vaults of e's account.
func vaultCount(t *testing.T, e *engine.Engine) int {
	t.Helper()
	l, err := e.ListVaults(context.Background(), &firn.ListVaultsInput{})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.VaultList)
}

// wantVault requires e to describe vault name with count archives of size
// bytes in all.
func wantVault(t *testing.T, e *engine.Engine, name string, count, size int64) {
	t.Helper()
	d, err := e.DescribeVault(context.Background(), &firn.DescribeVaultInput{VaultName: name})
	if err != nil {
		t.Fatal(err)
	}
	if d.NumberOfArchives != count || d.SizeInBytes != size {
		t.Errorf("vault %s: %d archives of %d bytes, want %d of %d", name, d.NumberOfArchives, d.SizeInBytes, count, size)
	}
}
