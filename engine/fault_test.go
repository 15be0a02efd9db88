package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
)

// faults injects errorfs.ErrInjected into the file system operations that
// its current predicate selects.
type faults struct {
	fail atomic.Pointer[func(errorfs.Op) bool]
	hits atomic.Int64
	last atomic.Int64 // the kind of the last operation failed
}

func (f *faults) String() string { return "faults" }

func (f *faults) MaybeError(op errorfs.Op) error {
	if p := f.fail.Load(); p != nil && (*p)(op) {
		f.hits.Add(1)
		f.last.Store(int64(op.Kind))
		return errorfs.ErrInjected
	}
	return nil
}

// set makes the operations selected by fail fail, from now on; nil stops
// the faults. It resets the hit count.
func (f *faults) set(fail func(errorfs.Op) bool) {
	f.hits.Store(0)
	if fail == nil {
		f.fail.Store(nil)
		return
	}
	f.fail.Store(&fail)
}

// calledFrom, called by a fault predicate, reports whether the goroutine
// it runs on runs a function whose name contains fn, below the predicate
// (which may itself be a closure inside fn).
func calledFrom(fn string) bool {
	pcs := make([]uintptr, 512)
	// Skipped: runtime.Callers, calledFrom and the predicate.
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		if strings.Contains(f.Function, fn) {
			return true
		}
		if !more {
			return false
		}
	}
}

// nth selects the nth operation (from 0) that sel selects.
func nth(n int64, sel func(errorfs.Op) bool) func(errorfs.Op) bool {
	var seen atomic.Int64
	return func(op errorfs.Op) bool { return sel(op) && seen.Add(1)-1 == n }
}

func onPath(part string) func(errorfs.Op) bool {
	return func(op errorfs.Op) bool { return strings.Contains(op.Path, part) }
}

// onSegments selects the operations on d/blobs but those creating a
// fan-out directory (its MkdirAll, and the sync of the directory holding
// it). Only the first write of the process into a fan-out directory does
// those, and the directories of a segment follow from random bits of its
// ID, so counting them would make the nth operation of a write a different
// one from run to run.
func onSegments(op errorfs.Op) bool {
	rest, ok := strings.CutPrefix(op.Path, "d/blobs")
	switch {
	case !ok, op.Kind == errorfs.OpMkdirAll:
		return false
	case op.Kind == errorfs.OpOpenDir || op.Kind == errorfs.OpFileSync:
		// The syncs of d/blobs and d/blobs/hh follow the creation of a
		// directory in them; every write syncs d/blobs/hh/hh.
		return rest != "" && len(rest) != len("/hh")
	}
	return true
}

// onFanOutCreation selects the operations that create the fan-out
// directories of a segment, which onSegments leaves out.
func onFanOutCreation(op errorfs.Op) bool {
	return strings.HasPrefix(op.Path, "d/blobs") && !onSegments(op) &&
		(op.Kind == errorfs.OpMkdirAll || op.Kind == errorfs.OpOpenDir || op.Kind == errorfs.OpFileSync)
}

// faultState is what a failed operation must leave unchanged.
type faultState struct {
	archives, bytes int64
	jobs            []string
	parts           []string
	files           []string
}

func readFaultState(t *testing.T, ctx context.Context, e *engine.Engine, fs vfs.FS, upload string) faultState {
	t.Helper()
	var s faultState
	d, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	if err != nil {
		t.Fatal(err)
	}
	s.archives, s.bytes = d.NumberOfArchives, d.SizeInBytes
	for j, err := range firn.AllJobs(ctx, e, firn.ListJobsInput{VaultName: "v"}) {
		if err != nil {
			t.Fatal(err)
		}
		s.jobs = append(s.jobs, j.JobId)
	}
	for p, err := range firn.AllParts(ctx, e, firn.ListPartsInput{VaultName: "v", UploadId: upload}) {
		if upload == "" {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s.parts = append(s.parts, p.RangeInBytes+"="+p.SHA256TreeHash)
	}
	s.files = files(t, fs, "d/blobs")
	return s
}

func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var fe *firn.Error
	if !errors.As(err, &fe) || fe.Code != firn.CodeServiceUnavailable || !errors.Is(err, errorfs.ErrInjected) {
		t.Fatalf("%s: got %v, want ServiceUnavailableException wrapping the injected error", what, err)
	}
}

