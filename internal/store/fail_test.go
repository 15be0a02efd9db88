package store

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/firnstore/firn/internal/testkit"
)

// enospc fails the file system operations its predicate selects with
// ENOSPC, as a full disk does.
type enospc struct {
	sel  atomic.Pointer[func(errorfs.Op) bool]
	hits atomic.Int64
}

func (e *enospc) String() string { return "enospc" }

func (e *enospc) MaybeError(op errorfs.Op) error {
	if p := e.sel.Load(); p != nil && (*p)(op) {
		e.hits.Add(1)
		return fmt.Errorf("op %d on %s: %w", op.Kind, op.Path, syscall.ENOSPC)
	}
	return nil
}

func (e *enospc) set(sel func(errorfs.Op) bool) {
	if sel == nil {
		e.sel.Store(nil)
		return
	}
	e.sel.Store(&sel)
}

func logOp(kind errorfs.OpKind) func(errorfs.Op) bool {
	return func(op errorfs.Op) bool { return op.Kind == kind && strings.HasSuffix(op.Path, ".log") }
}

// openENOSPC opens a store in a fresh directory of the OS file system, all
// of whose operations go through inj, and returns it with the directory
// and the file system to reopen it on.
func openENOSPC(t *testing.T, inj *enospc) (*DB, string, vfs.FS) {
	t.Helper()
	fs := errorfs.Wrap(vfs.Default, inj)
	dir := t.TempDir()
	s, err := Open(dir, Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	return s, dir, fs
}

func wantFailed(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("%s: %v, want ErrFailed", what, err)
	}
}

// TestFailedLogWrite fails a write, then a sync, of the write-ahead log with
// ENOSPC: the commit returns ErrFailed (it neither panics nor hangs), every
// later commit returns ErrFailed at once, reads are still served, Close
// returns and releases the directory lock, and a reopen in the same process
// — on the OS file system, whose locks Pebble also registers in-process —
// finds every acknowledged batch.
func TestFailedLogWrite(t *testing.T) {
	for _, kind := range []errorfs.OpKind{errorfs.OpFileWrite, errorfs.OpFileSyncData} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			var inj enospc
			s, dir, fs := openENOSPC(t, &inj)
			commitT(t, s.NewBatch().setT("acked", "1"))

			inj.set(logOp(kind))
			wantFailed(t, "commit with the log failing", testkit.Within(t, "Commit", s.NewBatch().setT("failed", "1").Commit))
			if inj.hits.Load() == 0 {
				t.Fatal("the fault was not hit")
			}
			inj.set(nil)
			if err := s.Failed(); !errors.Is(err, ErrFailed) || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Failed() = %v, want ErrFailed wrapping ENOSPC", err)
			}
			wantFailed(t, "a later commit", testkit.Within(t, "a later Commit", s.NewBatch().setT("later", "1").Commit))
			b := s.NewBatch()
			b.Delete([]byte("acked"))
			wantFailed(t, "a later unsynced commit", testkit.Within(t, "CommitNoSync", b.CommitNoSync))
			if err := testkit.Within(t, "Get", func() error {
				v, err := s.Get([]byte("acked"))
				if err == nil && string(v) != "1" {
					err = fmt.Errorf("value %q", v)
				}
				return err
			}); err != nil {
				t.Fatalf("Get in the failed state: %v", err)
			}
			if err := testkit.Within(t, "Scan", func() error {
				return s.Scan([]byte("a"), []byte("z"), func(_, _ []byte) (bool, error) { return true, nil })
			}); err != nil {
				t.Fatalf("Scan in the failed state: %v", err)
			}
			wantFailed(t, "Checkpoint", testkit.Within(t, "Checkpoint", func() error { return s.Checkpoint(dir + "/cp") }))
			wantFailed(t, "Close", testkit.Within(t, "Close", s.Close))

			s, err := Open(dir, Options{FS: fs})
			if err != nil {
				t.Fatalf("reopening after Close in the failed state: %v", err)
			}
			defer s.Close()
			if v, err := s.Get([]byte("acked")); err != nil || string(v) != "1" {
				t.Fatalf("acknowledged key after reopening: %q, %v", v, err)
			}
			if _, err := s.Get([]byte("later")); !errors.Is(err, ErrNotFound) {
				t.Fatalf("a key refused in the failed state: %v, want ErrNotFound", err)
			}
		})
	}
}

