package blob

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// layoutIDs share fan-out directories in every way: 1 and 0x10001 are both
// in 01/00, 0x101 in 01/01, 2 in 02/00 and 0xfffe in fe/ff.
var layoutIDs = []ID{testID(1), testID(2), testID(0x101), testID(0xfffe), testID(0x10001)}

// TestLayout checks that committed segments are at their fan-out paths,
// that the top directory holds only fan-out directories, and that List
// walks the tree and skips names that are not the store's.
func TestLayout(t *testing.T) {
	mem := vfs.NewMem()
	s := openStore(t, mem, nil)
	for i, id := range layoutIDs {
		put(t, s, id, []byte(fmt.Sprint(i)))
	}
	var want []string
	for _, id := range layoutIDs {
		want = append(want, segPath(id))
	}
	slices.Sort(want)
	if got := files(t, mem); !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	top, _ := mem.List(testDir)
	slices.Sort(top)
	if want := []string{"01", "02", "fe"}; !slices.Equal(top, want) {
		t.Fatalf("top directory holds %v, want %v", top, want)
	}

	// Foreign names: a README, a file named like a fan-out directory,
	// uppercase hex, a stray file, and a segment file in the wrong
	// directory (which Open would not find).
	stray := testID(0x0303)
	for _, dir := range []string{"zz", "AB/CD", "03/03"} {
		if err := mem.MkdirAll(testDir+"/"+dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"README", "ab", "zz/00", "AB/CD/" + stray.String() + ".seg",
		"01/00/notes.txt", "01/00/" + stray.String() + ".seg"} {
		writeFile(t, mem, testDir+"/"+name, []byte("foreign"))
	}
	if got := list(t, s); !slices.Equal(got, sortedIDs(layoutIDs)) {
		t.Fatalf("List = %v, want %v", got, sortedIDs(layoutIDs))
	}
	if _, err := s.Stat(stray); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Stat of a segment in the wrong directory = %v", err)
	}

	if err := s.Delete(testID(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Stat(segPath(testID(1))); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("deleted segment's file: %v", err)
	}
	if got, want := list(t, s), sortedIDs(layoutIDs[1:]); !slices.Equal(got, want) {
		t.Fatalf("List after Delete = %v, want %v", got, want)
	}
	if got := get(t, s, testID(0x10001)); string(got) != "4" {
		t.Fatalf("neighbour of the deleted segment reads %q", got)
	}
}

func sortedIDs(ids []ID) []ID {
	ids = slices.Clone(ids)
	slices.SortFunc(ids, func(a, b ID) int { return a.Compare(b) })
	return ids
}

// opCounter counts the file system operations of each kind, and records
// the directories created.
type opCounter struct {
	mu    sync.Mutex
	kinds map[errorfs.OpKind]int
	dirs  []string
}

func (c *opCounter) MaybeError(op errorfs.Op) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kinds[op.Kind]++
	if op.Kind == errorfs.OpMkdirAll {
		c.dirs = append(c.dirs, op.Path)
	}
	return nil
}

func (c *opCounter) String() string { return "opCounter" }

// take returns the counts since the last take and resets them.
func (c *opCounter) take() (map[errorfs.OpKind]int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kinds, dirs := c.kinds, c.dirs
	c.kinds, c.dirs = map[errorfs.OpKind]int{}, nil
	return kinds, dirs
}