// TestFaultBlobWrites fails, in turn, each file system operation on the
// segment files (create, write, sync, rename, directory sync, stat, ...)
// of an upload, a multipart part and an inventory job, and before that
// the creation of the fan-out directories of the process's first upload
// (each kind at once: which later writes create one is random): every
// failure makes the operation return ServiceUnavailableException and
// changes nothing — counters, parts, jobs and the files in the blob
// directory are as before, and Check passes. Once the faults stop, the
// same operation succeeds.
func TestFaultBlobWrites(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewMem()
	var f faults
	e := openFixedVault(t, "d", errorfs.Wrap(mem, &f))
	defer e.Close()
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: wPartSize})
	if err != nil {
		t.Fatal(err)
	}

	// Nothing written yet: the first upload creates its fan-out directories,
	// whether they exist or not.
	for i, kind := range []errorfs.OpKind{errorfs.OpMkdirAll, errorfs.OpOpenDir, errorfs.OpFileSync} {
		before := readFaultState(t, ctx, e, mem, up.UploadId)
		f.set(func(op errorfs.Op) bool { return op.Kind == kind && onFanOutCreation(op) })
		_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(wbytes(uint64(1000+i), 150<<10))})
		hits := f.hits.Load()
		f.set(nil)
		if hits == 0 {
			t.Fatalf("the first upload created no fan-out directory (operation kind %d)", kind)
		}
		wantUnavailable(t, fmt.Sprintf("UploadArchive, fan-out directory creation failing (operation kind %d)", kind), err)
		if after := readFaultState(t, ctx, e, mem, up.UploadId); !equalFaultState(before, after) {
			t.Fatalf("UploadArchive, fan-out directory creation failing: state changed from %+v to %+v", before, after)
		}
		if err := e.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}

	ops := []struct {
		name string
		do   func(i int) error
	}{
		{"UploadArchive", func(i int) error {
			_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(wbytes(uint64(i), 150<<10))})
			return err
		}},
		{"UploadMultipartPart", func(i int) error {
			_, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: up.UploadId,
				Range: fmt.Sprintf("bytes 0-%d/*", wPartSize-1), Body: bytes.NewReader(wbytes(uint64(i), wPartSize))})
			return err
		}},
		{"InitiateJob (inventory)", func(int) error {
			_, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
			return err
		}},
	}
	for _, op := range ops {
		kinds := map[errorfs.OpKind]bool{}
		for k := int64(0); ; k++ {
			before := readFaultState(t, ctx, e, mem, up.UploadId)
			f.set(nth(k, onSegments))
			err := op.do(int(k))
			hit := f.hits.Load() > 0
			f.set(nil)
			if !hit {
				if err != nil {
					t.Fatalf("%s without a fault: %v", op.name, err)
				}
				t.Logf("%s: failed each of its %d blob operations in turn; kinds %v", op.name, k, kinds)
				break
			}
			wantUnavailable(t, fmt.Sprintf("%s, blob operation %d failing", op.name, k), err)
			if after := readFaultState(t, ctx, e, mem, up.UploadId); !equalFaultState(before, after) {
				t.Fatalf("%s, blob operation %d failing: state changed from %+v to %+v", op.name, k, before, after)
			}
			if err := e.Check(ctx); err != nil {
				t.Fatalf("%s, blob operation %d failing: Check: %v", op.name, k, err)
			}
			kinds[errorfs.OpKind(f.last.Load())] = true
		}
		for _, k := range []errorfs.OpKind{errorfs.OpCreate, errorfs.OpFileWrite, errorfs.OpFileSync, errorfs.OpRename, errorfs.OpOpenDir} {
			if !kinds[k] {
				t.Errorf("%s: no operation of kind %d failed", op.name, k)
			}
		}
		// The engine keeps serving: the failure-free run above succeeded.
		if err := e.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func equalFaultState(a, b faultState) bool {
	return a.archives == b.archives && a.bytes == b.bytes && slices.Equal(a.jobs, b.jobs) &&
		slices.Equal(a.parts, b.parts) && slices.Equal(a.files, b.files)
}

// TestFaultMetadataReads fails every read of the metadata store's table
// files that an operation makes, while it runs on a freshly opened engine
// (so that its block cache is cold): each operation either succeeds, from
// what is cached, or returns ServiceUnavailableException and changes
// nothing; once the faults stop, everything works again.
func TestFaultMetadataReads(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewMem()
	var f faults
	fs := errorfs.Wrap(mem, &f)
	e := openFixedVault(t, "d", fs)
	// Enough metadata for several table blocks.
	var ids []string
	for i := range 60 {
		out, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: strings.Repeat("d", 1000),
			Body: bytes.NewReader(wbytes(uint64(i), 100))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.ArchiveId)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// Only the operation's own reads fail. Pebble's file cache shares one
	// open of a table among concurrent lookups, so a background reader
	// (Pebble's table statistics collector, seen doing so, or a
	// compaction) whose open failed in the window would hand that failure
	// to a lookup made after the faults stopped.
	tableReads := func(op errorfs.Op) bool {
		return strings.HasPrefix(op.Path, "d/meta/") && strings.HasSuffix(op.Path, ".sst") &&
			op.Kind.ReadOrWrite() == errorfs.OpIsRead && calledFrom("TestFaultMetadataReads")
	}
	ops := []struct {
		name   string
		mutate bool
		do     func() error
	}{
		{"DescribeVault", false, func() error {
			_, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
			return err
		}},
		{"InitiateJob", true, func() error {
			_, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
				Type: firn.JobTypeArchiveRetrieval, ArchiveId: ids[45]}})
			return err
		}},
		{"DeleteArchive", true, func() error {
			_, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: ids[50]})
			return err
		}},
		{"UploadArchive", true, func() error {
			_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("new")})
			return err
		}},
		{"ListJobs", false, func() error {
			_, err := e.ListJobs(ctx, &firn.ListJobsInput{VaultName: "v"})
			return err
		}},
		{"InitiateJob (inventory)", true, func() error {
			_, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
			return err
		}},
	}
	var failed []string
	for _, op := range ops {
		e = openFixed(t, "d", fs)
		before := readFaultState(t, ctx, e, mem, "")
		e.Close()
		e = openFixed(t, "d", fs)
		f.set(tableReads)
		err := op.do()
		f.set(nil)
		if err != nil {
			failed = append(failed, op.name)
			wantUnavailable(t, op.name+" with table reads failing", err)
			if after := readFaultState(t, ctx, e, mem, ""); !equalFaultState(before, after) {
				t.Fatalf("%s failed but changed the state from %+v to %+v", op.name, before, after)
			}
			if err := op.do(); err != nil {
				t.Fatalf("%s after the faults stopped: %v", op.name, err)
			}
		}
		if err := e.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("failed on a table read: %v", failed)
	if len(failed) < 3 {
		t.Fatalf("only %v met a failing read", failed)
	}
}

