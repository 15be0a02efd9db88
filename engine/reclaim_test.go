package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/treehash"
)

func openMem(t *testing.T, fs vfs.FS) *Engine {
	t.Helper()
	e, err := Open("d", &Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// writeOrphan writes a blob segment that nothing references, recording
// its intent or not, as a crash after the segment's write leaves it.
func writeOrphan(t *testing.T, e *Engine, intent bool) blob.ID {
	t.Helper()
	id := e.newID()
	var w interface {
		Write([]byte) (int, error)
		Commit() (blob.Info, error)
	}
	var err error
	if intent {
		w, err = e.blobs.Create(id)
	} else {
		w, err = e.blobs.Store.Create(id)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(randomBytes(9, 70<<10)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return id
}

// reopenReclaimed opens the engine in fs, waits for its reclaim of what
// the intents name, and fails t unless that deleted each of gone and left
// no intent.
func reopenReclaimed(t *testing.T, fs vfs.FS, gone ...blob.ID) *Engine {
	t.Helper()
	e := openMem(t, fs)
	<-e.reclaimed
	for _, id := range gone {
		if isListed(t, e, id) {
			t.Errorf("Open kept segment %s, which an intent names and nothing references", id)
		}
	}
	if ids := intentIDs(t, e); len(ids) != 0 {
		t.Errorf("intents after Open: %v", ids)
	}
	return e
}

func isListed(t *testing.T, e *Engine, id blob.ID) bool {
	t.Helper()
	for _, l := range listed(t, e) {
		if l == id {
			return true
		}
	}
	return false
}

// TestReclaimIntents checks that every write path leaves no intent once it
// is done, that Open reclaims the segments that intents name and nothing
// references (what a crash leaves), and that it reads nothing else: a
// segment left without an intent stays until an upgrade from a format
// that kept none, whose Open reclaims by listing every segment, once.
func TestReclaimIntents(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	e := openMem(t, fs)
	createVault(t, e, "v")
	big := randomBytes(1, 100<<10)
	keep := upload(t, e, "v", big)
	gone := upload(t, e, "v", randomBytes(2, 100<<10))
	if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: gone}); err != nil {
		t.Fatal(err)
	}
	part := randomBytes(3, 1<<20)
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		hash := treehash.Hex(treehash.Sum(part))
		if _, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: up.UploadId,
			Range: rangeHeader(int64(i)<<20, 1<<20), Checksum: hash, Body: bytes.NewReader(part)}); err != nil {
			t.Fatal(err)
		}
	}
	whole := append(append([]byte(nil), part...), part...)
	mp, err := e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: "v", UploadId: up.UploadId,
		ArchiveSize: int64(len(whole)), Checksum: treehash.Hex(treehash.Sum(whole))})
	if err != nil {
		t.Fatal(err)
	}
	aborted, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: aborted.UploadId,
		Range: rangeHeader(0, 1<<20), Checksum: treehash.Hex(treehash.Sum(part)), Body: bytes.NewReader(part)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: aborted.UploadId}); err != nil {
		t.Fatal(err)
	}
	if ids := intentIDs(t, e); len(ids) != 0 {
		t.Fatalf("intents left by uploads, a deletion, a completion and an abort: %v", ids)
	}
	withIntent := writeOrphan(t, e, true)
	withoutIntent := writeOrphan(t, e, false)
	// A writer that crashed before its segment's first byte leaves an
	// intent alone (and maybe no fan-out directory for it).
	b := e.db.NewBatch()
	b.Set(store.IntentKey(e.newID()), store.IntentValue(e.now()))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e = reopenReclaimed(t, fs, withIntent)
	if !isListed(t, e, withoutIntent) {
		t.Errorf("Open deleted segment %s, which no intent names: it listed the segments", withoutIntent)
	}
	want := map[string][]byte{keep: big, mp.ArchiveId: whole}
	wantArchives(t, e, "v", want, "after reclaiming intents")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// A store of format 4 kept no intents, and its segment files in one
	// directory: its first Open as format 5 moves them and lists every
	// segment.
	setFormat(t, fs, 4)
	if n := flatten(t, fs, "d/blobs"); n < 4 {
		t.Fatalf("flattened %d segment files, want at least 4", n)
	}
	e = openMem(t, fs)
	if isListed(t, e, withoutIntent) {
		t.Errorf("the upgrade from format 4 kept segment %s, which nothing references", withoutIntent)
	}
	if from := e.db.UpgradedFrom(); from != 0 {
		t.Errorf("UpgradedFrom after Open = %d, want the upgrade finished", from)
	}
	if v, err := e.db.Get(store.FormatKey()); err != nil || !bytes.Equal(v, binary.AppendUvarint(nil, store.FormatVersion)) {
		t.Errorf("format record after the upgrade = %x, %v", v, err)
	}
	wantArchives(t, e, "v", want, "after the upgrade")
	closeChecked(t, e)
}

