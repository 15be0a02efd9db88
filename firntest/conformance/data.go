package conformance

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// pattern returns n bytes of i % 251, the data of the suite's tree-hash
// vectors (Archive/Upload/TreeHashVectors).
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// random returns n incompressible bytes.
func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// treeHash is the SHA-256 tree hash of data: the SHA-256 of each 1 MiB
// leaf, combined pairwise level by level (an odd last node goes up as it
// is) until one remains. It is the suite's own, independent of the code
// under test, and the oracle for every checksum in the suite.
func treeHash(data []byte) string {
	const leaf = 1 << 20
	if len(data) == 0 {
		s := sha256.Sum256(nil)
		return hex.EncodeToString(s[:])
	}
	var level [][32]byte
	for off := 0; off < len(data); off += leaf {
		level = append(level, sha256.Sum256(data[off:min(off+leaf, len(data))]))
	}
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
	return hex.EncodeToString(level[0][:])
}
