package blob

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/minio/minio-go/v7"

	"github.com/firnstore/firn/internal/miniotest"
)

// s3BenchSize is the archive size of BenchmarkS3: FIRN_BENCH_S3_SIZE bytes
// (1073741824 for the 1 GiB figure), else 64 MiB.
func s3BenchSize(b *testing.B) int {
	v := os.Getenv("FIRN_BENCH_S3_SIZE")
	if v == "" {
		return 64 << 20
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("FIRN_BENCH_S3_SIZE=%q: want a positive number of bytes", v)
	}
	return n
}

// BenchmarkS3 uploads and retrieves one incompressible archive-sized
// segment on the local backend, on the S3 backend against a 4-node MinIO
// on loopback, and, as the baseline, with minio-go's own PutObject and
// GetObject of the same bytes with the same part size and parallelism.
// Compare the MB/s of minio/... with local/... and with minio-go/....
//
//	FIRN_BENCH_S3_SIZE=1073741824 go test -run '^$' -bench S3 -benchtime 2x ./internal/blob/
func BenchmarkS3(b *testing.B) {
	size := s3BenchSize(b)
	data := randomBytes(rand.New(rand.NewPCG(21, 21)), size)
	c := miniotest.Start(b)
	bucket := c.NewBucket()
	ctx := context.Background()
	bk, err := OpenBucket(ctx, BucketConfig{Endpoint: c.Endpoint(0), Bucket: bucket, Prefix: "bench/",
		AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey})
	if err != nil {
		b.Fatal(err)
	}
	s3, err := OpenS3(ctx, bk, nil)
	if err != nil {
		b.Fatal(err)
	}
	local, err := Open(vfs.Default, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}

	for _, st := range []struct {
		name string
		s    *Store
	}{{"local", local}, {"minio", s3}} {
		b.Run(st.name+"/upload", func(b *testing.B) {
			b.SetBytes(int64(size))
			for i := uint64(0); b.Loop(); i++ {
				w, err := st.s.Create(testID(i))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := w.ReadFrom(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
				if _, err := w.Commit(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := st.s.Delete(testID(i)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
		b.Run(st.name+"/retrieve", func(b *testing.B) {
			id := testID(1 << 40)
			put(b, st.s, id, data)
			b.SetBytes(int64(size))
			for b.Loop() {
				r, err := st.s.Open(id)
				if err != nil {
					b.Fatal(err)
				}
				rr, err := r.NewRangeReader(0, int64(size))
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, rr); err != nil || n != int64(size) {
					b.Fatalf("read %d bytes: %v", n, err)
				}
				rr.Close()
				r.Close()
			}
		})
	}

	cl := c.Client()
	putBaseline := func(b *testing.B) {
		_, err := cl.PutObject(ctx, bucket, "baseline", bytes.NewReader(data), int64(size),
			minio.PutObjectOptions{PartSize: DefaultPartSize, NumThreads: DefaultPartsInFlight})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Run("minio-go/upload", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			putBaseline(b)
		}
	})
	b.Run("minio-go/retrieve", func(b *testing.B) {
		putBaseline(b)
		b.SetBytes(int64(size))
		for b.Loop() {
			o, err := cl.GetObject(ctx, bucket, "baseline", minio.GetObjectOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, o); err != nil || n != int64(size) {
				b.Fatalf("read %d bytes: %v", n, err)
			}
			o.Close()
		}
	})
}
