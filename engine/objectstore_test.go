package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/treehash"
	"github.com/oklog/ulid/v2"
)

// osEnv is a MinIO cluster and a bucket shared by the subtests of
// TestObjectStore; each subtest uses its own prefix.
type osEnv struct {
	c      *miniotest.Cluster
	bucket string
}

func (env *osEnv) store(t *testing.T) *ObjectStore {
	return &ObjectStore{
		Endpoint:        env.c.Endpoint(0),
		Bucket:          env.bucket,
		Prefix:          strings.ReplaceAll(t.Name(), "/", "-") + "/",
		AccessKeyID:     miniotest.AccessKey,
		SecretAccessKey: miniotest.SecretKey,
		PartSize:        blob.MinPartSize,
	}
}

// flakyStore is a store whose requests go through a Flaky, for the test to
// make it answer as a recovering MinIO node does.
func (env *osEnv) flakyStore(t *testing.T) (*ObjectStore, *miniotest.Flaky) {
	s, f := env.store(t), env.c.Flaky()
	s.Transport = f
	return s, f
}

func openOS(t *testing.T, dir string, s *ObjectStore) *Engine {
	t.Helper()
	e, err := Open(dir, &Options{ObjectStore: s, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// closeChecked checks e's invariants and closes it.
func closeChecked(t *testing.T, e *Engine) {
	t.Helper()
	if err := e.Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}

func upload(t *testing.T, e *Engine, vaultName string, data []byte) string {
	t.Helper()
	out, err := e.UploadArchive(context.Background(), &firn.UploadArchiveInput{VaultName: vaultName, Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("UploadArchive of %d bytes: %v", len(data), err)
	}
	if want := treehash.Hex(treehash.Sum(data)); out.Checksum != want {
		t.Fatalf("UploadArchive checksum %s, want %s", out.Checksum, want)
	}
	return out.ArchiveId
}

// uploadMultipart uploads data in parts of partSize bytes.
func uploadMultipart(t *testing.T, e *Engine, vaultName string, data []byte, partSize int64) string {
	t.Helper()
	ctx := context.Background()
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: vaultName, PartSize: partSize})
	if err != nil {
		t.Fatal(err)
	}
	for off := int64(0); off < int64(len(data)); off += partSize {
		end := min(off+partSize, int64(len(data)))
		_, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: vaultName, UploadId: up.UploadId,
			Range: fmt.Sprintf("bytes %d-%d/*", off, end-1), Body: bytes.NewReader(data[off:end])})
		if err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: vaultName, UploadId: up.UploadId,
		ArchiveSize: int64(len(data)), Checksum: treehash.Hex(treehash.Sum(data))})
	if err != nil {
		t.Fatal(err)
	}
	return out.ArchiveId
}

// retrieve reads archive id back through a retrieval job, whole or as the
// byte range "START-END".
func retrieve(t *testing.T, e *Engine, vaultName, id, byteRange string) []byte {
	t.Helper()
	ctx := context.Background()
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: vaultName, JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: id, RetrievalByteRange: byteRange}})
	if err != nil {
		t.Fatalf("InitiateJob for %s: %v", id, err)
	}
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: vaultName, JobId: j.JobId})
	if err != nil {
		t.Fatalf("GetJobOutput for %s: %v", id, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("reading archive %s: %v", id, err)
	}
	return b
}

// wantArchives fails t, saying when, unless each of archives, by ID, reads
// back from vaultName through a retrieval job as its bytes.
func wantArchives(t *testing.T, e *Engine, vaultName string, archives map[string][]byte, when string) {
	t.Helper()
	for id, data := range archives {
		if got := retrieve(t, e, vaultName, id, ""); !bytes.Equal(got, data) {
			t.Fatalf("%s: archive %s of %d bytes read back as %d different bytes", when, id, len(data), len(got))
		}
	}
}

func createVault(t *testing.T, e *Engine, name string) {
	t.Helper()
	if _, err := e.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: name}); err != nil {
		t.Fatal(err)
	}
}

// segmentObjects returns the number of segment objects under s's prefix.
func segmentObjects(t *testing.T, s *ObjectStore) int {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), s.bucketConfig())
	if err != nil {
		t.Fatal(err)
	}
	names, err := b.List(context.Background(), "segments/")
	if err != nil {
		t.Fatal(err)
	}
	return len(names)
}

