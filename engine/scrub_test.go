package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/treehash"
)

// Offsets in a segment file (see package internal/blob): a chunk stored
// raw is a 16-byte frame header and its bytes; the file ends with the
// index (56 bytes a chunk, then a 4-byte CRC) and a 64-byte footer.
const (
	frameHeader = 16
	chunkSize   = 1 << 20
)

// segFiles returns the segment files in dir/blobs, which are in two levels
// of fan-out directories.
func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "blobs", "*", "*", "*.seg"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// newSegFile runs f and returns the one segment file it created.
func newSegFile(t *testing.T, dir string, f func()) string {
	t.Helper()
	before := segFiles(t, dir)
	f()
	var added []string
	for _, n := range segFiles(t, dir) {
		if !slices.Contains(before, n) {
			added = append(added, n)
		}
	}
	if len(added) != 1 {
		t.Fatalf("expected one new segment file, got %v", added)
	}
	return added[0]
}

// flip inverts the byte at off of the file at path; off < 0 counts from
// the end.
func flip(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if off < 0 {
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		off += fi.Size()
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func segName(path string) string { return strings.TrimSuffix(filepath.Base(path), ".seg") }

type scrubEnv struct {
	t   *testing.T
	ctx context.Context
	e   *engine.Engine
}

func (s scrubEnv) upload(data []byte) string {
	s.t.Helper()
	out, err := s.e.UploadArchive(s.ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)})
	if err != nil {
		s.t.Fatal(err)
	}
	return out.ArchiveId
}

func (s scrubEnv) initiate() string {
	s.t.Helper()
	out, err := s.e.InitiateMultipartUpload(s.ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: chunkSize})
	if err != nil {
		s.t.Fatal(err)
	}
	return out.UploadId
}

func (s scrubEnv) part(upload string, index int, data []byte) {
	s.t.Helper()
	start := int64(index) * chunkSize
	_, err := s.e.UploadMultipartPart(s.ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: upload,
		Range: fmt.Sprintf("bytes %d-%d/*", start, start+int64(len(data))-1), Body: bytes.NewReader(data)})
	if err != nil {
		s.t.Fatal(err)
	}
}

func (s scrubEnv) retrieve(archive string) string {
	s.t.Helper()
	out, err := s.e.InitiateJob(s.ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: archive}})
	if err != nil {
		s.t.Fatal(err)
	}
	return out.JobId
}

func (s scrubEnv) scrub() *engine.ScrubReport {
	s.t.Helper()
	r, err := s.e.Scrub(s.ctx)
	if err != nil {
		s.t.Fatalf("Scrub: %v", err)
	}
	return r
}

