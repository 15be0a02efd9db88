package blob

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// fastDisk are costs measured on a 2-core box writing text to a disk that
// takes 1.3 GB/s: hashing and compressing are the bottleneck.
var fastDisk = costs{sealers: 2, cores: 2, fill: 0.06, hash: 1.2, compress: 2.1, ratio: 0.4, write: 0.5, sync: 0.2}

func TestPolicyChoose(t *testing.T) {
	with := func(f func(c *costs)) costs { c := fastDisk; f(&c); return c }
	for _, tc := range []struct {
		name string
		c    costs
		want mode // for a chunk that is not sampled
	}{
		{"nothing measured", costs{sealers: 2, cores: 2}, modeCompress},
		{"compression not measured", with(func(c *costs) { c.compress = 0 }), modeCompress},
		{"fast disk, CPU bound", fastDisk, modeRaw},
		{"slow disk", with(func(c *costs) { c.write = 6.6 }), modeCompress},
		{"page cache, slow sync", with(func(c *costs) { c.write, c.sync = 0.3, 8 }), modeCompress},
		{"slow client", with(func(c *costs) { c.fill = 10 }), modeCompress},
		{"slow client, incompressible", with(func(c *costs) { c.fill, c.ratio = 10, 0.95 }), modeRaw},
		{"slow client, saving too small", with(func(c *costs) { c.fill, c.ratio = 10, maxRatio+0.01 }), modeRaw},
		{"one core, slow disk", with(func(c *costs) { c.sealers, c.cores, c.write = 1, 1, 6.6 }), modeCompress},
		{"one core, medium disk", with(func(c *costs) { c.sealers, c.cores, c.write = 1, 1, 2 }), modeRaw},
		{"idle cores, medium disk", with(func(c *costs) { c.sealers, c.cores, c.write = 8, 8, 2 }), modeCompress},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seq := range uint64(3 * sampleEvery) {
				c := tc.c
				want := tc.want
				if want == modeRaw && seq%sampleEvery == 0 {
					want = modeSample
				}
				if got := c.choose(seq); got != want {
					t.Fatalf("chunk %d: choose = %d, want %d", seq, got, want)
				}
				if c != tc.c {
					t.Fatalf("choose changed the costs: %+v", c)
				}
			}
		})
	}
}

// TestPolicyNeverSlower checks, over random measurements, that the policy
// compresses only when the pipeline model predicts no slowdown and a saving,
// and always when compression is free and saves (a slow source).
func TestPolicyNeverSlower(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 19))
	r := func() float64 { return 0.05 + 10*rng.Float64() }
	for range 10000 {
		p := float64(1 + rng.IntN(8))
		c := costs{sealers: p, cores: p, fill: r(), hash: r(), compress: r(), ratio: rng.Float64(), write: r(), sync: r()}
		on := max(c.fill, (c.hash+c.compress)/p, (c.hash+c.compress+c.write*c.ratio)/p, c.write*c.ratio) + c.sync*c.ratio
		off := max(c.fill, c.hash/p, (c.hash+c.write)/p, c.write) + c.sync
		got := c.choose(1) == modeCompress
		if want := on <= off && c.ratio <= maxRatio; got != want {
			t.Fatalf("%+v: compress %v, model says on %.2f, off %.2f", c, got, on, off)
		}
		slow := c
		slow.fill = 1000
		if slow.choose(1) != modeCompress && slow.ratio <= maxRatio {
			t.Fatalf("%+v: behind a slow source, does not compress", slow)
		}
	}
}

func TestAverage(t *testing.T) {
	var a float64
	for _, step := range []struct{ x, want float64 }{{8, 8}, {4, 7}, {7, 7}, {11, 8}} {
		average(&a, step.x)
		if a != step.want {
			t.Fatalf("after %v: average %v, want %v", step.x, a, step.want)
		}
	}
}

// TestRoundTripModes writes segments whose chunks are sealed in every mode,
// in turn, and checks that each reads back and records its codec.
func TestRoundTripModes(t *testing.T) {
	for _, codec := range allCodecs {
		t.Run(codec.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(codec)))
			fs := vfs.NewMem()
			s := openStore(t, fs, &Options{Codec: codec})
			s.choose = func(_ *costs, seq uint64) mode { return mode(seq % 3) }
			data := textBytes(rng, 7*ChunkSize+5)
			copy(data[3*ChunkSize:], randomBytes(rng, ChunkSize)) // chunk 3 does not compress
			id := testID(1)
			checkRoundTrip(t, fs, s, id, data, rng)
			r := openAfterPut(t, s, testID(2), data)
			defer r.Close()
			for i, m := range r.chunks {
				want := CodecNone
				if mode(i%3) == modeCompress && i != 3 && codec != CodecNone {
					want = codec
				}
				if m.codec != want {
					t.Errorf("chunk %d sealed in mode %d: codec %s, want %s", i, i%3, m.codec, want)
				}
			}
		})
	}
}

// TestPolicyLearns checks that a Writer measures every stage and that the
// next Writer starts from what the last committed one measured.
func TestPolicyLearns(t *testing.T) {
	s := openStore(t, vfs.NewMem(), nil)
	if c := s.learnedCosts(); c.sealers < 1 || c.cores < 1 || c.hash != 0 {
		t.Fatalf("new store: %+v", c)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	data := randomBytes(rng, syncMinBytes+ChunkSize) // stored raw: big enough to measure the sync by
	put(t, s, testID(1), data)
	c := s.learnedCosts()
	for name, v := range map[string]float64{"fill": c.fill, "hash": c.hash, "compress": c.compress, "ratio": c.ratio, "write": c.write, "sync": c.sync} {
		if v <= 0 {
			t.Errorf("%s not measured: %+v", name, c)
		}
	}
	if c.ratio <= maxRatio {
		t.Errorf("random bytes measured at ratio %v", c.ratio)
	}
	w, err := s.Create(testID(2))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if got := w.m.costs(); got != c {
		t.Fatalf("new Writer starts from %+v, want %+v", got, c)
	}
}

// TestMeter checks what each stage's report changes.
func TestMeter(t *testing.T) {
	var m meter
	m.filled(2*time.Millisecond, ChunkSize)
	m.sealed(time.Millisecond, ChunkSize, 0, 0, 0) // stored raw: no compression measured
	m.wrote(3*time.Millisecond, ChunkSize)
	m.committed(time.Second, syncMinBytes-1) // too small to measure the sync by
	c := m.costs()
	want := costs{fill: 2e6 / ChunkSize, hash: 1e6 / ChunkSize, write: 3e6 / ChunkSize}
	if c != want {
		t.Fatalf("costs %+v, want %+v", c, want)
	}
	m.sealed(time.Millisecond, ChunkSize, time.Millisecond, sampleSize, sampleSize/4)
	m.committed(time.Second, 1<<30)
	c = m.costs()
	if c.compress != 1e6/sampleSize || c.ratio != 0.25 || c.sync != 1e9/(1<<30) {
		t.Fatalf("costs %s", fmt.Sprintf("%+v", c))
	}
}
