package treehash_test

import (
	"crypto/sha256"
	"testing"

	"github.com/firnstore/firn/treehash"
)

type span struct{ start, end int64 }

// nodeSpans builds the tree of an archive of size bytes and returns the byte
// span of every node.
func nodeSpans(size int64) map[span]bool {
	var level []span
	for off := int64(0); off < size; off += mib {
		level = append(level, span{off, min(off+mib, size)})
	}
	spans := make(map[span]bool)
	for {
		for _, s := range level {
			spans[s] = true
		}
		if len(level) == 1 {
			return spans
		}
		var next []span
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				break
			}
			next = append(next, span{level[i].start, level[i+1].end})
		}
		level = next
	}
}

// TestAlignedBruteForce checks Aligned and RangeRoot on every MiB-bounded
// range of archives of 1 to 40 MiB, with and without a partial last leaf,
// against the node spans of the tree and the tree hash of the range's bytes.
func TestAlignedBruteForce(t *testing.T) {
	const maxMiB = 40
	data := distinctData(maxMiB * mib)
	var leafHashes [][32]byte
	for off := 0; off < len(data); off += mib {
		leafHashes = append(leafHashes, sha256.Sum256(data[off:off+mib]))
	}
	// Ranges recur in many archives; hash each one's bytes only once.
	rangeSums := make(map[span][32]byte)
	for k := int64(1); k <= maxMiB; k++ {
		for _, size := range []int64{k * mib, k*mib - 54321} {
			nodes := nodeSpans(size)
			leaves := append(leafHashes[:k-1:k-1], sha256.Sum256(data[(k-1)*mib:size]))
			aligned := 0
			for start := int64(0); start < size; start += mib {
				for end := start + mib; ; end += mib {
					end = min(end, size)
					r := span{start, end}
					if !treehash.MiBAligned(start, end, size) {
						t.Fatalf("MiBAligned(%d, %d, %d) = false", start, end, size)
					}
					if got := treehash.Aligned(start, end, size); got != nodes[r] {
						t.Fatalf("Aligned(%d, %d, %d) = %v, but the range is a node: %v", start, end, size, got, nodes[r])
					}
					got, ok := treehash.RangeRoot(leaves, start, end, size)
					if ok != nodes[r] {
						t.Fatalf("RangeRoot(%d, %d, %d): ok = %v, want %v", start, end, size, ok, nodes[r])
					}
					if ok {
						aligned++
						want, done := rangeSums[r]
						if !done {
							want = treehash.Sum(data[start:end])
							rangeSums[r] = want
						}
						if got != want {
							t.Fatalf("RangeRoot(%d, %d, %d) = %x, want %x", start, end, size, got, want)
						}
					}
					if end == size {
						break
					}
				}
			}
			if aligned != len(nodes) {
				t.Fatalf("size %d: %d aligned ranges, but the tree has %d distinct node spans", size, aligned, len(nodes))
			}
		}
	}
}

func TestAlignedEdges(t *testing.T) {
	const size = 5*mib + 123
	for _, tc := range []struct {
		start, end          int64
		mibAligned, aligned bool
	}{
		{0, size, true, true},
		{0, 0, false, false},
		{mib, mib, false, false},
		{-mib, mib, false, false},
		{0, size + 1, false, false},
		{0, 6 * mib, false, false},
		{1, mib, false, false},
		{0, mib - 1, false, false},
		{0, mib + 1, false, false},
		{2 * mib, mib, false, false},
		{4 * mib, size, true, true},
		{5 * mib, size, true, true},
		{3 * mib, size, true, false},
		{4 * mib, 5 * mib, true, true},
		{2 * mib, 3 * mib, true, true},
		{mib, 3 * mib, true, false},
	} {
		if got := treehash.MiBAligned(tc.start, tc.end, size); got != tc.mibAligned {
			t.Errorf("MiBAligned(%d, %d, %d) = %v, want %v", tc.start, tc.end, size, got, tc.mibAligned)
		}
		if got := treehash.Aligned(tc.start, tc.end, size); got != tc.aligned {
			t.Errorf("Aligned(%d, %d, %d) = %v, want %v", tc.start, tc.end, size, got, tc.aligned)
		}
	}
	if treehash.Aligned(0, 1, 0) || treehash.MiBAligned(0, 0, 0) {
		t.Error("a range of an empty archive is aligned")
	}
}

func TestLeafSpan(t *testing.T) {
	for _, tc := range []struct {
		start, end  int64
		first, last int
	}{
		{0, 1, 0, 1},
		{0, mib, 0, 1},
		{0, mib + 1, 0, 2},
		{mib - 1, mib + 1, 0, 2},
		{mib, 2 * mib, 1, 2},
		{3 * mib, 5*mib + 123, 3, 6},
		{5, 5, 0, 0},
		{mib, mib, 1, 1},
		{7, 3, 0, 0},
	} {
		if first, last := treehash.LeafSpan(tc.start, tc.end); first != tc.first || last != tc.last {
			t.Errorf("LeafSpan(%d, %d) = %d, %d; want %d, %d", tc.start, tc.end, first, last, tc.first, tc.last)
		}
	}
}

func TestRangeRootChecksLeafCount(t *testing.T) {
	leaves := make([][32]byte, 3)
	for _, size := range []int64{2 * mib, 3*mib + 1, 4 * mib} {
		if _, ok := treehash.RangeRoot(leaves, 0, size, size); ok {
			t.Errorf("RangeRoot accepted 3 leaves for %d bytes", size)
		}
	}
	if _, ok := treehash.RangeRoot(leaves, 0, 3*mib, 3*mib); !ok {
		t.Error("RangeRoot rejected 3 leaves for 3 MiB")
	}
}
