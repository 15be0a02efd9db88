package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// benchScale: on the scale fixture, the metadata it takes per archive,
// DescribeVault of its vault against that of an empty one, and the last
// page of its jobs against the first once it also holds b.scaleJobs jobs.
func benchScale(ctx context.Context, b *bench) ([]Result, error) {
	dir, err := b.scaleFixture(ctx)
	if err != nil {
		return nil, err
	}
	meta, err := dirSize(filepath.Join(dir, "meta"))
	if err != nil {
		return nil, err
	}
	var archives int64
	var jobIDs []string
	e, err := engine.Open(dir, &engine.Options{FS: noSyncFS{vfs.Default}})
	if err != nil {
		return nil, err
	}
	err = func() error {
		d, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
		if err != nil {
			return err
		}
		archives = d.NumberOfArchives
		if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "empty"}); err != nil {
			return err
		}
		jobIDs, err = b.createJobs(ctx, e, b.scaleJobs)
		return err
	}()
	if cerr := e.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	perArchive := absolute("scale", "metadata per archive", fmt.Sprintf("%d archives", archives), "B", float64(meta)/float64(archives), atMost(300))
	perArchive.Note = fmt.Sprintf("size of the Pebble directory (%s) / archives, after a Close", sizeName(meta))
	rows := []Result{perArchive}

	if e, err = engine.Open(dir, nil); err != nil {
		return rows, err
	}
	defer e.Close()
	describe := func(name string) func() error {
		return func() error {
			_, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: name})
			return err
		}
	}
	emptyDescribe, err := medianTime(b.pageReps, describe("empty"))
	if err != nil {
		return rows, err
	}
	fullDescribe, err := medianTime(b.pageReps, describe("v"))
	if err != nil {
		return rows, err
	}
	r := compared("scale", "DescribeVault", fmt.Sprintf("%d archives", archives), "µs", micros(fullDescribe), "empty vault", micros(emptyDescribe), atMost(1.5))
	r.Note = "median; ratio under 1.5x means constant in the archive count"
	rows = append(rows, r)

	jobPage := func(marker string) func() error {
		return func() error {
			out, err := e.ListJobs(ctx, &firn.ListJobsInput{VaultName: "v", Marker: marker})
			if err == nil && len(out.JobList) != 50 {
				err = fmt.Errorf("ListJobs page of %d jobs, want 50", len(out.JobList))
			}
			return err
		}
	}
	first, err := medianTime(b.pageReps, jobPage(""))
	if err != nil {
		return rows, err
	}
	end, err := medianTime(b.pageReps, jobPage(jobIDs[len(jobIDs)-50]))
	if err != nil {
		return rows, err
	}
	r = compared("scale", "ListJobs page", fmt.Sprintf("50 of %d jobs, %d archives", b.scaleJobs, archives), "µs", micros(end), "first page", micros(first), atMost(1.5))
	r.Note = "firn: the last page; ratio under 1.5x means flat"
	return append(rows, r), nil
}