// TestFailedStoreIsFenced checks that once the store has failed, its file
// system lets no write, rename or removal through — Pebble's goroutines
// left running can never touch the directory again — while reads still
// pass; the goroutine that tried is parked.
func TestFailedStoreIsFenced(t *testing.T) {
	mem := vfs.NewMem()
	var inj enospc
	s, err := Open("db", Options{FS: errorfs.Wrap(mem, &inj)})
	if err != nil {
		t.Fatal(err)
	}
	inj.set(logOp(errorfs.OpFileWrite))
	wantFailed(t, "commit", testkit.Within(t, "Commit", s.NewBatch().setT("k", "v").Commit))
	inj.set(nil)

	before, err := mem.List("db")
	if err != nil {
		t.Fatal(err)
	}
	parked := s.fs.parked.Load()
	ops := []func(){
		func() { s.fs.Create("db/new", vfs.WriteCategoryUnspecified) },
		func() { s.fs.Remove("db/" + before[0]) },
		func() { s.fs.Rename("db/"+before[0], "db/renamed") },
		func() { s.fs.MkdirAll("db/sub", 0o755) },
	}
	for _, op := range ops {
		go op()
	}
	for s.fs.parked.Load() < parked+int64(len(ops)) {
		time.Sleep(time.Millisecond)
	}
	after, err := s.fs.List("db")
	if err != nil {
		t.Fatalf("List through the fenced file system: %v", err)
	}
	slices.Sort(before)
	slices.Sort(after)
	if !slices.Equal(before, after) {
		t.Fatalf("the directory changed after the failure: %v, then %v", before, after)
	}
	wantFailed(t, "Close", testkit.Within(t, "Close", s.Close))
}

// TestFatalfFailsStore checks that Pebble's Logger.Fatalf, which Pebble
// calls when it cannot go on (and whose default calls os.Exit), moves the
// store to the failed state and parks the calling goroutine instead of
// returning into code that would carry on.
func TestFatalfFailsStore(t *testing.T) {
	s := openMem(t)
	returned := make(chan any, 1)
	go func() {
		defer func() { returned <- recover() }()
		s.pebbleLogger().Fatalf("pebble: fatal commit error: %v", "boom")
	}()
	for s.Failed() == nil {
		select {
		case r := <-returned:
			t.Fatalf("Fatalf returned (recovered %v) before failing the store", r)
		case <-time.After(time.Millisecond):
		}
	}
	if err := s.Failed(); !strings.Contains(err.Error(), "fatal commit error: boom") {
		t.Fatalf("Failed() = %v", err)
	}
	if _, err := s.Get([]byte("k")); !errors.Is(err, ErrFailed) {
		t.Fatalf("Get after Fatalf: %v, want ErrFailed (Pebble's locks may be held)", err)
	}
	select {
	case r := <-returned:
		t.Fatalf("Fatalf returned (recovered %v)", r)
	default:
	}
}

