package treehash

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"errors"
	"hash"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// LeafSize is the size in bytes of a tree hash leaf: every leaf but the last
// holds exactly LeafSize bytes of the payload.
const LeafSize = 1 << 20

// Size is the size in bytes of a tree hash.
const Size = sha256.Size

// Hash is a streaming tree hash. It implements [hash.Hash],
// [encoding.BinaryAppender], [encoding.BinaryMarshaler] and
// [encoding.BinaryUnmarshaler]. Like other hashes it is not safe for
// concurrent use.
type Hash struct {
	workers int        // goroutines hashing leaves; 1 means hash on the caller's goroutine
	n       int64      // bytes written
	leaves  [][32]byte // digests of the completed leaves
	d       hash.Hash  // SHA-256 of the first dn bytes of the current leaf
	dn      int
	// buf holds bytes of the current and following leaves that are not
	// hashed yet, starting on a leaf boundary. It is only used when
	// workers > 1, and is empty while dn > 0.
	buf []byte
}

// New returns a tree hash that hashes leaves on up to GOMAXPROCS goroutines
// (as set when New is called).
// Whole leaves of a large Write are hashed directly from the caller's slice;
// smaller writes are copied into a buffer of up to GOMAXPROCS leaves so that
// they can be hashed concurrently too. Every goroutine it starts has
// finished when the method that started it returns.
//
// Prefer [NewSerial] when many hashes run at once (one per request in a
// server, say): they keep the cores busy anyway and need no buffer.
func New() *Hash {
	return &Hash{workers: runtime.GOMAXPROCS(0), d: sha256.New()}
}

// NewSerial returns a tree hash that does all its work on the calling
// goroutine and never copies the input.
func NewSerial() *Hash {
	return &Hash{workers: 1, d: sha256.New()}
}

// Size returns the number of bytes Sum appends: 32.
func (h *Hash) Size() int { return Size }

// BlockSize returns [LeafSize]: writes of whole, leaf-aligned multiples of it
// are hashed without copying.
func (h *Hash) BlockSize() int { return LeafSize }

// Len returns the number of bytes written since the hash was created or
// last reset.
func (h *Hash) Len() int64 { return h.n }

// Reset resets the hash to its initial state. It keeps its buffers and its
// serial or parallel mode.
func (h *Hash) Reset() {
	h.n = 0
	h.leaves = h.leaves[:0]
	h.d.Reset()
	h.dn = 0
	h.buf = h.buf[:0]
}

// Write adds p to the hashed payload. It never returns an error.
func (h *Hash) Write(p []byte) (int, error) {
	n := len(p)
	h.n += int64(n)
	if h.dn > 0 {
		p = h.fillDigest(p)
	}
	if h.workers > 1 {
		h.writeParallel(p)
		return n, nil
	}
	for len(p) >= LeafSize {
		h.leaves = append(h.leaves, sha256.Sum256(p[:LeafSize]))
		p = p[LeafSize:]
	}
	h.fillDigest(p)
	return n, nil
}

// fillDigest feeds p to the digest of the current leaf, up to the end of
// the leaf, and returns the rest of p.
func (h *Hash) fillDigest(p []byte) []byte {
	k := min(len(p), LeafSize-h.dn)
	h.d.Write(p[:k])
	h.dn += k
	if h.dn == LeafSize {
		var leaf [32]byte
		h.d.Sum(leaf[:0])
		h.leaves = append(h.leaves, leaf)
		h.d.Reset()
		h.dn = 0
	}
	return p[k:]
}

func (h *Hash) writeParallel(p []byte) {
	if r := len(h.buf) % LeafSize; r > 0 {
		// Complete the buffered leaf so that the rest of p starts a leaf.
		k := min(len(p), LeafSize-r)
		h.buffer(p[:k])
		p = p[k:]
	}
	// Once there is enough work for every worker, hash the buffered leaves
	// together with the whole leaves of p, the latter in place.
	whole := len(p) - len(p)%LeafSize
	if len(h.buf)%LeafSize == 0 && (len(h.buf)+whole)/LeafSize >= h.workers {
		h.hashLeaves(h.buf, p[:whole])
		h.buf = h.buf[:0]
		p = p[whole:]
	}
	h.buffer(p)
}

// buffer appends p to h.buf, which never grows beyond workers leaves: a
// small payload gets a small buffer.
func (h *Hash) buffer(p []byte) {
	if need := len(h.buf) + len(p); need > cap(h.buf) {
		c := min(max(2*cap(h.buf), need), h.workers*LeafSize)
		h.buf = append(make([]byte, 0, c), h.buf...)
	}
	h.buf = append(h.buf, p...)
}

