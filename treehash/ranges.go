package treehash

// Ranges below are half-open: [start, endExcl) are byte offsets into an
// archive of size bytes, so the inclusive HTTP range "a-b" is [a, b+1).

// MiBAligned reports whether [start, endExcl) is a valid range of an archive
// of size bytes that starts on a multiple of 1 MiB and ends on a multiple of
// 1 MiB or at the end of the archive, as Glacier requires of the
// RetrievalByteRange of an archive-retrieval job.
func MiBAligned(start, endExcl, size int64) bool {
	return 0 <= start && start < endExcl && endExcl <= size &&
		start%LeafSize == 0 && (endExcl%LeafSize == 0 || endExcl == size)
}

// Aligned reports whether [start, endExcl) is tree-hash aligned in an archive
// of size bytes: whether the range covers exactly the leaves of one node of
// the archive's tree, so that the tree hash of the range's bytes is that
// node's hash. Glacier returns a tree hash with retrieved data only for such
// ranges. Every tree-hash aligned range is MiB aligned; the converse is false.
func Aligned(start, endExcl, size int64) bool {
	if !MiBAligned(start, endExcl, size) {
		return false
	}
	// A node at level k covers 2^k leaves starting on a multiple of 2^k,
	// or fewer if the archive ends first.
	leaves := (endExcl - start + LeafSize - 1) / LeafSize
	width := int64(1)
	for width < leaves {
		width <<= 1
	}
	return (start/LeafSize)%width == 0 && (leaves == width || endExcl == size)
}

// LeafSpan returns the indexes of the leaves holding bytes of
// [start, endExcl): leaves first up to but excluding last. For an empty
// range first == last. Leaf i holds bytes [i*LeafSize, (i+1)*LeafSize);
// start must not be negative.
func LeafSpan(start, endExcl int64) (first, last int) {
	first = int(start / LeafSize)
	if endExcl <= start {
		return first, first
	}
	return first, int((endExcl + LeafSize - 1) / LeafSize)
}

// RangeRoot returns the tree hash of the bytes [start, endExcl) of an archive
// of size bytes, computed from leaves, the leaf hashes of the whole archive
// (as returned by [Hash.Leaves]). ok is false, and the hash zero, if the range
// is not tree-hash aligned (see [Aligned]) or len(leaves) does not match size.
//
// The leaves of any MiB-aligned range are archive leaves, so Root of
// leaves[first:last], with first and last from [LeafSpan], is its tree hash
// even when it is not aligned; but Glacier reports tree hashes only for
// aligned ranges.
func RangeRoot(leaves [][32]byte, start, endExcl, size int64) (sum [32]byte, ok bool) {
	if !Aligned(start, endExcl, size) || int64(len(leaves)) != (size+LeafSize-1)/LeafSize {
		return sum, false
	}
	first, last := LeafSpan(start, endExcl)
	return Root(leaves[first:last]), true
}

// IsPowerOfTwoMiB reports whether n is 1 MiB times a power of two, from 1 MiB
// up to 4 GiB: the part sizes Glacier accepts for multipart uploads.
func IsPowerOfTwoMiB(n int64) bool {
	return n >= LeafSize && n <= 4<<30 && n&(n-1) == 0
}
