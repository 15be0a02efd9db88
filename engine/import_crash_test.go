package engine_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// TestCrashImport takes a crash image before every file system operation
// of an import, inline and into a blob segment, keeping none or all of the
// unsynced writes. Each image must pass engine.Check and hold the archive
// entirely, bytes and source ID, or not at all; the image taken after the
// import returned must hold it; and the import then gives the same archive.
func TestCrashImport(t *testing.T) {
	ctx := context.Background()
	id := glacierID("crash")
	created := crashClock{}.Now().Add(-48 * time.Hour)
	for _, size := range []int{100, 200 << 10} {
		data := testkit.Pattern(size)
		// Pebble's log writer and the engine reach the file system from
		// goroutines of their own: mu guards images and rng.
		var mu sync.Mutex
		var images []*vfs.MemFS
		mem := vfs.NewCrashableMem()
		var ops, crashFrom atomic.Int64
		crashFrom.Store(-1)
		rng := rand.New(rand.NewPCG(uint64(size), 2))
		fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(errorfs.Op) error {
			if n := ops.Add(1); crashFrom.Load() >= 0 && n > crashFrom.Load() {
				mu.Lock()
				defer mu.Unlock()
				for _, p := range []int{0, 100} {
					images = append(images, mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: p, RNG: rng}))
				}
			}
			return nil
		}))
		e := openFixedVault(t, "d", fs)
		crashFrom.Store(ops.Load())
		in := importInput(id, created, string(data))
		if out, err := e.ImportArchive(ctx, in); err != nil || !out.Imported {
			t.Fatalf("ImportArchive = %+v, %v", out, err)
		}
		crashFrom.Store(-1)
		after := mem.CrashClone(vfs.CrashCloneCfg{})
		e.Close()
		// Closed, the engine adds no image; the lock orders the last
		// append before the reads below.
		mu.Lock()
		mu.Unlock()

		if len(images) < 4 {
			t.Fatalf("%d crash images of an import of %d bytes", len(images), size)
		}
		seen := map[bool]int{}
		for i, img := range append(images, after) {
			e := openFixed(t, "d", img)
			d, err := e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id})
			there := err == nil
			seen[there]++
			switch {
			case err != nil && !errors.Is(err, firn.ErrResourceNotFound):
				t.Fatalf("image %d: DescribeArchive: %v", i, err)
			case !there && i == len(images):
				t.Fatalf("the import of %d bytes is lost after it returned", size)
			case there && (d.Size != int64(size) || d.SHA256TreeHash != in.Checksum || !d.CreationDate.Equal(created)):
				t.Fatalf("image %d: DescribeArchive = %+v", i, d)
			}
			if err := e.Check(ctx); err != nil {
				t.Fatalf("image %d: %v", i, err)
			}
			if there {
				if got := retrieve(t, e, id, ""); !bytes.Equal([]byte(got), data) {
					t.Fatalf("image %d: the archive's bytes differ", i)
				}
			}
			out, err := e.ImportArchive(ctx, importInput(id, created, string(data)))
			if err != nil || out.Imported == there {
				t.Fatalf("image %d (archive there: %v): ImportArchive = %+v, %v", i, there, out, err)
			}
			if err := e.Check(ctx); err != nil {
				t.Fatalf("image %d after the import: %v", i, err)
			}
			e.Close()
		}
		if seen[false] == 0 || seen[true] < 2 {
			t.Errorf("%d bytes: the images hold the archive %d times and lack it %d times; want both", size, seen[true], seen[false])
		}
		t.Logf("%d bytes: %d crash images", size, len(images))
	}
}
