package blob

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

var roundTripSizes = []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 5*ChunkSize + 123}

func TestRoundTrip(t *testing.T) {
	for _, codec := range allCodecs {
		for _, kind := range []string{"random", "text"} {
			t.Run(fmt.Sprintf("%s/%s", codec, kind), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(1, uint64(codec)))
				fs := vfs.NewMem()
				s := openStore(t, fs, &Options{Codec: codec})
				s.choose = nil // compress every chunk that shrinks, to check that it does
				for i, size := range roundTripSizes {
					data := randomBytes(rng, size)
					if kind == "text" {
						data = textBytes(rng, size)
					}
					id := testID(uint64(i))
					checkRoundTrip(t, fs, s, id, data, rng)
					if kind == "text" && codec != CodecNone && size >= ChunkSize {
						if info, _ := s.Stat(id); info.StoredSize > info.Size/2 {
							t.Errorf("size %d: stored %d bytes, want compression", size, info.StoredSize)
						}
					}
				}
			})
		}
	}
}

func checkRoundTrip(t *testing.T, fs vfs.FS, s *Store, id ID, data []byte, rng *rand.Rand) {
	t.Helper()
	info := put(t, s, id, data)
	fi, err := fs.Stat(segPath(id))
	if err != nil {
		t.Fatal(err)
	}
	want := Info{ID: id, Size: int64(len(data)), Leaves: leavesOf(data), StoredSize: fi.Size()}
	if !infoEqual(info, want) {
		t.Fatalf("size %d: Commit returned %+v, want %+v", len(data), info, want)
	}
	if stat, err := s.Stat(id); err != nil || !infoEqual(stat, want) {
		t.Fatalf("size %d: Stat = %+v, %v; want %+v", len(data), stat, err, want)
	}
	if err := s.Verify(id); err != nil {
		t.Fatal(err)
	}
	if got := get(t, s, id); !bytes.Equal(got, data) {
		t.Fatalf("size %d: read back %d different bytes", len(data), len(got))
	}

	r, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(data) == 1 || len(data) == ChunkSize+1 {
		// ReadAt decodes whole chunks per call, so test a short section.
		off := max(0, len(data)-150)
		if err := iotest.TestReader(io.NewSectionReader(r, int64(off), int64(len(data)-off)), data[off:]); err != nil {
			t.Fatalf("size %d: %v", len(data), err)
		}
	}
	for range 8 {
		off := rng.Int64N(int64(len(data)) + 1)
		n := rng.Int64N(int64(len(data)) - off + 1)
		if rng.IntN(4) == 0 { // a range across a chunk boundary
			if b := int64(rng.IntN(len(data)/ChunkSize+1) * ChunkSize); b > 0 && b < int64(len(data)) {
				off = b - rng.Int64N(min(b, 100)+1)
				n = min(int64(len(data))-off, rng.Int64N(200))
			}
		}
		got, err := readRange(s, id, off, n)
		if err != nil || !bytes.Equal(got, data[off:off+n]) {
			t.Fatalf("size %d: range [%d,+%d): %d bytes, %v", len(data), off, n, len(got), err)
		}
		// Read, with a small buffer, rather than WriteTo.
		rr, _ := r.NewRangeReader(off, n)
		got, err = io.ReadAll(iotest.OneByteReader(io.LimitReader(rr, 3000)))
		rr.Close()
		if err != nil || !bytes.Equal(got, data[off:off+min(n, 3000)]) {
			t.Fatalf("size %d: range [%d,+%d) byte by byte: %v", len(data), off, n, err)
		}
		p := make([]byte, n)
		if k, err := r.ReadAt(p, off); k != int(n) || err != nil || !bytes.Equal(p, data[off:off+n]) {
			t.Fatalf("size %d: ReadAt(%d, %d) = %d, %v", len(data), n, off, k, err)
		}
	}
}

