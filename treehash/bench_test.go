package treehash_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"

	"github.com/firnstore/firn/treehash"
)

var benchSizes = []struct {
	name string
	n    int
}{
	{"1MiB", mib},
	{"64MiB", 64 * mib},
	{"1GiB", 1024 * mib},
}

// benchData returns n bytes with every page touched, so that page faults
// are not measured.
func benchData(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		b[i] = byte(i >> 12)
	}
	return b
}

func BenchmarkTreeHash(b *testing.B) {
	for _, size := range benchSizes {
		for _, m := range modes[:2] {
			b.Run(m.name+"/"+size.name, func(b *testing.B) {
				data := benchData(size.n)
				h := m.new()
				var sum [32]byte
				b.SetBytes(int64(size.n))
				for b.Loop() {
					h.Reset()
					h.Write(data)
					h.Sum(sum[:0])
				}
			})
		}
	}
	// The buffered path: io.Copy's 32 KiB writes.
	b.Run("parallel-io.Copy/64MiB", func(b *testing.B) {
		data := benchData(64 * mib)
		h := treehash.New()
		var sum [32]byte
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			h.Reset()
			io.Copy(h, onlyReader{bytes.NewReader(data)})
			h.Sum(sum[:0])
		}
	})
}

// BenchmarkSHA256 is plain SHA-256 over the same sizes, for comparison.
func BenchmarkSHA256(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			data := benchData(size.n)
			b.SetBytes(int64(size.n))
			for b.Loop() {
				sha256.Sum256(data)
			}
		})
	}
}
