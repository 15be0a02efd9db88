package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Archive records are the one record a vault holds millions of, and an
// inventory reads every one: since version 4 they are stored in a binary
// encoding instead of JSON, half the size and decoded without reflection.
// Version 3's JSON archive records stay as they were written and still
// decode: their first byte is '{', never archiveCodecV1. Rewriting them at
// Open would cost as long as the vault is big.
//
// The encoding, after the byte archiveCodecV1 (integers are varints, as
// encoding/binary writes them, strings a uvarint length and their bytes):
//
//	flags       uvarint: flagRawHash, flagNilSegments
//	id          16 bytes
//	description string
//	size        varint
//	treeHash    32 bytes with flagRawHash (64 lower-case hex digits
//	            stored as the bytes they spell), else string
//	created     varint unix seconds, uvarint nanoseconds (UTC)
//	segmentSize varint
//	segments    uvarint count, then for each: id 16 bytes, size varint
//	            (count 0 with flagNilSegments: nil)
//	externalId  string
//
// A decoder ignores bytes after the members it knows, so that a member
// appended within a format version is skipped by older builds.
const archiveCodecV1 = 0x01

// Flags of an archive record.
const (
	flagRawHash = 1 << iota
	flagNilSegments
)

var errArchiveCodec = errors.New("archive record truncated or malformed")

// appendArchive appends the binary stored form of a to b.
func appendArchive(b []byte, a *vault.ArchiveRecord) []byte {
	var raw [32]byte
	flags := uint64(0)
	if isRawHash(a.TreeHash, &raw) {
		flags |= flagRawHash
	}
	if a.Segments == nil {
		flags |= flagNilSegments
	}
	b = append(b, archiveCodecV1)
	b = binary.AppendUvarint(b, flags)
	b = append(b, a.ID[:]...)
	b = appendString(b, a.Description)
	b = binary.AppendVarint(b, a.Size)
	if flags&flagRawHash != 0 {
		b = append(b, raw[:]...)
	} else {
		b = appendString(b, a.TreeHash)
	}
	b = binary.AppendVarint(b, a.Created.Unix())
	b = binary.AppendUvarint(b, uint64(a.Created.Nanosecond()))
	b = binary.AppendVarint(b, a.SegmentSize)
	b = binary.AppendUvarint(b, uint64(len(a.Segments)))
	for _, s := range a.Segments {
		b = append(b, s.ID[:]...)
		b = binary.AppendVarint(b, s.Size)
	}
	return appendString(b, a.ExternalID)
}