// hashLeaves appends the digests of the whole leaves in a and then in b to
// h.leaves, hashing them concurrently.
func (h *Hash) hashLeaves(a, b []byte) {
	na := len(a) / LeafSize
	n := na + len(b)/LeafSize
	start := len(h.leaves)
	h.leaves = slices.Grow(h.leaves, n)[:start+n]
	out := h.leaves[start:]
	forEach(n, h.workers, func(i int) {
		src, j := a, i
		if i >= na {
			src, j = b, i-na
		}
		out[i] = sha256.Sum256(src[j*LeafSize : (j+1)*LeafSize])
	})
}

// forEach calls f(i) for every i in [0, n) on up to workers goroutines, the
// caller's included, and returns once every call has returned.
func forEach(n, workers int, f func(int)) {
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
			f(i)
		}
	}
	var wg sync.WaitGroup
	for range min(workers, n) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// flush hashes the whole leaves in h.buf, leaving only a partial leaf there.
func (h *Hash) flush() {
	whole := len(h.buf) - len(h.buf)%LeafSize
	if whole == 0 {
		return
	}
	h.hashLeaves(h.buf[:whole], nil)
	h.buf = h.buf[:copy(h.buf, h.buf[whole:])]
}

// partial returns the digest of the incomplete last leaf, if any. It must be
// called after flush.
func (h *Hash) partial() (leaf [32]byte, ok bool) {
	switch {
	case h.dn > 0:
		h.d.Sum(leaf[:0])
		return leaf, true
	case len(h.buf) > 0:
		return sha256.Sum256(h.buf), true
	}
	return leaf, false
}

// Sum appends the tree hash of the data written so far to b and returns the
// resulting slice. It does not change the hash state. The tree hash of no
// data is SHA-256 of the empty string.
func (h *Hash) Sum(b []byte) []byte {
	h.flush()
	root := Root(h.leaves)
	if leaf, ok := h.partial(); ok {
		// Root does not keep or modify its argument, so the spare
		// capacity of h.leaves can hold the extra leaf.
		root = Root(append(h.leaves, leaf))
	}
	return append(b, root[:]...)
}

// Leaves returns the digests of the leaves written so far, including the
// incomplete last leaf if there is one, in a new slice. It does not change
// the hash state. [Root] of the result equals Sum.
func (h *Hash) Leaves() [][32]byte {
	h.flush()
	out := make([][32]byte, len(h.leaves), len(h.leaves)+1)
	copy(out, h.leaves)
	if leaf, ok := h.partial(); ok {
		out = append(out, leaf)
	}
	return out
}

const (
	magic           = "th\x01"
	marshaledSize   = len(magic) + 8 // plus 32 per leaf and the SHA-256 state
	sha256StateSize = 108            // as marshaled by crypto/sha256; only a size hint
)

// AppendBinary appends the hash state to b: the number of bytes written, the
// digests of the completed leaves and the [crypto/sha256] state of the
// incomplete leaf. The state can be restored with UnmarshalBinary into a
// hash of either mode, to resume hashing an interrupted upload, say.
func (h *Hash) AppendBinary(b []byte) ([]byte, error) {
	h.flush()
	b = slices.Grow(b, marshaledSize+32*len(h.leaves)+sha256StateSize)
	b = append(b, magic...)
	b = binary.BigEndian.AppendUint64(b, uint64(h.n))
	for _, leaf := range h.leaves {
		b = append(b, leaf[:]...)
	}
	d := h.d
	if len(h.buf) > 0 {
		d = sha256.New()
		d.Write(h.buf)
	}
	return d.(encoding.BinaryAppender).AppendBinary(b)
}

// MarshalBinary returns the hash state as described in AppendBinary.
func (h *Hash) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(nil)
}

// UnmarshalBinary restores a hash state produced by MarshalBinary or
// AppendBinary, keeping the receiver's serial or parallel mode. On error the
// hash is unchanged.
func (h *Hash) UnmarshalBinary(b []byte) error {
	if len(b) < marshaledSize || string(b[:len(magic)]) != magic {
		return errors.New("treehash: invalid hash state identifier")
	}
	n := binary.BigEndian.Uint64(b[len(magic):])
	b = b[marshaledSize:]
	nl := n / LeafSize
	if n > math.MaxInt64 || nl > uint64(len(b)/32) {
		return errors.New("treehash: invalid hash state size")
	}
	d := sha256.New()
	if err := d.(encoding.BinaryUnmarshaler).UnmarshalBinary(b[32*nl:]); err != nil {
		return err
	}
	h.n = int64(n)
	h.leaves = h.leaves[:0]
	for i := range nl {
		h.leaves = append(h.leaves, [32]byte(b[32*i:]))
	}
	h.d = d
	h.dn = int(n % LeafSize)
	h.buf = h.buf[:0]
	return nil
}
