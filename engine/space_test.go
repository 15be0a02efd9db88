package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// wantRefused checks that err is the free-space guard's refusal naming
// the option whose reserve it enforced.
func wantRefused(t *testing.T, what string, err error, field string) {
	t.Helper()
	var fe *firn.Error
	if !errors.As(err, &fe) || fe.Code != firn.CodeServiceUnavailable || !strings.Contains(fe.Message, "Options."+field) {
		t.Fatalf("%s: got %v, want ServiceUnavailableException naming Options.%s", what, err, field)
	}
}

// spaceState is what a refused operation must leave unchanged.
func spaceState(t *testing.T, ctx context.Context, e *engine.Engine, fs vfs.FS, upload string) faultState {
	t.Helper()
	return readFaultState(t, ctx, e, fs, upload)
}

// TestFreeSpaceGuard sets the free space the engine measures and checks
// the reserves: below FreeSpaceReserve, or when their declared size would
// take the free space below it, uploads and parts are refused before
// anything is written, while the other mutations work down to
// MetadataFreeSpaceReserve; below that only deletes and reads work; writes
// resume as soon as space is back. Far from the limit, operations do not
// measure.
func TestFreeSpaceGuard(t *testing.T) {
	ctx := context.Background()
	const reserve, metaReserve = 16 << 20, 4 << 20
	var free, calls atomic.Int64
	free.Store(1 << 40)
	mem := vfs.NewMem()
	open := func() *engine.Engine {
		t.Helper()
		calls.Store(0)
		e, err := engine.Open("d", &engine.Options{FS: mem, Clock: crashClock{}, TickInterval: time.Hour,
			FreeSpaceReserve: reserve, MetadataFreeSpaceReserve: metaReserve,
			FreeSpace: func(path string) (int64, error) {
				if path != "d/meta" && path != "d/blobs" {
					t.Errorf("FreeSpace(%q), want the data directory's meta or blobs", path)
				}
				calls.Add(1)
				return free.Load(), nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if calls.Load() == 0 {
			t.Fatal("Open did not measure the free space")
		}
		return e
	}
	e := open()

	calls.Store(0)
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	var archives []string
	for i := range 20 {
		a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(wbytes(uint64(i), 100<<10))})
		if err != nil {
			t.Fatal(err)
		}
		archives = append(archives, a.ArchiveId)
		if _, err := e.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{"k": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("far from the reserve, 41 operations measured the free space %d times, want none", n)
	}
	// A drop of the free space by others is seen at the first operation
	// after the next tick, or by Open.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	free.Store(reserve + 1<<20 + 100)
	e = open()
	defer e.Close()
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: wPartSize})
	if err != nil {
		t.Fatal(err)
	}
	upload := func(body io.Reader) error {
		_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: body})
		return err
	}
	part := func(i int) error {
		_, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: up.UploadId,
			Range: fmt.Sprintf("bytes %d-%d/*", i*wPartSize, (i+1)*wPartSize-1), Body: bytes.NewReader(wbytes(uint64(i), wPartSize))})
		return err
	}
	refused := func(what string, field string, op func() error) {
		t.Helper()
		before := spaceState(t, ctx, e, mem, up.UploadId)
		wantRefused(t, what, op(), field)
		if after := spaceState(t, ctx, e, mem, up.UploadId); !equalFaultState(before, after) {
			t.Fatalf("%s was refused but changed the state from %+v to %+v", what, before, after)
		}
	}

	// Declared sizes that would cross the reserve.
	free.Store(reserve + 1<<20 + 100)
	refused("a 2 MiB upload with 1 MiB above the reserve", "FreeSpaceReserve", func() error { return upload(bytes.NewReader(wbytes(1, 2<<20))) })
	refused("a 1 MiB part with less than 1 MiB above the reserve", "FreeSpaceReserve", func() error {
		free.Store(reserve + wPartSize - 1)
		return part(0)
	})
	// A body that declares no size is stopped as it arrives, and what was
	// written of it is removed.
	free.Store(reserve + 3<<20 + 100)
	refused("an undeclared 8 MiB upload with 3 MiB above the reserve", "FreeSpaceReserve", func() error {
		return upload(io.MultiReader(bytes.NewReader(wbytes(2, 4<<20)), bytes.NewReader(wbytes(3, 4<<20))))
	})
	if err := upload(bytes.NewReader(wbytes(4, 512<<10))); err != nil {
		t.Fatalf("a 512 KiB upload with 3 MiB above the reserve: %v", err)
	}

	// Between the reserves: no uploads, every other mutation.
	free.Store(reserve - 1)
	refused("UploadArchive below the reserve", "FreeSpaceReserve", func() error { return upload(strings.NewReader("x")) })
	refused("UploadMultipartPart below the reserve", "FreeSpaceReserve", func() error { return part(1) })
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "w"}); err != nil {
		t.Fatalf("CreateVault below the upload reserve: %v", err)
	}
	if _, err := e.SetVaultNotifications(ctx, &firn.SetVaultNotificationsInput{VaultName: "v", VaultNotificationConfig: &firn.VaultNotificationConfig{
		SNSTopic: "arn:aws:sns:us-east-1:000000000000:t", Events: []string{"ArchiveRetrievalCompleted"}}}); err != nil {
		t.Fatalf("SetVaultNotifications below the upload reserve: %v", err)
	}
	job, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: archives[0]}})
	if err != nil {
		t.Fatalf("InitiateJob below the upload reserve: %v", err)
	}

	// Below the metadata reserve: deletes and reads only.
	free.Store(metaReserve - 1)
	refused("UploadArchive below the metadata reserve", "FreeSpaceReserve", func() error { return upload(strings.NewReader("x")) })
	refused("CreateVault below the metadata reserve", "MetadataFreeSpaceReserve", func() error {
		_, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "x"})
		return err
	})
	refused("AddTagsToVault below the metadata reserve", "MetadataFreeSpaceReserve", func() error {
		_, err := e.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{"k": "x"}})
		return err
	})
	refused("InitiateJob below the metadata reserve", "MetadataFreeSpaceReserve", func() error {
		_, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
		return err
	})
	if got, err := readOutput(ctx, e, "v", job.JobId); err != nil || len(got) != 100<<10 {
		t.Fatalf("GetJobOutput below the metadata reserve: %d bytes, %v", len(got), err)
	}
	if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: archives[1]}); err != nil {
		t.Fatalf("DeleteArchive below the metadata reserve: %v", err)
	}
	if _, err := e.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: up.UploadId}); err != nil {
		t.Fatalf("AbortMultipartUpload below the metadata reserve: %v", err)
	}
	if _, err := e.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "w"}); err != nil {
		t.Fatalf("DeleteVault below the metadata reserve: %v", err)
	}

	// Space back: writes resume, without a restart.
	free.Store(1 << 40)
	if err := upload(bytes.NewReader(wbytes(5, 100<<10))); err != nil {
		t.Fatalf("UploadArchive once space is back: %v", err)
	}
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "x"}); err != nil {
		t.Fatalf("CreateVault once space is back: %v", err)
	}
	if err := e.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestFreeSpaceDefault checks that without Options.FreeSpace the engine
