package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/store"
)

// BenchmarkArchiveMetadata reports the bytes of metadata an archive costs:
// the size of the metadata store's directory, once compacted, over the
// archive count, for a vault of 100,000 archives (FIRN_BENCH_ARCHIVES
// overrides). "segment" archives are one byte over the inline size, so
// that their bytes are a blob file each; "inline" ones hold one byte,
// which is subtracted: inline bytes are archive bytes, not metadata. Run
// it with -benchtime=1x: each iteration builds the vault anew.
func BenchmarkArchiveMetadata(b *testing.B) {
	n := 100000
	if s := os.Getenv("FIRN_BENCH_ARCHIVES"); s != "" {
		fmt.Sscan(s, &n)
	}
	for _, tc := range []struct {
		name string
		size int
	}{{"inline", 1}, {"segment", 64<<10 + 1}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				closed, compacted := archiveMetadata(b, n, tc.size)
				inline := int64(0)
				if tc.size <= 64<<10 {
					inline = int64(n * tc.size)
				}
				b.ReportMetric(float64(closed-inline)/float64(n), "closed-B/archive")
				b.ReportMetric(float64(compacted-inline)/float64(n), "meta-B/archive")
			}
		})
	}
}

// archiveMetadata uploads n archives of size bytes each (of zeros, which
// compress) into a new engine, closes it, and returns the size of its
// metadata store's directory then and once compacted; inline bytes are in
// both.
func archiveMetadata(b *testing.B, n, size int) (closed, compacted int64) {
	fs := vfs.NewMem()
	e, err := engine.Open("d", &engine.Options{FS: fs, TickInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	body := make([]byte, size)
	for i := range n {
		in := &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: fmt.Sprintf("archive %d", i), Body: bytes.NewReader(body)}
		if _, err := e.UploadArchive(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	closed = dirSize(b, fs, "d/meta")
	db, err := store.Open("d/meta", store.Options{FS: fs})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Compact(); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	return closed, dirSize(b, fs, "d/meta")
}

// dirSize returns the total size of the files in dir.
func dirSize(b *testing.B, fs vfs.FS, dir string) int64 {
	names, err := fs.List(dir)
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, name := range names {
		fi, err := fs.Stat(fs.PathJoin(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		if !fi.IsDir() {
			total += fi.Size()
		}
	}
	return total
}
