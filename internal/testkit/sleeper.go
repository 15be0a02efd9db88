package testkit

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Sleeper stands in for the Sleep option of waiters and uploaders
// (firn.WaiterOptions.Sleep, client.Uploader.Sleep): it records the pauses
// asked of it instead of sleeping. If OnSleep is set, each pause is passed
// to it: a test advances a fake clock there, so that time moves as if
// slept, or acts while the caller waits. A Sleeper is safe for concurrent
// use.
type Sleeper struct {
	OnSleep func(d time.Duration)

	mu    sync.Mutex
	slept []time.Duration
}

// Sleep records d, passes it to OnSleep and returns ctx.Err(), as a sleep
// cut short by its context does.
func (s *Sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.slept = append(s.slept, d)
	s.mu.Unlock()
	if s.OnSleep != nil {
		s.OnSleep(d)
	}
	return ctx.Err()
}

// Pauses returns the pauses asked so far, in order.
func (s *Sleeper) Pauses() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.slept)
}
