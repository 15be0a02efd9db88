package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// TestIDsSortAcrossReopen checks that jobs created after a reopen within
// the same clock millisecond, and under a clock that steps back, still list
// after the earlier ones.
func TestIDsSortAcrossReopen(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	clock := &testClock{now: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	open := func() *engine.Engine {
		e, err := engine.Open("d", &engine.Options{FS: fs, Clock: clock, TickInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open()
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("x")})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	job := func() {
		j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, j.JobId)
	}
	for range 20 {
		job()
		e.Close()
		e = open()
		job()
		clock.Advance(-time.Millisecond) // steps back within this run
		job()
		clock.Advance(time.Millisecond)
	}
	defer e.Close()
	var got []string
	for d, err := range firn.AllJobs(ctx, e, firn.ListJobsInput{VaultName: "v"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.JobId)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("jobs listed out of creation order:\n got %v\nwant %v", got, want)
	}
}

// testClock is a firn.Clock that, unlike testkit.Clock, may step back: the
// test above checks IDs under such a clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
