package treehash

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"runtime"
)

// Root combines digests into a tree hash: adjacent pairs are replaced by
// SHA-256 of their concatenation, an odd last node is promoted unchanged,
// until one digest remains. The digests may be leaf hashes, or the tree
// hashes of consecutive subtrees such as multipart upload parts of 1 MiB
// times a power of two. Root(nil) is SHA-256 of the empty string, and Root of
// a single digest is that digest. Root does not modify or keep leaves.
func Root(leaves [][32]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leaves[0]
	}
	level := make([][32]byte, (len(leaves)+1)/2)
	var pair [64]byte
	for src := leaves; ; {
		// Node i/2 is written after nodes i and i+1 are read, so each
		// level can overwrite the previous one in place.
		n := 0
		for i := 0; i < len(src); i += 2 {
			if i+1 == len(src) {
				level[n] = src[i]
			} else {
				copy(pair[:32], src[i][:])
				copy(pair[32:], src[i+1][:])
				level[n] = sha256.Sum256(pair[:])
			}
			n++
		}
		if n == 1 {
			return level[0]
		}
		src = level[:n]
	}
}

// Sum returns the tree hash of data, hashing its leaves on up to GOMAXPROCS
// goroutines. Sum(nil) is SHA-256 of the empty string.
func Sum(data []byte) [32]byte {
	leaves := make([][32]byte, (len(data)+LeafSize-1)/LeafSize)
	forEach(len(leaves), runtime.GOMAXPROCS(0), func(i int) {
		leaves[i] = sha256.Sum256(data[i*LeafSize : min((i+1)*LeafSize, len(data))])
	})
	return Root(leaves)
}

// Hex returns the lower-case hexadecimal encoding of sum, as sent in the
// x-amz-sha256-tree-hash header.
func Hex(sum [32]byte) string {
	return hex.EncodeToString(sum[:])
}

var errBadHex = errors.New("treehash: tree hash is not 64 hexadecimal digits")

// ParseHex decodes a tree hash written as exactly 64 hexadecimal digits of
// either case.
func ParseHex(s string) ([32]byte, error) {
	var sum [32]byte
	if len(s) != 2*len(sum) {
		return sum, errBadHex
	}
	if _, err := hex.Decode(sum[:], []byte(s)); err != nil {
		return [32]byte{}, errBadHex
	}
	return sum, nil
}
