package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
)

// notifierFunc is an engine.Notifier.
type notifierFunc func(context.Context, engine.Notification) error

func (f notifierFunc) Notify(ctx context.Context, n engine.Notification) error { return f(ctx, n) }

// TestStatsAndReady checks what Stats counts after a workload (a job by
// action and status, a notification the notifier refuses, the free space
// and reserves), that an expired job is no longer counted, and that Ready
// fails below FreeSpaceReserve, recovers with the space, and fails in the
// failed state, where Stats still reads.
func TestStatsAndReady(t *testing.T) {
	ctx := context.Background()
	const reserve = 16 << 20
	var free atomic.Int64
	free.Store(1 << 40)
	var failing atomic.Bool
	fs := errorfs.Wrap(vfs.NewMem(), errorfs.InjectorFunc(func(op errorfs.Op) error {
		if failing.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsWrite && op.Kind != errorfs.OpRemove && strings.Contains(op.Path, "meta") {
			return fmt.Errorf("%s: %w", op.Path, syscall.ENOSPC)
		}
		return nil
	}))
	clock := firntest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	attempted := make(chan struct{}, 1)
	e, err := engine.Open("d", &engine.Options{FS: fs, Clock: clock, TickInterval: time.Hour, FreeSpaceReserve: reserve,
		FreeSpace: func(string) (int64, error) { return free.Load(), nil },
		Notifier: notifierFunc(func(context.Context, engine.Notification) error {
			select {
			case attempted <- struct{}{}:
			default:
			}
			return errors.New("topic refuses")
		})})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	stats := func() engine.Stats {
		t.Helper()
		st, err := e.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := stats()
	if len(st.Jobs) != 0 || st.DueTimers != 0 || st.PendingNotifications != 0 || st.FreeBytes != 1<<40 ||
		st.FreeSpaceReserve != reserve || st.MetadataFreeSpaceReserve != reserve/8 {
		t.Fatalf("empty engine: %+v", st)
	}
	if err := e.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}

	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	up, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(wbytes(1, 1000))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: up.ArchiveId, SNSTopic: "arn:aws:sns:us-east-1:000000000000:t"}})
	if err != nil {
		t.Fatal(err)
	}
	// The instant job completed at once, and InitiateJob woke the outbox
	// (the ticker's tick is an hour away): the notification was tried and
	// waits for its retry, a minute on.
	<-attempted
	st = stats()
	want := engine.JobKind{Action: firn.ActionArchiveRetrieval, Status: firn.StatusSucceeded}
	if len(st.Jobs) != 1 || st.Jobs[want] != 1 {
		t.Errorf("Jobs %v, want one %v", st.Jobs, want)
	}
	if st.PendingNotifications != 1 || st.DueTimers != 0 {
		t.Errorf("%d pending notifications, %d due timers; want 1, 0", st.PendingNotifications, st.DueTimers)
	}

	// Expired jobs are not counted, even before their timers run.
	clock.Advance(25 * time.Hour)
	if st = stats(); len(st.Jobs) != 0 {
		t.Errorf("after expiry: Jobs %v, want none", st.Jobs)
	}

	free.Store(reserve - 1)
	wantRefused(t, "Ready below the reserve", e.Ready(ctx), "FreeSpaceReserve")
	if st = stats(); st.FreeBytes != reserve-1 {
		t.Errorf("FreeBytes %d, want %d", st.FreeBytes, reserve-1)
	}
	free.Store(1 << 40)
	if err := e.Ready(ctx); err != nil {
		t.Fatalf("Ready with the space back: %v", err)
	}

	failing.Store(true)
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "w"}); err == nil {
		t.Fatal("CreateVault on a full disk succeeded")
	}
	wantFailedState(t, "Ready in the failed state", e.Ready(ctx))
	stats()
}
