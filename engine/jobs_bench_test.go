package engine_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// BenchmarkGetJobOutput streams a whole archive's retrieval, next to
// BenchmarkReadFileBaseline reading the same number of bytes from a file on
// the same disk. FIRN_BENCH_SIZE (MiB) sets the size; default 256.
func BenchmarkGetJobOutput(b *testing.B) {
	size := benchSize()
	dir := b.TempDir()
	e, err := engine.Open(dir, &engine.Options{FS: vfs.Default})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	data := make([]byte, size)
	rand.Read(data)
	up, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)})
	if err != nil {
		b.Fatal(err)
	}
	data = nil
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: up.ArchiveId}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, out.Body); err != nil || n != int64(size) {
			b.Fatalf("read %d bytes: %v", n, err)
		}
		out.Body.Close()
	}
}

func BenchmarkReadFileBaseline(b *testing.B) {
	size := benchSize()
	path := filepath.Join(b.TempDir(), "f")
	data := make([]byte, size)
	rand.Read(data)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	data = nil
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		got, err := os.ReadFile(path)
		if err != nil || len(got) != size {
			b.Fatal(err)
		}
	}
}

func benchSize() int {
	mib := 256
	if s := os.Getenv("FIRN_BENCH_SIZE"); s != "" {
		fmt.Sscan(s, &mib)
	}
	return mib << 20
}

// BenchmarkInventory generates the inventory of a vault of 100,000
// archives (FIRN_BENCH_ARCHIVES overrides) in JSON and in CSV, reporting
// archives/s, and, from one more inventory taken after the timed ones,
// its peak heap growth, which must not grow with the vault: the inventory
// streams.
func BenchmarkInventory(b *testing.B) {
	n := 100000
	if s := os.Getenv("FIRN_BENCH_ARCHIVES"); s != "" {
		fmt.Sscan(s, &n)
	}
	e, err := engine.Open("d", &engine.Options{FS: vfs.NewMem(), TickInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	for i := range n {
		if _, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: fmt.Sprintf("archive %d", i), Body: bytes.NewReader([]byte{byte(i)})}); err != nil {
			b.Fatal(err)
		}
	}
	inventory := func(b *testing.B, format string) string {
		j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: format}})
		if err != nil {
			b.Fatal(err)
		}
		return j.JobId
	}
	for _, format := range []string{firn.FormatJSON, firn.FormatCSV} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				inventory(b, format)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "archives/s")
			// A low GC target keeps garbage out of the peak: the in-memory
			// file system makes the live heap large, and garbage grows with
			// it.
			old := debug.SetGCPercent(5)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			peak := sampleHeap()
			id := inventory(b, format)
			b.ReportMetric(float64(peak()-before.HeapAlloc)/(1<<20), "peak-heap-MiB")
			debug.SetGCPercent(old)
			d, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: id})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(d.InventorySizeInBytes)/float64(n), "inventory-B/archive")
		})
	}
}

// sampleHeap samples the heap every millisecond until the returned function
// is called, which reports the largest heap seen.
func sampleHeap() func() uint64 {
	stop := make(chan struct{})
	done := make(chan uint64)
	go func() {
		var peak uint64
		var m runtime.MemStats
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		return <-done
	}
}
