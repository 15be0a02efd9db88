package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/treehash"
)

// benchTreeHash: the tree hash of one buffer, serial and parallel, against
// plain SHA-256 of the same bytes on one core.
func benchTreeHash(_ context.Context, b *bench) ([]Result, error) {
	data := b.random(b.hash)
	n := int64(len(data))
	size := sizeName(n)
	var sink [32]byte
	base, err := best(b.cpuReps, func() error { sink = sha256.Sum256(data); return nil })
	if err != nil {
		return nil, err
	}
	hashWith := func(h *treehash.Hash) func() error {
		return func() error {
			h.Reset()
			h.Write(data)
			h.Sum(sink[:0])
			return nil
		}
	}
	single, err := best(b.cpuReps, hashWith(treehash.NewSerial()))
	if err != nil {
		return nil, err
	}
	par, err := best(b.cpuReps, hashWith(treehash.New()))
	if err != nil {
		return nil, err
	}
	baseline := "crypto/sha256, 1 core"
	return []Result{
		compared("treehash", "single", size, "MiB/s", mibps(n, single), baseline, mibps(n, base), atLeast(0.95)),
		compared("treehash", "parallel", size, "MiB/s", mibps(n, par), baseline, mibps(n, base), atLeast(1.8)),
	}, nil
}

// writeFile is the physical baseline of a durable upload: write data to a
// new file in 1 MiB writes and fdatasync it, as dd conv=fdatasync does.
func writeFile(name string, data []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	for off := 0; off < len(data); off += 1 << 20 {
		if _, err := f.Write(data[off:min(off+1<<20, len(data))]); err != nil {
			f.Close()
			return err
		}
	}
	if err := syscall.Fdatasync(int(f.Fd())); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timeWriteFile times writeFile into the working directory and removes the
// file again.
func (b *bench) timeWriteFile(data []byte) (time.Duration, error) {
	name := b.path("baseline")
	defer os.Remove(name)
	return timed(func() error { return writeFile(name, data) })
}

const writeBaseline = "write+fdatasync"

// benchUpload: durable UploadArchive of incompressible and of compressible
// bytes, each against writing and syncing the same bytes to a file.
func benchUpload(ctx context.Context, b *bench) ([]Result, error) {
	e, err := b.openEngine(ctx, "upload", nil)
	if err != nil {
		return nil, err
	}
	defer b.closeEngine(e, "upload")
	var rows []Result
	for _, kind := range []struct {
		name string
		data []byte
	}{{"incompressible", b.random(b.upload)}, {"compressible", b.text(b.upload)}} {
		n := int64(len(kind.data))
		sum := treehash.Hex(treehash.Sum(kind.data))
		// The disk's speed drifts: alternate the sides, keep each's best.
		var base, d time.Duration
		for i := range b.reps {
			bd, err := b.timeWriteFile(kind.data)
			if err != nil {
				return rows, err
			}
			var id string
			fd, err := timed(func() error {
				out, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Checksum: sum, Body: bytes.NewReader(kind.data)})
				if out != nil {
					id = out.ArchiveId
				}
				return err
			})
			if err != nil {
				return rows, err
			}
			if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: id}); err != nil {
				return rows, err
			}
			if i == 0 || bd < base {
				base = bd
			}
			if i == 0 || fd < d {
				d = fd
			}
		}
		t := atLeast(0.8)
		if kind.name == "compressible" {
			t = atLeast(1)
		}
		r := compared("upload", kind.name, sizeName(n), "MiB/s", mibps(n, d), writeBaseline, mibps(n, base), t)
		if kind.name == "compressible" {
			r.Note = "effective throughput: raw bytes per second; s2 stores fewer"
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// benchMultipart: a multipart upload of parts uploaded concurrently, from
// initiation to completion, against writing and syncing the same bytes.
func benchMultipart(ctx context.Context, b *bench) ([]Result, error) {
	data := b.random(b.upload)
	n := int64(len(data))
	e, err := b.openEngine(ctx, "multipart", nil)
	if err != nil {
		return nil, err
	}
	defer b.closeEngine(e, "multipart")
	// What a client computes before sending.
	var parts [][]byte
	var sums []string
	var roots [][32]byte
	for off := 0; off < len(data); off += b.partSize {
		p := data[off:min(off+b.partSize, len(data))]
		s := treehash.Sum(p)
		parts, sums, roots = append(parts, p), append(sums, treehash.Hex(s)), append(roots, s)
	}
	whole := treehash.Hex(treehash.Root(roots))
	upload := func() error {
		up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: int64(b.partSize)})
		if err != nil {
			return err
		}
		next := make(chan int, len(parts))
		for i := range parts {
			next <- i
		}
		close(next)
		var wg sync.WaitGroup
		errs := make([]error, b.uploaders)
		for u := range b.uploaders {
			wg.Go(func() {
				for i := range next {
					start := int64(i * b.partSize)
					_, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{
						VaultName: "v", UploadId: up.UploadId, Checksum: sums[i], Body: bytes.NewReader(parts[i]),
						Range: fmt.Sprintf("bytes %d-%d/*", start, start+int64(len(parts[i]))-1),
					})
					if err != nil {
						errs[u] = err
						return
					}
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		_, err = e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: "v", UploadId: up.UploadId, ArchiveSize: n, Checksum: whole})
		return err
	}
	// The disk's speed drifts: alternate the sides, keep each's best.
	var base, d time.Duration
	for i := range b.reps {
		bd, err := b.timeWriteFile(data)
		if err != nil {
			return nil, err
		}
		fd, err := timed(upload)
		if err != nil {
			return nil, err
		}
		if i == 0 || bd < base {
			base = bd
		}
		if i == 0 || fd < d {
			d = fd
		}
	}
	size := fmt.Sprintf("%s in %s parts, %d uploaders", sizeName(n), sizeName(int64(b.partSize)), b.uploaders)
	return []Result{compared("multipart", "upload", size, "MiB/s", mibps(n, d), writeBaseline, mibps(n, base), atLeast(0.8))}, nil
}

