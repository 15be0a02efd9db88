// Package blob stores the bytes of archives as immutable, checksummed,
// optionally compressed segment files.
//
// One segment holds the bytes of one single-part upload or of one multipart
// part; an archive is an ordered list of segments, so completing a multipart
// upload references the part segments without copying them. Segments are
// named by a caller-chosen [ID] (the engine passes ULIDs) and are written
// once through a [Writer], which makes them durable and visible atomically in
// [Writer.Commit]. They are read through a [Reader], which verifies a CRC
// before returning any byte, and scrubbed with [Store.Verify], which also
// recomputes every SHA-256 tree-hash leaf.
//
// Whether a chunk is compressed is decided chunk by chunk as a segment is
// written, from measurements of the pipeline, so that compressing never
// makes a write slower than storing raw (see [Options].Codec); each chunk
// records its codec, so the decision needs nothing of the format.
//
// All file I/O goes through a [vfs.FS], so tests run on vfs.NewMem,
// vfs.NewCrashableMem (power loss) and errorfs (fault injection).
//
// [OpenS3] keeps the segments in a bucket of an S3-compatible object store
// instead ([Bucket]), one object per segment holding the same bytes as a
// segment file: uploaded in parallel parts as it is written, visible once
// the store acknowledges it, read with ranged GETs of the footer and index
// and then of the chunks a read needs (see s3.go). A segment is reported
// absent (ErrNotFound) only when the store keeps saying so for seconds and
// does not list it: a recovering MinIO answers NoSuchKey for objects it
// holds.
//
// # Segment file format
//
// This is a file format: never change it without bumping the version. All
// integers are little-endian; "reserved" bytes are written as zero and
// must be zero when read. The format version described here is 1.
//
// A segment of S raw bytes is cut into N = ceil(S / 1 MiB) chunks; every
// chunk is 1 MiB (ChunkSize) except the last, which holds the remaining
// 1..ChunkSize bytes. An empty segment has no chunks. The chunks align with
// the 1 MiB leaves of the Glacier SHA-256 tree hash. The file is
//
//	frame[0] frame[1] ... frame[N-1] index footer
//
// A frame holds one chunk: a 16-byte header followed by the stored bytes.
//
//	offset size field
//	     0    1 codec       1 = none, 2 = s2, 3 = zstd (0 is never valid)
//	     1    3 reserved
//	     4    4 raw length  bytes in the chunk before encoding
//	     8    4 stored len  bytes following this header
//	    12    4 crc         CRC-32C (Castagnoli) of the stored bytes
//
// The stored bytes are the raw chunk for codec none (stored len = raw
// length), an s2 block (github.com/klauspost/compress/s2, block format, not
// the framed stream format) for codec s2, or one zstd frame without content
// checksum for codec zstd. A chunk is stored compressed only if that makes it
// strictly smaller, so stored len <= raw length always holds. Frames are
// contiguous: frame 0 starts at offset 0 and frame i+1 starts where frame i
// ends.
//
// The index starts right after the last frame. It is N entries of 56 bytes
// followed by a CRC-32C of those N*56 bytes (4 bytes):
//
//	offset size field
//	     0    8 frame offset  file offset of the frame header
//	     8    4 stored len    as in the frame header
//	    12    4 raw length    as in the frame header
//	    16    4 crc           as in the frame header
//	    20    1 codec         as in the frame header
//	    21    3 reserved
//	    24   32 leaf          SHA-256 of the raw chunk (the tree-hash leaf)
//
// The footer is the last 64 bytes of the file:
//
//	offset size field
//	     0   16 id            the segment's ID
//	    16    8 index offset  file offset of the index
//	    24    8 index length  N*56 + 4
//	    32    8 raw size      S, the segment's size in bytes
//	    40    4 chunk count   N
//	    44    4 chunk size    1048576
//	    48    4 version       1
//	    52    4 crc           CRC-32C of footer bytes [0, 52)
//	    56    8 magic         "\x89FirnSeg"
//
// A reader trusts nothing it has not checked: the footer's magic and CRC,
// the version, that the id matches the file's name, that index offset +
// index length + 64 equals the file size, the index CRC, that the frames tile
// [0, index offset) exactly, that every chunk but the last is ChunkSize bytes
// and the sizes add up to S. When it reads a chunk it checks the frame
// header against the index entry and the CRC of the stored bytes before
// decoding, and that decoding yields exactly raw length bytes. Leaves and
// sizes are therefore available from the footer and index alone, without
// reading any data.
//
// # Layout
//
// A committed segment is the file <hh1>/<hh2>/<ID>.seg of the store's
// directory, where hh1 and hh2 are the lowercase hex of the ID's last byte
// (id[15]) and of the one before (id[14]): random bits of a ULID, whose
// leading bytes are a timestamp and would not spread. No directory holds
// more than 256 fan-out directories or about 1/65536 of the segments. The
// top directory holds only the fan-out directories and the temporary files
// of segments being written, so that [Open] lists it alone; [Store.List]
// walks the tree. Names that are not the store's (a README, say) are
// ignored.
//
// Earlier versions kept every segment at <ID>.seg in the top directory.
// [Open] moves any such file to its fan-out place: it renames each, then
// syncs the fan-out directories and finally the top directory. A crash
// during the move leaves every segment in at least one of its places, and
// the next Open finishes the move, removing the old entry of a segment
// found at both (same bytes: segments are immutable). While moving, the
// top directory holds a marker file (moving-to-fan-out), so that an Open
// after a move that failed or was killed, whose renames may not be
// durable, syncs every fan-out directory. With nothing to move, this costs
// Open nothing but its listing of the top directory.
//
// # Durability
//
// A Writer writes to a temporary file (<ID>.seg.tmp, in the top directory),
// then Commit writes the index and footer, syncs the file, creates the
// segment's fan-out directories if this process has not yet done so
// (syncing the parent of each, even if it already existed), renames the
// file to its final name and syncs the fan-out directory that now holds
// it. A crash before the rename leaves at most a temporary file, which
// [Open] removes; a file under a final name was fully synced before it got
// that name. Only final names are reported by [Store.List].
package blob
