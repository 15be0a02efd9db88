package testkit

import (
	"iter"
	"testing"
)

// Collect returns the items of seq, a paginated listing, in order. At the
// first error it stops the test with t.Fatalf, naming the listing what.
func Collect[T any](t testing.TB, what string, seq iter.Seq2[T, error]) []T {
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