// TestObjectStore runs the engine on a real distributed MinIO: archive
// bytes in the bucket, backup and restore, the sweep, and a MinIO node
// killed mid-upload.
func TestObjectStore(t *testing.T) {
	c := miniotest.Start(t)
	env := &osEnv{c: c, bucket: c.NewBucket()}
	t.Run("Archives", func(t *testing.T) { testOSArchives(t, env) })
	t.Run("BackupRestore", func(t *testing.T) { testOSBackupRestore(t, env) })
	t.Run("RestoreChecksFiles", func(t *testing.T) { testOSRestoreChecks(t, env) })
	t.Run("Sweep", func(t *testing.T) { testOSSweep(t, env) })
	t.Run("TransientNotFound", func(t *testing.T) { testOSTransientNotFound(t, env) })
	t.Run("SweepSparesUploads", func(t *testing.T) { testOSSweepSparesUploads(t, env) })
	t.Run("BackupsListingGap", func(t *testing.T) { testOSBackupsListingGap(t, env) })
	t.Run("RestoreOlderFormat", func(t *testing.T) { testOSRestoreOlderFormat(t, env) })
	// Last: it takes a node down and brings it back.
	t.Run("KillNodeMidUpload", func(t *testing.T) { testOSKillNode(t, env) })
}

func testOSArchives(t *testing.T, env *osEnv) {
	s := env.store(t)
	dir := t.TempDir()
	e := openOS(t, dir, s)
	createVault(t, e, "v")
	rng := rand.New(rand.NewPCG(1, 1))
	archives := map[string][]byte{}
	// All above the size of archives whose bytes may be kept inline.
	for _, size := range []int{300 << 10, 200 << 10, 3<<20 + 5, 12 << 20} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.IntN(7)) // compressible, so chunks are stored compressed
		}
		archives[upload(t, e, "v", data)] = data
	}
	mp := randomBytes(2, 5<<20+123)
	archives[uploadMultipart(t, e, "v", mp, 2<<20)] = mp
	wantArchives(t, e, "v", archives, "once uploaded")
	id := upload(t, e, "v", mp)
	if got := retrieve(t, e, "v", id, "1048576-3145727"); !bytes.Equal(got, mp[1<<20:3<<20]) {
		t.Fatal("ranged retrieval read back different bytes")
	}
	// 4 uploads, the multipart upload's 3 parts and the second copy of
	// its bytes.
	if n := segmentObjects(t, s); n != 4+3+1 {
		t.Errorf("%d segment objects in the bucket, want 8", n)
	}
	closeChecked(t, e)

	if _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), "s3://") {
		t.Errorf("Open without the object store: %v, want an error naming the bucket", err)
	}
	other := *s
	other.Prefix = "elsewhere/"
	if _, err := Open(dir, &Options{ObjectStore: &other}); err == nil {
		t.Error("Open with another prefix succeeded")
	}
	local := t.TempDir()
	closeChecked(t, func() *Engine {
		e, err := Open(local, nil)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}())
	if _, err := Open(local, &Options{ObjectStore: s}); err == nil || !strings.Contains(err.Error(), "locally") {
		t.Errorf("Open of a local data directory with an object store: %v", err)
	}

	e = openOS(t, dir, s)
	wantArchives(t, e, "v", archives, "after reopening")
	closeChecked(t, e)
}

