package job

import "time"

// CapacityExpiration is when a provisioned capacity unit bought at start
// expires. The developer guide: a unit lasts one month from the date and
// time of purchase, exactly one month later to the nearest second, and a
// unit bought on the 31st expires on the last day of the next month
// (August 31 to September 30, January 31 to February 28). So the day of
// the month is kept and clamped to the next month's length, the time of day
// is kept and rounded to the second. Months are UTC months.
func CapacityExpiration(start time.Time) time.Time {
	return addMonth(start.UTC()).Round(time.Second)
}

// addMonth returns t one calendar month later on the same day of the month,
// or on the month's last day when it is shorter. time.AddDate would
// normalize January 31 to March 3 instead.
func addMonth(t time.Time) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+1, 1, 0, 0, 0, 0, t.Location()) // December rolls into January
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	h, mi, s := t.Clock()
	return time.Date(first.Year(), first.Month(), d, h, mi, s, t.Nanosecond(), t.Location())
}

// CapacityActive reports whether a unit that expires at expires is active
// at now, counting toward the account's unit limit and its expedited
// retrievals, and listed by ListProvisionedCapacity: until its expiration,
// exclusive.
func CapacityActive(expires, now time.Time) bool { return now.Before(expires) }
