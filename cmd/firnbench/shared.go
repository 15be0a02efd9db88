package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/oklog/ulid/v2"
)

// sharedSetup is where the shared group runs: a PostgreSQL database and an
// object store bucket (-postgres, -s3-*).
type sharedSetup struct {
	postgres string
	store    engine.ObjectStore
}

// errNoShared is the shared group's error when -postgres or -s3-endpoint
// is missing.
var errNoShared = errors.New("needs -postgres URL and -s3-endpoint, -s3-bucket (and keys) of a store it may write to")

// benchShared: an engine whose metadata is in PostgreSQL next to one whose
// metadata is in Pebble, both with their archive bytes in the same object
// store, so that the ratios isolate the metadata store: small uploads,
// DescribeVault, the first ListJobs page and a large upload; then the
// rate of small uploads of 2 and 3 engines sharing the database next to 1.
func benchShared(ctx context.Context, b *bench) ([]Result, error) {
	if b.shared == nil {
		return nil, errNoShared
	}
	run := ulid.Make().String() // prefixes and vaults of this run
	storeAt := func(name string) *engine.ObjectStore {
		s := b.shared.store
		s.Prefix = "firnbench-" + run + "/" + name + "/"
		return &s
	}
	peb, err := b.openEngine(ctx, "shared-pebble", &engine.Options{ObjectStore: storeAt("pebble")})
	if err != nil {
		return nil, err
	}
	defer b.closeEngine(peb, "shared-pebble")
	pgOpts := func() *engine.Options {
		return &engine.Options{Metadata: b.shared.postgres, ObjectStore: storeAt("pg")}
	}
	pg := make([]*engine.Engine, 3)
	for i := range pg {
		// Opened in turn: each creates vault "v" (idempotently).
		if pg[i], err = b.openEngine(ctx, fmt.Sprintf("shared-pg%d", i), pgOpts()); err != nil {
			return nil, err
		}
		defer b.closeEngine(pg[i], fmt.Sprintf("shared-pg%d", i))
	}
	vault := "v" + run // the database outlives runs; its vault "v" may be full
	for _, e := range []*engine.Engine{peb, pg[0]} {
		if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: vault}); err != nil {
			return nil, err
		}
	}
	small := b.random(b.small)
	uploadOp := func(e *engine.Engine) func() error {
		return func() error {
			_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: vault, Body: bytes.NewReader(small)})
			return err
		}
	}
	var rows []Result
	for _, workers := range []int{1, 32} {
		var base, got rateSum
		for range smallRounds {
			if err := base.run(b, workers, uploadOp(peb)); err != nil {
				return rows, err
			}
			if err := got.run(b, workers, uploadOp(pg[0])); err != nil {
				return rows, err
			}
		}
		rows = append(rows, compared("shared", fmt.Sprintf("small uploads x%d", workers), fmt.Sprintf("%s, %d goroutines", sizeName(int64(b.small)), workers),
			"ops/s", got.rate(), "the same on Pebble", base.rate(), noTarget))
	}

	describe := func(e *engine.Engine) func() error {
		return func() error {
			_, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: vault})
			return err
		}
	}
	var base, got rateSum
	for range smallRounds {
		if err := base.run(b, 1, describe(peb)); err != nil {
			return rows, err
		}
		if err := got.run(b, 1, describe(pg[0])); err != nil {
			return rows, err
		}
	}
	rows = append(rows, compared("shared", "DescribeVault", "1 goroutine", "ops/s", got.rate(), "the same on Pebble", base.rate(), noTarget))

	jobs := b.sharedJobs
	var pages [2]time.Duration
	for i, e := range []*engine.Engine{peb, pg[0]} {
		a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: vault, Body: bytes.NewReader(small)})
		if err != nil {
			return rows, err
		}
		if err := b.parallel(jobs, func(int) error {
			_, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: vault,
				JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId}})
			return err
		}); err != nil {
			return rows, err
		}
		if pages[i], err = medianTime(b.pageReps, func() error {
			_, err := e.ListJobs(ctx, &firn.ListJobsInput{VaultName: vault})
			return err
		}); err != nil {
			return rows, err
		}
	}
	rows = append(rows, compared("shared", "ListJobs page", fmt.Sprintf("first of %d jobs", jobs), "µs", micros(pages[1]), "the same on Pebble", micros(pages[0]), noTarget))

	large := b.random(b.sharedUpload)
	var times [2]time.Duration
	for i, e := range []*engine.Engine{peb, pg[0]} {
		best := time.Duration(0)
		for range b.reps {
			start := time.Now()
			if _, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: vault, Body: bytes.NewReader(large)}); err != nil {
				return rows, err
			}
			if d := time.Since(start); best == 0 || d < best {
				best = d
			}
		}
		times[i] = best
	}
	mbps := func(d time.Duration) float64 { return float64(len(large)) / d.Seconds() / 1e6 }
	rows = append(rows, compared("shared", "upload", sizeName(int64(len(large))), "MB/s", mbps(times[1]), "the same on Pebble", mbps(times[0]), noTarget))

	// Engines sharing the database, each with its goroutines.
	const perEngine = 16
	var one float64
	for n := 1; n <= len(pg); n++ {
		var r rateSum
		for range smallRounds {
			var part [3]rateSum
			start := time.Now()
			// parallel runs each engine's share on its own goroutine.
			err := b.parallel(n, func(i int) error { return part[i].run(b, perEngine, uploadOp(pg[i])) })
			if err != nil {
				return rows, err
			}
			r.time += time.Since(start)
			for i := range n {
				r.calls += part[i].calls
			}
		}
		if n == 1 {
			one = r.rate()
			continue
		}
		rows = append(rows, compared("shared", fmt.Sprintf("small uploads, %d engines", n), fmt.Sprintf("%s, %d goroutines each", sizeName(int64(b.small)), perEngine),
			"ops/s", r.rate(), "1 engine", one, noTarget))
	}
	return rows, nil
}
