package model

import "testing"

// The model's alignment rule against the vectors of the specification, so
// that the differential test compares the engine with the spec's arithmetic
// (its tree hash is testkit's, tested there).

func TestTreeAligned(t *testing.T) {
	const size = 5*mib + 123
	for _, c := range []struct {
		start, end int64
		want       bool
	}{
		{0, mib - 1, true}, {mib, 2*mib - 1, true}, {0, 2*mib - 1, true}, {2 * mib, 4*mib - 1, true},
		{4 * mib, size - 1, true}, {0, 4*mib - 1, true}, {mib, 3*mib - 1, false}, {mib, size - 1, false},
		{0, size - 1, true}, {1, mib - 1, false}, {0, 5, false}, {0, size, false},
	} {
		if got := treeAligned(c.start, c.end, size); got != c.want {
			t.Errorf("treeAligned(%d, %d) = %v, want %v", c.start, c.end, got, c.want)
		}
	}
}