// TestFaultBlobReads fails the reads of segment files: retrieval outputs
// fail with an error instead of returning data, a ranged retrieval (whose
// tree hash comes from the segment index) fails with
// ServiceUnavailableException, and Scrub reports the segments as
// unreadable; once the faults stop, all of them work.
func TestFaultBlobReads(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewMem()
	var f faults
	e := openFixedVault(t, "d", errorfs.Wrap(mem, &f))
	defer e.Close()
	data := wbytes(3, 2*wPartSize+100)
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	job, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId}})
	if err != nil {
		t.Fatal(err)
	}
	blobReads := func(op errorfs.Op) bool {
		return strings.HasPrefix(op.Path, "d/blobs/") && (op.Kind == errorfs.OpFileReadAt || op.Kind == errorfs.OpOpen)
	}

	f.set(blobReads)
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: job.JobId})
	if err != nil {
		wantUnavailable(t, "GetJobOutput", err)
	} else {
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if !errors.Is(err, errorfs.ErrInjected) || len(got) != 0 {
			t.Fatalf("reading the output with reads failing: %d bytes, %v; want no bytes and the injected error", len(got), err)
		}
	}
	_, err = e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: fmt.Sprintf("0-%d", wPartSize-1)}})
	wantUnavailable(t, "ranged InitiateJob", err)
	r, err := e.Scrub(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Damaged) != 1 || !strings.Contains(r.Damaged[0].Reason, "unreadable") {
		t.Fatalf("Scrub with reads failing reported %v, want the archive's segment unreadable", r.Damaged)
	}
	f.set(nil)

	got, err := readOutput(ctx, e, "v", job.JobId)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after the faults stopped: %d bytes, %v", len(got), err)
	}
	if r, err := e.Scrub(ctx); err != nil || len(r.Damaged) != 0 {
		t.Fatalf("Scrub after the faults stopped: %v, %v", r.Damaged, err)
	}
}

