package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

const testDir = "/data/blobs"

var allCodecs = []Codec{CodecNone, CodecS2, CodecZstd}

func testID(i uint64) ID {
	var id ID
	binary.BigEndian.PutUint64(id[8:], i)
	id[0] = 0x01
	return id
}

// randomBytes returns n incompressible bytes.
func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], rng.Uint64())
		copy(b[i:], w[:])
	}
	return b
}

// textBytes returns n bytes of word salad that compresses about 3:1.
func textBytes(rng *rand.Rand, n int) []byte {
	words := []string{"glacier", "vault", "archive", "retrieval", "inventory",
		"multipart", "upload", "tree", "hash", "chunk", "the", "of", "and",
		"a", "policy", "lock", "job", "tier", "bulk", "expedited", "standard"}
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(8) == 0 {
			b.WriteString(" ")
			b.WriteString(string(rune('0' + rng.IntN(10))))
		}
		b.WriteByte(" \n"[rng.IntN(2)])
	}
	return b.Bytes()[:n]
}

func leavesOf(data []byte) [][32]byte {
	leaves := [][32]byte{}
	for len(data) > 0 {
		n := min(len(data), ChunkSize)
		leaves = append(leaves, sha256.Sum256(data[:n]))
		data = data[n:]
	}
	return leaves
}

func openStore(t testing.TB, fs vfs.FS, opts *Options) *Store {
	t.Helper()
	s, err := Open(fs, testDir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func put(t testing.TB, s *Store, id ID, data []byte) Info {
	t.Helper()
	w, err := s.Create(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	info, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func readRange(s *Store, id ID, off, n int64) ([]byte, error) {
	r, err := s.Open(id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rr, err := r.NewRangeReader(off, n)
	if err != nil {
		return nil, err
	}
	defer rr.Close()
	var b bytes.Buffer
	_, err = io.Copy(&b, rr)
	return b.Bytes(), err
}

func get(t testing.TB, s *Store, id ID) []byte {
	t.Helper()
	info, err := s.Stat(id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := readRange(s, id, 0, info.Size)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fataler is the part of testing.TB that rapid.T also implements.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

func list(t fataler, s *Store) []ID {
	t.Helper()
	ids, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(ids, func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}

// segPath returns where segment id must be: in the fan-out directories
// named by the hex of its last byte and of the one before.
func segPath(id ID) string {
	return fmt.Sprintf("%s/%02x/%02x/%s.seg", testDir, id[15], id[14], id)
}

// flatPath returns where the flat layout of earlier versions kept id.
func flatPath(id ID) string { return testDir + "/" + id.String() + ".seg" }

// files returns the paths of the files under testDir (not directories),
// sorted; nil if testDir does not exist.
func files(t testing.TB, fs vfs.FS) []string {
	t.Helper()
	var out []string
	var walk func(dir string)
	walk = func(dir string) {
		names, err := fs.List(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			path := fs.PathJoin(dir, name)
			fi, err := fs.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.IsDir() {
				walk(path)
			} else {
				out = append(out, path)
			}
		}
	}
	if _, err := fs.Stat(testDir); err == nil {
		walk(testDir)
	}
	slices.Sort(out)
	return out
}

// checkNoTemp fails if testDir holds any file but committed segments in
// their fan-out places.
func checkNoTemp(t testing.TB, fs vfs.FS) {
	t.Helper()
	for _, path := range files(t, fs) {
		s, ok := strings.CutSuffix(fs.PathBase(path), ".seg")
		if id, err := ParseID(s); !ok || err != nil || path != segPath(id) {
			t.Errorf("leftover file %s", path)
		}
	}
}

func wantCorrupt(t testing.TB, err error, chunk int) {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want a CorruptError", err)
	}
	if ce.Chunk != chunk {
		t.Fatalf("got %v, want damage in chunk %d", err, chunk)
	}
}
