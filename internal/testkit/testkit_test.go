package testkit_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
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

func TestSleeper(t *testing.T) {
	var advanced time.Duration
	s := &testkit.Sleeper{OnSleep: func(d time.Duration) { advanced += d }}
	ctx, cancel := context.WithCancel(t.Context())
	if err := s.Sleep(ctx, time.Second); err != nil {
		t.Errorf("Sleep: %v", err)
	}
	cancel()
	if err := s.Sleep(ctx, 2*time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep with a cancelled context: %v, want context.Canceled", err)
	}
	if got, want := s.Pauses(), []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(got, want) || advanced != 3*time.Second {
		t.Errorf("Pauses() = %v and OnSleep saw %v, want %v and 3s", got, advanced, want)
	}
}

func TestCollect(t *testing.T) {
	seq := func(yield func(int, error) bool) {
		for i := range 3 {
			if !yield(i, nil) {
				return
			}
		}
	}
	if got := testkit.Collect(t, "seq", seq); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("Collect = %v, want [0 1 2]", got)
	}
}

// recorder is a testing.TB that records the errors reported on it.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestWantError(t *testing.T) {
	notFound := &firn.Error{Code: firn.CodeResourceNotFound, Message: "Vault not found for ARN: x"}
	for _, c := range []struct {
		err      error
		mentions []string
		isFirn   bool
		errs     int
	}{
		{notFound, []string{"VAULT NOT FOUND"}, true, 0},
		{fmt.Errorf("wrapped: %w", notFound), nil, true, 0},
		{notFound, []string{"archive"}, true, 1},
		{&firn.Error{Code: firn.CodeInvalidParameterValue}, nil, true, 1},
		{errors.New("plain"), nil, false, 1},
		{nil, nil, false, 1},
	} {
		r := &recorder{TB: t}
		if got := testkit.WantError(r, c.err, firn.ErrResourceNotFound, c.mentions...); got != c.isFirn || len(r.errs) != c.errs {
			t.Errorf("WantError(%v, %q) = %v reporting %q, want %v with %d error(s)", c.err, c.mentions, got, r.errs, c.isFirn, c.errs)
		}
	}
}

func TestWithin(t *testing.T) {
	want := errors.New("x")
	if err := testkit.Within(t, "fn", func() error { return want }); err != want {
		t.Errorf("Within returned %v, want fn's error", err)
	}
	if err := testkit.Within(t, "fn", func() error { panic("boom") }); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Within of a panicking fn returned %v, want the panic as an error", err)
	}
}
