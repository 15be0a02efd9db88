package firn

import "time"

// Clock tells the time. Implementations of Glacier read time only through a
// Clock, so that tests can move it (see package firntest) and every
// time-driven rule — job completion, 24-hour expiries, inventory cadence,
// capacity terms — follows it. Now must be safe for concurrent use.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real time, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
