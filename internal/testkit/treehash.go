package testkit

import (
	"crypto/sha256"
	"encoding/hex"
)

// LeafSize is the size of a tree-hash leaf: 1 MiB.
const LeafSize = 1 << 20

// TreeHash returns the SHA-256 tree hash of data as Glacier defines it: the
// SHA-256 of each 1 MiB leaf (the last one may be shorter), then TreeRoot of
// those digests. The tree hash of no bytes is the SHA-256 of no bytes.
//
// It is written from the definition, for clarity rather than speed, and
// shares no code with package treehash, which it checks.
func TreeHash(data []byte) [32]byte {
	var leaves [][32]byte
	for off := 0; off < len(data); off += LeafSize {
		leaves = append(leaves, sha256.Sum256(data[off:min(off+LeafSize, len(data))]))
	}
	if len(leaves) == 0 {
		return sha256.Sum256(nil)
	}
	return TreeRoot(leaves)
}

// TreeHashHex returns TreeHash(data) in lower-case hex, the form of the
// x-amz-sha256-tree-hash header and of the API's checksums.
func TreeHashHex(data []byte) string {
	h := TreeHash(data)
	return hex.EncodeToString(h[:])
}

// TreeRoot combines digests level by level: each pair is replaced by the
// SHA-256 of its concatenation, and an odd last digest moves up unpaired.
// It returns the one digest left. It does not modify digests and panics if
// there are none.
func TreeRoot(digests [][32]byte) [32]byte {
	if len(digests) == 0 {
		panic("testkit: TreeRoot of no digests")
	}
	level := digests
	for len(level) > 1 {
		var next [][32]byte
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				break
			}
			next = append(next, sha256.Sum256(append(level[i][:], level[i+1][:]...)))
		}
		level = next
	}
	return level[0]
}
