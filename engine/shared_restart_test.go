package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/pgtest"
	"github.com/firnstore/firn/treehash"
)

// downBound is how long a call may take while the database is down: a
// refused connection fails at once, and the store's connect timeout is
// 5 s; its call timeout, 30 s, is what a call that hangs would wait.
const downBound = 15 * time.Second

// TestSharedDatabaseRestart runs a workload of uploads (single and
// multipart), DescribeVault and retrieval jobs on an engine whose metadata
// is on a PostgreSQL server of its own, and stops the server mid-workload,
// once cleanly and once with SIGKILL. While it is down every call fails
// with ServiceUnavailableException, promptly; once it is back the same
// engine serves every call, without being reopened. At the end every
// acknowledged upload reads back byte-identical, every acknowledged job is
// complete, the vaults count what was acknowledged (plus at most what
// failed and may have happened), and Check passes.
func TestSharedDatabaseRestart(t *testing.T) {
	c := miniotest.Start(t)
	srv := pgtest.Start(t)
	e, err := engine.Open(t.TempDir(), &engine.Options{
		Metadata: srv.NewDatabase(t),
		ObjectStore: &engine.ObjectStore{Endpoint: c.Endpoint(0), Bucket: c.NewBucket(),
			AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	ctx := context.Background()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	const workers = 2
	ws := make([]*restartWorker, workers)
	for i := range ws {
		ws[i] = &restartWorker{e: e, vault: fmt.Sprintf("r%d", i), rng: rand.New(rand.NewPCG(seed, uint64(i))),
			archives: map[string][]byte{}}
		if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: ws[i].vault}); err != nil {
			t.Fatal(err)
		}
	}
	var ph phases
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() { w.run(&ph, stop) })
	}
	failed := func() bool {
		for _, w := range ws {
			if w.failed.Load() != nil {
				return true
			}
		}
		return false
	}
	// waitCalls waits until every worker has made n more calls wholly in
	// the current phase, or one has failed.
	waitCalls := func(n int) {
		for _, w := range ws {
			target := w.inPhase.Load() + int64(n)
			for w.inPhase.Load() < target && !failed() {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}

	for _, down := range []struct {
		name string
		stop func()
	}{{"Stop", srv.Stop}, {"Kill", srv.Kill}} {
		waitCalls(5)
		ph.change(phaseChanging)
		down.stop()
		ph.change(phaseDown)
		checkDown(t, e, ws[0])
		waitCalls(3)
		ph.change(phaseChanging)
		srv.Restart()
		ph.change(phaseUp)
		if t.Failed() || failed() {
			break
		}
	}
	waitCalls(5)
	close(stop)
	wg.Wait()
	for _, w := range ws {
		if err := w.failed.Load(); err != nil {
			t.Fatalf("%s: %v", w.vault, *err)
		}
	}

	acked, unknown := 0, 0
	for _, w := range ws {
		acked += len(w.archives)
		unknown += w.unknown
		d, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: w.vault})
		if err != nil {
			t.Fatal(err)
		}
		if n := int(d.NumberOfArchives); n < len(w.archives) || n > len(w.archives)+w.unknown {
			t.Errorf("%s holds %d archives; %d uploads were acknowledged and %d failed", w.vault, n, len(w.archives), w.unknown)
		}
		for id, data := range w.archives {
			got, err := w.retrieve(ctx, id)
			if err != nil {
				t.Fatalf("%s: archive %s: %v", w.vault, id, err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("%s: archive %s of %d bytes read back as %d different bytes", w.vault, id, len(data), len(got))
			}
		}
		for _, id := range w.jobs {
			j, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: w.vault, JobId: id})
			if err != nil {
				t.Fatalf("%s: acknowledged job %s: %v", w.vault, id, err)
			}
			if !j.Completed || j.StatusCode != firn.StatusSucceeded {
				t.Errorf("%s: acknowledged job %s is %s", w.vault, id, j.StatusCode)
			}
		}
	}
	if err := e.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	t.Logf("%d uploads acknowledged, %d failed as the database went down or up", acked, unknown)
}

// checkDown makes one call of each kind while the database is down: each
// fails with ServiceUnavailableException within downBound.
func checkDown(t *testing.T, e *engine.Engine, w *restartWorker) {
	t.Helper()
	ctx := context.Background()
	calls := map[string]func() error{
		"ListVaults": func() error { _, err := e.ListVaults(ctx, &firn.ListVaultsInput{}); return err },
		"DescribeVault": func() error {
			_, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: w.vault})
			return err
		},
		"CreateVault": func() error { _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "down"}); return err },
		"UploadArchive": func() error {
			_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: w.vault, Body: bytes.NewReader([]byte("down"))})
			return err
		},
		"ListJobs": func() error { _, err := e.ListJobs(ctx, &firn.ListJobsInput{VaultName: w.vault}); return err },
		"InitiateJob": func() error {
			_, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: w.vault,
				JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
			return err
		},
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if firn.CodeOf(err) != firn.CodeServiceUnavailable {
			t.Errorf("%s with the database down: %v, want %s", name, err, firn.CodeServiceUnavailable)
		}
		if d := time.Since(start); d > downBound {
			t.Errorf("%s with the database down took %v", name, d)
		}
	}
}

// The phases of the database, as the test drives it.
const (
	phaseUp       = iota // serving: every call must succeed
	phaseChanging        // stopping or restarting: a call may fail
	phaseDown            // stopped: every call must fail, promptly
)

// phases tells a worker in which phase a call ran wholly: the phase is
// packed with a count of changes, so that a call that straddles a change
// is seen to.
type phases struct{ v atomic.Int64 }