// TestScrubFindsFlippedBytes damages segment files on disk — a data byte of
// an archive, of a multipart part, the index of a segment that only a job
// still holds, a whole file removed — and checks that Scrub reports exactly
// those, naming the record, segment and chunk, and that reading the damaged
// archive fails rather than return the damaged bytes.
func TestScrubFindsFlippedBytes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openFixedVault(t, dir, vfs.Default)
	defer e.Close()
	s := scrubEnv{t, ctx, e}
	// Random bytes do not compress, so chunks are stored raw at known
	// offsets.
	a := wbytes(2, 2*chunkSize+chunkSize/2)
	b := wbytes(4, 100<<10)
	small := wbytes(5, 1000)
	d := wbytes(6, 200<<10)
	part0, part1 := wbytes(8, chunkSize), wbytes(10, 5000)
	m0, m1 := wbytes(9, chunkSize), wbytes(11, 3000)

	var aID, dID string
	aFile := newSegFile(t, dir, func() { aID = s.upload(a) })
	bFile := newSegFile(t, dir, func() { s.upload(b) })
	s.upload(small)
	dFile := newSegFile(t, dir, func() { dID = s.upload(d) })
	job := s.retrieve(dID)
	if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: dID}); err != nil {
		t.Fatal(err)
	}
	upload := s.initiate()
	partFile := newSegFile(t, dir, func() { s.part(upload, 0, part0) })
	s.part(upload, 1, part1)
	done := s.initiate()
	s.part(done, 0, m0)
	s.part(done, 1, m1)
	whole := append(slices.Clone(m0), m1...)
	if _, err := e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: "v", UploadId: done,
		ArchiveSize: int64(len(whole)), Checksum: treehash.Hex(treehash.Sum(whole))}); err != nil {
		t.Fatal(err)
	}

	held := int64(len(a) + len(b) + len(small) + len(d) + len(part0) + len(part1) + len(whole))
	if r := s.scrub(); len(r.Damaged) != 0 || r.Bytes != held {
		t.Fatalf("intact store: Scrub found %v and verified %d bytes, want none and %d", r.Damaged, r.Bytes, held)
	}

	flip(t, aFile, frameHeader+chunkSize+frameHeader+12345) // chunk 1
	flip(t, partFile, frameHeader+100)                      // chunk 0
	flip(t, dFile, -64-4-20)                                // the leaf of its one index entry
	if err := os.Remove(bFile); err != nil {
		t.Fatal(err)
	}
	r := s.scrub()
	type key struct {
		kind, id, segment string
		part, chunk       int
	}
	got := map[key]string{}
	for _, dmg := range r.Damaged {
		if dmg.Account != engine.DefaultAccountID || dmg.Vault != "v" {
			t.Errorf("damage %v names the wrong vault", dmg)
		}
		got[key{dmg.Kind, dmg.ID, dmg.Segment, dmg.Part, dmg.Chunk}] = dmg.Reason
	}
	want := map[key]string{
		{"archive", aID, segName(aFile), 0, 1}:    "crc",
		{"part", upload, segName(partFile), 0, 0}: "crc",
		{"job", job, segName(dFile), 0, -1}:       "index",
		{"archive", "", segName(bFile), 0, -1}:    "missing",
	}
	for k, reason := range want {
		if k.kind == "archive" && k.id == "" {
			// b's ID was not kept: find it by its segment.
			for g := range got {
				if g.segment == k.segment {
					k.id = g.id
				}
			}
		}
		if g, ok := got[k]; !ok || !strings.Contains(strings.ToLower(g), reason) {
			t.Errorf("Scrub did not report %+v (%q); it reported:\n%v", k, reason, r.Damaged)
		}
		delete(got, k)
	}
	if len(got) > 0 {
		t.Errorf("Scrub reported more damage than was done: %v", got)
	}
	for _, dmg := range r.Damaged {
		if !strings.Contains(dmg.String(), dmg.Segment) || !strings.Contains(dmg.String(), dmg.Kind) {
			t.Errorf("Damage.String() = %q", dmg.String())
		}
	}

	// Reading the damaged archive returns its first chunk, then an error:
	// never bytes of the damaged chunk.
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: s.retrieve(aID)})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("reading the damaged archive: %d bytes, error %v; want an error reporting corruption", len(data), err)
	}
	if len(data) > chunkSize || !bytes.Equal(data, a[:len(data)]) {
		t.Fatalf("reading the damaged archive returned %d bytes, not an intact prefix before chunk 1", len(data))
	}
}

// TestScrubConcurrent scrubs while archives are uploaded and deleted and
// parts replaced: records that go away meanwhile are not damage.
func TestScrubConcurrent(t *testing.T) {
	ctx := context.Background()
	e := openFixedVault(t, "d", vfs.NewMem())
	defer e.Close()
	s := scrubEnv{t, ctx, e}
	upload := s.initiate()
	var ids []string
	for i := range 8 {
		ids = append(ids, s.upload(wbytes(uint64(i), 70<<10+i)))
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		defer close(stop)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range 60 {
			k := rng.IntN(len(ids))
			if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: ids[k]}); err != nil {
				t.Error(err)
				return
			}
			out, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(wbytes(uint64(i), 70<<10))})
			if err != nil {
				t.Error(err)
				return
			}
			ids[k] = out.ArchiveId
			_, err = e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: upload,
				Range: "bytes 0-99999/*", Body: bytes.NewReader(wbytes(uint64(i), 100000))})
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	scrubs := 0
	for done := false; !done; scrubs++ {
		select {
		case <-stop:
			done = true
		default:
		}
		r, err := e.Scrub(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Damaged) > 0 {
			t.Fatalf("Scrub during mutations reported damage: %v", r.Damaged)
		}
	}
	wg.Wait()
	t.Logf("%d scrubs", scrubs)
	if err := e.Check(ctx); err != nil {
		t.Fatal(err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.Scrub(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Scrub with a cancelled context: %v", err)
	}
}
