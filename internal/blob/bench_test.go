package blob

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

const benchSize = 64 << 20

// loop runs body b.N times and reports, besides wall time, the CPU time per
// operation, which a busy machine distorts less.
func loop(b *testing.B, body func(i uint64)) { loopBytes(b, benchSize, body) }

// loopBytes is loop for a body that handles n bytes.
func loopBytes(b *testing.B, n int64, body func(i uint64)) {
	b.SetBytes(n)
	var start time.Duration
	for i := uint64(0); b.Loop(); i++ {
		if i == 0 {
			start = cpuTime()
		}
		body(i)
	}
	b.ReportMetric(float64(cpuTime()-start)/1e6/float64(b.N), "cpu-ms/op")
}

var benchKinds = []string{"random", "text"}

func benchData(kind string) []byte {
	rng := rand.New(rand.NewPCG(13, 13))
	switch kind {
	case "text":
		return textBytes(rng, benchSize)
	case "mixed":
		// Runs of 8 chunks, text then random: a body whose compressibility
		// changes as it is written, as a tar of logs and media does.
		b := make([]byte, 0, benchSize)
		for len(b) < benchSize {
			b = append(b, textBytes(rng, 8*ChunkSize)...)
			b = append(b, randomBytes(rng, 8*ChunkSize)...)
		}
		return b[:benchSize]
	}
	return randomBytes(rng, benchSize)
}

// BenchmarkWrite writes and commits (fsync included) 64 MiB segments on
// the real filesystem. Compare with BenchmarkWriteBaseline.
func BenchmarkWrite(b *testing.B) {
	for _, kind := range benchKinds {
		data := benchData(kind)
		for _, codec := range allCodecs {
			b.Run(fmt.Sprintf("%s/%s", kind, codec), func(b *testing.B) {
				s, err := Open(vfs.Default, b.TempDir(), &Options{Codec: codec})
				if err != nil {
					b.Fatal(err)
				}
				var info Info
				loop(b, func(i uint64) {
					info = put(b, s, testID(i), data)
					if err := s.Delete(info.ID); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(float64(info.StoredSize)/float64(info.Size), "stored/raw")
			})
		}
	}
}

// BenchmarkWriteConcurrent writes and commits 64 MiB segments with the
// default codec from 1 and from 4 Writers at once, of incompressible,
// compressible and mixed bodies; MB/s counts the bytes of all writers.
func BenchmarkWriteConcurrent(b *testing.B) {
	for _, kind := range []string{"random", "text", "mixed"} {
		data := benchData(kind)
		for _, writers := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/writers=%d", kind, writers), func(b *testing.B) {
				s, err := Open(vfs.Default, b.TempDir(), nil)
				if err != nil {
					b.Fatal(err)
				}
				var stored, raw atomic.Int64
				loopBytes(b, int64(writers)*benchSize, func(i uint64) {
					var wg sync.WaitGroup
					for k := range uint64(writers) {
						wg.Go(func() {
							w, err := s.Create(testID(i*uint64(writers) + k))
							if err != nil {
								b.Error(err)
								return
							}
							w.Write(data) // an error here is Commit's too
							info, err := w.Commit()
							if err == nil {
								err = s.Delete(info.ID)
							}
							if err != nil {
								b.Error(err)
							}
							stored.Add(info.StoredSize)
							raw.Add(info.Size)
						})
					}
					wg.Wait()
				})
				b.ReportMetric(float64(stored.Load())/float64(raw.Load()), "stored/raw")
			})
		}
	}
}

// BenchmarkWriteBaseline writes and fsyncs the same bytes to a plain file.
func BenchmarkWriteBaseline(b *testing.B) {
	data := benchData("random")
	name := filepath.Join(b.TempDir(), "plain")
	loop(b, func(uint64) {
		f, err := os.Create(name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Remove(name); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRead streams a whole 64 MiB segment (from the page cache) with
// io.Copy, checking every CRC and decompressing.
func BenchmarkRead(b *testing.B) {
	for _, kind := range benchKinds {
		data := benchData(kind)
		for _, codec := range allCodecs {
			b.Run(fmt.Sprintf("%s/%s", kind, codec), func(b *testing.B) {
				s, err := Open(vfs.Default, b.TempDir(), &Options{Codec: codec})
				if err != nil {
					b.Fatal(err)
				}
				put(b, s, testID(1), data)
				loop(b, func(uint64) {
					r, err := s.Open(testID(1))
					if err != nil {
						b.Fatal(err)
					}
					rr, err := r.NewRangeReader(0, benchSize)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.Copy(io.Discard, rr); err != nil {
						b.Fatal(err)
					}
					rr.Close()
					r.Close()
				})
			})
		}
	}
}

// BenchmarkReadBaseline reads the same bytes from a plain file in 1 MiB
// reads.
func BenchmarkReadBaseline(b *testing.B) {
	name := filepath.Join(b.TempDir(), "plain")
	if err := os.WriteFile(name, benchData("random"), 0o644); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, ChunkSize)
	loop(b, func(uint64) {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf); err != nil {
			b.Fatal(err)
		}
		f.Close()
	})
}

// BenchmarkVerify scrubs a 64 MiB segment: CRCs, decoding and SHA-256.
func BenchmarkVerify(b *testing.B) {
	s, err := Open(vfs.Default, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	put(b, s, testID(1), benchData("text"))
	loop(b, func(uint64) {
		if err := s.Verify(testID(1)); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkOpen opens a store of N segments on the real filesystem. Open
// lists the top directory only, so its time does not grow with N. (The
// segment files are empty: Open reads none.)
func BenchmarkOpen(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			for i := range n {
				id := testID(uint64(i))
				sub := filepath.Join(dir, fmt.Sprintf("%02x", id[15]), fmt.Sprintf("%02x", id[14]))
				if i < 1<<16 {
					if err := os.MkdirAll(sub, 0o755); err != nil {
						b.Fatal(err)
					}
				}
				if err := os.WriteFile(filepath.Join(sub, id.String()+segSuffix), nil, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				if _, err := Open(vfs.Default, dir, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
