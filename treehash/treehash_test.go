package treehash_test

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"hash"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/treehash"
)

var (
	_ hash.Hash                  = treehash.New()
	_ encoding.BinaryAppender    = treehash.New()
	_ encoding.BinaryMarshaler   = treehash.New()
	_ encoding.BinaryUnmarshaler = treehash.New()
)

// distinctData returns n bytes whose leaves all differ, so that a leaf hashed
// out of order changes the result.
func distinctData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>12)
	}
	return b
}

func TestSizes(t *testing.T) {
	h := treehash.New()
	if h.Size() != 32 || h.BlockSize() != treehash.LeafSize || treehash.LeafSize != 1<<20 {
		t.Errorf("Size() = %d, BlockSize() = %d, LeafSize = %d", h.Size(), h.BlockSize(), treehash.LeafSize)
	}
}

func TestSumKeepsState(t *testing.T) {
	data := distinctData(9*mib + 5)
	for _, m := range modes {
		h := m.new()
		prefix := []byte("prefix")
		var got []byte
		// Sum and Leaves at many points, including inside buffered leaves,
		// must not disturb the rest of the stream.
		for off := 0; off < len(data); off += mib/2 + 3 {
			chunk := data[off:min(off+mib/2+3, len(data))]
			h.Write(chunk)
			want := testkit.TreeHash(data[:off+len(chunk)])
			got = h.Sum(prefix[:len(prefix):len(prefix)])
			if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want[:]) {
				t.Fatalf("%s: after %d bytes Sum = %x, want prefix + %x", m.name, off+len(chunk), got, want)
			}
			if r := treehash.Root(h.Leaves()); r != want {
				t.Fatalf("%s: after %d bytes Root(Leaves()) = %x, want %x", m.name, off+len(chunk), r, want)
			}
		}
	}
}

func TestReset(t *testing.T) {
	for _, m := range modes {
		h := m.new()
		h.Write(distinctData(3*mib + 1))
		h.Reset()
		if h.Len() != 0 || len(h.Leaves()) != 0 {
			t.Errorf("%s: after Reset Len() = %d, %d leaves", m.name, h.Len(), len(h.Leaves()))
		}
		if got, want := [32]byte(h.Sum(nil)), sha256.Sum256(nil); got != want {
			t.Errorf("%s: Sum after Reset = %x, want %x", m.name, got, want)
		}
		data := distinctData(2*mib + 9)
		h.Write(data)
		if got, want := [32]byte(h.Sum(nil)), testkit.TreeHash(data); got != want {
			t.Errorf("%s: Sum after Reset and Write = %x, want %x", m.name, got, want)
		}
	}
}

func TestLeavesIsACopy(t *testing.T) {
	h := treehash.New()
	data := distinctData(2*mib + 1)
	h.Write(data)
	leaves := h.Leaves()
	for i := range leaves {
		leaves[i] = [32]byte{}
	}
	if got, want := [32]byte(h.Sum(nil)), testkit.TreeHash(data); got != want {
		t.Errorf("Sum after changing Leaves() = %x, want %x", got, want)
	}
}

func TestRoot(t *testing.T) {
	if got, want := treehash.Root(nil), sha256.Sum256(nil); got != want {
		t.Errorf("Root(nil) = %x, want %x", got, want)
	}
	leaves := make([][32]byte, 11)
	for i := range leaves {
		leaves[i] = sha256.Sum256([]byte{byte(i)})
	}
	for n := 1; n <= len(leaves); n++ {
		in := slices.Clone(leaves[:n])
		got := treehash.Root(in)
		if !slices.Equal(in, leaves[:n]) {
			t.Fatalf("Root modified its %d leaves", n)
		}
		want := testkit.TreeRoot(leaves[:n])
		if got != want {
			t.Errorf("Root of %d leaves = %x, want %x", n, got, want)
		}
	}
}

