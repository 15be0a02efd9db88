package model

import "testing"

// The model's tree hash and alignment rule against the vectors of
// TREEHASH.md, so that the differential test compares the engine with the
// spec's arithmetic.

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func TestTreeHash(t *testing.T) {
	for _, c := range []struct {
		size int
		want string
	}{
		{0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},
		{mib, "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769"},
		{mib + 1, "a9c574ce937d2371daf87cdd0e75396b096d7f74a66c764e4c656bd12b2e7bf9"},
		{3 * mib, "2e7d51c0ffe06ce95fe74beed9a4ab35d18837f4ab2a9f4f066a60359eb999a1"},
		{5*mib + 123, "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182"},
	} {
		if got := treeHash(pattern(c.size)); got != c.want {
			t.Errorf("treeHash(%d bytes) = %s, want %s", c.size, got, c.want)
		}
	}
}

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
