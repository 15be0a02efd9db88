package engine_test

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// crashImage is the file system as a power loss at some moment would have
// left it, with each worker's log as of that moment.
type crashImage struct {
	fs       *vfs.MemFS
	at       int64 // index of the file system operation it preceded
	unsynced int   // percentage of unsynced writes kept
	logs     []whistory
}

// TestCrashSimulated runs the workload (uploads, deletes, multipart parts,
// completions and aborts, retrieval and inventory jobs, vault lock
// transitions) on several goroutines over a crash-capable in-memory file
// system, and takes crash images before random file system operations,
// keeping a random share of the unsynced writes. Each image is reopened
// and must pass engine.Check (counters, references, no unreferenced
// segment left), hold no intent, and show, in every vault, the state its
// acknowledged operations made — every archive byte-identical with its
// tree hash, every upload with exactly its parts — or that state plus the
// operation then in flight, entirely.
func TestCrashSimulated(t *testing.T) {
	const (
		workers = 3
		opsEach = 24
	)
	minImages := 210
	if testing.Short() {
		minImages = 40
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	images, rounds := 0, 0
	for images < minImages && rounds < 3*minImages {
		images += crashRound(t, seed+uint64(rounds), workers, opsEach)
		rounds++
		if t.Failed() {
			return
		}
	}
	t.Logf("%d crash images checked in %d rounds", images, rounds)
	if images < minImages {
		t.Fatalf("only %d crash images", images)
	}
}

// crashRound runs one workload, checks its crash images as they are taken,
// and returns their number.
func crashRound(t *testing.T, seed uint64, workers, opsEach int) int {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 1))
	mem := vfs.NewCrashableMem()

	var (
		mu      sync.Mutex // guards logs, rng and stopped; held while an image is taken
		logs    = make([]whistory, workers)
		stopped bool
		ops     atomic.Int64
		// crashAt is the index of the file system operation before which
		// the next image is taken; -1 is none.
		crashAt atomic.Int64
		images  = make(chan crashImage, 1)
	)
	crashAt.Store(-1)
	// An operation of the workload does about a dozen file system
	// operations; the gaps between images average a dozen too.
	gap := func() int64 { return 1 + rng.Int64N(24) }
	fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(errorfs.Op) error {
		n := ops.Add(1) - 1
		if at := crashAt.Load(); at < 0 || n < at || !crashAt.CompareAndSwap(at, -1) {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return nil
		}
		img := crashImage{at: n, unsynced: []int{0, 0, 30, 70, 100}[rng.IntN(5)], logs: make([]whistory, workers)}
		for w, h := range logs {
			img.logs[w] = whistory{acked: h.acked[:len(h.acked):len(h.acked)], pending: h.pending}
		}
		img.fs = mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: img.unsynced, RNG: rng})
		// Sent under mu, so that images arrive in order.
		images <- img
		crashAt.Store(ops.Load() + gap())
		return nil
	}))

	e := openFixed(t, "d", fs)
	if err := createWorkerVaults(ctx, e, workers); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	crashAt.Store(ops.Load() + gap())
	mu.Unlock()

	checked := make(chan int)
	go func() {
		n := -1 // the last image is of the clean close
		models := make([]replayer, workers)
		for img := range images {
			if err := checkImage(ctx, img, models); err != nil {
				t.Errorf("crash image before file system operation %d of round %d (%d%% unsynced kept):\n%v", img.at, seed, img.unsynced, err)
			}
			n++
		}
		checked <- n
	}()

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			mu.Lock()
			wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
			mu.Unlock()
			m := newWVault()
			for i := range opsEach {
				o := m.next(wrng, w, fmt.Sprintf("w%d.%d.%d", w, seed, i))
				pending := o // o changes when acknowledged
				mu.Lock()
				logs[w].pending = &pending
				mu.Unlock()
				id, err := m.do(ctx, e, o)
				if err != nil {
					t.Errorf("worker %d: %s: %v", w, o, err)
					return
				}
				o.ID, o.Ack = id, true
				m.apply(o)
				mu.Lock()
				logs[w].acked = append(logs[w].acked, o)
				logs[w].pending = nil
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	mu.Lock()
	stopped = true
	mu.Unlock()
	// The final state too: a clean close loses nothing.
	if err := e.Check(ctx); err != nil {
		t.Errorf("Check of the live engine: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	images <- crashImage{fs: mem.CrashClone(vfs.CrashCloneCfg{}), at: ops.Load(), logs: logs}
	close(images)
	return <-checked
}

// checkImage reopens an engine on img and checks it against the logs.
func checkImage(ctx context.Context, img crashImage, models []replayer) error {
	e, err := engine.Open("d", &engine.Options{FS: img.fs, Clock: crashClock{}})
	if err != nil {
		return fmt.Errorf("Open: %w", err)
	}
	defer e.Close()
	if err := e.Check(ctx); err != nil {
		return fmt.Errorf("Check after reopening: %w", err)
	}
	// Check accepts an unreferenced segment that an intent names; Open has
	// reclaimed them all.
	if n, err := engine.Intents(e); err != nil || n != 0 {
		return fmt.Errorf("%d intents after reopening (%v), want Open to have reclaimed them", n, err)
	}
	names, err := img.fs.List("d/blobs")
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.HasSuffix(n, ".tmp") {
			return fmt.Errorf("temporary file %s survived reopening", n)
		}
	}
	for w, h := range img.logs {
		if _, err := checkVault(ctx, e, w, h, models[w].model(h)); err != nil {
			return err
		}
	}
	return nil
}

// TestCrashSelectOutputDurable checks that the objects a select job wrote
// through the default DirOutput survive a power loss right after the job
// was acknowledged, directories included.
func TestCrashSelectOutputDurable(t *testing.T) {
	ctx := context.Background()
	mem := vfs.NewCrashableMem()
	e := openFixedVault(t, "d", mem)
	defer e.Close()
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("name,age\nann,34\nbob,70\n")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type:      firn.JobTypeSelect,
		ArchiveId: a.ArchiveId,
		SelectParameters: &firn.SelectParameters{
			ExpressionType:      firn.ExpressionTypeSQL,
			Expression:          "SELECT s.name FROM archive s",
			InputSerialization:  &firn.InputSerialization{CSV: &firn.CSVInput{FileHeaderInfo: firn.FileHeaderInfoUse}},
			OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{}},
		},
		OutputLocation: &firn.OutputLocation{S3: &firn.S3Location{BucketName: "results", Prefix: "q/1"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := files(t, mem, "d/select-output")
	if len(want) == 0 {
		t.Fatal("the select job wrote nothing")
	}
	if got := files(t, mem.CrashClone(vfs.CrashCloneCfg{}), "d/select-output"); !slices.Equal(got, want) {
		t.Fatalf("after a crash, the select output holds %v, want %v", got, want)
	}
}

// files lists the files under dir, recursively.
func files(t *testing.T, fs vfs.FS, dir string) []string {
	t.Helper()
	names, err := fs.List(dir)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		p := fs.PathJoin(dir, n)
		fi, err := fs.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.IsDir() {
			out = append(out, files(t, fs, p)...)
		} else {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