func infoEqual(a, b Info) bool {
	return a.ID == b.ID && a.Size == b.Size && a.StoredSize == b.StoredSize && slices.Equal(a.Leaves, b.Leaves)
}

// TestStatReadsNoData checks that Stat and Open read only the footer and
// index, by failing every read below the index.
func TestStatReadsNoData(t *testing.T) {
	mem := vfs.NewMem()
	data := textBytes(rand.New(rand.NewPCG(2, 2)), 3*ChunkSize+5)
	put(t, openStore(t, mem, nil), testID(1), data)
	info, err := openStore(t, mem, nil).Stat(testID(1))
	if err != nil {
		t.Fatal(err)
	}
	indexOffset := info.StoredSize - footerSize - int64(len(info.Leaves))*indexEntrySize - indexCRCSize
	fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind == errorfs.OpFileRead || (op.Kind == errorfs.OpFileReadAt && op.Offset < indexOffset) {
			return errorfs.ErrInjected
		}
		return nil
	}))
	s := openStore(t, fs, nil)
	got, err := s.Stat(testID(1))
	if err != nil || !infoEqual(got, info) || !slices.Equal(got.Leaves, leavesOf(data)) {
		t.Fatalf("Stat = %+v, %v", got, err)
	}
	if _, err := readRange(s, testID(1), 0, 1); !errors.Is(err, errorfs.ErrInjected) {
		t.Fatalf("reading data: %v, want injected error", err)
	}
}

// shortReader returns at most a few KiB per Read, sometimes with io.EOF
// along with the last bytes.
type shortReader struct {
	rng *rand.Rand
	b   []byte
}

