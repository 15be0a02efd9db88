package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/internal/tmpfstest"
)

// wantFailedState checks that err is the failed state's
// ServiceUnavailableException, caused by a full disk.
func wantFailedState(t *testing.T, what string, err error) {
	t.Helper()
	var fe *firn.Error
	if !errors.As(err, &fe) || fe.Code != firn.CodeServiceUnavailable || !strings.Contains(fe.Message, "metadata store failed") || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("%s: got %v, want the failed state's ServiceUnavailableException caused by ENOSPC", what, err)
	}
}

// diskState is what a refused upload must leave unchanged: the vault's
// counters and the files in the blob directory.
func diskState(t *testing.T, ctx context.Context, e *engine.Engine, dir string) string {
	t.Helper()
	d, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	if err != nil {
		t.Fatal(err)
	}
	names := files(t, vfs.Default, filepath.Join(dir, "blobs"))
	return fmt.Sprintf("%d archives, %d bytes, files %v", d.NumberOfArchives, d.SizeInBytes, names)
}

// TestDiskFullTmpfs runs the engine on a real 16 MiB file system (a tmpfs
// the test mounts). Uploads fill it until the guard refuses one, which
// changes nothing; a delete works and frees space, and uploads resume.
// Then the test fills the disk itself, from outside the engine: uploads
// and metadata writes are refused, deletes still run, until a write of the
// metadata store fails. The engine is then in the failed state: every
// mutation fails at once, reads are served, Close returns. Once the space
// is freed, reopening the directory in the same process finds every
// acknowledged write, and Check passes.
func TestDiskFullTmpfs(t *testing.T) {
	ctx := context.Background()
	mnt := tmpfstest.Mount(t, 16<<20)
	dir := filepath.Join(mnt, "data")
	opts := func() *engine.Options {
		o := &engine.Options{Clock: crashClock{}, TickInterval: time.Hour,
			FreeSpaceReserve: 4 << 20, MetadataFreeSpaceReserve: 2 << 20}
		// Pebble preallocates its log, and writes in the preallocated part
		// succeed on a full disk: with small memtables, the log is rotated
		// after few deletes, and a new one (with its table flushed) cannot
		// be written.
		engine.SetMemTableSize(o, 64<<10)
		return o
	}
	e, err := engine.Open(dir, opts())
	if err != nil {
		t.Fatal(err)
	}
	want, ids := failedStateFixture(t, ctx, e)
	upload := func(desc string, data []byte) (string, error) {
		out, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: desc, Body: bytes.NewReader(data)})
		if err != nil {
			return "", err
		}
		want.archives[desc] = newWArchive(out.ArchiveId, data)
		return out.ArchiveId, nil
	}
	// Small archives, whose bytes are in the metadata store: deleting them
	// frees no space, so that once the disk is full their deletes write
	// the metadata store's log until that fails.
	var small []string
	for i := range 400 {
		desc := fmt.Sprintf("small%03d", i)
		if _, err := upload(desc, wbytes(uint64(100+i), 100)); err != nil {
			t.Fatal(err)
		}
		small = append(small, desc)
	}

	var big []string
	for i := 0; ; i++ {
		desc := fmt.Sprintf("big%03d", i)
		before := diskState(t, ctx, e, dir)
		_, err := upload(desc, wbytes(uint64(i), 256<<10))
		if err != nil {
			wantRefused(t, "the upload that would cross the reserve", err, "FreeSpaceReserve")
			if after := diskState(t, ctx, e, dir); after != before {
				t.Fatalf("the refused upload changed the state from %+v to %+v", before, after)
			}
			break
		}
		big = append(big, desc)
	}
	t.Logf("%d uploads of 256 KiB before the guard refused one; %d bytes free", len(big), tmpfstest.Free(t, mnt))
	if len(big) < 4 {
		t.Fatalf("only %d uploads fit", len(big))
	}
	// The delete frees the segment's blocks: its file is removed and not
	// held open. The file system's free space is not compared, since a
	// flush or compaction running meanwhile takes some of it.
	blobs := filepath.Join(dir, "blobs")
	usedBefore := tmpfstest.Used(t, blobs)
	if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: want.archives[big[0]].id}); err != nil {
		t.Fatalf("DeleteArchive with uploads refused: %v", err)
	}
	delete(want.archives, big[0])
	if freed := usedBefore - tmpfstest.Used(t, blobs); freed < 256<<10 {
		t.Fatalf("the delete freed %d bytes of segment files", freed)
	}
	if held := tmpfstest.OpenRemoved(t, blobs); len(held) != 0 {
		t.Fatalf("removed files still open: %v", held)
	}
	if _, err := upload("after-delete", wbytes(7, 100<<10)); err != nil {
		t.Fatalf("an upload once the delete freed space: %v", err)
	}

	// A flush or compaction the writes so far made due would fail on the
	// disk filled next, before the guards are asked.
	if err := engine.CompactMetadata(e); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(mnt, "filler")
	t.Logf("the test filled the disk with %d bytes", tmpfstest.Fill(t, filler))
	_, err = upload("refused", wbytes(8, 100))
	wantRefused(t, "UploadArchive on the full disk", err, "FreeSpaceReserve")
	_, err = e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "w"})
	wantRefused(t, "CreateVault on the full disk", err, "MetadataFreeSpaceReserve")

	var failed string
	for i, desc := range small {
		err := testkit.Within(t, "DeleteArchive on the full disk", func() error {
			_, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: want.archives[desc].id})
			return err
		})
		if err != nil {
			wantFailedState(t, "the delete whose metadata write failed", err)
			t.Logf("delete %d on the full disk failed", i)
			failed = desc
			break
		}
		delete(want.archives, desc)
	}
	if failed == "" {
		t.Fatalf("%d deletes on the full disk all succeeded", len(small))
	}
	checkFailedState(t, ctx, e, ids, func(what string, err error) { wantFailedState(t, what, err) })
	if err := testkit.Within(t, "Close", e.Close); err == nil {
		t.Fatal("Close in the failed state returned nil, want the failure")
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	e, err = engine.Open(dir, opts())
	if err != nil {
		t.Fatalf("reopening once space is free: %v", err)
	}
	defer e.Close()
	if err := e.Check(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := observe(ctx, e, "v")
	if err != nil {
		t.Fatal(err)
	}
	// The failed delete happened entirely or not at all.
	if a, ok := got.archives[failed]; ok && a.digest == want.archives[failed].digest {
		t.Logf("the failed delete did not happen")
	} else {
		delete(want.archives, failed)
	}
	if !want.view().matches(got) {
		t.Fatalf("after reopening:\n%swant:\n%s", got, want.view())
	}
}