// discard is io.Discard without its ReaderFrom, so that both sides of a
// read benchmark are consumed the same way: writes of what the source
// hands over.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// benchGetJobOutput: the whole output of an archive retrieval against
// reading the same bytes from a file, both from the page cache (each was
// just written).
func benchGetJobOutput(ctx context.Context, b *bench) ([]Result, error) {
	data := b.random(b.upload)
	n := int64(len(data))
	name := b.path("readback")
	defer os.Remove(name)
	if err := writeFile(name, data); err != nil {
		return nil, err
	}
	e, err := b.openEngine(ctx, "getjoboutput", nil)
	if err != nil {
		return nil, err
	}
	defer b.closeEngine(e, "getjoboutput")
	up, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)})
	if err != nil {
		return nil, err
	}
	job, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: up.ArchiveId}})
	if err != nil {
		return nil, err
	}
	if err := waitJob(ctx, e, "v", job.JobId); err != nil {
		return nil, err
	}
	buf := make([]byte, 1<<20)
	readFile := func() error {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		k, err := io.CopyBuffer(discard{}, struct{ io.Reader }{f}, buf)
		if err == nil && k != n {
			err = fmt.Errorf("read %d bytes back, wrote %d", k, n)
		}
		return err
	}
	getOutput := func() error {
		out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: job.JobId})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		k, err := io.CopyBuffer(discard{}, out.Body, buf)
		if err == nil && k != n {
			err = fmt.Errorf("job output has %d bytes, archive %d", k, n)
		}
		return err
	}
	base, err := best(b.cpuReps, readFile)
	if err != nil {
		return nil, err
	}
	d, err := best(b.cpuReps, getOutput)
	if err != nil {
		return nil, err
	}
	return []Result{compared("getjoboutput", "archive", sizeName(n), "MiB/s", mibps(n, d), "read file", mibps(n, base), atLeast(0.8))}, nil
}

// waitJob waits for a job to complete; with the engine's default timing
// that is at once.
func waitJob(ctx context.Context, g firn.Glacier, vaultName, id string) error {
	for {
		d, err := g.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: vaultName, JobId: id})
		if err != nil {
			return err
		}
		if d.Completed {
			if d.StatusCode != firn.StatusSucceeded {
				return fmt.Errorf("job %s: %s: %s", id, d.StatusCode, d.StatusMessage)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
