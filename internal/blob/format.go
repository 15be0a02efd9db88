package blob

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// The segment file format; see the package documentation. Never change any
// of these without bumping formatVersion.
const (
	// ChunkSize is the size of every chunk of a segment but the last, and of
	// a Glacier tree-hash leaf.
	ChunkSize = 1 << 20

	formatVersion   = 1
	frameHeaderSize = 16
	indexEntrySize  = 56
	indexCRCSize    = 4
	footerSize      = 64
	footerCRCOffset = 52
	footerMagic     = "\x89FirnSeg"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// chunkMeta describes one stored chunk: the contents of its index entry.
type chunkMeta struct {
	offset    int64 // file offset of the frame header
	storedLen uint32
	rawLen    uint32
	crc       uint32
	codec     Codec
	leaf      [32]byte
}

// frameLen is the length of the chunk's frame, header included.
func (m *chunkMeta) frameLen() int { return frameHeaderSize + int(m.storedLen) }

func (m *chunkMeta) putFrameHeader(b []byte) {
	b[0] = byte(m.codec)
	b[1], b[2], b[3] = 0, 0, 0
	binary.LittleEndian.PutUint32(b[4:], m.rawLen)
	binary.LittleEndian.PutUint32(b[8:], m.storedLen)
	binary.LittleEndian.PutUint32(b[12:], m.crc)
}

// checkFrameHeader reports whether b is the frame header m describes.
func (m *chunkMeta) checkFrameHeader(b []byte) bool {
	return b[0] == byte(m.codec) && b[1]|b[2]|b[3] == 0 &&
		binary.LittleEndian.Uint32(b[4:]) == m.rawLen &&
		binary.LittleEndian.Uint32(b[8:]) == m.storedLen &&
		binary.LittleEndian.Uint32(b[12:]) == m.crc
}

func (m *chunkMeta) appendIndexEntry(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(m.offset))
	b = binary.LittleEndian.AppendUint32(b, m.storedLen)
	b = binary.LittleEndian.AppendUint32(b, m.rawLen)
	b = binary.LittleEndian.AppendUint32(b, m.crc)
	b = append(b, byte(m.codec), 0, 0, 0)
	return append(b, m.leaf[:]...)
}

// footer is the decoded fixed-size tail of a segment file.
type footer struct {
	id          ID
	indexOffset int64
	indexLength int64
	rawSize     int64
	chunkCount  uint32
}

func (f *footer) append(b []byte) []byte {
	start := len(b)
	b = append(b, f.id[:]...)
	b = binary.LittleEndian.AppendUint64(b, uint64(f.indexOffset))
	b = binary.LittleEndian.AppendUint64(b, uint64(f.indexLength))
	b = binary.LittleEndian.AppendUint64(b, uint64(f.rawSize))
	b = binary.LittleEndian.AppendUint32(b, f.chunkCount)
	b = binary.LittleEndian.AppendUint32(b, ChunkSize)
	b = binary.LittleEndian.AppendUint32(b, formatVersion)
	b = binary.LittleEndian.AppendUint32(b, crc(b[start:]))
	return append(b, footerMagic...)
}

// encodeTail returns the index and footer of a segment whose frames are
// described by chunks and end at indexOffset.
func encodeTail(id ID, chunks []chunkMeta, indexOffset, rawSize int64) []byte {
	n := len(chunks)
	b := make([]byte, 0, n*indexEntrySize+indexCRCSize+footerSize)
	for i := range chunks {
		b = chunks[i].appendIndexEntry(b)
	}
	b = binary.LittleEndian.AppendUint32(b, crc(b))
	f := footer{
		id:          id,
		indexOffset: indexOffset,
		indexLength: int64(len(b)),
		rawSize:     rawSize,
		chunkCount:  uint32(n),
	}
	return f.append(b)
}

