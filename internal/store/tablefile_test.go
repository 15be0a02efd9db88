package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"pgregory.net/rapid"
)

// tb is what the helpers need of a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// writeCounter counts the write calls that reach the file system.
type writeCounter struct{ writes atomic.Int64 }

func (w *writeCounter) String() string { return "writeCounter" }

func (w *writeCounter) MaybeError(op errorfs.Op) error {
	if op.Kind == errorfs.OpFileWrite {
		w.writes.Add(1)
	}
	return nil
}

// newCountingFence returns a fenceFS for the directory dir of the OS file
// system (whose writes, unlike an in-memory one's, cost no more under the
// race detector than a system call) and the counter of the writes that
// reach it.
func newCountingFence(t tb, dir string) (*fenceFS, *writeCounter) {
	var c writeCounter
	fs := &fenceFS{FS: errorfs.Wrap(vfs.Default, &c), dir: dir, fail: func(err error) { t.Errorf("store failed: %v", err) }}
	return fs, &c
}

// createCounted creates the file base through a counting fence in a new
// directory, and returns it with the counter and the file's path.
func createCounted(t *testing.T, base string) (vfs.File, *writeCounter, string) {
	t.Helper()
	dir := t.TempDir()
	fs, c := newCountingFence(t, dir)
	name := filepath.Join(dir, base)
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	return f, c, name
}

func diskContents(t tb, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTableFileGathersWrites writes a table and a blob file block by
// block, as Pebble does: the blocks reach the disk in a few large writes,
// all of them by the sync; a write larger than the buffer goes through
// whole; Close writes what is held; the writes of the log, the manifest
// and Pebble's other files are not held.
func TestTableFileGathersWrites(t *testing.T) {
	block := bytes.Repeat([]byte("0123456789abcdef"), 256)
	block = append(block, 1, 2, 3, 4, 5) // a block and its trailer
	for _, base := range []string{"000007.sst", "000008.blob"} {
		t.Run(base, func(t *testing.T) {
			f, c, name := createCounted(t, base)
			var want []byte
			for i := 0; i < 200; i++ {
				if n, err := f.Write(bytes.Clone(block)); err != nil || n != len(block) {
					t.Fatalf("write %d: %d, %v", i, n, err)
				}
				want = append(want, block...)
			}
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
			if got, max := c.writes.Load(), int64(len(want)/tableBufferSize+1); got > max {
				t.Errorf("%d bytes took %d writes, want at most %d", len(want), got, max)
			}
			if got := diskContents(t, name); !bytes.Equal(got, want) {
				t.Fatalf("after Sync the disk holds %d bytes, want the %d written", len(got), len(want))
			}

			before := c.writes.Load()
			big := bytes.Repeat([]byte{7}, tableBufferSize+1)
			if _, err := f.Write(bytes.Clone(big)); err != nil {
				t.Fatal(err)
			}
			want = append(want, big...)
			if got := c.writes.Load() - before; got != 1 {
				t.Errorf("a write larger than the buffer took %d writes, want 1", got)
			}

			if _, err := f.Write(bytes.Clone(block)); err != nil {
				t.Fatal(err)
			}
			want = append(want, block...)
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if got := diskContents(t, name); !bytes.Equal(got, want) {
				t.Fatalf("after Close the disk holds %d bytes, want the %d written", len(got), len(want))
			}
		})
	}

	for _, base := range []string{"000009.log", "MANIFEST-000010", "OPTIONS-000011", "marker.manifest.000002.MANIFEST-000010"} {
		t.Run(base, func(t *testing.T) {
			f, c, name := createCounted(t, base)
			if _, err := f.Write(bytes.Clone(block)); err != nil {
				t.Fatal(err)
			}
			if c.writes.Load() != 1 || !bytes.Equal(diskContents(t, name), block) {
				t.Errorf("a write of %s was held back", base)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestTableFileRapid runs random sequences of writes, syncs, size and
// read calls on a table file: after each call that must see the file
// whole, the disk holds exactly the bytes written, and the size and reads
// agree with them.
func TestTableFileRapid(t *testing.T) {
	dir := t.TempDir()
	runs := 0
	rapid.Check(t, func(t *rapid.T) {
		fs, _ := newCountingFence(t, dir)
		runs++
		name := filepath.Join(dir, fmt.Sprintf("%06d.sst", runs))
		f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
		if err != nil {
			t.Fatal(err)
		}
		var written []byte
		checked := 0 // bytes already found on the disk; the file only grows
		whole := func() {
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Size() != int64(len(written)) {
				t.Fatalf("the disk holds %d bytes, want the %d written", fi.Size(), len(written))
			}
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tail := make([]byte, len(written)-checked)
			if _, err := f.ReadAt(tail, int64(checked)); err != nil && len(tail) > 0 {
				t.Fatal(err)
			}
			if !bytes.Equal(tail, written[checked:]) {
				t.Fatalf("the disk's bytes from %d differ from those written", checked)
			}
			checked = len(written)
		}
		write := func(t *rapid.T, n int) {
			if len(written) > 1<<20 {
				t.Skip("the file is large enough")
			}
			p := bytes.Repeat([]byte{byte(len(written))}, n)
			if m, err := f.Write(bytes.Clone(p)); err != nil || m != n {
				t.Fatalf("write: %d, %v", m, err)
			}
			written = append(written, p...)
		}
		t.Repeat(map[string]func(*rapid.T){
			"write": func(t *rapid.T) {
				write(t, rapid.IntRange(0, 20<<10).Draw(t, "n"))
			},
			"writeAboutBuffer": func(t *rapid.T) {
				write(t, rapid.IntRange(tableBufferSize-10, tableBufferSize+10).Draw(t, "n"))
			},
			"sync": func(t *rapid.T) {
				if err := f.Sync(); err != nil {
					t.Fatal(err)
				}
				whole()
			},
			"syncData": func(t *rapid.T) {
				if err := f.SyncData(); err != nil {
					t.Fatal(err)
				}
				whole()
			},
			"syncTo": func(t *rapid.T) {
				if _, err := f.SyncTo(int64(len(written))); err != nil {
					t.Fatal(err)
				}
				whole()
			},
			"stat": func(t *rapid.T) {
				fi, err := f.Stat()
				if err != nil {
					t.Fatal(err)
				}
				if fi.Size() != int64(len(written)) {
					t.Fatalf("Stat: size %d, want %d", fi.Size(), len(written))
				}
			},
			"readAt": func(t *rapid.T) {
				if len(written) == 0 {
					t.Skip("nothing written")
				}
				off := rapid.IntRange(0, len(written)-1).Draw(t, "off")
				p := make([]byte, min(len(written)-off, 100))
				if _, err := f.ReadAt(p, int64(off)); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(p, written[off:off+len(p)]) {
					t.Fatalf("ReadAt(%d) differs from what was written", off)
				}
			},
		})
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		whole()
	})
}