// asks its file system (statfs on the OS's), and that a file system that
// cannot tell turns the reserves off.
func TestFreeSpaceDefault(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewMem()
	mem.TestingSetDiskUsage(vfs.DiskUsage{AvailBytes: engine.DefaultFreeSpaceReserve - 1, TotalBytes: 1 << 40})
	e := openFixedVault(t, "d", mem)
	defer e.Close()
	_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("x")})
	wantRefused(t, "UploadArchive with the file system reporting less than the default reserve", err, "FreeSpaceReserve")

	e2 := openFixedVault(t, "d2", vfs.NewMem())
	defer e2.Close()
	if _, err := e2.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("UploadArchive on a file system that cannot tell its free space: %v", err)
	}
}

// TestFreeSpaceOptions checks the reserves' defaults and validation.
func TestFreeSpaceOptions(t *testing.T) {
	o := (*engine.Options)(nil).EnsureDefaults()
	if o.FreeSpaceReserve != engine.DefaultFreeSpaceReserve || o.MetadataFreeSpaceReserve != engine.DefaultMetadataFreeSpaceReserve {
		t.Fatalf("defaults: %d, %d", o.FreeSpaceReserve, o.MetadataFreeSpaceReserve)
	}
	o = (&engine.Options{FreeSpaceReserve: 80 << 20}).EnsureDefaults()
	if o.MetadataFreeSpaceReserve != 10<<20 {
		t.Fatalf("MetadataFreeSpaceReserve defaults to %d with FreeSpaceReserve 80 MiB, want a eighth", o.MetadataFreeSpaceReserve)
	}
	o = (&engine.Options{FreeSpaceReserve: 1 << 20, MetadataFreeSpaceReserve: 2 << 20}).EnsureDefaults()
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "MetadataFreeSpaceReserve") {
		t.Fatalf("Validate with the metadata reserve above the upload reserve: %v", err)
	}
	o = (&engine.Options{FreeSpaceReserve: -1, MetadataFreeSpaceReserve: -1}).EnsureDefaults()
	if err := o.Validate(); err != nil {
		t.Fatalf("Validate with both reserves off: %v", err)
	}
	if slices.Contains([]int64{o.FreeSpaceReserve, o.MetadataFreeSpaceReserve}, 0) {
		t.Fatal("negative reserves were replaced by defaults")
	}
}
