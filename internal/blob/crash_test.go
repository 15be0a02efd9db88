package blob

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// TestCrashBeforeCommit simulates power loss at random points while a
// segment is being written: after restart the segment is not listed, its
// temporary file is gone, and the segment committed before is intact.
func TestCrashBeforeCommit(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := range 12 {
		mem := vfs.NewCrashableMem()
		s := openStore(t, mem, &Options{Concurrency: 1 + trial%3})
		committed := textBytes(rng, ChunkSize+rng.IntN(2*ChunkSize))
		put(t, s, testID(1), committed)

		w, err := s.Create(testID(2))
		if err != nil {
			t.Fatal(err)
		}
		data := randomBytes(rng, rng.IntN(3*ChunkSize))
		crashAt := rng.IntN(len(data) + 1)
		var crashed *vfs.MemFS
		for off := 0; off < len(data) || crashed == nil; {
			if crashed == nil && off >= crashAt {
				crashed = mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng})
				continue
			}
			n := min(len(data)-off, 1+rng.IntN(300_000))
			if crashed == nil {
				n = min(n, crashAt-off)
			}
			if _, err := w.Write(data[off : off+n]); err != nil {
				t.Fatal(err)
			}
			off += n
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}

		s = openStore(t, crashed, nil)
		if ids := list(t, s); !slices.Equal(ids, []ID{testID(1)}) {
			t.Fatalf("trial %d: List after crash = %v", trial, ids)
		}
		checkNoTemp(t, crashed)
		if got := get(t, s, testID(1)); !bytes.Equal(got, committed) {
			t.Fatalf("trial %d: committed segment changed by the crash", trial)
		}
	}
}

// TestCrashAtEveryOp simulates power loss before each filesystem operation
// of opening a store and committing two segments: after restart, every
// segment whose Commit had returned is listed and intact, any other listed
// segment is intact too, and no temporary file remains.
func TestCrashAtEveryOp(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	data := [][]byte{textBytes(rng, ChunkSize+3), randomBytes(rng, ChunkSize/2), nil}

	// run crashes before operation crashAt, keeping unsynced data with
	// probability unsynced, and returns the crashed filesystem, how many
	// Commits returned before the crash, and the number of operations.
	run := func(crashAt, unsynced int) (*vfs.MemFS, int, int) {
		mem := vfs.NewCrashableMem()
		var ops atomic.Int64
		var crashed atomic.Pointer[vfs.MemFS]
		fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(errorfs.Op) error {
			if ops.Add(1)-1 == int64(crashAt) {
				rng := rand.New(rand.NewPCG(uint64(crashAt), uint64(unsynced)))
				crashed.Store(mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: unsynced, RNG: rng}))
			}
			return nil
		}))
		s := openStore(t, fs, &Options{Concurrency: 2})
		committed := 0
		for i, d := range data {
			put(t, s, testID(uint64(i)), d)
			if crashed.Load() == nil {
				committed = i + 1
			}
		}
		return crashed.Load(), committed, int(ops.Load())
	}

	_, _, total := run(-1, 0)
	for crashAt := range total {
		for _, unsynced := range []int{0, 50, 100} {
			t.Run(fmt.Sprintf("op%d/unsynced%d", crashAt, unsynced), func(t *testing.T) {
				crashed, committed, _ := run(crashAt, unsynced)
				s := openStore(t, crashed, nil)
				checkNoTemp(t, crashed)
				ids := list(t, s)
				for i, d := range data {
					id := testID(uint64(i))
					if !slices.Contains(ids, id) {
						if i < committed {
							t.Fatalf("segment %d committed before the crash is lost", i)
						}
						continue
					}
					if got := get(t, s, id); !bytes.Equal(got, d) {
						t.Fatalf("segment %d: read back different bytes", i)
					}
					if err := s.Verify(id); err != nil {
						t.Fatal(err)
					}
				}
				if len(ids) > len(data) {
					t.Fatalf("List = %v", ids)
				}
			})
		}
	}
}