// decodeFooter parses and checks the footer of a file of size fileSize.
// Its errors are corruptErrors describing the index (chunk -1), except for
// an unknown version, which is not damage but a newer format.
func decodeFooter(id ID, b []byte, fileSize int64) (footer, error) {
	var f footer
	if string(b[56:]) != footerMagic {
		return f, corruptf(id, -1, "bad footer magic %q", b[56:])
	}
	if got, want := crc(b[:footerCRCOffset]), binary.LittleEndian.Uint32(b[footerCRCOffset:]); got != want {
		return f, corruptf(id, -1, "footer crc mismatch: computed %#08x, stored %#08x", got, want)
	}
	if v := binary.LittleEndian.Uint32(b[48:]); v != formatVersion {
		return f, fmt.Errorf("blob: segment %s: unsupported format version %d", id, v)
	}
	copy(f.id[:], b[:16])
	f.indexOffset = int64(binary.LittleEndian.Uint64(b[16:]))
	f.indexLength = int64(binary.LittleEndian.Uint64(b[24:]))
	f.rawSize = int64(binary.LittleEndian.Uint64(b[32:]))
	f.chunkCount = binary.LittleEndian.Uint32(b[40:])
	chunkSize := binary.LittleEndian.Uint32(b[44:])
	n := int64(f.chunkCount)
	switch {
	case f.id != id:
		return f, corruptf(id, -1, "footer names segment %s", f.id)
	case chunkSize != ChunkSize:
		return f, corruptf(id, -1, "chunk size %d", chunkSize)
	case f.rawSize < 0 || f.rawSize > n*ChunkSize || (n > 0 && f.rawSize <= (n-1)*ChunkSize):
		return f, corruptf(id, -1, "%d chunks cannot hold %d bytes", n, f.rawSize)
	case f.indexLength != n*indexEntrySize+indexCRCSize:
		return f, corruptf(id, -1, "index length %d for %d chunks", f.indexLength, n)
	case f.indexOffset < 0 || f.indexOffset != fileSize-footerSize-f.indexLength:
		return f, corruptf(id, -1, "index offset %d in a file of %d bytes", f.indexOffset, fileSize)
	}
	return f, nil
}

// decodeIndex parses and checks the index b of the segment described by f.
func decodeIndex(id ID, f *footer, b []byte) ([]chunkMeta, error) {
	entries := b[:len(b)-indexCRCSize]
	if got, want := crc(entries), binary.LittleEndian.Uint32(b[len(entries):]); got != want {
		return nil, corruptf(id, -1, "index crc mismatch: computed %#08x, stored %#08x", got, want)
	}
	chunks := make([]chunkMeta, f.chunkCount)
	var off, raw int64
	for i := range chunks {
		e := entries[i*indexEntrySize : (i+1)*indexEntrySize]
		m := &chunks[i]
		m.offset = int64(binary.LittleEndian.Uint64(e[0:]))
		m.storedLen = binary.LittleEndian.Uint32(e[8:])
		m.rawLen = binary.LittleEndian.Uint32(e[12:])
		m.crc = binary.LittleEndian.Uint32(e[16:])
		m.codec = Codec(e[20])
		copy(m.leaf[:], e[24:])
		wantRaw := int64(ChunkSize)
		if i == len(chunks)-1 {
			wantRaw = f.rawSize - raw
		}
		switch {
		case m.offset != off:
			return nil, corruptf(id, i, "index: frame at %d, want %d", m.offset, off)
		case int64(m.rawLen) != wantRaw:
			return nil, corruptf(id, i, "index: raw length %d, want %d", m.rawLen, wantRaw)
		case !m.codec.valid() || e[21]|e[22]|e[23] != 0:
			return nil, corruptf(id, i, "index: bad codec or reserved bytes")
		case m.storedLen > m.rawLen || (m.codec == CodecNone && m.storedLen != m.rawLen):
			return nil, corruptf(id, i, "index: stored length %d for %d raw bytes with codec %s", m.storedLen, m.rawLen, m.codec)
		}
		off += int64(m.frameLen())
		raw += int64(m.rawLen)
	}
	if off != f.indexOffset {
		return nil, corruptf(id, -1, "frames end at %d, index at %d", off, f.indexOffset)
	}
	return chunks, nil
}
