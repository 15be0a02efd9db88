package treehash_test

import (
	"bytes"
	"github.com/firnstore/firn/internal/testkit"
	"testing"
)

// FuzzStreaming checks that any split of the input into writes, and a
// MarshalBinary/UnmarshalBinary round trip at any point, give the one-shot
// tree hash. The input is seed repeated up to length bytes (up to 6 MiB), so
// that small corpus entries still cover many leaves; writes lists the write
// sizes and marshalAt the resumption point.
func FuzzStreaming(f *testing.F) {
	f.Add([]byte("abc"), uint32(0), []byte{}, uint32(0))
	f.Add([]byte("x"), uint32(mib), []byte{0x3f, 0xff}, uint32(mib/2))
	f.Add([]byte("leaf"), uint32(mib+1), []byte{0xc0}, uint32(mib))
	f.Add([]byte("ab"), uint32(5*mib+123), []byte{0x10, 0xbf, 0xff, 0x7f}, uint32(3*mib+1))
	f.Add([]byte{1, 2, 3, 4, 5}, uint32(6*mib), []byte{0xff}, uint32(4*mib))
	f.Fuzz(func(t *testing.T, seed []byte, length uint32, writes []byte, marshalAt uint32) {
		data := fuzzData(seed, int(length%(6*mib+1)))
		at := int(marshalAt % uint32(len(data)+1))
		want := testkit.TreeHash(data)
		wantAt := testkit.TreeHash(data[:at])
		for _, m := range modes[:2] {
			h := m.new()
			writeSizes(h, data[:at], writes)
			if got := [32]byte(h.Sum(nil)); got != wantAt {
				t.Fatalf("%s: Sum after %d bytes = %x, want %x", m.name, at, got, wantAt)
			}
			state, err := h.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range modes[:2] {
				h2 := to.new()
				if err := h2.UnmarshalBinary(state); err != nil {
					t.Fatal(err)
				}
				writeSizes(h2, data[at:], writes)
				if got := [32]byte(h2.Sum(nil)); got != want {
					t.Fatalf("%s resumed as %s after %d of %d bytes: Sum = %x, want %x", m.name, to.name, at, len(data), got, want)
				}
			}
			writeSizes(h, data[at:], writes)
			if got := [32]byte(h.Sum(nil)); got != want {
				t.Fatalf("%s: Sum of %d bytes = %x, want %x", m.name, len(data), got, want)
			}
		}
	})
}

// fuzzData repeats seed (zeros if empty) to n bytes, mixing in the offset so
// that leaves differ even when the seed's length divides the leaf size.
func fuzzData(seed []byte, n int) []byte {
	if len(seed) == 0 {
		seed = []byte{0}
	}
	data := bytes.Repeat(seed, n/len(seed)+1)[:n]
	for i := range data {
		data[i] ^= byte(i >> 12)
	}
	return data
}

// writeSizes writes data in pieces whose sizes cycle through sizes: byte b
// means (b%64 + 1) << (5 * (b/64)), from 1 byte to 2 MiB. No sizes means a
// single write.
func writeSizes(h interface{ Write([]byte) (int, error) }, data []byte, sizes []byte) {
	for i := 0; len(data) > 0; i++ {
		n := len(data)
		if len(sizes) > 0 {
			b := int(sizes[i%len(sizes)])
			n = min(n, (b%64+1)<<(5*(b/64)))
		}
		h.Write(data[:n])
		data = data[n:]
	}
}