func testOSBackupRestore(t *testing.T, env *osEnv) {
	ctx := context.Background()
	s := env.store(t)
	s.SweepInterval = 200 * time.Millisecond
	if _, err := Restore(ctx, t.TempDir(), &Options{ObjectStore: s}); !errors.Is(err, ErrNoBackup) {
		t.Fatalf("Restore with no backup: %v, want ErrNoBackup", err)
	}
	e, err := Open(t.TempDir(), &Options{ObjectStore: s, BackupsKept: 3})
	if err != nil {
		t.Fatal(err)
	}
	createVault(t, e, "photos")
	createVault(t, e, "docs")
	archives := map[string][]byte{}
	vaultOf := map[string]string{}
	for i, size := range []int{100 << 10, 70 << 10, 2<<20 + 1, 6 << 20} {
		v := []string{"photos", "docs"}[i%2]
		data := randomBytes(uint64(10+i), size)
		id := upload(t, e, v, data)
		archives[id], vaultOf[id] = data, v
	}
	mp := randomBytes(20, 3<<20)
	id := uploadMultipart(t, e, "docs", mp, 1<<20)
	archives[id], vaultOf[id] = mp, "docs"
	// An upload in progress at backup time comes back with its parts.
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "photos", PartSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	part := randomBytes(21, 1<<20)
	if _, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "photos", UploadId: up.UploadId, Range: "bytes 0-1048575/*", Body: bytes.NewReader(part)}); err != nil {
		t.Fatal(err)
	}

	bk, err := blob.OpenBucket(ctx, s.bucketConfig())
	if err != nil {
		t.Fatal(err)
	}
	var infos []BackupInfo
	for i := range 4 {
		info, err := e.Backup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
		if i == 0 {
			// What a backup interrupted after its first backup would
			// leave: files, no manifest.
			junk := backupsDir + e.newID().String() + "/000001.sst"
			if err := bk.Put(ctx, junk, strings.NewReader("x"), 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	if infos[0].Files == 0 || infos[0].Bytes == 0 || infos[0].ID >= infos[1].ID || infos[1].ID >= infos[2].ID || infos[2].ID >= infos[3].ID {
		t.Fatalf("backups %+v: want files, bytes and increasing IDs", infos)
	}
	// BackupsKept is 3: the oldest backup and the interrupted one are gone.
	backups, err := listBackups(ctx, bk)
	if err != nil {
		t.Fatal(err)
	}
	if len(backups) != 3 || !backups[0].complete || !backups[1].complete || !backups[2].complete || backups[0].id.String() != infos[1].ID {
		t.Fatalf("backups in the bucket: %+v, want the 3 latest of %+v", backups, infos)
	}
	// An archive uploaded after the last backup: the restored engine
	// does not know it, and sweeps its bytes.
	late := upload(t, e, "photos", randomBytes(30, 1<<20))
	closeChecked(t, e)

	dir := t.TempDir()
	info, err := Restore(ctx, dir, &Options{ObjectStore: s})
	if err != nil {
		t.Fatal(err)
	}
	if info.Backup.ID != infos[3].ID || len(info.Missing) != 0 || info.Unreferenced != 1 || info.Segments != 4+3+1 {
		t.Fatalf("Restore = %+v; want backup %s, nothing missing, 1 unreferenced segment, 8 referenced", info, infos[3].ID)
	}
	if _, err := Restore(ctx, dir, &Options{ObjectStore: s}); err == nil || !strings.Contains(err.Error(), "already holds metadata") {
		t.Fatalf("Restore into a restored directory: %v", err)
	}

	e = openOS(t, dir, s)
	for id, data := range archives {
		if got := retrieve(t, e, vaultOf[id], id, ""); !bytes.Equal(got, data) {
			t.Fatalf("restored archive of %d bytes read back as %d different bytes", len(data), len(got))
		}
	}
	_, err = e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "photos", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: late}})
	if !errors.Is(err, firn.ErrResourceNotFound) {
		t.Fatalf("retrieving an archive uploaded after the backup: %v, want ResourceNotFoundException", err)
	}
	rest := randomBytes(22, 1000)
	if _, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "photos", UploadId: up.UploadId, Range: "bytes 1048576-1049575/*", Body: bytes.NewReader(rest)}); err != nil {
		t.Fatal(err)
	}
	whole := append(part, rest...)
	out, err := e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: "photos", UploadId: up.UploadId, ArchiveSize: int64(len(whole)), Checksum: treehash.Hex(treehash.Sum(whole))})
	if err != nil {
		t.Fatal(err)
	}
	if got := retrieve(t, e, "photos", out.ArchiveId, ""); !bytes.Equal(got, whole) {
		t.Fatal("multipart upload resumed after restore read back different bytes")
	}
	waitFor(t, "the sweep to delete the unreferenced segment", func() bool { return segmentObjects(t, s) == 4+3+1+1 })
	closeChecked(t, e)
}

