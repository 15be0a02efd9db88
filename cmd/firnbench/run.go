package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// config is one invocation's settings.
type config struct {
	quick bool
	dir   string // "" for a new temporary directory
	// archives, if positive, replaces the archive count of the inventory,
	// open and scale groups (-archives).
	archives int
	run      *regexp.Regexp // nil: every group
	log      io.Writer      // progress lines
	// shared is where the shared group runs; nil skips it unless -run
	// selects it, which is then an error.
	shared *sharedSetup
}

// sizes are the workloads; see fullSizes and quickSizes.
type sizes struct {
	hash          int           // tree hash input
	reps          int           // runs of each side of a durable-write row, alternating; the best counts
	cpuReps       int           // runs of each side of a hashing or reading row; the best counts
	openReps      int           // opens of each side of an open row, alternating; the best counts
	upload        int           // UploadArchive, multipart and GetJobOutput archives
	partSize      int           // multipart part size
	uploaders     int           // concurrent part uploads
	small         int           // small archive size
	smallTime     time.Duration // how long each side of a small-upload row runs at most
	smallOps      int           // ... and how many calls it makes at most
	rss           int64         // archive uploaded from a file in the RSS child
	vaults        int           // vaults for the ListVaults rows
	jobs          int           // jobs for the ListJobs rows
	pageReps      int           // pages timed at each end (median)
	archives      int           // archives in the inventory
	scaleArchives int           // segment-file archives in the open and scale groups' vault
	scaleJobs     int           // jobs added to it for the scale group
	peerSmall     int           // small uploads, and calls of each listing, of each side of the peer group
	peerLarge     int           // 4 MiB uploads and job outputs of each side of the peer group
	populators    int           // goroutines creating vaults, jobs and archives
	sharedJobs    int           // jobs for the shared ListJobs row
	sharedUpload  int           // the shared large upload
}

var fullSizes = sizes{
	hash: 1 << 30, reps: 3, cpuReps: 5, openReps: 9,
	upload: 1 << 30, partSize: 8 << 20, uploaders: 4,
	small: 4 << 10, smallTime: 10 * time.Second, smallOps: 1 << 30,
	rss:    4 << 30,
	vaults: 10_000, jobs: 100_000, pageReps: 200,
	archives: 1_000_000, populators: 8,
	scaleArchives: 1_000_000, scaleJobs: 100_000,
	peerSmall: 200, peerLarge: 20,
	sharedJobs: 1000, sharedUpload: 64 << 20,
}

var quickSizes = sizes{
	hash: 4 << 20, reps: 1, cpuReps: 1, openReps: 1,
	upload: 4 << 20, partSize: 1 << 20, uploaders: 4,
	small: 4 << 10, smallTime: 5 * time.Second, smallOps: 64,
	rss:    4 << 20,
	vaults: 25, jobs: 120, pageReps: 5,
	archives: 100, populators: 4,
	scaleArchives: 2000, scaleJobs: 200,
	peerSmall: 10, peerLarge: 2,
	sharedJobs: 20, sharedUpload: 4 << 20,
}

// group is a set of rows measured together.
type group struct {
	name string
	fn   func(ctx context.Context, b *bench) ([]Result, error)
	// payloads is set if fn uses the payloads in bench.data, which the
	// other groups run without.
	payloads bool
}

var groups = []group{
	{"treehash", benchTreeHash, true},
	{"upload", benchUpload, true},
	{"multipart", benchMultipart, true},
	{"getjoboutput", benchGetJobOutput, true},
	{"small", benchSmall, true},
	{"rss", benchRSS, false},
	{"listing", benchListing, false},
	{"inventory", benchInventory, false},
	{"open", benchOpen, false},
	{"scale", benchScale, false},
	{"peer", benchPeer, true},
	{"shared", benchShared, true},
}

func groupNames() string {
	var names []string
	for _, g := range groups {
		names = append(names, g.name)
	}
	return strings.Join(names, ", ")
}

// bench is the state shared by the groups of one run.
type bench struct {
	sizes
	dir  string
	log  io.Writer
	data map[string][]byte // generated payloads by kind and size
	// shared is config.shared.
	shared *sharedSetup
	// fixtureBuilt says whether scaleFixture has built the fixture.
	fixtureBuilt bool
}

