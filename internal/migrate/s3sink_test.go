package migrate

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/treehash"
	"github.com/minio/minio-go/v7"
)

var _ Sink = (*S3Sink)(nil)

// testArchive is an archive of the inventory with its bytes.
type testArchive struct {
	Archive
	body []byte
}

func newTestArchive(id, desc string, created time.Time, body []byte) testArchive {
	h := treehash.New()
	h.Write(body)
	return testArchive{Archive{ID: id, Description: desc, CreationDate: created, Size: int64(len(body)), TreeHash: hex.EncodeToString(h.Sum(nil))}, body}
}

// glacierID returns an archive ID shaped as Glacier's: 138 characters of
// the URL-safe base64 alphabet.
func glacierID(c byte) string {
	return strings.Repeat(string(c), 100) + "-_0123456789abcdefghijklmnopqrstuvwxyzA"
}

// One MinIO cluster serves every subtest, each in a bucket of its own.
func TestS3Sink(t *testing.T) {
	c := miniotest.Start(t)
	client := c.Client()
	ctx := context.Background()
	config := func(bucket string) S3SinkConfig {
		return S3SinkConfig{
			Endpoint:        c.Endpoint(0),
			AccessKeyID:     miniotest.AccessKey,
			SecretAccessKey: miniotest.SecretKey,
			Transport:       c.Transport(),
			Bucket:          bucket,
		}
	}
	newSink := func(t *testing.T, cfg S3SinkConfig) *S3Sink {
		t.Helper()
		s, err := NewS3Sink(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	inventoryOf := func(as []testArchive) []Archive {
		var inv []Archive
		for _, a := range as {
			inv = append(inv, a.Archive)
		}
		return inv
	}
	readObject := func(t *testing.T, bucket, key string) []byte {
		t.Helper()
		o, err := client.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		b, err := io.ReadAll(o)
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		return b
	}

	t.Run("Export", func(t *testing.T) {
		bucket := c.NewBucket()
		cfg := config(bucket)
		cfg.Prefix = "vaults/photos" // no trailing '/'
		cfg.Name = "{date}/{description}"
		cfg.StorageClass = "REDUCED_REDUNDANCY"
		cfg.PartSize = 5 << 20
		day := time.Date(2019, 3, 20, 23, 30, 0, 0, time.FixedZone("PDT", -7*3600)) // 2019-03-21 in UTC
		big := bytes.Repeat([]byte("firn"), (5<<20+3)/4+1)[:5<<20+3]
		archives := []testArchive{
			newTestArchive(glacierID('a'), "2019/summer.tar", day, []byte("x")),
			newTestArchive(glacierID('b'), "2019/summer.tar", day.Add(time.Hour), []byte("another summer")),
			newTestArchive(glacierID('c'), `C:\Users\me "quoted" ünïcode 100%`, day.Add(2*time.Hour), []byte("odd")),
			newTestArchive(glacierID('d'), "", day.Add(3*time.Hour), nil),
			newTestArchive(glacierID('e'), "big one", day.Add(4*time.Hour), big),
		}
		wantKeys := []string{
			"vaults/photos/2019-03-21/2019/summer.tar",
			"vaults/photos/2019-03-21/" + glacierID('b'),
			"vaults/photos/2019-03-21/" + glacierID('c'),
			"vaults/photos/2019-03-21/" + glacierID('d'),
			"vaults/photos/2019-03-21/big one",
		}
		s := newSink(t, cfg)
		if s.String() != "s3://"+bucket+"/vaults/photos/" {
			t.Errorf("String() = %q", s)
		}
		if err := s.Begin(ctx, inventoryOf(archives)); err != nil {
			t.Fatal(err)
		}
		var results []Result
		for i, a := range archives {
			if loc, ok, err := s.Has(ctx, &a.Archive); ok || err != nil {
				t.Fatalf("Has(%s) before Put = %q, %v, %v", a.ID, loc, ok, err)
			}
			loc, err := s.Put(ctx, &a.Archive, bytes.NewReader(a.body))
			if err != nil {
				t.Fatalf("Put(%s): %v", a.ID, err)
			}
			if loc != wantKeys[i] {
				t.Errorf("Put(%s) = %q, want %q", a.ID, loc, wantKeys[i])
			}
			if loc, ok, err := s.Has(ctx, &a.Archive); loc != wantKeys[i] || !ok || err != nil {
				t.Errorf("Has(%s) after Put = %q, %v, %v", a.ID, loc, ok, err)
			}
			results = append(results, Result{Archive: a.Archive, Status: Copied, Location: loc})
		}
		results = append(results, Result{Archive: newTestArchive(glacierID('f'), "gone", day, nil).Archive, Status: DeletedAtSource})
		results[1].Status, results[1].Error = Failed, "tree hash mismatch"
		if err := s.Finish(ctx, results); err != nil {
			t.Fatal(err)
		}

		for i, a := range archives {
			if got := readObject(t, bucket, wantKeys[i]); !bytes.Equal(got, a.body) {
				t.Errorf("%s: %d bytes, want %d", wantKeys[i], len(got), len(a.body))
			}
			info, err := client.StatObject(ctx, bucket, wantKeys[i], minio.StatObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			meta := func(name string) string {
				v, err := url.PathUnescape(info.Metadata.Get("X-Amz-Meta-" + name))
				if err != nil {
					t.Errorf("%s: x-amz-meta-%s: %v", wantKeys[i], name, err)
				}
				return v
			}
			created, err := time.Parse(time.RFC3339, meta("Creation-Date"))
			if err != nil || !created.Equal(a.CreationDate) {
				t.Errorf("%s: creation date %q, want %v", wantKeys[i], meta("Creation-Date"), a.CreationDate)
			}
			if meta("Archive-Id") != a.ID || meta("Description") != a.Description || meta("Sha256-Tree-Hash") != a.TreeHash ||
				meta("Size") != strconv.FormatInt(a.Size, 10) {
				t.Errorf("%s: metadata %v, want archive %+v", wantKeys[i], info.Metadata, a.Archive)
			}
			// minio-go's StatObject leaves ObjectInfo.StorageClass empty.
			if sc := info.Metadata.Get("X-Amz-Storage-Class"); sc != "REDUCED_REDUNDANCY" {
				t.Errorf("%s: storage class %q", wantKeys[i], sc)
			}
		}
		// The description's encoding is printable ASCII, decoded as is.
		info, _ := client.StatObject(ctx, bucket, wantKeys[2], minio.StatObjectOptions{})
		if got, want := info.Metadata.Get("X-Amz-Meta-Description"), `C:\Users\me%20"quoted"%20%C3%BCn%C3%AFcode%20100%25`; got != want {
			t.Errorf("encoded description %q, want %q", got, want)
		}
		// 5 MiB + 3 bytes in 5 MiB parts: a multipart upload of two.
		info, _ = client.StatObject(ctx, bucket, wantKeys[4], minio.StatObjectOptions{})
		if !strings.HasSuffix(info.ETag, "-2") {
			t.Errorf("big archive's ETag %q: not a multipart upload of 2 parts", info.ETag)
		}

		var m struct {
			Bucket, Prefix string
			ArchiveList    []map[string]any
		}
		if err := json.Unmarshal(readObject(t, bucket, "vaults/photos/manifest.json"), &m); err != nil {
			t.Fatal(err)
		}
		if m.Bucket != bucket || m.Prefix != "vaults/photos/" || len(m.ArchiveList) != len(results) {
			t.Fatalf("manifest: %+v", m)
		}
		for i, r := range results {
			e := m.ArchiveList[i]
			want := map[string]any{
				"ArchiveId": r.ID, "ArchiveDescription": r.Description, "CreationDate": r.CreationDate.UTC().Format(time.RFC3339),
				"Size": float64(r.Size), "SHA256TreeHash": r.TreeHash, "Status": string(r.Status),
			}
			if i < len(wantKeys) {
				want["Key"] = wantKeys[i]
			}
			if r.Error != "" {
				want["Error"] = r.Error
			}
			for k, v := range want {
				if e[k] != v {
					t.Errorf("manifest entry %d: %s = %v, want %v", i, k, e[k], v)
				}
			}
		}
		info, _ = client.StatObject(ctx, bucket, "vaults/photos/manifest.json", minio.StatObjectOptions{})
		if sc := info.Metadata.Get("X-Amz-Storage-Class"); sc == "REDUCED_REDUNDANCY" || info.ContentType != "application/json" {
			t.Errorf("manifest: storage class %q, content type %q; want the bucket's default, application/json", sc, info.ContentType)
		}

		// A second run finds every archive present, under the same key;
		// putting one again (as after a crash between Put and its report)
		// succeeds and leaves it as it was.
		again := newSink(t, cfg)
		if err := again.Begin(ctx, inventoryOf(archives)); err != nil {
			t.Fatal(err)
		}
		for i, a := range archives {
			if loc, ok, err := again.Has(ctx, &a.Archive); loc != wantKeys[i] || !ok || err != nil {
				t.Errorf("second run: Has(%s) = %q, %v, %v", a.ID, loc, ok, err)
			}
		}
		for _, i := range []int{0, 4} {
			if loc, err := again.Put(ctx, &archives[i].Archive, bytes.NewReader(archives[i].body)); loc != wantKeys[i] || err != nil {
				t.Errorf("second run: Put(%s) = %q, %v", archives[i].ID, loc, err)
			}
			if got := readObject(t, bucket, wantKeys[i]); !bytes.Equal(got, archives[i].body) {
				t.Errorf("%s after a second Put: %d bytes", wantKeys[i], len(got))
			}
		}
	})

	t.Run("Occupied", func(t *testing.T) {
		bucket := c.NewBucket()
		cfg := config(bucket)
		cfg.PartSize = 5 << 20
		s := newSink(t, cfg)
		// Multipart: the condition holds for completing an upload too.
		a := newTestArchive(glacierID('a'), "mine", time.Unix(1e9, 0), bytes.Repeat([]byte("a"), 6<<20))
		other := newTestArchive(glacierID('b'), "other", time.Unix(1e9, 0), []byte("something else"))
		if err := s.Begin(ctx, []Archive{a.Archive}); err != nil {
			t.Fatal(err)
		}
		// An object of the user's at the key, and one of another archive
		// (same ID, other bytes).
		key := a.ID
		if _, err := client.PutObject(ctx, bucket, key, strings.NewReader("user data"), 9, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		check := func(what string) {
			t.Helper()
			if _, ok, err := s.Has(ctx, &a.Archive); ok || err == nil || !strings.Contains(err.Error(), "s3://"+bucket+"/"+key) {
				t.Errorf("%s: Has = %v, %v; want an error naming the key", what, ok, err)
			}
			if _, err := s.Put(ctx, &a.Archive, bytes.NewReader(a.body)); err == nil || !strings.Contains(err.Error(), "s3://"+bucket+"/"+key) {
				t.Errorf("%s: Put = %v; want an error naming the key", what, err)
			}
		}
		check("user data")
		if got := readObject(t, bucket, key); string(got) != "user data" {
			t.Errorf("object overwritten: %q", got)
		}
		if err := client.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		forged := other
		forged.ID = a.ID
		if err := s.Begin(ctx, []Archive{forged.Archive}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, &forged.Archive, bytes.NewReader(forged.body)); err != nil {
			t.Fatal(err)
		}
		check("another archive's bytes")
	})

	t.Run("ShortBody", func(t *testing.T) {
		bucket := c.NewBucket()
		cfg := config(bucket)
		cfg.PartSize = 5 << 20
		s := newSink(t, cfg)
		small := newTestArchive(glacierID('a'), "", time.Unix(1e9, 0), []byte("0123456789"))
		large := newTestArchive(glacierID('b'), "", time.Unix(1e9, 0), make([]byte, 11<<20))
		if err := s.Begin(ctx, []Archive{small.Archive, large.Archive}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []testArchive{small, large} {
			if _, err := s.Put(ctx, &a.Archive, bytes.NewReader(a.body[:len(a.body)-1])); err == nil {
				t.Errorf("Put(%d bytes) of %d bytes succeeded", len(a.body)-1, a.Size)
			}
			if _, ok, err := s.Has(ctx, &a.Archive); ok || err != nil {
				t.Errorf("after a failed Put: Has = %v, %v; want no object", ok, err)
			}
		}
	})

	t.Run("NoBucket", func(t *testing.T) {
		s := newSink(t, config("firn-no-such-bucket"))
		if err := s.Begin(ctx, nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("Begin = %v", err)
		}
	})
}

func TestNewS3SinkInvalid(t *testing.T) {
	_, err := NewS3Sink(S3SinkConfig{Endpoint: "http://host", Name: "{date}", PartSize: 1 << 20, Concurrency: -1})
	for _, want := range []string{"Endpoint", "Bucket", "Name", "PartSize", "Concurrency"} {
		if err == nil || !strings.Contains(err.Error(), "S3SinkConfig."+want) {
			t.Errorf("NewS3Sink: %v; want an error naming %s", err, want)
		}
	}
}

// Archives too large for 10,000 parts of the part size get larger parts.
func TestS3PartSize(t *testing.T) {
	for _, c := range []struct{ size, min, want int64 }{
		{0, 16 << 20, 16 << 20},
		{5<<30 + 1, 16 << 20, 16 << 20},
		{16 << 20 * s3MaxParts, 16 << 20, 16 << 20},
		{16<<20*s3MaxParts + 1, 16 << 20, 17 << 20},
		{10 << 40, 16 << 20, 1049 << 20},
		{40 << 40, 5 << 20, 4195 << 20},
	} {
		got := s3PartSize(c.size, c.min)
		if got != c.want || (c.size+got-1)/got > s3MaxParts {
			t.Errorf("s3PartSize(%d, %d) = %d, want %d", c.size, c.min, got, c.want)
		}
	}
}
