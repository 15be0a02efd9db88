package firntest

import (
	"time"

	"github.com/firnstore/firn/internal/testkit"
)

// Clock is a firn.Clock that moves only when told to, safe for concurrent
// use. Now returns its time, in UTC; Advance(d) moves it forward by d and
// returns the new time; Set(t) moves it to t. Time never goes back, as an
// engine relies on: Advance with a negative d and Set to an earlier time
// panic.
//
// Firn's own tests use the same clock, hence the alias (as Pebble exports
// its internal base types).
type Clock = testkit.Clock

// NewClock returns a Clock at start.
func NewClock(start time.Time) *Clock { return testkit.NewClock(start) }