// run runs the selected groups in order. A group that fails is recorded in
// the report's Errors and the others still run; the error returned names
// the failures, or ctx's error if the run was interrupted.
func run(ctx context.Context, cfg config) (*Report, error) {
	b := &bench{sizes: fullSizes, log: cfg.log, data: map[string][]byte{}, shared: cfg.shared}
	if cfg.quick {
		b.sizes = quickSizes
	}
	if cfg.archives > 0 {
		b.archives, b.scaleArchives = cfg.archives, cfg.archives
	}
	if b.log == nil {
		b.log = io.Discard
	}
	base := cfg.dir
	if base == "" {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, "firnbench-")
	if err != nil {
		return &Report{}, err
	}
	defer os.RemoveAll(dir)
	b.dir = dir
	rep := &Report{Machine: describeMachine(dir), Quick: cfg.quick, Started: time.Now()}
	defer func() { rep.Seconds = time.Since(rep.Started).Seconds() }()
	for _, g := range groups {
		if cfg.run != nil && !cfg.run.MatchString(g.name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if g.name == "shared" && cfg.shared == nil && cfg.run == nil {
			fmt.Fprintf(b.log, "firnbench: shared: not run: it %v\n", errNoShared)
			continue
		}
		fmt.Fprintf(b.log, "firnbench: %s\n", g.name)
		if !g.payloads && len(b.data) > 0 {
			// The payloads of the earlier groups would let garbage pile
			// up under the heap measurements: the GC lets the heap grow
			// to twice what is live.
			clear(b.data)
			runtime.GC()
			debug.FreeOSMemory()
		}
		rows, err := g.fn(ctx, b)
		rep.Results = append(rep.Results, rows...)
		if err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", g.name, err))
		}
	}
	if len(rep.Errors) > 0 {
		return rep, fmt.Errorf("%d benchmark groups failed: %s", len(rep.Errors), strings.Join(rep.Errors, "; "))
	}
	return rep, ctx.Err()
}

// path returns a new path in the working directory.
func (b *bench) path(name string) string { return filepath.Join(b.dir, name) }

// openEngine opens an engine in a new directory of the working directory,
// with vault "v".
func (b *bench) openEngine(ctx context.Context, name string, opts *engine.Options) (*engine.Engine, error) {
	if opts == nil {
		opts = &engine.Options{}
	}
	e, err := engine.Open(b.path(name), opts)
	if err != nil {
		return nil, err
	}
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// closeEngine closes e and removes its directory.
func (b *bench) closeEngine(e *engine.Engine, name string) error {
	err := e.Close()
	if rerr := os.RemoveAll(b.path(name)); err == nil {
		err = rerr
	}
	return err
}

// random returns n incompressible bytes, the same for every call.
func (b *bench) random(n int) []byte {
	k := fmt.Sprintf("random/%d", n)
	if d, ok := b.data[k]; ok {
		return d
	}
	d := make([]byte, n)
	rand.NewChaCha8([32]byte{'f', 'i', 'r', 'n'}).Read(d)
	b.data[k] = d
	return d
}

// text returns n bytes of log-like text that compresses about 3:1, the
// same for every call.
func (b *bench) text(n int) []byte {
	k := fmt.Sprintf("text/%d", n)
	if d, ok := b.data[k]; ok {
		return d
	}
	b.data[k] = logText(n)
	return b.data[k]
}

func logText(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	levels := []string{"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"}
	actions := []string{"upload", "download", "list", "delete", "describe", "initiate-job", "complete"}
	users := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	t := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	out := make([]byte, 0, n+256)
	for len(out) < n {
		t = t.Add(time.Duration(rng.IntN(5000)) * time.Millisecond)
		out = t.AppendFormat(out, time.RFC3339Nano)
		out = fmt.Appendf(out, " %s user=%s action=%s vault=vault-%03d bytes=%d latency=%dms request=%016x\n",
			levels[rng.IntN(len(levels))], users[rng.IntN(len(users))], actions[rng.IntN(len(actions))],
			rng.IntN(50), rng.IntN(1<<30), rng.IntN(2000), rng.Uint64())
	}
	return out[:n]
}

// timed returns how long fn takes.
func timed(fn func() error) (time.Duration, error) {
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

// best returns the shortest of reps runs of fn.
func best(reps int, fn func() error) (time.Duration, error) {
	var min time.Duration
	for i := range reps {
		d, err := timed(fn)
		if err != nil {
			return 0, err
		}
		if i == 0 || d < min {
			min = d
		}
	}
	return min, nil
}

// mibps is a throughput in MiB/s.
func mibps(n int64, d time.Duration) float64 { return float64(n) / (1 << 20) / d.Seconds() }

// sizeName formats a byte count as "1 GiB", "8 MiB", "4 KiB".
func sizeName(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// noSyncFS is the OS filesystem with every sync skipped. It only populates
// the listing and inventory benchmarks, whose setup is not what they
// measure: with syncs, creating 100,000 jobs one by one would take most of
// an hour.
type noSyncFS struct{ vfs.FS }

func (fs noSyncFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, c)
	return wrapNoSync(f, err)
}

func (fs noSyncFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.Open(name, opts...)
	return wrapNoSync(f, err)
}

func (fs noSyncFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, c, opts...)
	return wrapNoSync(f, err)
}

func (fs noSyncFS) OpenDir(name string) (vfs.File, error) {
	f, err := fs.FS.OpenDir(name)
	return wrapNoSync(f, err)
}

func (fs noSyncFS) ReuseForWrite(oldname, newname string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, c)
	return wrapNoSync(f, err)
}

func wrapNoSync(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

type noSyncFile struct{ vfs.File }

func (noSyncFile) Sync() error                             { return nil }
func (noSyncFile) SyncData() error                         { return nil }
func (noSyncFile) SyncTo(int64) (fullSync bool, err error) { return false, nil }