// TestFanOutDirOps checks when a write creates fan-out directories: the
// first time a process writes into one, whether or not it exists, and never
// again in that process; and that opening an existing store lists the top
// directory only.
func TestFanOutDirOps(t *testing.T) {
	c := &opCounter{kinds: map[errorfs.OpKind]int{}}
	fs := errorfs.Wrap(vfs.NewMem(), c)
	s := openStore(t, fs, nil)
	c.take()
	write := func(s *Store, id ID, wantDirs ...string) map[errorfs.OpKind]int {
		t.Helper()
		put(t, s, id, []byte("x"))
		kinds, dirs := c.take()
		for i := range wantDirs {
			wantDirs[i] = testDir + "/" + wantDirs[i]
		}
		if !slices.Equal(dirs, wantDirs) {
			t.Fatalf("writing %s created %v, want %v", id, dirs, wantDirs)
		}
		return kinds
	}
	first := write(s, testID(1), "01", "01/00")
	// A directory sync (open and sync) for each directory created, and
	// one for the segment's directory.
	if first[errorfs.OpOpenDir] != 3 || first[errorfs.OpMkdirAll] != 2 {
		t.Fatalf("first write: %v", first)
	}
	known := write(s, testID(0x10001))
	if known[errorfs.OpOpenDir] != 1 || known[errorfs.OpMkdirAll] != 0 {
		t.Fatalf("write into known directories: %v", known)
	}
	write(s, testID(0x101), "01/01")

	s = openStore(t, fs, nil)
	if kinds, _ := c.take(); !maps.Equal(kinds, map[errorfs.OpKind]int{errorfs.OpStat: 1, errorfs.OpList: 1}) {
		t.Fatalf("Open of a store holding segments: %v, want one stat and one listing", kinds)
	}
	// A new process redoes existing directories as it does new ones.
	if again := write(s, testID(0x20001), "01", "01/00"); !maps.Equal(again, first) {
		t.Fatalf("write into existing directories by a new process: %v, want %v", again, first)
	}
	if fresh := write(s, testID(3), "03", "03/00"); !maps.Equal(fresh, first) {
		t.Fatalf("write into new directories: %v, want %v", fresh, first)
	}
}

// flatStore returns a crashable file system holding the segments ids (the
// bytes of each are data[i]) durably in the flat layout of earlier
// versions, with a README, and the bytes.
func flatStore(t *testing.T, ids []ID) (*vfs.MemFS, [][]byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(15, uint64(len(ids))))
	mem := vfs.NewCrashableMem()
	s := openStore(t, mem, nil)
	var data [][]byte
	for _, id := range ids {
		data = append(data, randomBytes(rng, 100+rng.IntN(ChunkSize)))
		put(t, s, id, data[len(data)-1])
	}
	for _, id := range ids {
		if err := mem.Rename(segPath(id), flatPath(id)); err != nil {
			t.Fatal(err)
		}
	}
	names, err := mem.List(testDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if _, ok := parseHexByte(name); ok {
			if err := mem.RemoveAll(testDir + "/" + name); err != nil {
				t.Fatal(err)
			}
		}
	}
	writeFile(t, mem, testDir+"/README", []byte("segments"))
	syncFile(t, mem, testDir+"/README")
	syncFile(t, mem, testDir)
	return mem, data
}

func syncFile(t *testing.T, fs vfs.FS, name string) {
	t.Helper()
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		t.Fatal(err)
	}
}

