package treehash_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"slices"
	"strings"

	"github.com/firnstore/firn/treehash"
)

func ExampleNew() {
	// 5.5 MiB of '0': six leaves, the last one half full.
	body := strings.NewReader(strings.Repeat("0", 5*treehash.LeafSize+treehash.LeafSize/2))
	h := treehash.New()
	if _, err := io.Copy(h, body); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%x\n", h.Sum(nil))
	fmt.Println(len(h.Leaves()), "leaves")
	// Output:
	// 154e26c78fd74d0c2c9b3cc4644191619dc4f2cd539ae2a74d5fd07957a3ee6a
	// 6 leaves
}

func ExampleRoot() {
	// A 5 MiB + 123 byte archive uploaded in 2 MiB parts: the archive tree
	// hash sent with CompleteMultipartUpload combines the part tree hashes.
	archive := make([]byte, 5*treehash.LeafSize+123)
	for i := range archive {
		archive[i] = byte(i % 251)
	}
	const partSize = 2 * treehash.LeafSize
	var parts [][32]byte
	for part := range slices.Chunk(archive, partSize) {
		parts = append(parts, treehash.Sum(part))
	}
	fmt.Println(treehash.Hex(treehash.Root(parts)))
	fmt.Println(treehash.Root(parts) == treehash.Sum(archive))
	// Output:
	// bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182
	// true
}

func ExampleRangeRoot() {
	// Keep the leaf hashes of an archive to answer ranged retrievals later.
	archive := bytes.Repeat([]byte("glacier!"), 5*treehash.LeafSize/8+100)
	h := treehash.NewSerial()
	h.Write(archive)
	leaves, size := h.Leaves(), h.Len()

	for _, r := range [][2]int64{{0, 4 << 20}, {4 << 20, size}, {1 << 20, 3 << 20}} {
		sum, ok := treehash.RangeRoot(leaves, r[0], r[1], size)
		fmt.Println(r, ok, ok && sum == treehash.Sum(archive[r[0]:r[1]]))
	}
	// Output:
	// [0 4194304] true true
	// [4194304 5243680] true true
	// [1048576 3145728] false false
}
