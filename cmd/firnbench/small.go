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
	for _, workers := range []int{1, 32} {
		var seq atomic.Uint64
		base, err := b.rate(workers, func() error {
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], seq.Add(1))
			batch := db.NewBatch()
			defer batch.Close()
			if err := batch.Set(k[:], body, nil); err != nil {
				return err
			}
			return batch.Commit(pebble.Sync)
		})
		if err != nil {
			return rows, err
		}
		firnRate, err := b.rate(workers, func() error {
			_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(body)})
			return err
		})
		if err != nil {
			return rows, err
		}
		size := fmt.Sprintf("%s, %d goroutine", sizeName(int64(b.small)), workers)
		if workers > 1 {
			size += "s"
		}
		rows = append(rows, compared("small", fmt.Sprintf("uploads x%d", workers), size, "ops/s", firnRate, "pebble synced batch", base, atLeast(0.5)))
	}
	return rows, nil
}

// rate runs op on workers goroutines until smallTime has passed or
// smallOps calls were made, and returns the calls per second.
func (b *bench) rate(workers int, op func() error) (float64, error) {
	var calls atomic.Int64
	deadline := time.Now().Add(b.smallTime)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for calls.Add(1) <= int64(b.smallOps) && time.Now().Before(deadline) {
				if err := op(); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	// Each goroutine's last count made no call.
	return float64(calls.Load()-int64(workers)) / d.Seconds(), nil
}

// quietLogger drops Pebble's log lines.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
