package blob

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func readFile(t testing.TB, fs vfs.FS, name string) []byte {
	t.Helper()
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, fs vfs.FS, name string, b []byte) {
	t.Helper()
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bytes.Clone(b)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkDamaged checks a store whose segment id (holding data) is damaged:
// Verify reports the damage in chunk wantChunk (-1: the index, any chunk:
// -2), and reads return either true bytes or a CorruptError, never wrong
// bytes.
func checkDamaged(t *testing.T, s *Store, id ID, data []byte, wantChunk int) {
	t.Helper()
	err := s.Verify(id)
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) || (wantChunk != -2 && ce.Chunk != wantChunk) {
		t.Fatalf("Verify = %v, want damage in chunk %d", err, wantChunk)
	}
	r, err := s.Open(id)
	if err != nil {
		if ce.Chunk != -1 {
			t.Fatalf("Open failed with %v, but Verify reported %v", err, ce)
		}
		wantCorrupt(t, err, -1)
		return
	}
	defer r.Close()
	for i := 0; i*ChunkSize < len(data); i++ {
		lo, hi := int64(i*ChunkSize), int64(min(len(data), (i+1)*ChunkSize))
		rr, err := r.NewRangeReader(lo, hi-lo)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rr)
		rr.Close()
		if i == ce.Chunk {
			wantCorrupt(t, err, i)
			if len(got) != 0 {
				t.Fatalf("chunk %d: %d bytes returned along with %v", i, len(got), err)
			}
		} else if err != nil || !bytes.Equal(got, data[lo:hi]) {
			t.Fatalf("undamaged chunk %d: %v", i, err)
		}
	}
}

// TestCorruptEveryByte flips each byte of small segments, one at a time,
// and checks that every flip is detected.
func TestCorruptEveryByte(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, codec := range allCodecs {
		for _, data := range [][]byte{nil, textBytes(rng, 300), randomBytes(rng, 40)} {
			t.Run(fmt.Sprintf("%s/%d", codec, len(data)), func(t *testing.T) {
				mem := vfs.NewMem()
				s := openStore(t, mem, &Options{Codec: codec})
				id := testID(1)
				put(t, s, id, data)
				file := readFile(t, mem, segPath(id))
				for pos := range file {
					damaged := bytes.Clone(file)
					damaged[pos] ^= 1 << (pos % 8)
					writeFile(t, mem, segPath(id), damaged)
					want := -1
					if pos < len(file)-footerSize-indexCRCSize-len(data[:min(len(data), 1)])*indexEntrySize {
						want = 0 // in the frame
					}
					checkDamaged(t, s, id, data, want)
				}
			})
		}
	}
}

// TestCorruptChunks damages the frames, index and footer of a segment of
// several chunks and checks that the damage is reported where it is. (The
// positions are sampled; TestCorruptEveryByte is exhaustive.)
func TestCorruptChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	data := textBytes(rng, 3*ChunkSize+10)
	copy(data[ChunkSize:], randomBytes(rng, ChunkSize)) // chunk 1 is stored raw
	mem := vfs.NewMem()
	s := openStore(t, mem, nil)
	s.choose = nil // chunk 0 compressed whatever the measurements
	id := testID(1)
	r := openAfterPut(t, s, id, data)
	chunks := r.chunks
	r.Close()
	file := readFile(t, mem, segPath(id))
	if chunks[1].codec != CodecNone || chunks[0].codec != CodecS2 {
		t.Fatalf("codecs %v, %v; want s2 and none", chunks[0].codec, chunks[1].codec)
	}

	type flip struct {
		pos   int64
		chunk int
	}
	var flips []flip
	for i, m := range chunks {
		// Every field of the header (TestCorruptEveryByte flips every
		// byte), and a few stored bytes.
		for _, j := range []int64{0, 2, 5, 10, 15} {
			flips = append(flips, flip{m.offset + j, i})
		}
		for range 3 {
			flips = append(flips, flip{m.offset + frameHeaderSize + rng.Int64N(int64(m.storedLen)), i})
		}
	}
	indexOffset := chunks[len(chunks)-1].offset + int64(chunks[len(chunks)-1].frameLen())
	for range 30 {
		flips = append(flips, flip{indexOffset + rng.Int64N(int64(len(file))-indexOffset), -1})
	}
	for _, f := range flips {
		damaged := bytes.Clone(file)
		damaged[f.pos] ^= 0x80
		writeFile(t, mem, segPath(id), damaged)
		checkDamaged(t, s, id, data, f.chunk)
	}
}

func openAfterPut(t *testing.T, s *Store, id ID, data []byte) *Reader {
	t.Helper()
	put(t, s, id, data)
	r, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCorruptFiles checks whole-file damage: truncation, zeroes, a file
// under another segment's name, and an unknown format version.
func TestCorruptFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	data := textBytes(rng, 2*ChunkSize+10)
	mem := vfs.NewMem()
	s := openStore(t, mem, nil)
	put(t, s, testID(1), data)
	put(t, s, testID(2), data)
	file := readFile(t, mem, segPath(testID(1)))

	for _, n := range []int{0, 1, footerSize - 1, footerSize, len(file) / 2, len(file) - footerSize, len(file) - 1} {
		writeFile(t, mem, segPath(testID(1)), file[:n])
		checkDamaged(t, s, testID(1), data, -1)
	}
	writeFile(t, mem, segPath(testID(1)), make([]byte, len(file)))
	checkDamaged(t, s, testID(1), data, -1)

	// Segment 2's file renamed to segment 1.
	writeFile(t, mem, segPath(testID(1)), readFile(t, mem, segPath(testID(2))))
	checkDamaged(t, s, testID(1), data, -1)

	// A well-formed footer of a newer version is not damage.
	newer := bytes.Clone(file)
	foot := newer[len(newer)-footerSize:]
	binary.LittleEndian.PutUint32(foot[48:], formatVersion+1)
	binary.LittleEndian.PutUint32(foot[footerCRCOffset:], crc(foot[:footerCRCOffset]))
	writeFile(t, mem, segPath(testID(1)), newer)
	if _, err := s.Stat(testID(1)); err == nil || errors.Is(err, ErrCorrupt) {
		t.Fatalf("Stat of a newer version = %v", err)
	}
}
