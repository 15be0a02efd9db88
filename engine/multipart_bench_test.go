package engine_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/treehash"
)

// openBenchEngine opens an engine on the local disk with a vault "v".
func openBenchEngine(b *testing.B) *engine.Engine {
	b.Helper()
	e, err := engine.Open(b.TempDir(), &engine.Options{FS: vfs.Default})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	if _, err := e.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		b.Fatal(err)
	}
	return e
}

// benchParts returns data's parts of partSize with their tree hashes, and
// the tree hash of the whole, as a client computes them before sending.
func benchParts(data []byte, partSize int) (parts [][]byte, sums []string, whole string) {
	var roots [][32]byte
	for off := 0; off < len(data); off += partSize {
		p := data[off:min(off+partSize, len(data))]
		s := treehash.Sum(p)
		parts, sums, roots = append(parts, p), append(sums, treehash.Hex(s)), append(roots, s)
	}
	return parts, sums, treehash.Hex(treehash.Root(roots))
}

// multipartUpload uploads parts by uploaders goroutines at once and
// returns the upload, not yet completed.
func multipartUpload(b *testing.B, e *engine.Engine, partSize int, parts [][]byte, sums []string, uploaders int) string {
	ctx := context.Background()
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: int64(partSize)})
	if err != nil {
		b.Fatal(err)
	}
	next := make(chan int, len(parts))
	for i := range parts {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	errs := make(chan error, uploaders)
	for range uploaders {
		wg.Go(func() {
			for i := range next {
				start := int64(i) * int64(partSize)
				_, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{
					VaultName: "v", UploadId: up.UploadId, Checksum: sums[i], Body: bytes.NewReader(parts[i]),
					Range: fmt.Sprintf("bytes %d-%d/*", start, start+int64(len(parts[i]))-1),
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return up.UploadId
}

func completeUpload(b *testing.B, e *engine.Engine, id string, size int, sum string) {
	_, err := e.CompleteMultipartUpload(context.Background(), &firn.CompleteMultipartUploadInput{
		VaultName: "v", UploadId: id, ArchiveSize: int64(size), Checksum: sum})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMultipartUpload uploads and completes an archive of
// FIRN_BENCH_SIZE MiB (default 256) in 8 MiB parts, from 1 and from 4
// concurrent uploaders, on the local disk; compare its throughput with
// BenchmarkUploadArchive of the same bytes in one request.
func BenchmarkMultipartUpload(b *testing.B) {
	const partSize = 8 << 20
	data := make([]byte, benchSize())
	rand.Read(data)
	parts, sums, whole := benchParts(data, partSize)
	for _, uploaders := range []int{1, 4} {
		b.Run(fmt.Sprintf("uploaders=%d", uploaders), func(b *testing.B) {
			e := openBenchEngine(b)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				id := multipartUpload(b, e, partSize, parts, sums, uploaders)
				completeUpload(b, e, id, len(data), whole)
			}
		})
	}
}

// BenchmarkUploadArchive uploads the same bytes as BenchmarkMultipartUpload
// in a single UploadArchive request.
func BenchmarkUploadArchive(b *testing.B) {
	data := make([]byte, benchSize())
	rand.Read(data)
	sum := treehash.Hex(treehash.Sum(data))
	e := openBenchEngine(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		_, err := e.UploadArchive(context.Background(), &firn.UploadArchiveInput{VaultName: "v", Checksum: sum, Body: bytes.NewReader(data)})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompleteMultipartUpload reports the time CompleteMultipartUpload
// takes (µs/complete) for archives of 64 MiB and 1 GiB in 16 parts each, and
// of 1 GiB in 1,024 parts. Completion reads no data: it combines the parts'
// stored tree hashes and hands their segments to the archive, so its time
// follows the number of parts, not the size. Each iteration uploads the
// parts first (included in ns/op); run the 1 GiB cases with -benchtime 1x.
func BenchmarkCompleteMultipartUpload(b *testing.B) {
	for _, c := range []struct {
		name           string
		size, partSize int
	}{
		{"size=64MiB/parts=16", 64 << 20, 4 << 20},
		{"size=1GiB/parts=16", 1 << 30, 64 << 20},
		{"size=1GiB/parts=1024", 1 << 30, 1 << 20},
	} {
		b.Run(c.name, func(b *testing.B) {
			// Every part holds the same bytes: one part's worth of memory.
			part := make([]byte, c.partSize)
			rand.Read(part)
			n := c.size / c.partSize
			parts, sums := make([][]byte, n), make([]string, n)
			roots := make([][32]byte, n)
			s := treehash.Sum(part)
			for i := range n {
				parts[i], sums[i], roots[i] = part, treehash.Hex(s), s
			}
			whole := treehash.Hex(treehash.Root(roots))
			e := openBenchEngine(b)
			var completing time.Duration
			for b.Loop() {
				id := multipartUpload(b, e, c.partSize, parts, sums, 2)
				start := time.Now()
				completeUpload(b, e, id, c.size, whole)
				completing += time.Since(start)
			}
			b.ReportMetric(float64(completing.Microseconds())/float64(b.N), "µs/complete")
		})
	}
}
