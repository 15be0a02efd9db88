package job

import (
	"testing"
	"time"
)

// TestRetrievalWindows checks the instants from which retrievals count: the
// UTC day from its midnight, the trailing window from a nanosecond after now
// minus its length.
func TestRetrievalWindows(t *testing.T) {
	midnight := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{0, time.Nanosecond, 12 * time.Hour, 24*time.Hour - time.Millisecond, 24*time.Hour - time.Nanosecond} {
		if got := StartOfDay(midnight.Add(at)); !got.Equal(midnight) {
			t.Errorf("StartOfDay(%v) = %v, want %v", midnight.Add(at), got, midnight)
		}
	}
	if got := StartOfDay(time.Date(2026, 3, 10, 1, 0, 0, 0, time.FixedZone("", 2*3600))); !got.Equal(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("StartOfDay of 01:00+02:00 = %v, want the UTC day's start", got)
	}
	now := midnight.Add(7 * time.Hour)
	if got, want := WindowStart(now, time.Hour), now.Add(-time.Hour+time.Nanosecond); !got.Equal(want) {
		t.Errorf("WindowStart = %v, want %v", got, want)
	}
}
