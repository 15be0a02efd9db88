package testkit

import (
	"fmt"
	"sync"
	"time"
)

// Clock is a firn.Clock that moves only when told to. Time never goes back:
// an engine relies on it. A Clock is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start.UTC()} }

// Now returns the Clock's time, in UTC.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the Clock forward by d and returns the new time. It panics
// if d is negative.
func (c *Clock) Advance(d time.Duration) time.Time {
	if d < 0 {
		panic(fmt.Sprintf("Clock.Advance(%v): time does not go back", d))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the Clock to t. It panics if t is before the Clock's time.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.now) {
		panic(fmt.Sprintf("Clock.Set(%v): time does not go back from %v", t, c.now))
	}
	c.now = t.UTC()
}
