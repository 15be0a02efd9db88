package client_test

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
	"github.com/firnstore/firn/client"
)

// sleeper records the pauses asked of it without sleeping; advance, if set,
// is called with each (a fake clock's Advance).
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

// collect returns the items of seq, failing the test at an error.
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

func jobIDs(js []*client.Job) []string {
	ids := []string{}
	for _, j := range js {
		ids = append(ids, j.ID())
	}
	return ids
}

// wantErr checks that err is a *firn.Error with want's code whose message
// mentions each of mentions, ignoring case.
func wantErr(t *testing.T, err error, want *firn.Error, mentions ...string) {
	t.Helper()
	var fe *firn.Error
	if !errors.As(err, &fe) {
		t.Errorf("error %v (%T), want a *firn.Error with code %s", err, err, want.Code)
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
}