// TestFaultMetadataWriteFailsEngine fails a write, then a sync, of the
// metadata store's log: the operation returns ServiceUnavailableException
// (it neither panics nor hangs), the engine enters the failed state — every
// mutation returns ServiceUnavailableException at once, reads are served,
// Close returns — and reopening finds every acknowledged write and the
// failed one entirely or not at all: in the same process after Close, and
// from crash images keeping none or all of the unsynced data.
func TestFaultMetadataWriteFailsEngine(t *testing.T) {
	// Pebble syncs its log with fdatasync.
	for name, kind := range map[string]errorfs.OpKind{"write": errorfs.OpFileWrite, "sync": errorfs.OpFileSyncData} {
		for _, reopen := range []string{"inprocess", "crash0", "crash100"} {
			t.Run(name+"/"+reopen, func(t *testing.T) {
				metadataWriteFails(t, kind, reopen)
			})
		}
	}
}

func metadataWriteFails(t *testing.T, kind errorfs.OpKind, reopen string) {
	ctx := context.Background()
	mem := vfs.NewCrashableMem()
	var f faults
	fs := errorfs.Wrap(mem, &f)
	e, err := engine.Open("d", &engine.Options{FS: fs, Clock: crashClock{}, TickInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	want, ids := failedStateFixture(t, ctx, e)

	f.set(func(op errorfs.Op) bool {
		return op.Kind == kind && strings.HasPrefix(op.Path, "d/meta/") && strings.HasSuffix(op.Path, ".log")
	})
	// Small enough to be stored inline, so that the archive's commit is
	// the upload's first write to the log: a larger one first commits the
	// intent to write its segment file, and would fail there.
	failed := wbytes(2, 60<<10)
	err = testkit.Within(t, "UploadArchive with the log failing", func() error {
		_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: "failed", Body: bytes.NewReader(failed)})
		return err
	})
	if f.hits.Load() == 0 {
		t.Fatal("the fault was not hit")
	}
	f.set(nil)
	wantUnavailable(t, "UploadArchive with the log failing", err)
	var image *vfs.MemFS
	if reopen != "inprocess" {
		unsynced := map[string]int{"crash0": 0, "crash100": 100}[reopen]
		image = mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: unsynced, RNG: rand.New(rand.NewPCG(1, 1))})
	}

	checkFailedState(t, ctx, e, ids, func(what string, err error) { wantUnavailable(t, what, err) })
	if err := testkit.Within(t, "Close", e.Close); err == nil {
		t.Fatal("Close in the failed state returned nil, want the failure")
	}

	var reopened vfs.FS = fs
	if image != nil {
		reopened = image
	}
	e2, err := engine.Open("d", &engine.Options{FS: reopened, Clock: crashClock{}})
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer e2.Close()
	if err := e2.Check(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := observe(ctx, e2, "v")
	if err != nil {
		t.Fatal(err)
	}
	// The failed upload is there only if its log record was written (the
	// write did not fail, the sync did) and kept: always without a crash,
	// and by a crash keeping the unsynced data.
	if kind == errorfs.OpFileSyncData && reopen != "crash0" {
		want.archives["failed"] = newWArchive("", failed)
	}
	if !want.view().matches(got) {
		t.Fatalf("after reopening:\n%swant:\n%s", got, want.view())
	}
}

// failedStateIDs names what failedStateFixture made.
type failedStateIDs struct {
	archive, job, upload string
	acked                []byte
}

