package testkit_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn/internal/testkit"
)

const mib = testkit.LeafSize

// TestTreeHash checks the oracle against vectors that botocore and
// aws-sdk-go computed (see treehash/vectors_test.go).
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
		if got := testkit.TreeHashHex(testkit.Pattern(c.size)); got != c.want {
			t.Errorf("TreeHashHex(%d bytes) = %s, want %s", c.size, got, c.want)
		}
	}
}

func TestTreeRootKeepsDigests(t *testing.T) {
	d := [][32]byte{{1}, {2}, {3}}
	in := slices.Clone(d)
	testkit.TreeRoot(in)
	if !slices.Equal(in, d) {
		t.Error("TreeRoot modified its digests")
	}
	if got := testkit.TreeRoot(d[:1]); got != d[0] {
		t.Errorf("TreeRoot of one digest = %x, want the digest", got)
	}
}

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("X", 3600))
	c := testkit.NewClock(start)
	if got := c.Now(); !got.Equal(start) || got.Location() != time.UTC {
		t.Errorf("Now = %v, want %v in UTC", got, start)
	}
	if got := c.Advance(time.Hour); !got.Equal(start.Add(time.Hour)) || !c.Now().Equal(got) {
		t.Errorf("Advance returned %v, Now %v, want %v", got, c.Now(), start.Add(time.Hour))
	}
	c.Set(start.Add(2 * time.Hour))
	if !c.Now().Equal(start.Add(2 * time.Hour)) {
		t.Errorf("after Set: %v", c.Now())
	}
	if !panics(func() { c.Advance(-1) }) || !panics(func() { c.Set(start) }) {
		t.Error("the clock went back without a panic")
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				c.Now()
			}
		})
	}
	wg.Wait()
	if want := start.Add(2*time.Hour + 800*time.Second); !c.Now().Equal(want) {
		t.Errorf("after concurrent advances: %v, want %v", c.Now(), want)
	}
}

// panics reports whether f panics.
func panics(f func()) (p bool) {
	defer func() { p = recover() != nil }()
	f()
	return false
}

func TestOperations(t *testing.T) {
	ops := testkit.Operations()
	if len(ops) != 33 || !slices.IsSorted(ops) || !slices.Contains(ops, "UploadArchive") {
		t.Errorf("Operations() = %v, want the 33 operations of the API in order", ops)
	}
}