// TestOpenOnFullDisk opens a store whose writes all fail: Open returns
// ErrFailed (it neither hangs nor panics) and releases the directory, so
// that it opens once writes work again.
func TestOpenOnFullDisk(t *testing.T) {
	var inj enospc
	s, dir, fs := openENOSPC(t, &inj)
	commitT(t, s.NewBatch().setT("k", "v"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	inj.set(func(op errorfs.Op) bool {
		return op.Kind.ReadOrWrite() == errorfs.OpIsWrite && op.Kind != errorfs.OpLock && strings.HasPrefix(op.Path, dir+"/")
	})
	err := testkit.Within(t, "Open", func() error { _, err := Open(dir, Options{FS: fs}); return err })
	wantFailed(t, "Open with every write failing", err)
	inj.set(nil)
	s, err = Open(dir, Options{FS: fs})
	if err != nil {
		t.Fatalf("Open once writes work again: %v", err)
	}
	defer s.Close()
	if v, err := s.Get([]byte("k")); err != nil || string(v) != "v" {
		t.Fatalf("Get after reopening: %q, %v", v, err)
	}
}

// lowSpace reports avail bytes free, whatever the disk has.
type lowSpace struct {
	vfs.FS
	avail uint64
}

func (l lowSpace) GetDiskUsage(path string) (vfs.DiskUsage, error) {
	du, err := l.FS.GetDiskUsage(path)
	du.AvailBytes = l.avail
	return du, err
}

// TestCloseOnFullDisk closes stores that cannot create a file: one with
// less free space than its memtable twice over, after a commit, and one
// with no commit since Open. Close flushes neither (a flush that failed
// would fail the store), returns nil, and the next Open, replaying the
// log, finds what was committed.
func TestCloseOnFullDisk(t *testing.T) {
	creates := func(dir string) func(errorfs.Op) bool {
		return func(op errorfs.Op) bool {
			return op.Kind == errorfs.OpCreate && strings.HasPrefix(op.Path, dir+"/")
		}
	}
	t.Run("Low", func(t *testing.T) {
		var inj enospc
		dir := t.TempDir()
		fs := lowSpace{FS: errorfs.Wrap(vfs.Default, &inj), avail: 2*defaultMemTableSize - 1}
		s, err := Open(dir, Options{FS: fs})
		if err != nil {
			t.Fatal(err)
		}
		commitT(t, s.NewBatch().setT("k", "v"))
		inj.set(creates(dir))
		if err := testkit.Within(t, "Close", s.Close); err != nil {
			t.Fatalf("Close with too little space to flush: %v", err)
		}
		if inj.hits.Load() != 0 {
			t.Errorf("Close tried %d creations", inj.hits.Load())
		}
		inj.set(nil)
		wantReopened(t, dir, fs)
	})
	t.Run("Unwritten", func(t *testing.T) {
		var inj enospc
		s, dir, fs := openENOSPC(t, &inj)
		commitT(t, s.NewBatch().setT("k", "v"))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, Options{FS: fs})
		if err != nil {
			t.Fatal(err)
		}
		inj.set(creates(dir))
		if err := testkit.Within(t, "Close", s.Close); err != nil {
			t.Fatalf("Close with nothing committed since Open: %v", err)
		}
		if inj.hits.Load() != 0 {
			t.Errorf("Close tried %d creations", inj.hits.Load())
		}
	})
}

// TestCloseFlushFails fails the flush of Close (the disk claims room, but
// creating the new log fails): Close returns ErrFailed, neither hanging
// nor panicking, having logged the failure, so that nothing is logged
// once Close has returned; the next Open finds what was committed.
func TestCloseFlushFails(t *testing.T) {
	var inj enospc
	dir := t.TempDir()
	fs := errorfs.Wrap(vfs.Default, &inj)
	var logs testkit.SyncBuffer
	s, err := Open(dir, Options{FS: fs, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	commitT(t, s.NewBatch().setT("k", "v"))
	inj.set(logOp(errorfs.OpCreate))
	wantFailed(t, "Close", testkit.Within(t, "Close", s.Close))
	if got := logs.String(); !strings.Contains(got, "metadata store failed") {
		t.Errorf("the failure is not logged when Close returns; logged: %q", got)
	}
	inj.set(nil)
	wantReopened(t, dir, fs)
}

// TestCloseFlushes checks that Close, with room, flushes what was
// committed: the next Open has no log to replay.
func TestCloseFlushes(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	commitT(t, s.NewBatch().setT("k", "v"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Open flushes what it replays, nothing here.
	if n := s.db.Metrics().Flush.WriteThroughput.Bytes; n != 0 {
		t.Errorf("Open after Close flushed %d bytes, want 0: Close left a log to replay", n)
	}
}

// wantReopened opens the store in dir on fs and checks that it holds k=v.
func wantReopened(t *testing.T, dir string, fs vfs.FS) {
	t.Helper()
	s, err := Open(dir, Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Get([]byte("k")); err != nil || string(v) != "v" {
		t.Fatalf("Get after reopening: %q, %v", v, err)
	}
}
