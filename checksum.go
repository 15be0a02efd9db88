package firn

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// The SHA-256 tree hash (spec/TREEHASH.md), for the uploader. Package
// treehash has the full, parallel implementation; this small serial one
// keeps package firn free of dependencies.

const treeLeafSize = 1 << 20

// treeHasher is a streaming tree hash: an io.Writer that hashes 1 MiB
// leaves as they fill.
type treeHasher struct {
	leaves [][32]byte
	leaf   hash.Hash // the incomplete leaf
	n      int       // bytes in leaf
}

func newTreeHasher() *treeHasher { return &treeHasher{leaf: sha256.New()} }

// Write hashes p; it never fails.
func (h *treeHasher) Write(p []byte) (int, error) {
	written := len(p)
	for len(p) > 0 {
		k := min(len(p), treeLeafSize-h.n)
		h.leaf.Write(p[:k])
		h.n += k
		p = p[k:]
		if h.n == treeLeafSize {
			h.leaves = append(h.leaves, [32]byte(h.leaf.Sum(nil)))
			h.leaf.Reset()
			h.n = 0
		}
	}
	return written, nil
}

// sum returns the tree hash of what was written.
func (h *treeHasher) sum() [32]byte {
	leaves := h.leaves
	if h.n > 0 || len(leaves) == 0 {
		leaves = append(leaves[:len(leaves):len(leaves)], [32]byte(h.leaf.Sum(nil)))
	}
	return treeRoot(leaves)
}

// treeSum returns the tree hash of b.
func treeSum(b []byte) [32]byte {
	h := newTreeHasher()
	h.Write(b)
	return h.sum()
}

// treeRoot combines the tree hashes of consecutive subtrees — leaves, or
// parts of 1 MiB times a power of two — into the hash of the whole: pairs
// are hashed together level by level and an odd last node is promoted.
// The root of nothing is SHA-256 of nothing. treeRoot does not modify
// nodes.
func treeRoot(nodes [][32]byte) [32]byte {
	if len(nodes) == 0 {
		return sha256.Sum256(nil)
	}
	level := nodes
	for len(level) > 1 {
		next := make([][32]byte, 0, (len(level)+1)/2)
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

func hexSum(sum [32]byte) string { return hex.EncodeToString(sum[:]) }