// failedStateFixture makes, in vault "v", an archive "acked", a completed
// retrieval job "retrieval" of it and a multipart upload "mp" holding one
// part, and returns what the vault must then hold.
func failedStateFixture(t *testing.T, ctx context.Context, e *engine.Engine) (*wvault, failedStateIDs) {
	t.Helper()
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	ids := failedStateIDs{acked: wbytes(1, 100<<10)}
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: "acked", Body: bytes.NewReader(ids.acked)})
	if err != nil {
		t.Fatal(err)
	}
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Description: "retrieval"}})
	if err != nil {
		t.Fatal(err)
	}
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", ArchiveDescription: "mp", PartSize: wPartSize})
	if err != nil {
		t.Fatal(err)
	}
	part := wbytes(3, wPartSize)
	p, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: up.UploadId,
		Range: fmt.Sprintf("bytes 0-%d/*", wPartSize-1), Body: bytes.NewReader(part)})
	if err != nil {
		t.Fatal(err)
	}
	ids.archive, ids.job, ids.upload = a.ArchiveId, j.JobId, up.UploadId
	want := newWVault()
	want.archives["acked"] = newWArchive(a.ArchiveId, ids.acked)
	want.jobs["retrieval"] = wjob{j.JobId, digest(ids.acked)}
	want.uploads["mp"] = wupload{id: up.UploadId, parts: map[int]wpart{0: {part, p.Checksum}}}
	return want, ids
}

// checkFailedState checks an engine in the failed state: every mutation
// fails at once, as refused checks; every read of what failedStateFixture
// made is served.
func checkFailedState(t *testing.T, ctx context.Context, e *engine.Engine, ids failedStateIDs, refused func(what string, err error)) {
	t.Helper()
	body := func() io.Reader { return bytes.NewReader(wbytes(9, 10)) }
	mutations := map[string]func() error{
		"CreateVault": func() error { _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "w"}); return err },
		"DeleteVault": func() error { _, err := e.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"}); return err },
		"UploadArchive": func() error {
			_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: body()})
			return err
		},
		"DeleteArchive": func() error {
			_, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: ids.archive})
			return err
		},
		"InitiateJob": func() error {
			_, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
			return err
		},
		"InitiateMultipartUpload": func() error {
			_, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: wPartSize})
			return err
		},
		"UploadMultipartPart": func() error {
			_, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: ids.upload,
				Range: fmt.Sprintf("bytes %d-%d/*", wPartSize, wPartSize+9), Body: body()})
			return err
		},
		"CompleteMultipartUpload": func() error {
			_, err := e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: "v", UploadId: ids.upload,
				ArchiveSize: wPartSize, Checksum: strings.Repeat("0", 64)})
			return err
		},
		"AbortMultipartUpload": func() error {
			_, err := e.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: ids.upload})
			return err
		},
		"AddTagsToVault": func() error {
			_, err := e.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{"k": "v"}})
			return err
		},
		"SetVaultNotifications": func() error {
			_, err := e.SetVaultNotifications(ctx, &firn.SetVaultNotificationsInput{VaultName: "v", VaultNotificationConfig: &firn.VaultNotificationConfig{
				SNSTopic: "arn:aws:sns:us-east-1:000000000000:t", Events: []string{"ArchiveRetrievalCompleted"}}})
			return err
		},
		"InitiateVaultLock": func() error {
			_, err := e.InitiateVaultLock(ctx, &firn.InitiateVaultLockInput{VaultName: "v", Policy: &firn.VaultLockPolicy{Policy: `{"Version":"2012-10-17","Statement":[]}`}})
			return err
		},
		"SetDataRetrievalPolicy": func() error {
			_, err := e.SetDataRetrievalPolicy(ctx, &firn.SetDataRetrievalPolicyInput{Policy: &firn.DataRetrievalPolicy{
				Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyFreeTier}}}})
			return err
		},
		"PurchaseProvisionedCapacity": func() error {
			_, err := e.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{})
			return err
		},
	}
	for _, name := range slices.Sorted(maps.Keys(mutations)) {
		refused(name+" in the failed state", testkit.Within(t, name, mutations[name]))
	}
	reads := map[string]func() error{
		"DescribeVault": func() error {
			d, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
			if err == nil && d.NumberOfArchives < 1 {
				err = fmt.Errorf("%d archives", d.NumberOfArchives)
			}
			return err
		},
		"ListVaults": func() error { _, err := e.ListVaults(ctx, &firn.ListVaultsInput{}); return err },
		"DescribeJob": func() error {
			_, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: ids.job})
			return err
		},
		"ListJobs": func() error { _, err := e.ListJobs(ctx, &firn.ListJobsInput{VaultName: "v"}); return err },
		"GetJobOutput": func() error {
			got, err := readOutput(ctx, e, "v", ids.job)
			if err == nil && !bytes.Equal(got, ids.acked) {
				err = fmt.Errorf("%d bytes, not the archive's", len(got))
			}
			return err
		},
		"ListMultipartUploads": func() error {
			_, err := e.ListMultipartUploads(ctx, &firn.ListMultipartUploadsInput{VaultName: "v"})
			return err
		},
		"ListParts": func() error {
			_, err := e.ListParts(ctx, &firn.ListPartsInput{VaultName: "v", UploadId: ids.upload})
			return err
		},
		"ListTagsForVault": func() error {
			_, err := e.ListTagsForVault(ctx, &firn.ListTagsForVaultInput{VaultName: "v"})
			return err
		},
		"GetDataRetrievalPolicy": func() error {
			_, err := e.GetDataRetrievalPolicy(ctx, &firn.GetDataRetrievalPolicyInput{})
			return err
		},
		"ListProvisionedCapacity": func() error {
			_, err := e.ListProvisionedCapacity(ctx, &firn.ListProvisionedCapacityInput{})
			return err
		},
	}
	for _, name := range slices.Sorted(maps.Keys(reads)) {
		if err := testkit.Within(t, name, reads[name]); err != nil {
			t.Errorf("%s in the failed state: %v", name, err)
		}
	}
}

