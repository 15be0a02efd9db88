package engine_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/internal/testkit"
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

// TestNotifierBlocked checks that a notifier that blocks (for what could be
// a minute, ignoring its context) delays no operation, also while the clock
// makes work due, nor Close; the notifications are delivered after a reopen.
func TestNotifierBlocked(t *testing.T) {
	ctx := t.Context()
	fs := vfs.NewMem()
	clock := firntest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	entered, release := make(chan struct{}), make(chan struct{})
	blocked := &recorder{before: func(context.Context, int) error {
		entered <- struct{}{}
		<-release
		return errors.New("released")
	}}
	e := openNotifying(t, fs, clock, blocked)
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	j1 := initiateNotifying(t, e)
	clock.Advance(5 * time.Minute)
	// The first operation completes the job; delivery starts and blocks.
	if _, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	<-entered

	var j2 string
	testkit.Within(t, "operations while Notify blocks", func() error {
		j2 = initiateNotifying(t, e)
		// Job 2 completes and job 1's delivery comes due for its retry:
		// the operations find due work.
		clock.Advance(notifyRetry + 5*time.Minute)
		d, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j2})
		if err != nil || !d.Completed {
			t.Errorf("DescribeJob: %+v, %v; want completed", d, err)
		}
		if _, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"}); err != nil {
			t.Error(err)
		}
		if l, err := e.ListJobs(ctx, &firn.ListJobsInput{VaultName: "v"}); err != nil || len(l.JobList) != 2 {
			t.Errorf("ListJobs: %+v, %v", l, err)
		}
		if _, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("more"))}); err != nil {
			t.Error(err)
		}
		return nil
	})
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := e.DeliverNotifications(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("DeliverNotifications with a canceled context while Notify blocks: %v", err)
	}
	if _, calls := blocked.delivered(); calls != 1 {
		t.Errorf("%d Notify calls, want 1: the next waits for the one in flight", calls)
	}
	if err := testkit.Within(t, "Close while Notify blocks", e.Close); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := e.DeliverNotifications(ctx); err == nil {
		t.Error("DeliverNotifications after Close returned nil")
	}

	// Neither was delivered: both are, after a reopen, in order of due
	// time (job 1's retry came due before job 2 completed).
	r := &recorder{}
	e = openNotifying(t, fs, clock, r)
	defer e.Close()
	deliver(t, e)
	wantDelivered(t, r, 2, j1, j2)
	if err := e.Check(ctx); err != nil {
		t.Error(err)
	}
}

// TestNotifierFailure checks that a notifier's error or panic is retried
// after notifyRetry of clock time, and that the retry that succeeds is the
// last.
func TestNotifierFailure(t *testing.T) {
	for _, c := range []struct {
		name string
		fail func() error
	}{
		{"error", func() error { return errors.New("sns unreachable") }},
		{"panic", func() error { panic("notifier bug") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := firntest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
			r := &recorder{before: func(_ context.Context, call int) error {
				if call == 1 {
					return c.fail()
				}
				return nil
			}}
			e := openNotifying(t, vfs.NewMem(), clock, r)
			defer e.Close()
			if _, err := e.CreateVault(t.Context(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
				t.Fatal(err)
			}
			j := initiateNotifying(t, e)
			clock.Advance(5 * time.Minute)
			deliver(t, e)
			wantDelivered(t, r, 1)
			clock.Advance(notifyRetry - time.Second)
			deliver(t, e)
			wantDelivered(t, r, 1)
			clock.Advance(time.Second)
			deliver(t, e)
			wantDelivered(t, r, 2, j)
			clock.Advance(time.Hour)
			deliver(t, e)
			wantDelivered(t, r, 2, j)
			if err := e.Check(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestNotifierBackoff checks that a notification that keeps failing is
// retried 1, 2, 4, ... minutes after each attempt, an hour apart at most.
func TestNotifierBackoff(t *testing.T) {
	clock := firntest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	r := &recorder{before: func(context.Context, int) error {
		return errors.New("NotFound: topic does not exist")
	}}
	e := openNotifying(t, vfs.NewMem(), clock, r)
	defer e.Close()
	if _, err := e.CreateVault(t.Context(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	initiateNotifying(t, e)
	clock.Advance(5 * time.Minute)
	deliver(t, e)
	wantDelivered(t, r, 1)
	calls := 1
	for _, delay := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60} {
		delay *= time.Minute
		clock.Advance(delay - time.Second)
		deliver(t, e)
		wantDelivered(t, r, calls)
		clock.Advance(time.Second)
		deliver(t, e)
		calls++
		wantDelivered(t, r, calls)
	}
	if err := e.Check(t.Context()); err != nil {
		t.Error(err)
	}
}

// TestNotificationCrash checks that a crash during delivery, after the job
// completed, loses no notification, and that notifications go out in the
// order of the jobs' completion.
func TestNotificationCrash(t *testing.T) {
	ctx := t.Context()
	mem := vfs.NewCrashableMem()
	clock := firntest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	e := openNotifying(t, mem, clock, &recorder{before: func(context.Context, int) error {
		entered <- struct{}{}
		<-release
		return nil
	}})
	defer e.Close()
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	var jobs []string
	for range 3 {
		jobs = append(jobs, initiateNotifying(t, e))
		clock.Advance(time.Second)
	}
	clock.Advance(5 * time.Minute)
	if _, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	<-entered
	crashed := mem.CrashClone(vfs.CrashCloneCfg{})

	r := &recorder{}
	e2 := openNotifying(t, crashed, clock, r)
	defer e2.Close()
	// The attempt under way at the crash is retried notifyRetry after it.
	deliver(t, e2)
	wantDelivered(t, r, 2, jobs[1:]...)
	clock.Advance(notifyRetry)
	deliver(t, e2)
	wantDelivered(t, r, 3, jobs[1], jobs[2], jobs[0])
	if err := e2.Check(ctx); err != nil {
		t.Error(err)
	}
}

// TestNotificationFailedState checks that an engine whose metadata store
// failed delivers nothing (it could not record the delivery), and that
// the notification goes out after a reopen.
func TestNotificationFailedState(t *testing.T) {
	ctx := t.Context()
	var f faults
	fs := errorfs.Wrap(vfs.NewMem(), &f)
	clock := firntest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	r := &recorder{before: func(_ context.Context, call int) error {
		if call == 1 {
			return errors.New("sns unreachable")
		}
		return nil
	}}
	e := openNotifying(t, fs, clock, r)
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	j := initiateNotifying(t, e)
	clock.Advance(5 * time.Minute)
	deliver(t, e)
	wantDelivered(t, r, 1)

	f.set(func(op errorfs.Op) bool {
		return op.Kind == errorfs.OpFileWrite && strings.HasPrefix(op.Path, "d/meta/") && strings.HasSuffix(op.Path, ".log")
	})
	_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("failed"))})
	wantUnavailable(t, "UploadArchive with the log failing", err)
	f.set(nil)
	clock.Advance(notifyRetry)
	if err := e.DeliverNotifications(ctx); err == nil {
		t.Error("DeliverNotifications in the failed state returned nil, want the failure")
	}
	wantDelivered(t, r, 1)
	if err := e.Close(); err == nil {
		t.Fatal("Close in the failed state returned nil, want the failure")
	}

	e = openNotifying(t, fs, clock, r)
	defer e.Close()
	deliver(t, e)
	wantDelivered(t, r, 2, j)
}