func (r *shortReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1+r.rng.IntN(5000))], r.b)
	r.b = r.b[n:]
	if len(r.b) == 0 && r.rng.IntN(2) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func TestWritePatterns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	data := textBytes(rng, 3*ChunkSize+7)
	s := openStore(t, vfs.NewMem(), &Options{Concurrency: 2})
	patterns := map[string]func(w *Writer) error{
		"small writes": func(w *Writer) error {
			for b := data; len(b) > 0; {
				n := min(len(b), rng.IntN(3000))
				if _, err := w.Write(b[:n]); err != nil {
					return err
				}
				b = b[n:]
			}
			return nil
		},
		"one write": func(w *Writer) error {
			_, err := w.Write(data)
			return err
		},
		"ReadFrom short reads": func(w *Writer) error {
			n, err := w.ReadFrom(&shortReader{rng: rng, b: data})
			if n != int64(len(data)) {
				return fmt.Errorf("ReadFrom read %d bytes", n)
			}
			return err
		},
		"io.Copy": func(w *Writer) error {
			_, err := io.Copy(w, iotest.HalfReader(bytes.NewReader(data)))
			return err
		},
		"mixed": func(w *Writer) error {
			if _, err := w.Write(data[:10]); err != nil {
				return err
			}
			if _, err := w.ReadFrom(bytes.NewReader(data[10 : ChunkSize+3])); err != nil {
				return err
			}
			_, err := w.ReadFrom(iotest.DataErrReader(bytes.NewReader(data[ChunkSize+3:])))
			return err
		},
	}
	i := uint64(0)
	for name, write := range patterns {
		i++
		w, err := s.Create(testID(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := write(w); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		info, err := w.Commit()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(info.Leaves, leavesOf(data)) {
			t.Fatalf("%s: wrong leaves", name)
		}
		if got := get(t, s, testID(i)); !bytes.Equal(got, data) {
			t.Fatalf("%s: read back wrong bytes", name)
		}
	}
}

func TestReadFromError(t *testing.T) {
	fs := vfs.NewMem()
	s := openStore(t, fs, nil)
	w, err := s.Create(testID(1))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	src := io.MultiReader(bytes.NewReader(make([]byte, ChunkSize+10)), iotest.ErrReader(boom))
	if n, err := w.ReadFrom(src); n != ChunkSize+10 || err != boom {
		t.Fatalf("ReadFrom = %d, %v; want %d, boom", n, err, ChunkSize+10)
	}
	// The source's error leaves the Writer usable.
	if _, err := w.Write([]byte("more")); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if ids := list(t, s); len(ids) != 0 {
		t.Fatalf("List = %v after Abort", ids)
	}
	checkNoTemp(t, fs)
}

func TestLifecycle(t *testing.T) {
	fs := vfs.NewMem()
	s := openStore(t, fs, nil)
	id := testID(7)
	if _, err := s.Stat(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Stat of missing segment: %v", err)
	}
	if _, err := s.Open(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open of missing segment: %v", err)
	}
	if err := s.Verify(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Verify of missing segment: %v", err)
	}
	if err := s.Delete(id); err != nil {
		t.Fatalf("Delete of missing segment: %v", err)
	}

	w, err := s.Create(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(id); !errors.Is(err, ErrExist) {
		t.Fatalf("second Create while writing: %v", err)
	}
	if ids := list(t, s); len(ids) != 0 {
		t.Fatalf("List = %v before Commit", ids)
	}
	info, err := w.Commit()
	if err != nil || info.Size != 0 || len(info.Leaves) != 0 || info.StoredSize != footerSize+indexCRCSize {
		t.Fatalf("empty Commit = %+v, %v", info, err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("Write after Commit succeeded")
	}
	if _, err := w.Commit(); err == nil {
		t.Fatal("second Commit succeeded")
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort after Commit: %v", err)
	}
	if _, err := s.Create(id); !errors.Is(err, ErrExist) {
		t.Fatalf("Create of committed segment: %v", err)
	}
	if ids := list(t, s); !slices.Equal(ids, []ID{id}) {
		t.Fatalf("List = %v", ids)
	}
	r, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.NewRangeReader(0, 1); err == nil {
		t.Fatal("range past the end accepted")
	}
	if _, err := r.NewRangeReader(-1, 0); err == nil {
		t.Fatal("negative offset accepted")
	}
	rr, err := r.NewRangeReader(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := rr.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read of empty range = %d, %v", n, err)
	}
	rr.Close()
	if _, err := rr.Read(make([]byte, 10)); err == nil {
		t.Fatal("Read after Close succeeded")
	}
	if n, err := r.ReadAt(make([]byte, 1), 0); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt past the end = %d, %v", n, err)
	}
	if _, err := r.ReadAt(make([]byte, 1), -1); err == nil {
		t.Fatal("ReadAt at a negative offset succeeded")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	if err := s.Delete(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Stat after Delete: %v", err)
	}
	if err := s.Delete(id); err != nil {
		t.Fatalf("Delete of a deleted segment: %v", err)
	}
	if err := s.Delete(testID(250)); err != nil {
		t.Fatalf("Delete of a segment never written, whose fan-out directory may not exist: %v", err)
	}
	w, err = s.Create(id)
	if err != nil {
		t.Fatalf("Create after Delete: %v", err)
	}
	if _, err := w.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("second Abort: %v", err)
	}
	if _, err := w.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	if ids := list(t, s); len(ids) != 0 {
		t.Fatalf("List = %v", ids)
	}
	checkNoTemp(t, fs)
}

func TestOpenRemovesTemporaryFiles(t *testing.T) {
	fs := vfs.NewMem()
	s := openStore(t, fs, nil)
	put(t, s, testID(1), []byte("kept"))
	w, err := s.Create(testID(2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("never committed")); err != nil {
		t.Fatal(err)
	}
	// Leave w open, as a crash would, plus an unrelated file.
	f, err := fs.Create(fs.PathJoin(testDir, "README"), vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	s2 := openStore(t, fs, nil)
	names, _ := fs.List(testDir)
	slices.Sort(names)
	if want := []string{"01", "README"}; !slices.Equal(names, want) {
		t.Fatalf("directory holds %v, want %v", names, want)
	}
	if got, want := files(t, fs), []string{segPath(testID(1)), testDir + "/README"}; !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	if ids := list(t, s2); !slices.Equal(ids, []ID{testID(1)}) {
		t.Fatalf("List = %v", ids)
	}
	if got := get(t, s2, testID(1)); string(got) != "kept" {
		t.Fatalf("read %q", got)
	}
}

func TestOptions(t *testing.T) {
	err := (&Options{Codec: 9, Concurrency: -1}).Validate()
	if err == nil || !strings.Contains(err.Error(), "Codec") || !strings.Contains(err.Error(), "Concurrency") {
		t.Fatalf("Validate = %v, want both problems", err)
	}
	if _, err := Open(vfs.NewMem(), testDir, &Options{Codec: 9}); err == nil {
		t.Fatal("Open accepted an unknown codec")
	}
	o := (*Options)(nil).EnsureDefaults()
	if o.Codec != CodecS2 || o.Concurrency < 1 {
		t.Fatalf("defaults = %+v", o)
	}
	// Open neither changes the caller's options nor shares them.
	opts := &Options{}
	s := openStore(t, vfs.NewMem(), opts)
	opts.Codec = CodecZstd
	if *opts != (Options{Codec: CodecZstd}) || s.opts.Codec != CodecS2 {
		t.Fatalf("options %+v, store %+v", opts, s.opts)
	}
	for c, want := range map[Codec]string{CodecNone: "none", CodecS2: "s2", CodecZstd: "zstd", 0: "Codec(0)"} {
		if c.String() != want {
			t.Errorf("%d.String() = %q", c, c.String())
		}
	}
}

func TestCodecsReadEachOther(t *testing.T) {
	fs := vfs.NewMem()
	data := textBytes(rand.New(rand.NewPCG(4, 4)), 2*ChunkSize+1)
	for i, c := range allCodecs {
		put(t, openStore(t, fs, &Options{Codec: c}), testID(uint64(i)), data)
	}
	for _, c := range allCodecs {
		s := openStore(t, fs, &Options{Codec: c})
		for i := range allCodecs {
			if got := get(t, s, testID(uint64(i))); !bytes.Equal(got, data) {
				t.Fatalf("store with %s reading a %s segment: wrong bytes", c, allCodecs[i])
			}
		}
	}
}

func TestID(t *testing.T) {
	id := ID{0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff}
	s := id.String()
	if len(s) != 26 {
		t.Fatalf("String() = %q", s)
	}
	if got, err := ParseID(s); err != nil || got != id {
		t.Fatalf("ParseID(%q) = %v, %v", s, got, err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("Z", 26), strings.Repeat("U", 26)} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) succeeded", bad)
		}
	}
}

// TestRangeReaderClose closes range readers with chunks still loading
// ahead, and reads ranges with every readahead depth.
func TestRangeReaderClose(t *testing.T) {
	data := textBytes(rand.New(rand.NewPCG(14, 14)), 6*ChunkSize+1)
	fs := vfs.NewMem()
	put(t, openStore(t, fs, nil), testID(1), data)
	for conc := 1; conc <= maxReadahead+1; conc++ {
		s := openStore(t, fs, &Options{Concurrency: conc})
		r, err := s.Open(testID(1))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{0, 10, ChunkSize + 10, 3 * ChunkSize} {
			rr, err := r.NewRangeReader(5, int64(len(data)-5))
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, k)
			if _, err := io.ReadFull(rr, got); err != nil || !bytes.Equal(got, data[5:5+k]) {
				t.Fatalf("concurrency %d: reading %d bytes: %v", conc, k, err)
			}
			if err := rr.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := readRange(s, testID(1), ChunkSize-1, 4*ChunkSize+2); err != nil || !bytes.Equal(got, data[ChunkSize-1:5*ChunkSize+1]) {
			t.Fatalf("concurrency %d: %v", conc, err)
		}
		if err := s.Verify(testID(1)); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
}
