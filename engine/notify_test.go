package engine_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
)

// notifyRetry is the engine's delay before a failed delivery is retried.
const notifyRetry = time.Minute

const notifyTopic = "arn:aws:sns:us-east-1:000000000000:done"

// recorder is a Notifier that records the notifications it accepts. Each
// call first runs before, if set, with the call's number from 1; an error
// from it (or its panic) fails the call. It notes overlapping calls.
type recorder struct {
	before   func(ctx context.Context, call int) error
	inFlight atomic.Int32
	overlap  atomic.Bool

	mu    sync.Mutex
	calls int
	got   []engine.Notification
}

func (r *recorder) Notify(ctx context.Context, n engine.Notification) error {
	if r.inFlight.Add(1) > 1 {
		r.overlap.Store(true)
	}
	defer r.inFlight.Add(-1)
	r.mu.Lock()
	r.calls++
	call := r.calls
	r.mu.Unlock()
	if r.before != nil {
		if err := r.before(ctx, call); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, n)
	return nil
}

// delivered returns the IDs of the notifications accepted so far, and the
// number of calls.
func (r *recorder) delivered() (ids []string, calls int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.got {
		ids = append(ids, n.ID)
	}
	return ids, r.calls
}

func openNotifying(t *testing.T, fs vfs.FS, clock firn.Clock, n engine.Notifier) *engine.Engine {
	t.Helper()
	e, err := engine.Open("d", &engine.Options{FS: fs, Clock: clock, Notifier: n, JobTiming: fixedTiming, TickInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// initiateNotifying uploads an archive to vault "v" and starts its
// Expedited retrieval (5 minutes with fixedTiming), notifying notifyTopic.
func initiateNotifying(t *testing.T, e *engine.Engine) string {
	t.Helper()
	ctx := t.Context()
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("data"))})
	if err != nil {
		t.Fatal(err)
	}
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierExpedited, SNSTopic: notifyTopic}})
	if err != nil {
		t.Fatal(err)
	}
	return j.JobId
}

func deliver(t *testing.T, e *engine.Engine) {
	t.Helper()
	if err := e.DeliverNotifications(t.Context()); err != nil {
		t.Fatalf("DeliverNotifications: %v", err)
	}
}

func wantDelivered(t *testing.T, r *recorder, calls int, jobs ...string) {
	t.Helper()
	var want []string
	for _, j := range jobs {
		want = append(want, j+"/"+notifyTopic)
	}
	if got, n := r.delivered(); !slices.Equal(got, want) || n != calls {
		t.Errorf("delivered %v in %d calls, want %v in %d", got, n, want, calls)
	}
	if r.overlap.Load() {
		t.Error("Notify calls overlapped")
	}
}

// TestNotificationDelivery checks that a completion notification survives a
// failing notifier and a restart between completion and delivery, and is
// delivered once per topic with a stable ID.
func TestNotificationDelivery(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	clock := firntest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	var down atomic.Bool
	down.Store(true)
	n := &recorder{before: func(context.Context, int) error {
		if down.Load() {
			return errors.New("sns unreachable")
		}
		return nil
	}}
	e := openNotifying(t, fs, clock, n)
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	j := initiateNotifying(t, e)
	clock.Advance(10 * time.Minute)
	if d, _ := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j}); !d.Completed {
		t.Fatal("job not completed")
	}
	deliver(t, e)
	if got, _ := n.delivered(); len(got) != 0 {
		t.Fatalf("delivered while the notifier is down: %+v", got)
	}
	// A restart with the delivery still pending.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	down.Store(false)
	e = openNotifying(t, fs, clock, n)
	defer e.Close()
	// The failed attempt is retried a minute later.
	clock.Advance(time.Minute)
	e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	deliver(t, e)
	clock.Advance(time.Hour)
	e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	deliver(t, e)
	n.mu.Lock()
	got := slices.Clone(n.got)
	n.mu.Unlock()
	if len(got) != 1 || got[0].Topic != notifyTopic || got[0].ID != j+"/"+notifyTopic || !bytes.Contains(got[0].Message, []byte(`"StatusCode":"Succeeded"`)) {
		t.Fatalf("deliveries %+v, want exactly one to %s", got, notifyTopic)
	}
	if err := e.Check(ctx); err != nil {
		t.Error(err)
	}
}