// testOSRestoreChecks checks that Restore refuses a backup file that
// differs from its manifest, leaving no metadata behind.
func testOSRestoreChecks(t *testing.T, env *osEnv) {
	ctx := context.Background()
	s := env.store(t)
	e := openOS(t, t.TempDir(), s)
	createVault(t, e, "v")
	info, err := e.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closeChecked(t, e)
	bk, err := blob.OpenBucket(ctx, s.bucketConfig())
	if err != nil {
		t.Fatal(err)
	}
	m, err := readManifest(ctx, bk, ulid.MustParse(info.ID))
	if err != nil {
		t.Fatal(err)
	}
	name := backupsDir + info.ID + "/" + m.Files[0].Name
	rc, err := bk.Get(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	good, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(good)
	bad[len(bad)/2] ^= 1
	if err := bk.Put(ctx, name, bytes.NewReader(bad), int64(len(bad))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Restore(ctx, dir, &Options{ObjectStore: s}); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("Restore of a damaged backup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "meta")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed Restore left metadata: %v", err)
	}
	if err := bk.Put(ctx, name, bytes.NewReader(good), int64(len(good))); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, dir, &Options{ObjectStore: s}); err != nil {
		t.Fatalf("Restore after a failed one: %v", err)
	}
	closeChecked(t, openOS(t, dir, s))
}

// testOSSweep checks that the sweep deletes a segment nothing references,
// and not the segments of uploads in flight.
func testOSSweep(t *testing.T, env *osEnv) {
	s := env.store(t)
	// Short, but long beside the gap between a segment's upload and its
	// metadata commit, which the sweep relies on.
	s.SweepInterval = 250 * time.Millisecond
	e := openOS(t, t.TempDir(), s)
	createVault(t, e, "v")
	// Written past the engine's segStore, as by an engine that crashed.
	orphan := blob.ID(e.newID())
	w, err := e.blobs.Store.Create(orphan)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("orphan"))
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	// An upload whose body arrives slowly, over many sweeps, and quick
	// ones meanwhile.
	slow := randomBytes(40, 7<<20)
	body := &slowReader{data: slow, delay: 100 * time.Millisecond, chunk: 256 << 10}
	done := make(chan string)
	go func() {
		out, err := e.UploadArchive(context.Background(), &firn.UploadArchiveInput{VaultName: "v", Body: body})
		if err != nil {
			t.Error(err)
			close(done)
			return
		}
		done <- out.ArchiveId
	}()
	archives := map[string][]byte{}
	for i := range 12 {
		data := randomBytes(uint64(41+i), 100<<10+i<<16)
		archives[upload(t, e, "v", data)] = data
		time.Sleep(50 * time.Millisecond)
	}
	// Listed, not Stat: a Stat confirms a NoSuchKey for seconds.
	waitFor(t, "the sweep to delete the orphan", func() bool {
		ids, err := e.blobs.List()
		return err == nil && !slices.Contains(ids, orphan)
	})
	id, ok := <-done
	if !ok {
		t.FailNow()
	}
	archives[id] = slow
	time.Sleep(3 * s.SweepInterval)
	wantArchives(t, e, "v", archives, "uploaded during sweeps")
	closeChecked(t, e)
}

