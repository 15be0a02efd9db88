package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/firnstore/firn/internal/miniotest"
)

// s3Env is a bucket of a MinIO cluster shared by the subtests of a test;
// each subtest uses its own prefix.
type s3Env struct {
	c      *miniotest.Cluster
	bucket string
}

func newS3Env(t *testing.T) *s3Env {
	c := miniotest.Start(t)
	return &s3Env{c: c, bucket: c.NewBucket()}
}

func (e *s3Env) config(t *testing.T) BucketConfig {
	return BucketConfig{
		Endpoint:        e.c.Endpoint(0),
		Bucket:          e.bucket,
		Prefix:          strings.ReplaceAll(t.Name(), "/", "-") + "/",
		AccessKeyID:     miniotest.AccessKey,
		SecretAccessKey: miniotest.SecretKey,
		PartSize:        MinPartSize,
	}
}

func openS3(t *testing.T, cfg BucketConfig, opts *Options) (*Store, *Bucket) {
	t.Helper()
	b, err := OpenBucket(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenS3(context.Background(), b, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, b
}

// counter counts the requests that reach the object store.
type counter struct {
	rt http.RoundTripper

	mu                    sync.Mutex
	gets                  int
	getBytes              int64
	partsIn, maxPartsIn   int
	completes, singlePuts int
}

func newCounter(t *testing.T) *counter {
	tr, err := minio.DefaultTransport(false)
	if err != nil {
		t.Fatal(err)
	}
	return &counter{rt: tr}
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	part := r.Method == http.MethodPut && q.Has("partNumber")
	c.mu.Lock()
	switch {
	case part:
		c.partsIn++
		c.maxPartsIn = max(c.maxPartsIn, c.partsIn)
	case r.Method == http.MethodPut && !q.Has("uploadId"):
		c.singlePuts++
	case r.Method == http.MethodPost && q.Has("uploadId"):
		c.completes++
	}
	c.mu.Unlock()
	resp, err := c.rt.RoundTrip(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if part {
		c.partsIn--
	}
	if err == nil && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/"+segmentsDir) {
		c.gets++
		c.getBytes += resp.ContentLength
	}
	return resp, err
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets, c.getBytes, c.partsIn, c.maxPartsIn, c.completes, c.singlePuts = 0, 0, 0, 0, 0, 0
}

func (c *counter) snapshot() counter {
	c.mu.Lock()
	defer c.mu.Unlock()
	return counter{gets: c.gets, getBytes: c.getBytes, maxPartsIn: c.maxPartsIn, completes: c.completes, singlePuts: c.singlePuts}
}

// incompleteUploads returns the number of multipart uploads in progress
// of segment id (MinIO lists them only by exact object name).
func incompleteUploads(t *testing.T, b *Bucket, id ID) int {
	t.Helper()
	n := 0
	for u := range b.core.Client.ListIncompleteUploads(context.Background(), b.name, b.key(segmentsDir+id.String()+segSuffix), false) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		n++
	}
	return n
}

// TestS3 runs the S3 backend against a real distributed MinIO.
func TestS3(t *testing.T) {
	env := newS3Env(t)
	t.Run("RoundTrip", func(t *testing.T) { testS3RoundTrip(t, env) })
	t.Run("RangedReads", func(t *testing.T) { testS3RangedReads(t, env) })
	t.Run("ParallelParts", func(t *testing.T) { testS3ParallelParts(t, env) })
	t.Run("Lifecycle", func(t *testing.T) { testS3Lifecycle(t, env) })
	t.Run("Corruption", func(t *testing.T) { testS3Corruption(t, env) })
	t.Run("Bucket", func(t *testing.T) { testS3Bucket(t, env) })
	t.Run("TransientNotFound", func(t *testing.T) { testS3TransientNotFound(t, env) })
	t.Run("ConditionalWrites", func(t *testing.T) { testS3ConditionalWrites(t, env) })
}

func testS3RoundTrip(t *testing.T, env *s3Env) {
	allSizes := []int{0, 1, 1000, ChunkSize, ChunkSize + 1, 3*ChunkSize + 5, MinPartSize, 2*MinPartSize + 3}
	for _, codec := range allCodecs {
		t.Run(codec.String(), func(t *testing.T) {
			sizes := allSizes
			if codec != CodecNone {
				sizes = []int{1000, 2*MinPartSize + 3}
			}
			rng := rand.New(rand.NewPCG(2, uint64(codec)))
			s, b := openS3(t, env.config(t), &Options{Codec: codec})
			for i, size := range sizes {
				data := textBytes(rng, size)
				if i%2 == 0 {
					data = randomBytes(rng, size)
				}
				id := testID(uint64(i))
				info := put(t, s, id, data)
				want := Info{ID: id, Size: int64(size), Leaves: leavesOf(data), StoredSize: info.StoredSize}
				if !infoEqual(info, want) {
					t.Fatalf("size %d: Commit returned %+v, want %+v", size, info, want)
				}
				o, err := b.core.Client.StatObject(context.Background(), b.name, b.key(segmentsDir+id.String()+segSuffix), minio.StatObjectOptions{})
				if err != nil || o.Size != info.StoredSize {
					t.Fatalf("size %d: object of %d bytes (%v), Commit says %d", size, o.Size, err, info.StoredSize)
				}
				if stat, err := s.Stat(id); err != nil || !infoEqual(stat, want) {
					t.Fatalf("size %d: Stat = %+v, %v; want %+v", size, stat, err, want)
				}
				if err := s.Verify(id); err != nil {
					t.Fatal(err)
				}
				if got := get(t, s, id); !bytes.Equal(got, data) {
					t.Fatalf("size %d: read back %d different bytes", size, len(got))
				}
				for range 4 {
					off := rng.Int64N(int64(size) + 1)
					n := rng.Int64N(int64(size) - off + 1)
					got, err := readRange(s, id, off, n)
					if err != nil || !bytes.Equal(got, data[off:off+n]) {
						t.Fatalf("size %d: range [%d,+%d): %d bytes, %v", size, off, n, len(got), err)
					}
				}
			}
			if got := list(t, s); len(got) != len(sizes) {
				t.Fatalf("List = %d segments, want %d", len(got), len(sizes))
			}
		})
	}
}

// testS3RangedReads checks that opening a segment costs one ranged GET of
// its tail and reading a range one GET per chunk it touches, of that
// chunk's frame only.
func testS3RangedReads(t *testing.T, env *s3Env) {
	cnt := newCounter(t)
	cfg := env.config(t)
	cfg.Transport = cnt
	s, _ := openS3(t, cfg, &Options{Codec: CodecNone})
	// The last chunk, of 1000 bytes, lies in the tail that Open reads.
	data := randomBytes(rand.New(rand.NewPCG(3, 0)), 20*ChunkSize+1000)
	id := testID(1)
	put(t, s, id, data)

	cnt.reset()
	r, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if c := cnt.snapshot(); c.gets != 1 || c.getBytes != tailSize {
		t.Fatalf("Open: %d GETs of %d bytes, want 1 of %d", c.gets, c.getBytes, tailSize)
	}
	for _, tc := range []struct {
		off, n    int64
		chunks    int
		exact     bool // one GET per chunk, of its frame alone
		maxGets   int
		maxFrames int
	}{
		{7*ChunkSize + 10, 100, 1, true, 1, 1},
		{20*ChunkSize + 500, 10, 0, true, 0, 0}, // in the tail Open read
		{3*ChunkSize - 5, 10, 2, false, 1, 2},   // one GET of both frames
		{0, 20*ChunkSize + 1000, 21, false, 1, 21},
	} {
		cnt.reset()
		rr, err := r.NewRangeReader(tc.off, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rr)
		rr.Close()
		if err != nil || !bytes.Equal(got, data[tc.off:tc.off+tc.n]) {
			t.Fatalf("range [%d,+%d): %v", tc.off, tc.n, err)
		}
		c := cnt.snapshot()
		const frame = ChunkSize + frameHeaderSize
		if tc.exact && (c.gets != tc.chunks || c.getBytes != int64(tc.chunks)*frame) {
			t.Errorf("range [%d,+%d): %d GETs of %d bytes, want %d of %d", tc.off, tc.n, c.gets, c.getBytes, tc.chunks, int64(tc.chunks)*frame)
		}
		if c.gets > tc.maxGets || c.getBytes > int64(tc.maxFrames)*frame {
			t.Errorf("range [%d,+%d) of %d chunks: %d GETs of %d bytes, want at most %d of %d frames", tc.off, tc.n, tc.chunks, c.gets, c.getBytes, tc.maxGets, tc.maxFrames)
		}
	}
	if err := s.Verify(id); err != nil {
		t.Fatal(err)
	}
	// Concurrent reads, in and out of order, through one object.
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for i := range 12 {
				off := int64(i+g) % 21 * ChunkSize
				if rng.IntN(3) == 0 {
					off = rng.Int64N(int64(len(data)))
				}
				p := make([]byte, min(int64(rng.IntN(3*ChunkSize)), int64(len(data))-off))
				if n, err := r.ReadAt(p, off); n != len(p) || err != nil || !bytes.Equal(p, data[off:off+int64(n)]) {
					t.Errorf("ReadAt(%d bytes, %d) = %d, %v", len(p), off, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// testS3ParallelParts checks that a large segment is uploaded in parts,
// several at a time but never more than PartsInFlight, and a small one
// with a single PUT.
func testS3ParallelParts(t *testing.T, env *s3Env) {
	cnt := newCounter(t)
	cfg := env.config(t)
	cfg.Transport = cnt
	cfg.PartsInFlight = 3
	s, _ := openS3(t, cfg, &Options{Codec: CodecNone})
	data := randomBytes(rand.New(rand.NewPCG(4, 0)), 8*MinPartSize+7)
	cnt.reset()
	put(t, s, testID(1), data)
	c := cnt.snapshot()
	if c.maxPartsIn < 2 || c.maxPartsIn > 3 {
		t.Errorf("%d parts in flight at most, want 2 or 3", c.maxPartsIn)
	}
	if c.completes != 1 || c.singlePuts != 0 {
		t.Errorf("%d completions and %d single PUTs, want 1 and 0", c.completes, c.singlePuts)
	}
	if got := get(t, s, testID(1)); !bytes.Equal(got, data) {
		t.Fatal("read back different bytes")
	}

	cnt.reset()
	put(t, s, testID(2), data[:MinPartSize-ChunkSize])
	if c := cnt.snapshot(); c.singlePuts != 1 || c.completes != 0 || c.maxPartsIn != 0 {
		t.Errorf("small segment: %d single PUTs, %d completions, %d parts; want 1, 0, 0", c.singlePuts, c.completes, c.maxPartsIn)
	}
}

func testS3Lifecycle(t *testing.T, env *s3Env) {
	s, b := openS3(t, env.config(t), nil)
	// A NoSuchKey is believed at once: this store is healthy.
	b.notFoundBackoff = nil
	rng := rand.New(rand.NewPCG(5, 0))
	data := randomBytes(rng, 3*MinPartSize)

	if _, err := s.Open(testID(1)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open of a missing segment: %v, want ErrNotFound", err)
	}
	// Being written: invisible, even once parts are stored.
	w, err := s.Create(testID(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if n := incompleteUploads(t, b, testID(1)); n != 1 {
		t.Fatalf("%d incomplete uploads while writing, want 1", n)
	}
	if got := list(t, s); len(got) != 0 {
		t.Fatalf("List while writing = %v, want nothing", got)
	}
	if _, err := s.Stat(testID(1)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Stat while writing: %v, want ErrNotFound", err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := list(t, s); len(got) != 0 {
		t.Fatalf("List after Abort = %v, want nothing", got)
	}
	if n := incompleteUploads(t, b, testID(1)); n != 0 {
		t.Fatalf("%d incomplete uploads after Abort", n)
	}

	put(t, s, testID(1), data)
	if _, err := s.Create(testID(1)); !errors.Is(err, ErrExist) {
		t.Fatalf("Create of a committed segment: %v, want ErrExist", err)
	}
	r, err := s.Open(testID(1))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := s.Delete(testID(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(testID(1)); err != nil {
		t.Fatalf("Delete of a deleted segment: %v", err)
	}
	if got := list(t, s); len(got) != 0 {
		t.Fatalf("List after Delete = %v", got)
	}
	// Unlike a file, the object is gone for open Readers too.
	if _, err := r.ReadAt(make([]byte, 10), 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReadAt of a deleted segment: %v, want ErrNotFound", err)
	}
}

func testS3Corruption(t *testing.T, env *s3Env) {
	s, b := openS3(t, env.config(t), &Options{Codec: CodecNone})
	data := randomBytes(rand.New(rand.NewPCG(7, 0)), 3*ChunkSize)
	id := testID(1)
	put(t, s, id, data)
	name := segmentsDir + id.String() + segSuffix
	rc, err := b.Get(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw[ChunkSize+frameHeaderSize+100] ^= 1 // in chunk 1's bytes
	if err := b.Put(context.Background(), name, bytes.NewReader(raw), int64(len(raw))); err != nil {
		t.Fatal(err)
	}
	_, err = readRange(s, id, ChunkSize, 10)
	wantCorrupt(t, err, 1)
	wantCorrupt(t, s.Verify(id), 1)
	if got, err := readRange(s, id, 2*ChunkSize, ChunkSize); err != nil || !bytes.Equal(got, data[2*ChunkSize:]) {
		t.Fatalf("intact chunk 2: %v", err)
	}
}

func testS3Bucket(t *testing.T, env *s3Env) {
	ctx := context.Background()
	cfg := env.config(t)
	b, err := OpenBucket(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "s3://"+cfg.Bucket+"/"+cfg.Prefix; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	big := randomBytes(rand.New(rand.NewPCG(8, 0)), 2*MinPartSize+1)
	objects := map[string][]byte{"a/1": []byte("one"), "a/2": big, "b/1": nil}
	for name, data := range objects {
		if err := b.Put(ctx, name, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range objects {
		rc, err := b.Get(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Get(%s): %d bytes, %v", name, len(got), err)
		}
	}
	if got, err := b.List(ctx, "a/"); err != nil || !slices.Equal(got, []string{"a/1", "a/2"}) {
		t.Fatalf("List(a/) = %v, %v", got, err)
	}
	if err := b.Delete(ctx, "a/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, "a/1"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Get of a deleted object: %v, want fs.ErrNotExist", err)
	}
	if err := b.Delete(ctx, "a/1"); err != nil {
		t.Fatalf("Delete of a missing object: %v", err)
	}

	cfg.Bucket = "firn-no-such-bucket"
	if _, err := OpenBucket(ctx, cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("OpenBucket of a missing bucket: %v", err)
	}
	cfg = env.config(t)
	cfg.SecretAccessKey = "wrong"
	if _, err := OpenBucket(ctx, cfg); err == nil {
		t.Fatal("OpenBucket with a wrong key succeeded")
	}
}

// testS3TransientNotFound checks that NoSuchKey answers to GETs of an
// object that exists, as a MinIO node gives while it reconnects to its
// peers after a restart, are not taken for the object's absence by any
// reader, as long as the store serves the object again soon.
func testS3TransientNotFound(t *testing.T, env *s3Env) {
	ctx := context.Background()
	flaky := env.c.Flaky()
	cfg := env.config(t)
	cfg.Transport = flaky
	s, b := openS3(t, cfg, &Options{Codec: CodecNone})
	data := randomBytes(rand.New(rand.NewPCG(9, 0)), 40*ChunkSize)
	id := testID(1)
	want := put(t, s, id, data)
	want.Leaves = leavesOf(data)

	flaky.LoseGets(3)
	if info, err := s.Stat(id); err != nil || !infoEqual(info, want) {
		t.Fatalf("Stat while the store answers NoSuchKey 3 times: %+v, %v", info, err)
	}
	flaky.LoseGets(3)
	if err := s.Verify(id); err != nil {
		t.Fatalf("Verify while the store answers NoSuchKey 3 times: %v", err)
	}
	r, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	flaky.LoseGets(3)
	p := make([]byte, 100)
	if _, err := r.ReadAt(p, 5*ChunkSize); err != nil || !bytes.Equal(p, data[5*ChunkSize:5*ChunkSize+100]) {
		t.Fatalf("ReadAt while the store answers NoSuchKey 3 times: %v", err)
	}
	flaky.LoseGets(3)
	if got, err := readRange(s, id, 0, int64(len(data))); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("range read while the store answers NoSuchKey 3 times: %v", err)
	}
	if err := b.Put(ctx, "other", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	flaky.LoseGets(3)
	rc, err := b.Get(ctx, "other")
	if err != nil {
		t.Fatalf("Bucket.Get while the store answers NoSuchKey 3 times: %v", err)
	}
	rc.Close()
	if n := flaky.Lost(); n != 15 {
		t.Fatalf("%d GETs answered NoSuchKey, want 15", n)
	}

	// A store that keeps answering NoSuchKey for an object it lists is
	// unavailable; one that also lists no such object is believed.
	b.notFoundBackoff = []time.Duration{0, time.Millisecond}
	flaky.LoseGets(-1)
	for _, hide := range []bool{false, true} {
		flaky.HideListings(hide)
		lost, listings := flaky.Lost(), flaky.Listings()
		_, err := s.Stat(id)
		if errors.Is(err, ErrNotFound) != hide || !hide && !strings.Contains(err.Error(), "lists the object") {
			t.Errorf("Stat with the object listed %v: %v", !hide, err)
		}
		if n, l := flaky.Lost()-lost, flaky.Listings()-listings; n != 3 || l != 1 {
			t.Errorf("Stat sent %d GETs and %d listings, want 3 and 1", n, l)
		}
		if err := s.Verify(id); errors.Is(err, ErrNotFound) != hide {
			t.Errorf("Verify with the object listed %v: %v", !hide, err)
		}
		if _, err := r.ReadAt(p, 5*ChunkSize); err == nil || errors.Is(err, ErrNotFound) != hide {
			t.Errorf("ReadAt with the object listed %v: %v", !hide, err)
		}
		if _, err := b.Get(ctx, "other"); err == nil || errors.Is(err, fs.ErrNotExist) != hide {
			t.Errorf("Bucket.Get with the object listed %v: %v", !hide, err)
		}
	}
	flaky.HideListings(false)
	flaky.LoseGets(0)
	if err := s.Verify(id); err != nil {
		t.Fatalf("Verify once the store serves the object again: %v", err)
	}
}

func TestBucketConfigValidate(t *testing.T) {
	ok := BucketConfig{Endpoint: "127.0.0.1:9000", Bucket: "b"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg  BucketConfig
		want []string
	}{
		{BucketConfig{}, []string{"Endpoint: required", "Bucket: required"}},
		{BucketConfig{Endpoint: "http://h:1", Bucket: "b"}, []string{"without scheme"}},
		{BucketConfig{Endpoint: "h", Bucket: "b", PartSize: MinPartSize - 1, PartsInFlight: -1}, []string{"PartSize", "PartsInFlight"}},
		{BucketConfig{Endpoint: "h", Bucket: "b", PartSize: MaxPartSize + 1}, []string{"PartSize"}},
	} {
		err := tc.cfg.Validate()
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("Validate(%+v) = %v, want it to mention %q", tc.cfg, err, w)
			}
		}
		if _, oerr := OpenBucket(context.Background(), tc.cfg); oerr == nil {
			t.Errorf("OpenBucket(%+v) succeeded", tc.cfg)
		}
	}
}

// TestS3Spans checks that bytes kept for reads arriving out of order serve
// each read once, whatever the order.
func TestS3Spans(t *testing.T) {
	data := randomBytes(rand.New(rand.NewPCG(10, 0)), 4000)
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}} {
		o := &s3Object{}
		o.keep(span{100, slices.Clone(data[100:3900])})
		for _, k := range order {
			off := int64(100 + k*950)
			b := make([]byte, 950)
			if !o.fromSpans(b, off) || !bytes.Equal(b, data[off:off+950]) {
				t.Fatalf("order %v: read %d not served from the kept bytes", order, k)
			}
			if o.fromSpans(b, off) {
				t.Fatalf("order %v: read %d served twice", order, k)
			}
		}
		if len(o.spans) != 0 || o.held != 0 {
			t.Fatalf("order %v: %d spans, %d bytes left", order, len(o.spans), o.held)
		}
	}
}

func FuzzObjectSize(f *testing.F) {
	f.Add("bytes 0-99/100", "")
	f.Add("", "42")
	f.Add("bytes */7", "")
	f.Add("bytes 1-2/-3", "")
	f.Fuzz(func(t *testing.T, contentRange, contentLength string) {
		h := http.Header{}
		if contentRange != "" {
			h.Set("Content-Range", contentRange)
		}
		h.Set("Content-Length", contentLength)
		n, err := objectSize(h)
		if err == nil && n < 0 {
			t.Fatalf("objectSize(%q, %q) = %d", contentRange, contentLength, n)
		}
	})
}

// testS3ConditionalWrites checks that the store honours PutIf's conditions,
// and that of writers racing on one version exactly one wins.
func testS3ConditionalWrites(t *testing.T, env *s3Env) {
	ctx := context.Background()
	b, err := OpenBucket(ctx, env.config(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.GetVersioned(ctx, "x"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("GetVersioned of a missing object: %v, want fs.ErrNotExist", err)
	}
	v1, err := b.PutIf(ctx, "x", []byte("one"), "")
	if err != nil {
		t.Fatalf("PutIf creating: %v", err)
	}
	if _, err := b.PutIf(ctx, "x", []byte("again"), ""); !errors.Is(err, ErrChanged) {
		t.Fatalf("PutIf creating an existing object: %v, want ErrChanged", err)
	}
	v2, err := b.PutIf(ctx, "x", []byte("two"), v1)
	if err != nil || v2 == v1 {
		t.Fatalf("PutIf on the current ETag: %q, %v; want a new ETag", v2, err)
	}
	if _, err := b.PutIf(ctx, "x", []byte("stale"), v1); !errors.Is(err, ErrChanged) {
		t.Fatalf("PutIf on a replaced ETag: %v, want ErrChanged", err)
	}
	if data, etag, err := b.GetVersioned(ctx, "x"); err != nil || string(data) != "two" || etag != v2 {
		t.Fatalf("GetVersioned = %q, %q, %v; want \"two\", %q", data, etag, err, v2)
	}

	for name, base := range map[string]string{"fresh": "", "x": v2} {
		const writers = 8
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				_, err := b.PutIf(ctx, name, []byte{byte(i)}, base)
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, ErrChanged):
					t.Errorf("racing PutIf: %v", err)
				}
			})
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Errorf("%d of %d PutIfs on version %q of %s won, want exactly 1", n, writers, base, name)
		}
	}
}
