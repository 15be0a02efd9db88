package client_test

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/client"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/job"
)

// The job waiter and the job collections against an engine whose jobs take
// the service's times on a fake clock: the conformance targets complete
// jobs at once.

func openTimedEngine(t *testing.T) (*firntest.Engine, *firntest.Clock) {
	t.Helper()
	e := firntest.New(t, &firntest.Options{Engine: &engine.Options{
		JobTiming: job.RealisticTiming,
		Logger:    slog.New(slog.DiscardHandler),
	}})
	return e, e.Clock
}

func TestWaitUntilJobCompleteTiers(t *testing.T) {
	ctx := t.Context()
	e, clock := openTimedEngine(t)
	v, err := client.NewAccount(e, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.UploadArchive(ctx, strings.NewReader("cold bytes"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tier     string
		min, max time.Duration
	}{
		{firn.TierExpedited, job.RealisticTiming.Expedited.Min, job.RealisticTiming.Expedited.Max},
		{firn.TierStandard, job.RealisticTiming.Standard.Min, job.RealisticTiming.Standard.Max},
		{firn.TierBulk, job.RealisticTiming.Bulk.Min, job.RealisticTiming.Bulk.Max},
	} {
		j, err := a.InitiateArchiveRetrieval(ctx, &firn.JobParameters{Tier: tc.tier})
		if err != nil {
			t.Fatal(err)
		}
		if got := jobIDs(testkit.Collect(t, "JobsInProgress", v.JobsInProgress(ctx, nil))); !slices.Equal(got, []string{j.ID()}) {
			t.Errorf("%s: JobsInProgress %v, want %v", tc.tier, got, []string{j.ID()})
		}
		if got := testkit.Collect(t, "CompletedJobs", v.CompletedJobs(ctx, nil)); len(got) != len(testkit.Collect(t, "SucceededJobs", v.SucceededJobs(ctx, nil))) {
			t.Errorf("%s: completed jobs that did not succeed", tc.tier)
		}
		s := &testkit.Sleeper{OnSleep: func(d time.Duration) { clock.Advance(d) }}
		if err := j.WaitUntilComplete(ctx, &firn.WaiterOptions{Sleep: s.Sleep}); err != nil {
			t.Fatalf("%s: WaitUntilComplete: %v", tc.tier, err)
		}
		// Polling each minute, the wait ends in the first minute after the
		// job completes.
		waited := time.Duration(len(s.Pauses())) * time.Minute
		took := j.Attrs.CompletionDate.Sub(j.Attrs.CreationDate)
		if took < tc.min || took > tc.max || waited < took || waited >= took+time.Minute {
			t.Errorf("%s: job took %v (want %v to %v), waited %v", tc.tier, took, tc.min, tc.max, waited)
		}
		if j.Attrs.StatusCode != firn.StatusSucceeded {
			t.Errorf("%s: status %s", tc.tier, j.Attrs.StatusCode)
		}
		if got := testkit.Collect(t, "JobsInProgress", v.JobsInProgress(ctx, nil)); len(got) != 0 {
			t.Errorf("%s: jobs in progress after the wait: %v", tc.tier, jobIDs(got))
		}
	}
	if n := len(testkit.Collect(t, "SucceededJobs", v.SucceededJobs(ctx, nil))); n != 3 {
		t.Errorf("%d succeeded jobs, want 3", n)
	}
}

func TestWaitUntilJobCompleteGivesUp(t *testing.T) {
	ctx := t.Context()
	e, clock := openTimedEngine(t)
	v, err := client.NewAccount(e, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	j, err := v.InitiateInventoryRetrieval(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &testkit.Sleeper{OnSleep: func(d time.Duration) { clock.Advance(d) }}
	err = j.WaitUntilComplete(ctx, &firn.WaiterOptions{Delay: time.Hour, MaxAttempts: 2, Sleep: s.Sleep})
	if !errors.Is(err, firn.ErrMaxAttemptsExceeded) || !strings.Contains(err.Error(), j.ID()) {
		t.Errorf("WaitUntilComplete within an hour of an inventory: %v, want ErrMaxAttemptsExceeded naming the job", err)
	}
	if j.Attrs != nil {
		t.Errorf("a wait that gave up set Attrs")
	}
	// Cancelled while pausing.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s = &testkit.Sleeper{OnSleep: func(d time.Duration) {
		clock.Advance(d)
		cancel()
	}}
	_, err = firn.WaitUntilJobComplete(cctx, e, &firn.DescribeJobInput{VaultName: "v", JobId: j.ID()}, &firn.WaiterOptions{Sleep: s.Sleep})
	if !errors.Is(err, context.Canceled) || len(s.Pauses()) != 1 {
		t.Errorf("WaitUntilJobComplete cancelled while pausing: %v after %d pauses, want context.Canceled after 1", err, len(s.Pauses()))
	}
	// The default patience outlasts the job.
	s = &testkit.Sleeper{OnSleep: func(d time.Duration) { clock.Advance(d) }}
	d, err := firn.WaitUntilJobComplete(ctx, e, &firn.DescribeJobInput{VaultName: "v", JobId: j.ID()}, &firn.WaiterOptions{Sleep: s.Sleep})
	if err != nil || !d.Completed {
		t.Errorf("WaitUntilJobComplete: %+v, %v", d, err)
	}
}

func TestFailedJobs(t *testing.T) {
	ctx := t.Context()
	e, clock := openTimedEngine(t)
	v, err := client.NewAccount(e, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.UploadArchive(ctx, strings.NewReader("short-lived"), "")
	if err != nil {
		t.Fatal(err)
	}
	doomed, err := a.InitiateArchiveRetrieval(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	inventory, err := v.InitiateInventoryRetrieval(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	s := &testkit.Sleeper{OnSleep: func(d time.Duration) { clock.Advance(d) }}
	d, err := firn.WaitUntilJobComplete(ctx, e, &firn.DescribeJobInput{VaultName: "v", JobId: doomed.ID()}, &firn.WaiterOptions{Sleep: s.Sleep})
	if err != nil {
		t.Fatalf("WaitUntilJobComplete: %v", err)
	}
	if !d.Completed || d.StatusCode != firn.StatusFailed {
		t.Errorf("retrieval of a deleted archive: %+v, want a failed job", d)
	}
	if err := inventory.WaitUntilComplete(ctx, &firn.WaiterOptions{Sleep: s.Sleep}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		seq  func(context.Context, *client.ListOptions) iter.Seq2[*client.Job, error]
		want []string
	}{
		{"FailedJobs", v.FailedJobs, []string{doomed.ID()}},
		{"SucceededJobs", v.SucceededJobs, []string{inventory.ID()}},
		{"CompletedJobs", v.CompletedJobs, []string{doomed.ID(), inventory.ID()}},
		{"JobsInProgress", v.JobsInProgress, []string{}},
	} {
		if got := jobIDs(testkit.Collect(t, tc.name, tc.seq(ctx, &client.ListOptions{PageSize: 1}))); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	_, err = doomed.GetOutput(ctx, "")
	testkit.WantError(t, err, firn.ErrInvalidParameterValue)
}
