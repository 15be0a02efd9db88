package blob

import "time"

// mark is a reading of the monotonic clock, for the compression policy's
// measurements of how long each stage of a write takes. It is never
// compared with dates: time-driven rules read a firn.Clock.
type mark struct{ t time.Time }

func now() mark { return mark{time.Now()} }

// since is the time elapsed since m.
func (m mark) since() time.Duration { return time.Since(m.t) }

// sub is the time elapsed from m0 to m.
func (m mark) sub(m0 mark) time.Duration { return m.t.Sub(m0.t) }
