package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/firnstore/firn"
)

// benchSmall: durable uploads of small archives by 1 and by 32 goroutines,
// against Pebble committing synced batches of one value of the same size at
// the same concurrency: the rate at which the disk acknowledges small
// durable writes, group commit included.
func benchSmall(ctx context.Context, b *bench) ([]Result, error) {
	e, err := b.openEngine(ctx, "small", nil)
	if err != nil {
		return nil, err
	}
	defer b.closeEngine(e, "small")
	db, err := pebble.Open(b.path("pebble"), &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(b.path("pebble"))
	defer db.Close()
	body := b.random(b.small)
	var rows []Result
	var seq atomic.Uint64
	pebbleOp := func() error {
		var k [8]byte
		binary.BigEndian.PutUint64(k[:], seq.Add(1))
		batch := db.NewBatch()
		defer batch.Close()
		if err := batch.Set(k[:], body, nil); err != nil {
			return err
		}
		return batch.Commit(pebble.Sync)
	}
	firnOp := func() error {
		_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(body)})
		return err
	}
	// Both sides are measured warm, as a server runs: until Pebble has
	// grown its memtable to its full size (from 256 KiB, doubling) and
	// recycles logs of that size, each synced commit also commits
	// file-system metadata, which a fresh engine with a larger memtable
	// pays longer.
	warmCalls := int64(max(min(smallWarmup/b.small, b.smallOps), 1))
	for _, op := range []func() error{pebbleOp, firnOp} {
		if _, err := callUntil(32, warmCalls, time.Now().Add(2*time.Minute), op); err != nil {
			return nil, err
		}
	}
	for _, workers := range []int{1, 32} {
		// The disk's speed drifts (other tenants, write-back): alternating
		// short runs exposes both sides to the same drift.
		var base, firnRate rateSum
		for range smallRounds {
			if err := base.run(b, workers, pebbleOp); err != nil {
				return rows, err
			}
			if err := firnRate.run(b, workers, firnOp); err != nil {
				return rows, err
			}
		}
		size := fmt.Sprintf("%s, %d goroutine", sizeName(int64(b.small)), workers)
		if workers > 1 {
			size += "s"
		}
		// Issue 19's target for many writers; one writer's is older.
		target := atLeast(0.5)
		if workers > 1 {
			target = atLeast(0.8)
		}
		rows = append(rows, compared("small", fmt.Sprintf("uploads x%d", workers), size, "ops/s", firnRate.rate(), "pebble synced batch", base.rate(), target))
	}
	return rows, nil
}

// smallRounds is the number of alternating runs of each side.
const smallRounds = 5

// smallWarmup is what each side of the small-upload rows writes before it
// is measured: eight of Firn's memtables.
const smallWarmup = 256 << 20

// rateSum adds up the calls and the time of several runs.
type rateSum struct {
	calls int64
	time  time.Duration
}

func (r *rateSum) rate() float64 { return float64(r.calls) / r.time.Seconds() }

// run calls op on workers goroutines until smallTime/smallRounds has
// passed or smallOps/smallRounds calls were made, and adds them to r.
func (r *rateSum) run(b *bench, workers int, op func() error) error {
	start := time.Now()
	calls, err := callUntil(workers, int64(max(b.smallOps/smallRounds, 1)), start.Add(b.smallTime/smallRounds), op)
	r.time += time.Since(start)
	r.calls += calls
	return err
}

// callUntil calls op on workers goroutines until maxCalls calls were made
// or deadline has passed, and returns the number of calls.
func callUntil(workers int, maxCalls int64, deadline time.Time, op func() error) (int64, error) {
	var calls atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for calls.Add(1) <= maxCalls && time.Now().Before(deadline) {
				if err := op(); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	// Each goroutine's last count made no call.
	return calls.Load() - int64(workers), errors.Join(errs...)
}

// quietLogger drops Pebble's log lines.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