// testOSTransientNotFound runs the engine's readers of segments while the
// store answers as a MinIO node reconnecting to its peers after a restart
// does: GETs of segments that exist get NoSuchKey, and listings lack them.
// Check and Scrub must not report the segments missing, and the sweep must
// delete no segment that metadata references.
func testOSTransientNotFound(t *testing.T, env *osEnv) {
	ctx := context.Background()
	s, flaky := env.flakyStore(t)
	e := openOS(t, t.TempDir(), s)
	createVault(t, e, "v")
	archives := map[string][]byte{}
	for i, size := range []int{200 << 10, 3<<20 + 7} {
		data := randomBytes(uint64(60+i), size)
		archives[upload(t, e, "v", data)] = data
	}
	mp := randomBytes(62, 2<<20+5)
	archives[uploadMultipart(t, e, "v", mp, 1<<20)] = mp
	wantArchives(t, e, "v", archives, "once uploaded")
	segments := segmentObjects(t, s)

	flaky.LoseGets(3)
	if err := e.Check(ctx); err != nil {
		t.Fatalf("Check while the store answers NoSuchKey 3 times: %v", err)
	}
	flaky.LoseGets(3)
	r, err := e.Scrub(ctx)
	if err != nil || len(r.Damaged) != 0 {
		t.Fatalf("Scrub while the store answers NoSuchKey 3 times: %v, damaged %v", err, r.Damaged)
	}
	flaky.LoseGets(3)
	wantArchives(t, e, "v", archives, "while the store answered NoSuchKey")

	// The sweep decides from metadata only: whatever the store says of
	// the objects, a referenced segment is never deleted.
	flaky.LoseGets(-1)
	for _, hide := range []bool{true, false, true, false} {
		flaky.HideListings(hide)
		e.sweepOnce(nil)
		e.sweepOnce(e.sweepOnce(nil))
	}
	flaky.HideListings(false)
	flaky.LoseGets(0)
	if n := segmentObjects(t, s); n != segments {
		t.Fatalf("%d segment objects after sweeps while the store answered NoSuchKey, want %d", n, segments)
	}
	wantArchives(t, e, "v", archives, "after the sweeps")
	closeChecked(t, e)
}