func TestHex(t *testing.T) {
	const lower = "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182"
	sum := mustParseHex(t, lower)
	if got := treehash.Hex(sum); got != lower {
		t.Errorf("Hex = %s, want %s", got, lower)
	}
	if upper := mustParseHex(t, "BB3BA52BEF3AF9DBE25C235C4DB87262E302B12F33CB1938162351C123588182"); upper != sum {
		t.Errorf("ParseHex of upper case = %x, want %x", upper, sum)
	}
	for _, bad := range []string{"", lower[:63], lower + "0", lower[:63] + "g", " " + lower[1:], lower[:62] + "\x00\x00"} {
		if got, err := treehash.ParseHex(bad); err == nil || got != [32]byte{} {
			t.Errorf("ParseHex(%q) = %x, %v; want zero and an error", bad, got, err)
		}
	}
}

func TestMarshalBinary(t *testing.T) {
	data := distinctData(6*mib + 17)
	want := testkit.TreeHash(data)
	for _, at := range []int{0, 1, mib - 1, mib, mib + 1, 3*mib + 5, 6 * mib, len(data)} {
		for _, from := range modes {
			h := from.new()
			writeChunks(h, data[:at], 100_000)
			state, err := h.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range modes {
				h2 := to.new()
				h2.Write([]byte("state to be replaced"))
				if err := h2.UnmarshalBinary(state); err != nil {
					t.Fatalf("%s to %s at %d: %v", from.name, to.name, at, err)
				}
				if h2.Len() != int64(at) {
					t.Errorf("%s to %s at %d: Len() = %d", from.name, to.name, at, h2.Len())
				}
				writeChunks(h2, data[at:], 3*mib/2)
				if got := [32]byte(h2.Sum(nil)); got != want {
					t.Errorf("%s to %s at %d: Sum = %x, want %x", from.name, to.name, at, got, want)
				}
				again, err := h2.AppendBinary([]byte("x"))
				if err != nil {
					t.Fatal(err)
				}
				h3 := to.new()
				if err := h3.UnmarshalBinary(again[1:]); err != nil {
					t.Fatal(err)
				}
				if got := [32]byte(h3.Sum(nil)); got != want {
					t.Errorf("%s to %s at %d: Sum after a second round trip = %x, want %x", from.name, to.name, at, got, want)
				}
			}
		}
	}
}

func TestUnmarshalBinaryErrors(t *testing.T) {
	h := treehash.NewSerial()
	h.Write(distinctData(2*mib + 3))
	state, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := h.Sum(nil)
	bad := map[string][]byte{
		"empty":          nil,
		"bad magic":      append([]byte("zz"), state[2:]...),
		"truncated":      state[:len(state)-1],
		"extra byte":     append(slices.Clone(state), 0),
		"missing leaf":   slices.Delete(slices.Clone(state), 20, 52),
		"huge length":    append(append(slices.Clone(state[:3]), 0xff, 0, 0, 0, 0, 0, 0, 0), state[11:]...),
		"sha256 garbage": append(slices.Clone(state[:len(state)-108]), make([]byte, 108)...),
	}
	for name, b := range bad {
		if err := h.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: UnmarshalBinary succeeded", name)
		}
		if got := h.Sum(nil); !bytes.Equal(got, want) {
			t.Errorf("%s: failed UnmarshalBinary changed the hash", name)
		}
	}
}

// No goroutine may outlive a call: the hash can be dropped at any time.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	h := treehash.New()
	h.Write(distinctData(33*mib + 1))
	writeChunks(h, distinctData(5*mib), 1000)
	h.Leaves()
	h.MarshalBinary()
	treehash.Sum(distinctData(8 * mib))
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(time.Millisecond) {
		// A finished worker may not have exited yet right after Done.
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines running after the calls returned, %d before", runtime.NumGoroutine(), before)
		}
	}
}

func TestIsPowerOfTwoMiB(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want bool
	}{
		{-mib, false}, {0, false}, {1, false}, {mib / 2, false}, {mib - 1, false},
		{mib, true}, {mib + 1, false}, {2 * mib, true}, {3 * mib, false}, {8 * mib, true},
		{1 << 30, true}, {3 << 30, false}, {4 << 30, true}, {8 << 30, false}, {-1 << 63, false},
	} {
		if got := treehash.IsPowerOfTwoMiB(tc.n); got != tc.want {
			t.Errorf("IsPowerOfTwoMiB(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}