// isRawHash reports whether h is 64 lower-case hex digits, decoding them
// into raw.
func isRawHash(h string, raw *[32]byte) bool {
	if len(h) != 64 {
		return false
	}
	for i := range len(h) {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	_, err := hex.Decode(raw[:], []byte(h))
	return err == nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// archiveReader reads the members of a binary archive record in order;
// the first failure sticks in err.
type archiveReader struct {
	b   []byte
	err error
}

func (r *archiveReader) uvarint() uint64 {
	// Most members fit in a byte: the flags, the lengths, the counts.
	if len(r.b) > 0 && r.b[0] < 0x80 {
		v := r.b[0]
		r.b = r.b[1:]
		return uint64(v)
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// varint reads a signed varint: a uvarint, zigzag encoded, as
// binary.Varint reads it.
func (r *archiveReader) varint() int64 {
	u := r.uvarint()
	if u&1 != 0 {
		return ^int64(u >> 1)
	}
	return int64(u >> 1)
}

func (r *archiveReader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// str returns the bytes of a string member, a slice of the record.
func (r *archiveReader) str() []byte { return r.bytes(r.uvarint()) }

func (r *archiveReader) id() (id [16]byte) {
	copy(id[:], r.bytes(16))
	return id
}

func (r *archiveReader) fail() {
	if r.err == nil {
		r.err = errArchiveCodec
	}
	r.b = nil
}

// archiveFields are the members of a binary archive record, the variable
// ones as slices of it.
type archiveFields struct {
	flags       uint64
	id          [16]byte
	description []byte
	size        int64
	treeHash    []byte // the 32 bytes with flagRawHash, else the string
	created     time.Time
	segmentSize int64
	nSegments   uint64
	segments    []byte // the segments' encoding
	externalID  []byte
}

// parseArchive reads the binary stored form b into f, checking every
// member, without allocating.
func parseArchive(b []byte, f *archiveFields) error {
	if len(b) == 0 || b[0] != archiveCodecV1 {
		return errArchiveCodec
	}
	r := archiveReader{b: b[1:]}
	f.flags = r.uvarint()
	f.id = r.id()
	f.description = r.str()
	f.size = r.varint()
	if f.flags&flagRawHash != 0 {
		f.treeHash = r.bytes(32)
	} else {
		f.treeHash = r.str()
	}
	sec := r.varint()
	nsec := r.uvarint()
	if nsec >= 1e9 {
		r.fail()
	}
	f.created = time.Unix(sec, int64(nsec)).UTC()
	f.segmentSize = r.varint()
	n := r.uvarint()
	// Each segment takes at least 17 bytes: a count beyond that is damage,
	// not an allocation to make.
	if n > uint64(len(r.b))/17 {
		r.fail()
		n = 0
	}
	f.nSegments, f.segments = n, r.b
	for range n {
		r.bytes(16)
		r.varint()
	}
	f.segments = f.segments[:len(f.segments)-len(r.b)]
	f.externalID = r.str()
	return r.err
}

// decodeArchive decodes the binary stored form b into a.
func decodeArchive(b []byte, a *vault.ArchiveRecord) error {
	var f archiveFields
	if err := parseArchive(b, &f); err != nil {
		return err
	}
	a.ID = f.id
	a.Description = string(f.description)
	a.Size = f.size
	if f.flags&flagRawHash != 0 {
		a.TreeHash = hex.EncodeToString(f.treeHash)
	} else {
		a.TreeHash = string(f.treeHash)
	}
	a.Created = f.created
	a.SegmentSize = f.segmentSize
	a.Segments = nil
	if f.nSegments > 0 || f.flags&flagNilSegments == 0 {
		a.Segments = make([]vault.Segment, f.nSegments)
	}
	r := archiveReader{b: f.segments}
	for i := range a.Segments {
		a.Segments[i] = vault.Segment{ID: r.id(), Size: r.varint()}
	}
	a.ExternalID = string(f.externalID)
	return nil
}

// DecodeInventoryEntry decodes the stored form of an archive record (as
// written by any format version) into e, the members an inventory lists:
// it is DecodeRecord into a vault.ArchiveRecord without the segments. It
// fills e's buffers (see job.Entry): of a binary record it allocates
// nothing once they hold its members, so that an inventory's scan makes
// no garbage per archive.
func DecodeInventoryEntry(b []byte, e *job.Entry) error {
	if len(b) == 0 || b[0] != archiveCodecV1 {
		var a vault.ArchiveRecord
		if err := decode(b, &a, (*archiveRecord).archive); err != nil {
			return fmt.Errorf("store: decode *vault.ArchiveRecord: %w", err)
		}
		e.ArchiveID = append(e.ArchiveID[:0], a.ArchiveID()...)
		e.Key = a.ID
		e.Description = append(e.Description[:0], a.Description...)
		e.Created = a.Created
		e.Size = a.Size
		e.TreeHash = append(e.TreeHash[:0], a.TreeHash...)
		return nil
	}
	var f archiveFields
	if err := parseArchive(b, &f); err != nil {
		return fmt.Errorf("store: decode *vault.ArchiveRecord: %w", err)
	}
	e.Key = f.id
	if len(f.externalID) > 0 {
		e.ArchiveID = append(e.ArchiveID[:0], f.externalID...)
	} else {
		e.ArchiveID = append(e.ArchiveID[:0], make([]byte, ulid.EncodedSize)...)
		_ = e.Key.MarshalTextTo(e.ArchiveID) // the length is right
	}
	e.Description = append(e.Description[:0], f.description...)
	e.Created = f.created
	e.Size = f.size
	if f.flags&flagRawHash != 0 {
		e.TreeHash = appendHex(e.TreeHash[:0], f.treeHash)
	} else {
		e.TreeHash = append(e.TreeHash[:0], f.treeHash...)
	}
	return nil
}

// appendHex appends the lower-case hex digits of src, as hex.AppendEncode
// does, four bytes at a time: an inventory spells a tree hash per archive.
func appendHex(dst, src []byte) []byte {
	for ; len(src) >= 4; src = src[4:] {
		// Spread the 8 nibbles into the 8 bytes of x, first one highest.
		x := uint64(binary.BigEndian.Uint32(src))
		x = (x | x<<16) & 0x0000ffff0000ffff
		x = (x | x<<8) & 0x00ff00ff00ff00ff
		x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
		// Each byte n becomes '0'+n, plus 'a'-'0'-10 where n+6 carries into
		// bit 4 (n > 9); no byte carries into the next.
		x += 0x3030303030303030 + ((x+0x0606060606060606)>>4&0x0101010101010101)*('a'-'0'-10)
		dst = binary.BigEndian.AppendUint64(dst, x)
	}
	if len(src) == 0 {
		return dst
	}
	return hex.AppendEncode(dst, src)
}