// checkMoved checks that fs holds the segments ids, holding data, each
// exactly once and at its fan-out place, and the README.
func checkMoved(t *testing.T, fs vfs.FS, ids []ID, data [][]byte) {
	t.Helper()
	s := openStore(t, fs, nil)
	want := []string{testDir + "/README"}
	for _, id := range ids {
		want = append(want, segPath(id))
	}
	slices.Sort(want)
	if got := files(t, fs); !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	if got := list(t, s); !slices.Equal(got, sortedIDs(ids)) {
		t.Fatalf("List = %v, want %v", got, sortedIDs(ids))
	}
	for i, id := range ids {
		if got := get(t, s, id); !bytes.Equal(got, data[i]) {
			t.Fatalf("segment %s reads back different bytes", id)
		}
		if err := s.Verify(id); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpenMovesFlatLayout opens a store in the flat layout: every segment
// is moved to its fan-out place and reads back, and a second Open has
// nothing left to do but list the top directory.
func TestOpenMovesFlatLayout(t *testing.T) {
	mem, data := flatStore(t, layoutIDs)
	c := &opCounter{kinds: map[errorfs.OpKind]int{}}
	fs := errorfs.Wrap(mem, c)
	checkMoved(t, fs, layoutIDs, data)
	// Durably: neither an old entry nor the marker of a move comes back.
	want := []string{testDir + "/README"}
	for _, id := range layoutIDs {
		want = append(want, segPath(id))
	}
	slices.Sort(want)
	if got := files(t, mem.CrashClone(vfs.CrashCloneCfg{})); !slices.Equal(got, want) {
		t.Fatalf("after a crash, files %v, want %v", got, want)
	}
	c.take()
	openStore(t, fs, nil)
	if kinds, dirs := c.take(); len(dirs) != 0 || kinds[errorfs.OpRename] != 0 || kinds[errorfs.OpList] != 1 {
		t.Fatalf("second Open: %v, creating %v", kinds, dirs)
	}
}

// TestOpenMovesBothPlaces opens a store where a crash left segments at
// both places, as copies or as hard links of one file: the old entry is
// removed and the fan-out one kept.
func TestOpenMovesBothPlaces(t *testing.T) {
	ids := layoutIDs[:3]
	mem, data := flatStore(t, ids)
	openStore(t, mem, nil)
	writeFile(t, mem, flatPath(ids[0]), data[0][:10]) // impossible, but shows which one is kept
	writeFile(t, mem, flatPath(ids[1]), readFile(t, mem, segPath(ids[1])))
	if err := mem.Link(segPath(ids[2]), flatPath(ids[2])); err != nil {
		t.Fatal(err)
	}
	checkMoved(t, mem, ids, data)
}

// TestCrashDuringMove simulates power loss before each file system
// operation of the Open that moves a flat layout: the next Open finishes
// the move, with every segment readable, exactly once, at its fan-out
// place, and none left at its old one.
func TestCrashDuringMove(t *testing.T) {
	flat, data := flatStore(t, layoutIDs)
	// run opens a copy of flat, crashing before operation crashAt and
	// keeping unsynced data with probability unsynced; it returns the
	// crashed file system (nil if Open has fewer operations) and the
	// number of operations.
	run := func(crashAt, unsynced int) (*vfs.MemFS, int) {
		mem := flat.CrashClone(vfs.CrashCloneCfg{})
		var ops atomic.Int64
		var crashed atomic.Pointer[vfs.MemFS]
		fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(errorfs.Op) error {
			if ops.Add(1)-1 == int64(crashAt) {
				rng := rand.New(rand.NewPCG(uint64(crashAt), uint64(unsynced)))
				crashed.Store(mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: unsynced, RNG: rng}))
			}
			return nil
		}))
		openStore(t, fs, nil)
		return crashed.Load(), int(ops.Load())
	}
	_, total := run(-1, 0)
	if total < 3*len(layoutIDs) {
		t.Fatalf("moving %d segments took %d operations", len(layoutIDs), total)
	}
	for crashAt := range total {
		for _, unsynced := range []int{0, 50, 100} {
			t.Run(fmt.Sprintf("op%d/unsynced%d", crashAt, unsynced), func(t *testing.T) {
				crashed, _ := run(crashAt, unsynced)
				checkMoved(t, crashed, layoutIDs, data)
				// And the finished move is durable.
				checkMoved(t, crashed.CrashClone(vfs.CrashCloneCfg{}), layoutIDs, data)
			})
		}
	}
}

// TestFaultDuringMove fails each file system operation of the Open that
// moves a flat layout: Open returns the error, and the next Open finishes
// the move, durably: a power loss after a later write (whose creation of a
// fan-out directory syncs the top directory) loses nothing. (A failed or
// killed Open leaves renames that are not synced; the next Open must not
// take them as done.)
func TestFaultDuringMove(t *testing.T) {
	flat, data := flatStore(t, layoutIDs)
	later := testID(0x77)
	ids, withLater := append(slices.Clone(layoutIDs), later), append(slices.Clone(data), []byte("later"))
	for k := 0; ; k++ {
		mem := flat.CrashClone(vfs.CrashCloneCfg{})
		var ops atomic.Int64
		var injected atomic.Bool
		fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(errorfs.Op) error {
			if ops.Add(1)-1 == int64(k) {
				injected.Store(true)
				return errorfs.ErrInjected
			}
			return nil
		}))
		_, err := Open(fs, testDir, nil)
		if !injected.Load() {
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		if !errors.Is(err, errorfs.ErrInjected) {
			t.Fatalf("failing operation %d: Open = %v, want the injected error", k, err)
		}
		checkMoved(t, mem, layoutIDs, data)
		put(t, openStore(t, mem, nil), later, []byte("later"))
		checkMoved(t, mem.CrashClone(vfs.CrashCloneCfg{}), ids, withLater)
	}
}
