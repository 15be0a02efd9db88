package engine

import (
	"context"
	"errors"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/job"
)

// Stats is a snapshot of an engine's pending work and free space, for
// monitoring (see Stats).
type Stats struct {
	// Jobs counts the jobs that have not expired, of every vault of every
	// account, by action and status.
	Jobs map[JobKind]int
	// DueTimers counts the timers due by the engine's clock and not run
	// yet: jobs to complete or expire, multipart uploads and vault locks to
	// expire, notifications to deliver. It stays near 0 unless the engine
	// falls behind (or is in the failed state, where timers stop).
	DueTimers int
	// PendingNotifications counts the job-completion notifications
	// recorded and not delivered yet, due or waiting to be retried.
	PendingNotifications int
	// FreeBytes is the free space of the data directory's file system as
	// the free-space reserves see it, measured now; -1 when the engine
	// measures none (both reserves off, Options.Metadata set, or a file
	// system that cannot tell).
	FreeBytes int64
	// FreeSpaceReserve and MetadataFreeSpaceReserve are the reserves in
	// force (Options.FreeSpaceReserve and
	// Options.MetadataFreeSpaceReserve after defaults); 0 when off.
	FreeSpaceReserve, MetadataFreeSpaceReserve int64
}

// JobKind is a job's action and status, a key of Stats.Jobs.
type JobKind struct {
	Action firn.ActionCode
	Status firn.StatusCode
}

// Stats returns a snapshot of the engine's jobs, timers, notification
// backlog and free space. It reads every job record and every timer, so
// its cost grows with the jobs of the last day and the multipart uploads
// in progress: call it at a monitoring scrape's pace, not per request.
// The counts are each read as of their own moment, not one snapshot. It
// fails only when the metadata store cannot be read.
func (e *Engine) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Jobs: map[JobKind]int{}, FreeBytes: -1}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	now := e.now()
	err := scanRecords(e.db, store.JobAll(), store.PrefixEnd(store.JobAll()), func(_ []byte, j *job.Record) (bool, error) {
		if !j.Done() || now.Before(j.Expires()) {
			st.Jobs[JobKind{j.Action, j.Status}]++
		}
		return true, ctx.Err()
	})
	if err != nil {
		return st, ioError(err)
	}
	err = e.db.Scan(store.TimerAll(), store.PrefixEnd(store.TimerAll()), func(k, _ []byte) (bool, error) {
		due, kind, _ := store.TimerSplit(k)
		if due <= now.UnixNano() {
			st.DueTimers++
		}
		if kind == store.TimerNotify {
			st.PendingNotifications++
		}
		return true, ctx.Err()
	})
	if err != nil {
		return st, ioError(err)
	}
	if free, ok := e.space.measureNow(); ok {
		st.FreeBytes = free
	}
	st.FreeSpaceReserve, st.MetadataFreeSpaceReserve = max(e.space.upload, 0), max(e.space.meta, 0)
	return st, nil
}

// Ready returns nil if the engine can commit a write now, else why not,
// as the *firn.Error its writes would fail with: in the failed state (see
// the package doc), when the metadata store cannot be read (a database
// that cannot be reached), when the object store's lease is lost, or when
// the free space is below Options.FreeSpaceReserve, where uploads are
// refused. It reads one record and measures the free space, so a
// readiness probe may call it every few seconds.
func (e *Engine) Ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.db.Failed(); err != nil {
		return ioError(err)
	}
	if err := e.lease.check(); err != nil {
		return err
	}
	if _, err := e.db.Get(store.FormatKey()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return ioError(err)
	}
	e.space.measureNow()
	return e.space.admit(classUpload, 0)
}
