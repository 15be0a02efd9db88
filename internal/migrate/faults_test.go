package migrate

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/job"
)

// tampering lets a test change GetJobOutput calls of archive jobs (those
// with a Range) before and after they reach the source.
type tampering struct {
	firn.Glacier
	mu     sync.Mutex
	before func(in *firn.GetJobOutputInput)
	after  func(in *firn.GetJobOutputInput, out *firn.GetJobOutputOutput)
}

func (g *tampering) GetJobOutput(ctx context.Context, in *firn.GetJobOutputInput) (*firn.GetJobOutputOutput, error) {
	if in.Range != "" && g.before != nil {
		g.mu.Lock()
		g.before(in)
		g.mu.Unlock()
	}
	out, err := g.Glacier.GetJobOutput(ctx, in)
	if err == nil && in.Range != "" && g.after != nil {
		g.mu.Lock()
		g.after(in, out)
		g.mu.Unlock()
	}
	return out, err
}

// flipped is a body with one byte inverted.
type flipped struct {
	io.ReadCloser
	at int64
	n  int64
}

func (f *flipped) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	if f.at >= f.n && f.at < f.n+int64(n) {
		p[f.at-f.n] ^= 0xff
	}
	f.n += int64(n)
	return n, err
}

func TestRunExpiredOutput(t *testing.T) {
	s := newSource(t, job.Timing{})
	c := count(s, s.clock)
	expired := false
	g := &tampering{Glacier: c, before: func(in *firn.GetJobOutputInput) {
		if !expired { // every job's output expires before the first is read
			expired = true
			s.clock.Advance(job.OutputLifetime + time.Hour)
		}
	}}
	sink := newMemSink()
	o := s.options(t, g, sink)
	o.Concurrency = 1
	r, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, 4, 0, 0, 0)
	sink.check(t, s)
	for _, id := range s.ids {
		if c.initiated[id] != 2 {
			t.Errorf("archive %s: %d jobs, want 2 (one expired)", id, c.initiated[id])
		}
	}
}

func TestRunDeletedAtSource(t *testing.T) {
	s := newSource(t, job.Timing{})
	sink := newMemSink()
	o := s.options(t, s, sink)
	o.DryRun = true
	if _, err := Run(t.Context(), o); err != nil { // keeps the inventory in the state file
		t.Fatal(err)
	}
	if _, err := s.DeleteArchive(t.Context(), &firn.DeleteArchiveInput{VaultName: vault, ArchiveId: s.ids[1]}); err != nil {
		t.Fatal(err)
	}
	o.DryRun = false
	r, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, 3, 0, 1, 0)
	if r.Results[1].ID != s.ids[1] || r.Results[1].Status != DeletedAtSource {
		t.Errorf("result %+v, want %s deleted at source", r.Results[1], s.ids[1])
	}
}

func TestRunThrottled(t *testing.T) {
	s := newSource(t, job.Timing{})
	f := firntest.Inject(s)
	throttled := &firn.Error{Code: codeThrottling}
	f.FailNext("InitiateJob", 3, throttled)
	f.FailNext("GetJobOutput", 2, throttled)
	f.FailNext("DescribeJob", 2, &firn.Error{Code: firn.CodeServiceUnavailable})
	sink := newMemSink()
	r, err := Run(t.Context(), s.options(t, f, sink))
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, 4, 0, 0, 0)
	sink.check(t, s)
}

func TestRunCorruptRange(t *testing.T) {
	s := newSource(t, job.Timing{})
	flips := 0
	g := &tampering{Glacier: s, after: func(in *firn.GetJobOutputInput, out *firn.GetJobOutputOutput) {
		if in.Range == "bytes=4194304-5242879" && flips < 2 { // a range of the 5 MiB + 3 archive
			flips++
			out.Body = &flipped{ReadCloser: out.Body, at: 12345}
		}
	}}
	sink := newMemSink()
	r, err := Run(t.Context(), s.options(t, g, sink))
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, 4, 0, 0, 0)
	sink.check(t, s)
	if flips != 2 {
		t.Errorf("%d ranges flipped, want 2", flips)
	}
}

// TestRunCanceled cancels runs at several points, then reruns: every
// archive is requested once and put once.
func TestRunCanceled(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sleeps int // cancel at this Sleep (0: never)
		puts   int // cancel at this Put (0: never)
	}{
		{"waiting for the inventory", 1, 0},
		{"waiting for jobs", 40, 0}, // the inventory takes about 25 polls
		{"copying", 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSource(t, job.RealisticTiming)
			c := count(s, s.clock)
			sink := newMemSink()
			o := s.options(t, c, sink)
			o.MaxBytesPerHour = 6 << 20
			ctx, cancel := context.WithCancel(t.Context())
			var mu sync.Mutex
			sleeps, puts := 0, 0
			o.Sleep = func(ctx context.Context, d time.Duration) error {
				mu.Lock()
				sleeps++
				if sleeps == tc.sleeps {
					cancel()
				}
				mu.Unlock()
				return s.sleep(ctx, d)
			}
			sink.putHook = func(*Archive) error {
				mu.Lock()
				defer mu.Unlock()
				puts++
				if puts == tc.puts {
					cancel()
					return context.Canceled
				}
				return nil
			}
			if _, err := Run(ctx, o); !errors.Is(err, context.Canceled) {
				t.Fatalf("canceled run: %v", err)
			}
			sink.putHook = nil
			o.Sleep = s.sleep
			before := len(sink.archives)
			if tc.sleeps > 1 && len(c.at) == 0 {
				t.Fatal("canceled before any job was requested")
			}
			r, err := Run(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			wantCounts(t, r, 4-before, before, 0, 0)
			sink.check(t, s)
			for _, id := range s.ids {
				if c.initiated[id] != 1 {
					t.Errorf("archive %s: %d jobs requested, want 1", id, c.initiated[id])
				}
			}
		})
	}
}
