package blob

import (
	"sync"

	"github.com/klauspost/compress/s2"
)

// Chunk buffers are pooled: a segment of any size is written and read with a
// bounded number of them. Both kinds keep frameHeaderSize bytes in front of
// the chunk so that a frame goes to the file in one write, whichever buffer
// holds its stored bytes.
var (
	bufPool = sync.Pool{New: func() any {
		b := make([]byte, frameHeaderSize+ChunkSize)
		return &b
	}}
	// outPool holds compression outputs; s2 needs MaxEncodedLen to avoid
	// allocating, and that also bounds zstd's output for a chunk that gets
	// smaller.
	outPool = sync.Pool{New: func() any {
		b := make([]byte, frameHeaderSize+s2.MaxEncodedLen(ChunkSize))
		return &b
	}}
)

func getBuf() *[]byte  { return bufPool.Get().(*[]byte) }
func putBuf(b *[]byte) { bufPool.Put(b) }

// encode compresses raw with the store's codec. It returns the pooled output
// buffer, with the stored bytes at frameHeaderSize, or nil if compressing
// does not make raw smaller and it must be stored raw; and, either way, the
// length raw compressed to.
func (s *Store) encode(raw []byte) (*[]byte, []byte, int) {
	out := outPool.Get().(*[]byte)
	dst := (*out)[frameHeaderSize:]
	var enc []byte
	switch s.opts.Codec {
	case CodecS2:
		enc = s2.Encode(dst, raw)
	case CodecZstd:
		enc = s.zstdEnc.EncodeAll(raw, dst[:0])
	}
	if len(enc) == 0 || len(enc) >= len(raw) {
		outPool.Put(out)
		return nil, nil, len(enc)
	}
	if &enc[0] != &dst[0] {
		copy(dst, enc) // the encoder chose to allocate
	}
	return out, dst[:len(enc)], len(enc)
}

// decode decompresses the stored bytes of compressed chunk i of segment id
// into dst, which must have room for m.rawLen bytes.
func (s *Store) decode(id ID, i int, m *chunkMeta, stored, dst []byte) ([]byte, error) {
	if m.codec == CodecS2 {
		if n, err := s2.DecodedLen(stored); err != nil || n != int(m.rawLen) {
			return nil, corruptf(id, i, "s2 block does not decode to %d bytes", m.rawLen)
		}
		b, err := s2.Decode(dst[:m.rawLen], stored)
		if err != nil {
			return nil, corruptf(id, i, "s2: %v", err)
		}
		return b, nil
	}
	// CodecZstd, the only other codec decodeIndex admits.
	dec, err := s.zstdDec()
	if err != nil {
		return nil, err
	}
	b, err := dec.DecodeAll(stored, dst[:0:m.rawLen])
	if err != nil || len(b) != int(m.rawLen) {
		return nil, corruptf(id, i, "zstd frame does not decode to %d bytes: %v", m.rawLen, err)
	}
	return b, nil
}