// TestFaultCorruptChunkOnRead flips a byte of one chunk of a stored
// archive: a retrieval covering that chunk fails with an error reporting
// corruption after returning at most the intact chunks before it, and a
// retrieval of the other chunks still succeeds.
func TestFaultCorruptChunkOnRead(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewMem()
	e := openFixedVault(t, "d", mem)
	defer e.Close()
	data := wbytes(4, 3*chunkSize) // random: stored raw
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	names := files(t, mem, "d/blobs")
	if len(names) != 1 {
		t.Fatalf("blobs: %v", names)
	}
	f, err := mem.OpenReadWrite(names[0], vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	off := int64(2*(frameHeader+chunkSize) + frameHeader + 777) // in chunk 2
	if _, err := f.WriteAt([]byte{^data[2*chunkSize+777]}, off); err != nil {
		t.Fatal(err)
	}
	f.Close()

	retrieve := func(rng string) ([]byte, error) {
		t.Helper()
		job, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
			Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: rng}})
		if err != nil {
			t.Fatal(err)
		}
		return readOutput(ctx, e, "v", job.JobId)
	}
	got, err := retrieve("")
	if err == nil || !strings.Contains(err.Error(), "corrupt") || len(got) > 2*chunkSize || !bytes.Equal(got, data[:len(got)]) {
		t.Fatalf("whole archive: %d bytes, %v; want at most the first two chunks, then a corruption error", len(got), err)
	}
	got, err = retrieve(fmt.Sprintf("%d-%d", chunkSize, 3*chunkSize-1))
	if err == nil || len(got) > chunkSize || !bytes.Equal(got, data[chunkSize:chunkSize+len(got)]) {
		t.Fatalf("chunks 1-2: %d bytes, %v; want at most chunk 1, then an error", len(got), err)
	}
	if got, err = retrieve(fmt.Sprintf("0-%d", 2*chunkSize-1)); err != nil || !bytes.Equal(got, data[:2*chunkSize]) {
		t.Fatalf("chunks 0-1, intact: %d bytes, %v", len(got), err)
	}
}

// TestFaultSegmentRemoval fails the removal of a deleted archive's segment
// file: the delete is acknowledged all the same (the metadata says the
// archive is gone), and the file left behind is reclaimed at the next Open.
func TestFaultSegmentRemoval(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewMem()
	var f faults
	fs := errorfs.Wrap(mem, &f)
	e := openFixedVault(t, "d", fs)
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(wbytes(1, 100<<10))})
	if err != nil {
		t.Fatal(err)
	}
	f.set(func(op errorfs.Op) bool { return op.Kind == errorfs.OpRemove })
	_, err = e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: a.ArchiveId})
	hits := f.hits.Load()
	f.set(nil)
	if err != nil || hits == 0 {
		t.Fatalf("DeleteArchive with removals failing: %v (%d removals failed)", err, hits)
	}
	if names := files(t, mem, "d/blobs"); len(names) != 1 {
		t.Fatalf("blobs: %v, want the segment left behind", names)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = openFixed(t, "d", fs)
	defer e.Close()
	if err := e.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if names := files(t, mem, "d/blobs"); len(names) != 0 {
		t.Fatalf("blobs after reopening: %v, want none", names)
	}
}
