package job

import (
	"testing"
	"time"
)

func utc(y int, m time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, m, d, h, mi, s, ns, time.UTC)
}

// TestCapacityExpiration checks that a provisioned capacity unit lasts one
// calendar month, ending on the last day of the next month when that month
// is shorter, to the second, with the developer guide's examples.
func TestCapacityExpiration(t *testing.T) {
	for _, c := range []struct{ start, want time.Time }{
		// The guide's examples (PurchaseProvisionedCapacity,
		// ListProvisionedCapacity).
		{utc(2017, 1, 31, 14, 26, 33, 31e6), utc(2017, 2, 28, 14, 26, 33, 0)},
		{utc(2016, 12, 13, 20, 11, 51, 95e6), utc(2017, 1, 13, 20, 11, 51, 0)},
		{utc(2017, 8, 31, 0, 0, 0, 0), utc(2017, 9, 30, 0, 0, 0, 0)},
		// Leap years: every 4th, not every 100th, every 400th.
		{utc(2024, 1, 31, 9, 0, 0, 0), utc(2024, 2, 29, 9, 0, 0, 0)},
		{utc(2024, 1, 30, 9, 0, 0, 0), utc(2024, 2, 29, 9, 0, 0, 0)},
		{utc(2024, 1, 29, 9, 0, 0, 0), utc(2024, 2, 29, 9, 0, 0, 0)},
		{utc(2023, 1, 29, 9, 0, 0, 0), utc(2023, 2, 28, 9, 0, 0, 0)},
		{utc(2100, 1, 31, 9, 0, 0, 0), utc(2100, 2, 28, 9, 0, 0, 0)},
		{utc(2000, 1, 31, 9, 0, 0, 0), utc(2000, 2, 29, 9, 0, 0, 0)},
		{utc(2024, 2, 29, 23, 59, 59, 0), utc(2024, 3, 29, 23, 59, 59, 0)},
		{utc(2023, 2, 28, 1, 2, 3, 0), utc(2023, 3, 28, 1, 2, 3, 0)},
		// December into January of the next year.
		{utc(2026, 12, 31, 23, 59, 59, 0), utc(2027, 1, 31, 23, 59, 59, 0)},
		{utc(2026, 12, 1, 0, 0, 0, 0), utc(2027, 1, 1, 0, 0, 0, 0)},
		// Other 31st days, and days every month has.
		{utc(2026, 3, 31, 12, 0, 0, 0), utc(2026, 4, 30, 12, 0, 0, 0)},
		{utc(2026, 5, 31, 12, 0, 0, 0), utc(2026, 6, 30, 12, 0, 0, 0)},
		{utc(2026, 10, 31, 12, 0, 0, 0), utc(2026, 11, 30, 12, 0, 0, 0)},
		{utc(2026, 7, 31, 12, 0, 0, 0), utc(2026, 8, 31, 12, 0, 0, 0)},
		{utc(2026, 4, 30, 12, 0, 0, 0), utc(2026, 5, 30, 12, 0, 0, 0)},
		{utc(2026, 1, 2, 3, 4, 5, 0), utc(2026, 2, 2, 3, 4, 5, 0)},
		// To the nearest second.
		{utc(2026, 1, 2, 3, 4, 5, 499999999), utc(2026, 2, 2, 3, 4, 5, 0)},
		{utc(2026, 1, 2, 3, 4, 5, 5e8), utc(2026, 2, 2, 3, 4, 6, 0)},
		{utc(2026, 1, 31, 23, 59, 59, 9e8), utc(2026, 3, 1, 0, 0, 0, 0)},
		// The month is the UTC month: 00:30 on February 1 at +01:00 is
		// January 31 in UTC.
		{time.Date(2026, 2, 1, 0, 30, 0, 0, time.FixedZone("", 3600)), utc(2026, 2, 28, 23, 30, 0, 0)},
	} {
		got := CapacityExpiration(c.start)
		if !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("CapacityExpiration(%s) = %s, want %s", c.start.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano), c.want.Format(time.RFC3339Nano))
		}
	}
}

// TestCapacityActive checks that a unit counts from its start until its
// expiration, exclusive.
func TestCapacityActive(t *testing.T) {
	start := utc(2017, 1, 31, 14, 26, 33, 31e6)
	exp := CapacityExpiration(start)
	for _, c := range []struct {
		now  time.Time
		want bool
	}{
		{start, true},
		{utc(2017, 2, 28, 0, 0, 0, 0), true},
		{exp.Add(-time.Nanosecond), true},
		{exp, false},
		{utc(2017, 3, 3, 14, 26, 33, 31e6), false},
	} {
		if got := CapacityActive(exp, c.now); got != c.want {
			t.Errorf("CapacityActive(%s, %s) = %v, want %v", exp, c.now, got, c.want)
		}
	}
}
