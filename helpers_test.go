package firn_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
)

// Helpers of the tests of the resource handles, waiters and uploader that
// run outside the conformance suite.

// sleeper records the pauses asked of it without sleeping; advance, if set,
// is called with each.
type sleeper struct {
	mu      sync.Mutex
	slept   []time.Duration
	advance func(d time.Duration) time.Time
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.slept = append(s.slept, d)
	s.mu.Unlock()
	if s.advance != nil {
		s.advance(d)
	}
	return ctx.Err()
}

func (s *sleeper) pauses() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.slept)
}

func collect[T any](t *testing.T, what string, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var items []T
	for it, err := range seq {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		items = append(items, it)
	}
	return items
}

func jobIDs(js []*firn.Job) []string {
	ids := []string{}
	for _, j := range js {
		ids = append(ids, j.ID())
	}
	return ids
}

// checkErr is wantErr for callers that hold the output as an interface or
// not at all.
func checkErr(t *testing.T, nilOut bool, err error, want *firn.Error, mentions ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("call succeeded, want %s", want.Code)
		return
	}
	var fe *firn.Error
	if !errors.As(err, &fe) {
		t.Errorf("error %q (%T) is not a *firn.Error", err, err)
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("error %q, want code %s", err, want.Code)
	}
	for _, m := range mentions {
		if !strings.Contains(strings.ToLower(fe.Message), strings.ToLower(m)) {
			t.Errorf("error message %q does not mention %q", fe.Message, m)
		}
	}
	if !nilOut {
		t.Errorf("failed call returned a non-nil output")
	}
}
