package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// populate opens an engine in a new directory with syncs skipped, lets fill
// create its state, and reopens it on the real filesystem for measuring.
func (b *bench) populate(ctx context.Context, name string, opts engine.Options, fill func(*engine.Engine) error) (*engine.Engine, error) {
	o := opts
	o.FS = noSyncFS{vfs.Default}
	e, err := b.openEngine(ctx, name, &o)
	if err != nil {
		return nil, err
	}
	err = fill(e)
	if cerr := e.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return engine.Open(b.path(name), &opts)
}

// parallel calls fn(i) for i in [0, n) on b.populators goroutines and
// returns the first error.
func (b *bench) parallel(n int, fn func(i int) error) error {
	var next atomic.Int64
	errs := make([]error, b.populators)
	var wg sync.WaitGroup
	for w := range b.populators {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// medianTime returns the median duration of reps calls of fn.
func medianTime(reps int, fn func() error) (time.Duration, error) {
	ds := make([]time.Duration, reps)
	for i := range ds {
		d, err := timed(fn)
		if err != nil {
			return 0, err
		}
		ds[i] = d
	}
	slices.Sort(ds)
	return ds[reps/2], nil
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// benchListing: the time of one page of ListVaults and of ListJobs at the
// start and at the end of a long listing. Flat means a page costs the same
// wherever it starts.
func benchListing(ctx context.Context, b *bench) ([]Result, error) {
	e, err := b.populate(ctx, "listvaults", engine.Options{MaxVaults: b.vaults + 1}, func(e *engine.Engine) error {
		return b.parallel(b.vaults-1, func(i int) error {
			_, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: fmt.Sprintf("vault-%06d", i)})
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	// "v" sorts first; the last page follows the 11th "vault-N" from the end.
	last, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: fmt.Sprintf("vault-%06d", b.vaults-12)})
	if err != nil {
		b.closeEngine(e, "listvaults")
		return nil, err
	}
	page := func(marker string) func() error {
		return func() error {
			out, err := e.ListVaults(ctx, &firn.ListVaultsInput{Marker: marker})
			if err == nil && len(out.VaultList) != 10 {
				err = fmt.Errorf("ListVaults page of %d vaults, want 10", len(out.VaultList))
			}
			return err
		}
	}
	first, err := medianTime(b.pageReps, page(""))
	var end time.Duration
	if err == nil {
		end, err = medianTime(b.pageReps, page(last.VaultARN))
	}
	if cerr := b.closeEngine(e, "listvaults"); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	rows := []Result{compared("listing", "ListVaults page", fmt.Sprintf("10 of %d vaults", b.vaults), "µs", micros(end), "first page", micros(first), atMost(1.5))}
	rows[0].Note = "firn: the last page; ratio under 1.5x means flat"

	var jobIDs []string
	e, err = b.populate(ctx, "listjobs", engine.Options{}, func(e *engine.Engine) error {
		var err error
		jobIDs, err = b.createJobs(ctx, e, b.jobs)
		return err
	})
	if err != nil {
		return rows, err
	}
	defer b.closeEngine(e, "listjobs")
	jobPage := func(marker string) func() error {
		return func() error {
			out, err := e.ListJobs(ctx, &firn.ListJobsInput{VaultName: "v", Marker: marker})
			if err == nil && len(out.JobList) != 50 {
				err = fmt.Errorf("ListJobs page of %d jobs, want 50", len(out.JobList))
			}
			return err
		}
	}
	first, err = medianTime(b.pageReps, jobPage(""))
	if err != nil {
		return rows, err
	}
	end, err = medianTime(b.pageReps, jobPage(jobIDs[len(jobIDs)-50]))
	if err != nil {
		return rows, err
	}
	r := compared("listing", "ListJobs page", fmt.Sprintf("50 of %d jobs", b.jobs), "µs", micros(end), "first page", micros(first), atMost(1.5))
	r.Note = "firn: the last page; ratio under 1.5x means flat"
	return append(rows, r), nil
}

// benchInventory: an inventory retrieval of a vault of many archives, in
// JSON and in CSV, from InitiateJob to the last byte of its output, and the
// heap it needs.
func benchInventory(ctx context.Context, b *bench) ([]Result, error) {
	body := []byte("a small archive")
	e, err := b.populate(ctx, "inventory", engine.Options{}, func(e *engine.Engine) error {
		return b.parallel(b.archives, func(int) error {
			_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(body)})
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	defer b.closeEngine(e, "inventory")
	var rows []Result
	for _, format := range []string{firn.FormatJSON, firn.FormatCSV} {
		d, outBytes, heap, err := timeInventory(ctx, e, format)
		if err != nil {
			return rows, err
		}
		size := fmt.Sprintf("%d archives", b.archives)
		t := absolute("inventory", format, size, "archives/s", float64(b.archives)/d.Seconds(), atLeast(500_000))
		t.Note = fmt.Sprintf("%.2f s, %s of %s", d.Seconds(), sizeName(outBytes), format)
		h := absolute("inventory", format+" peak heap", size, "MiB", float64(heap)/(1<<20), noTarget)
		h.Note = "heap objects (live and not yet collected), sampled every 2 ms, above those before the job"
		rows = append(rows, t, h)
	}
	return rows, nil
}

// timeInventory runs an inventory retrieval of vault "v" in format and
// returns its time, its output's size and the peak growth of the heap.
func timeInventory(ctx context.Context, e *engine.Engine, format string) (time.Duration, int64, uint64, error) {
	runtime.GC()
	stop := make(chan struct{})
	peak := make(chan uint64)
	go samplePeakHeap(stop, peak)
	var outBytes int64
	d, err := timed(func() error {
		j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: format}})
		if err != nil {
			return err
		}
		if err := waitJob(ctx, e, "v", j.JobId); err != nil {
			return err
		}
		out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		outBytes, err = io.Copy(discard{}, out.Body)
		return err
	})
	close(stop)
	return d, outBytes, <-peak, err
}

// samplePeakHeap sends on peak, once stop is closed, the largest growth of
// the live heap objects seen since it started.
func samplePeakHeap(stop <-chan struct{}, peak chan<- uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base, top := s[0].Value.Uint64(), uint64(0)
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > base {
			top = max(top, v-base)
		}
		select {
		case <-stop:
			peak <- top
			return
		case <-t.C:
		}
	}
}

// createJobs uploads a small archive to vault "v" of e and initiates n
// retrieval jobs of it, in parallel; it returns their IDs, sorted.
func (b *bench) createJobs(ctx context.Context, e *engine.Engine, n int) ([]string, error) {
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("archive"))})
	if err != nil {
		return nil, err
	}
	var ids []string
	var mu sync.Mutex
	err = b.parallel(n, func(int) error {
		j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId}})
		if err == nil {
			mu.Lock()
			ids = append(ids, j.JobId)
			mu.Unlock()
		}
		return err
	})
	slices.Sort(ids)
	return ids, err
}