// testOSSweepSparesUploads checks that the sweep never deletes a segment
// this engine has written and not yet referenced nor discarded, however
// long its upload takes to commit its metadata (a loaded machine, a vault
// lock awaited), while it deletes one written by another engine.
func testOSSweepSparesUploads(t *testing.T, env *osEnv) {
	s := env.store(t)
	e := openOS(t, t.TempDir(), s)
	put := func(w interface {
		Write([]byte) (int, error)
		Commit() (blob.Info, error)
	}) {
		t.Helper()
		if _, err := w.Write(randomBytes(70, 100<<10)); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	mine := blob.ID(e.newID())
	w, err := e.blobs.Create(mine)
	if err != nil {
		t.Fatal(err)
	}
	put(w)
	foreign := blob.ID(e.newID())
	fw, err := e.blobs.Store.Create(foreign)
	if err != nil {
		t.Fatal(err)
	}
	put(fw)
	listed := func() []blob.ID {
		ids, err := e.blobs.List()
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	for range 3 {
		e.sweepOnce(e.sweepOnce(nil))
	}
	if ids := listed(); !slices.Contains(ids, mine) || slices.Contains(ids, foreign) {
		t.Fatalf("after sweeps, segments %v; want the engine's own upload %s kept and %s deleted", ids, mine, foreign)
	}
	e.discardSegment(mine)
	if ids := listed(); len(ids) != 0 {
		t.Fatalf("segments %v after discarding the upload's", ids)
	}
	// An upload whose Commit failed leaves nothing for the sweep to spare.
	failed := blob.ID(e.newID())
	if w, err = e.blobs.Create(failed); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if e.blobs.isUnsettled(mine) || e.blobs.isUnsettled(failed) {
		t.Fatal("segments still spared after their uploads ended")
	}
	closeChecked(t, e)
}

// testOSBackupsListingGap checks that a listing lacking a backup's manifest,
// as a recovering MinIO's may, makes neither Backup delete that backup as
// interrupted nor Restore pass over it.
func testOSBackupsListingGap(t *testing.T, env *osEnv) {
	ctx := context.Background()
	s, flaky := env.flakyStore(t)
	e, err := Open(t.TempDir(), &Options{ObjectStore: s, BackupsKept: 2, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	createVault(t, e, "v")
	var ids []string
	backup := func() {
		t.Helper()
		info, err := e.Backup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.ID)
	}
	backup()
	backup()
	flaky.HideKeys(ids[1] + "/" + manifestName)
	backup()
	bk, err := blob.OpenBucket(ctx, env.store(t).bucketConfig())
	if err != nil {
		t.Fatal(err)
	}
	backups, err := listBackups(ctx, bk)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, be := range backups {
		kept = append(kept, be.id.String())
		m, err := readManifest(ctx, bk, be.id)
		if err != nil {
			t.Errorf("backup %s: %v", be.id, err)
			continue
		}
		for _, f := range m.Files {
			if !slices.Contains(be.objects, backupsDir+be.id.String()+"/"+f.Name) {
				t.Errorf("backup %s lacks its file %s", be.id, f.Name)
			}
		}
	}
	if !slices.Equal(kept, ids[1:]) {
		t.Fatalf("backups %v kept of %v, want the 2 latest", kept, ids)
	}
	closeChecked(t, e)

	flaky.HideKeys(ids[2] + "/" + manifestName)
	info, err := Restore(ctx, t.TempDir(), &Options{ObjectStore: s})
	if err != nil || info.Backup.ID != ids[2] {
		t.Fatalf("Restore with the latest manifest unlisted: %+v, %v; want backup %s", info.Backup, err, ids[2])
	}
}

// testOSRestoreOlderFormat checks that a backup made by a build of an
// older metadata format restores (Open upgrades it) and that one of a newer
// format, or of none, is refused.
func testOSRestoreOlderFormat(t *testing.T, env *osEnv) {
	ctx := context.Background()
	s := env.store(t)
	e := openOS(t, t.TempDir(), s)
	createVault(t, e, "v")
	data := randomBytes(3, 100<<10)
	id := upload(t, e, "v", data)
	info, err := e.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closeChecked(t, e)
	bk, err := blob.OpenBucket(ctx, s.bucketConfig())
	if err != nil {
		t.Fatal(err)
	}
	setFormat := func(v int) {
		t.Helper()
		name := backupsDir + info.ID + "/" + manifestName
		rc, err := bk.Get(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		var m manifest
		err = json.NewDecoder(rc).Decode(&m)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		m.StoreFormat = v
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := bk.Put(ctx, name, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []int{0, store.FormatVersion + 1} {
		setFormat(v)
		if _, err := Restore(ctx, t.TempDir(), &Options{ObjectStore: s}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("metadata format %d", v)) {
			t.Errorf("Restore of a backup of format %d: %v, want a refusal naming it", v, err)
		}
	}
	setFormat(store.FormatVersion - 1)
	dir := t.TempDir()
	if _, err := Restore(ctx, dir, &Options{ObjectStore: s}); err != nil {
		t.Fatalf("Restore of a backup of format %d: %v", store.FormatVersion-1, err)
	}
	e = openOS(t, dir, s)
	wantArchives(t, e, "v", map[string][]byte{id: data}, "restored from an older format")
	closeChecked(t, e)
}

type slowReader struct {
	data  []byte
	delay time.Duration
	chunk int
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.delay)
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// testOSKillNode kills a MinIO node while an archive is uploaded: the
// upload either succeeds and reads back intact, or fails cleanly with
// ServiceUnavailableException and leaves nothing behind; the archives
// already stored read back intact with the node down and after it is back.
// Then it kills the node the engine sends its requests to, which must fail
// the upload cleanly.
func testOSKillNode(t *testing.T, env *osEnv) {
	s := env.store(t)
	e := openOS(t, t.TempDir(), s)
	createVault(t, e, "v")
	before := randomBytes(50, 9<<20)
	beforeID := upload(t, e, "v", before)

	data := randomBytes(51, 48<<20)
	var killed atomic.Bool
	body := &hookReader{r: bytes.NewReader(data), at: 16 << 20, hook: func() {
		env.c.Kill(3)
		killed.Store(true)
	}}
	out, err := e.UploadArchive(context.Background(), &firn.UploadArchiveInput{VaultName: "v", Body: body})
	if !killed.Load() {
		t.Fatal("the node was not killed during the upload")
	}
	desc, derr := e.DescribeVault(context.Background(), &firn.DescribeVaultInput{VaultName: "v"})
	if derr != nil {
		t.Fatal(derr)
	}
	if err != nil {
		t.Logf("upload with a node killed failed: %v", err)
		if firn.CodeOf(err) != firn.CodeServiceUnavailable {
			t.Fatalf("upload failed with %v, want ServiceUnavailableException", err)
		}
		if desc.NumberOfArchives != 1 {
			t.Fatalf("failed upload left %d archives, want 1", desc.NumberOfArchives)
		}
	} else {
		t.Logf("upload with a node killed succeeded")
		if desc.NumberOfArchives != 2 {
			t.Fatalf("%d archives after the upload, want 2", desc.NumberOfArchives)
		}
		if got := retrieve(t, e, "v", out.ArchiveId, ""); !bytes.Equal(got, data) {
			t.Fatal("archive uploaded while a node died read back different bytes")
		}
	}
	if got := retrieve(t, e, "v", beforeID, ""); !bytes.Equal(got, before) {
		t.Fatal("with a node down, an archive read back different bytes")
	}
	if err := e.Check(context.Background()); err != nil {
		t.Fatalf("Check with a node down: %v", err)
	}

	env.c.Restart(3)
	if err == nil {
		if got := retrieve(t, e, "v", out.ArchiveId, ""); !bytes.Equal(got, data) {
			t.Fatal("after the node came back, the archive read back different bytes")
		}
	}
	again := upload(t, e, "v", data[:6<<20])
	if got := retrieve(t, e, "v", again, ""); !bytes.Equal(got, data[:6<<20]) {
		t.Fatal("after the node came back, a new archive read back different bytes")
	}

	// The node the engine talks to dies mid-upload: the upload fails
	// cleanly, and once the node is back nothing is lost or left over.
	desc, _ = e.DescribeVault(context.Background(), &firn.DescribeVaultInput{VaultName: "v"})
	body = &hookReader{r: bytes.NewReader(data), at: 16 << 20, hook: func() { env.c.Kill(0) }}
	_, err = e.UploadArchive(context.Background(), &firn.UploadArchiveInput{VaultName: "v", Body: body})
	if firn.CodeOf(err) != firn.CodeServiceUnavailable {
		t.Fatalf("upload through a killed node: %v, want ServiceUnavailableException", err)
	}
	after, derr := e.DescribeVault(context.Background(), &firn.DescribeVaultInput{VaultName: "v"})
	if derr != nil || after.NumberOfArchives != desc.NumberOfArchives || after.SizeInBytes != desc.SizeInBytes {
		t.Fatalf("failed upload changed the vault: %+v -> %+v (%v)", desc, after, derr)
	}
	env.c.Restart(0)
	if got := retrieve(t, e, "v", beforeID, ""); !bytes.Equal(got, before) {
		t.Fatal("after the endpoint node came back, an archive read back different bytes")
	}
	closeChecked(t, e)
}

// hookReader calls hook once, when at bytes have been read.
type hookReader struct {
	r    io.Reader
	n    int64
	at   int64
	hook func()
	done bool
}

func (h *hookReader) Read(p []byte) (int, error) {
	if !h.done && h.n >= h.at {
		h.done = true
		h.hook()
	}
	if !h.done {
		p = p[:min(int64(len(p)), h.at-h.n)]
	}
	n, err := h.r.Read(p)
	h.n += int64(n)
	return n, err
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestObjectStoreOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		opts Options
		want []string
	}{
		{Options{ObjectStore: &ObjectStore{}}, []string{"Endpoint: required", "Bucket: required"}},
		{Options{ObjectStore: &ObjectStore{Endpoint: "h:1", Bucket: "b", SweepInterval: -1, PartSize: 1}}, []string{"SweepInterval", "PartSize"}},
		{Options{ObjectStore: &ObjectStore{Endpoint: "h:1", Bucket: "b", LeaseLifetime: time.Millisecond}}, []string{"LeaseLifetime"}},
		{Options{ObjectStore: &ObjectStore{Endpoint: "h:1", Bucket: "b", IntentLifetime: -1}}, []string{"IntentLifetime"}},
		{Options{ObjectStore: &ObjectStore{Endpoint: "h:1", Bucket: "b", LeaseLifetime: time.Second, LeaseRenewInterval: time.Second / 2}}, []string{"LeaseRenewInterval"}},
		{Options{BackupInterval: time.Hour}, []string{"BackupInterval"}},
		{Options{BackupsKept: -1}, []string{"BackupsKept"}},
	} {
		_, err := Open(dir, &tc.opts)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("Open(%+v) = %v, want it to mention %q", tc.opts, err, w)
			}
		}
	}
	if _, err := Restore(context.Background(), dir, nil); !errors.Is(err, ErrNoObjectStore) {
		t.Errorf("Restore without an object store: %v", err)
	}
	e, err := Open(filepath.Join(dir, "local"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Backup(context.Background()); !errors.Is(err, ErrNoObjectStore) {
		t.Errorf("Backup without an object store: %v", err)
	}
}