func (p *phases) change(phase int64) { p.v.Store((p.v.Load()>>2+1)<<2 | phase) }
func (p *phases) load() int64        { return p.v.Load() }

// restartWorker runs the workload on one vault, keeping what was
// acknowledged.
type restartWorker struct {
	e        *engine.Engine
	vault    string
	rng      *rand.Rand
	archives map[string][]byte // acknowledged uploads
	ids      []string          // archives' keys, for picking
	jobs     []string          // acknowledged retrieval jobs
	unknown  int               // uploads that failed and may have happened
	failedUp int               // uploads of the current step that failed
	inPhase  atomic.Int64      // calls made wholly in one phase
	failed   atomic.Pointer[error]
}

func (w *restartWorker) run(ph *phases, stop <-chan struct{}) {
	ctx := context.Background()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		before := ph.load()
		start := time.Now()
		w.failedUp = 0
		what, err := w.step(ctx)
		d := time.Since(start)
		// An upload that failed wholly while the database was down did
		// not happen.
		if ph.load() != before || before&3 != phaseDown {
			w.unknown += w.failedUp
		}
		if err != nil {
			// Back off as a client would, rather than spin on the CPUs
			// the database needs to restart.
			time.Sleep(20 * time.Millisecond)
		}
		if after := ph.load(); after != before {
			// Straddled a change: anything but an unavailable database,
			// or a job output cut off by it, is still wrong.
			if err != nil && firn.CodeOf(err) != firn.CodeServiceUnavailable && !errors.Is(err, errBody) {
				w.fail(fmt.Errorf("call %d, %s, as the database went down or up: %w", n, what, err))
				return
			}
			continue
		}
		switch before & 3 {
		case phaseUp:
			if err != nil {
				w.fail(fmt.Errorf("call %d, %s, with the database up: %w (cause: %v)", n, what, err, errors.Unwrap(err)))
				return
			}
		case phaseDown:
			if firn.CodeOf(err) != firn.CodeServiceUnavailable {
				w.fail(fmt.Errorf("call %d, %s, with the database down: %v, want %s", n, what, err, firn.CodeServiceUnavailable))
				return
			}
			if d > downBound {
				w.fail(fmt.Errorf("call %d, %s, with the database down took %v", n, what, d))
				return
			}
		}
		if before&3 != phaseChanging {
			w.inPhase.Add(1)
		}
	}
}

func (w *restartWorker) fail(err error) { w.failed.CompareAndSwap(nil, &err) }

// step makes one random call and returns what it was.
func (w *restartWorker) step(ctx context.Context) (string, error) {
	switch r := w.rng.IntN(10); {
	case r < 4 || len(w.ids) == 0:
		data := wbytes(w.rng.Uint64(), w.rng.IntN(256<<10))
		return "UploadArchive", w.acked(w.e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: w.vault, Body: bytes.NewReader(data)}))(data)
	case r < 5:
		data := wbytes(w.rng.Uint64(), 1<<20+w.rng.IntN(1<<20))
		id, err := w.multipart(ctx, data)
		return "multipart upload", w.acked(&firn.UploadArchiveOutput{ArchiveId: id}, err)(data)
	case r < 7:
		_, err := w.e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: w.vault})
		return "DescribeVault", err
	default:
		id := w.ids[w.rng.IntN(len(w.ids))]
		got, err := w.retrieve(ctx, id)
		if err == nil && !bytes.Equal(got, w.archives[id]) {
			err = fmt.Errorf("archive %s of %d bytes read back as %d different bytes", id, len(w.archives[id]), len(got))
		}
		return "retrieval", err
	}
}

// acked returns a function that records data as acknowledged when the
// upload succeeded, or counts a failure for an unavailable database, and
// returns err.
func (w *restartWorker) acked(out *firn.UploadArchiveOutput, err error) func([]byte) error {
	return func(data []byte) error {
		switch {
		case err == nil:
			w.archives[out.ArchiveId] = data
			w.ids = append(w.ids, out.ArchiveId)
		case firn.CodeOf(err) == firn.CodeServiceUnavailable:
			w.failedUp++
		}
		return err
	}
}

// multipart uploads data in parts of 1 MiB.
func (w *restartWorker) multipart(ctx context.Context, data []byte) (string, error) {
	const partSize = 1 << 20
	up, err := w.e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: w.vault, PartSize: partSize})
	if err != nil {
		return "", err
	}
	for off := 0; off < len(data); off += partSize {
		end := min(off+partSize, len(data))
		if _, err := w.e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: w.vault, UploadId: up.UploadId,
			Range: fmt.Sprintf("bytes %d-%d/*", off, end-1), Body: bytes.NewReader(data[off:end])}); err != nil {
			return "", err
		}
	}
	out, err := w.e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: w.vault, UploadId: up.UploadId,
		ArchiveSize: int64(len(data)), Checksum: treehash.Hex(treehash.Sum(data))})
	if err != nil {
		return "", err
	}
	return out.ArchiveId, nil
}

// retrieve reads archive id back through a retrieval job, recording the
// job once InitiateJob acknowledged it.
func (w *restartWorker) retrieve(ctx context.Context, id string) ([]byte, error) {
	j, err := w.e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: w.vault,
		JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
	if err != nil {
		return nil, err
	}
	w.jobs = append(w.jobs, j.JobId)
	o, err := w.e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: w.vault, JobId: j.JobId})
	if err != nil {
		return nil, err
	}
	defer o.Body.Close()
	b, err := io.ReadAll(o.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBody, err)
	}
	return b, nil
}

// errBody marks a failure while reading a job's output, after
// GetJobOutput answered: the stream has no error code to carry.
var errBody = errors.New("reading the job output")
