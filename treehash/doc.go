// Package treehash implements the SHA-256 tree hash used by the Amazon S3
// Glacier API (the x-amz-sha256-tree-hash header) and the byte-range
// arithmetic that goes with it.
//
// The payload is split into 1 MiB leaves (the last one may be shorter) and
// each leaf is hashed with SHA-256. The digests are then combined level by
// level: adjacent pairs are replaced by SHA-256 of their 64-byte
// concatenation, and an odd node left over at the end of a level is promoted
// unchanged. The single remaining digest is the tree hash. A payload of at
// most 1 MiB therefore has a tree hash equal to its plain SHA-256, and, like
// botocore, this package defines the tree hash of an empty payload as
// SHA-256 of nothing.
//
// Because multipart part sizes are 1 MiB times a power of two, every part is
// a subtree of the archive tree, so [Root] of the part tree hashes is the
// archive tree hash. Likewise the tree hash of a tree-hash aligned byte range
// (see [Aligned]) can be recomputed from stored leaf hashes with [RangeRoot]
// without reading the archive again.
package treehash