// setFormat rewrites the format record of the closed engine in d.
func setFormat(t *testing.T, fs vfs.FS, v uint64) {
	t.Helper()
	db, err := store.Open("d/meta", store.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	b.Set(store.FormatKey(), binary.AppendUvarint(nil, v))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenCostFlat checks that Open does as many file-system operations on
// the segment files' directory for a store of 40 segments as for one of 4:
// it does not visit each segment.
func TestOpenCostFlat(t *testing.T) {
	opsAtOpen := func(segments int) int64 {
		fs := vfs.NewMem()
		e := openMem(t, fs)
		createVault(t, e, "v")
		for i := range segments {
			upload(t, e, "v", randomBytes(uint64(i), 70<<10))
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		var n atomic.Int64
		counted := errorfs.Wrap(fs, errorfs.InjectorFunc(func(op errorfs.Op) error {
			if strings.Contains(op.Path, "blobs") {
				n.Add(1)
			}
			return nil
		}))
		e, err := Open("d", &Options{FS: counted})
		if err != nil {
			t.Fatal(err)
		}
		at := n.Load()
		closeChecked(t, e)
		return at
	}
	if few, many := opsAtOpen(4), opsAtOpen(40); few != many {
		t.Fatalf("Open did %d file-system operations on the segments' directory with 4 segments, %d with 40", few, many)
	}
}

func rangeHeader(start, n int64) string { return fmt.Sprintf("bytes %d-%d/*", start, start+n-1) }

// flatten moves the segment files under the fan-out directories of dir
// into dir, as format 4 kept them, and returns their number.
func flatten(t *testing.T, fs vfs.FS, dir string) int {
	t.Helper()
	list := func(d string) []string {
		names, err := fs.List(d)
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	n := 0
	for _, hi := range list(dir) {
		if len(hi) != 2 {
			continue
		}
		for _, lo := range list(fs.PathJoin(dir, hi)) {
			for _, name := range list(fs.PathJoin(dir, hi, lo)) {
				if err := fs.Rename(fs.PathJoin(dir, hi, lo, name), fs.PathJoin(dir, name)); err != nil {
					t.Fatal(err)
				}
				n++
			}
		}
	}
	return n
}

// TestDeleteArchiveSyncs counts the syncs of the metadata log a
// DeleteArchive of a blob segment makes: one, for the batch that deletes
// the archive and records the segment's intent. Deleting the intent once
// the segment is gone is not synced (see segStore.Delete).
func TestDeleteArchiveSyncs(t *testing.T) {
	ctx := context.Background()
	var counting atomic.Bool
	var syncs atomic.Int64
	fs := errorfs.Wrap(vfs.NewMem(), errorfs.InjectorFunc(func(op errorfs.Op) error {
		if counting.Load() && (op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData) && strings.HasSuffix(op.Path, ".log") {
			syncs.Add(1)
		}
		return nil
	}))
	e := openMem(t, fs)
	defer closeChecked(t, e)
	createVault(t, e, "v")
	id := upload(t, e, "v", randomBytes(4, 100<<10))
	counting.Store(true)
	if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: id}); err != nil {
		t.Fatal(err)
	}
	counting.Store(false)
	if n := syncs.Load(); n != 1 {
		t.Errorf("DeleteArchive synced the metadata log %d times, want 1", n)
	}
	if ids := intentIDs(t, e); len(ids) != 0 {
		t.Errorf("intents after DeleteArchive: %v", ids)
	}
	if got := listed(t, e); len(got) != 0 {
		t.Errorf("segments after DeleteArchive: %v", got)
	}
}

// TestCheckIntendedSegment checks that Check accepts a stored segment that
// nothing references while an intent names it (what a release whose
// deletion failed leaves, for the next Open), reports one that no intent
// names, and that reopening reclaims the first.
func TestCheckIntendedSegment(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	e := openMem(t, fs)
	createVault(t, e, "v")
	upload(t, e, "v", randomBytes(1, 100<<10))
	released := writeOrphan(t, e, true)
	if err := e.Check(ctx); err != nil {
		t.Fatalf("Check with an unreferenced segment that an intent names: %v", err)
	}
	leaked := writeOrphan(t, e, false)
	err := e.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), leaked.String()) || strings.Contains(err.Error(), released.String()) {
		t.Fatalf("Check with segment %s leaked and %s released = %v, want only the leaked one reported", leaked, released, err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	reopenReclaimed(t, fs, released).Close()
}

// TestReclaimBesideRequests checks that the reclaim of what a crash left,
// which runs after Open returns, is safe beside requests: held in its
// first deletion, it lets archives that its intents name (still
// referenced, as after a crash undid the deletion of a released
// segment's intent) be deleted, and new ones uploaded; once it finishes,
// the orphans and the deleted archives' segments are gone, every other
// archive reads back, no intent is left, and Check passes.
func TestReclaimBesideRequests(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewMem()
	e := openMem(t, mem)
	createVault(t, e, "v")
	archives := map[string][]byte{}
	var ids []string
	for i := range 10 {
		data := randomBytes(uint64(i), 70<<10)
		id := upload(t, e, "v", data)
		archives[id], ids = data, append(ids, id)
	}
	b := e.db.NewBatch()
	for _, id := range listed(t, e) {
		b.Set(store.IntentKey(id), store.IntentValue(e.now()))
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	orphans := map[string]bool{}
	for range 10 {
		orphans[writeOrphan(t, e, true).String()] = true
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	held, release := make(chan struct{}), make(chan struct{})
	var holding atomic.Bool
	fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind == errorfs.OpRemove && orphans[strings.TrimSuffix(vfs.Default.PathBase(op.Path), ".seg")] && holding.CompareAndSwap(false, true) {
			close(held)
			<-release
		}
		return nil
	}))
	e = openMem(t, fs)
	defer e.Close()
	<-held
	for _, id := range ids[:5] {
		if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: id}); err != nil {
			t.Fatal(err)
		}
		delete(archives, id)
	}
	for i := range 5 {
		data := randomBytes(uint64(100+i), 70<<10)
		archives[upload(t, e, "v", data)] = data
	}
	close(release)
	<-e.reclaimed
	segs := listed(t, e)
	for _, id := range segs {
		if orphans[id.String()] {
			t.Errorf("segment %s, an orphan, survived the reclaim", id)
		}
	}
	if len(segs) != len(archives) {
		t.Errorf("%d segments listed, want one for each of the %d archives", len(segs), len(archives))
	}
	if ids := intentIDs(t, e); len(ids) != 0 {
		t.Errorf("intents after the reclaim: %v", ids)
	}
	wantArchives(t, e, "v", archives, "after the reclaim")
	if err := e.Check(ctx); err != nil {
		t.Error(err)
	}
}
