package blob

import (
	"sync"
	"time"
)

// With CodecS2 a Writer decides chunk by chunk whether compressing pays,
// from what it measures as it runs: how long the source takes to fill a
// chunk, hashing, compressing, writing a frame and committing take per
// byte, and how much compression shrinks recent chunks. Compressing costs
// CPU that hashing and writing share and saves bytes to write and sync; on
// a fast disk and a busy CPU it slows the upload down, on a slow disk or
// behind a slow client it is free. A chunk is compressed only when the
// model below predicts that it makes the segment no slower to write and
// saves at least 1/8 of its bytes. The decision changes nothing in the
// format: every chunk records its codec.

// mode is how one chunk is sealed.
type mode uint8

const (
	modeCompress mode = iota // compressed with the codec, if that makes it smaller
	modeRaw                  // stored raw
	modeSample               // stored raw, compressing a sample to keep the measurements current
)

const (
	// maxRatio is the largest stored/raw worth compressing for: a smaller
	// saving does not repay decompressing on every read.
	maxRatio = 0.875
	// While chunks are stored raw, one in sampleEvery compresses its first
	// sampleSize bytes, about 1/128 of the cost of compressing them all,
	// so that a body that becomes compressible, or a CPU that becomes
	// idle, is noticed within sampleEvery chunks.
	sampleEvery = 8
	sampleSize  = 64 << 10
	// syncMinBytes is the smallest segment whose commit time is taken as
	// a cost per byte: a smaller one's is mostly the fixed cost of syncing
	// the directory.
	syncMinBytes = 16 << 20
)

// costs are the measurements a policy decides from: running averages, in
// nanoseconds per byte, of what each stage of a Writer's pipeline takes.
// Zero means not yet measured.
type costs struct {
	sealers float64 // chunks hashed and compressed at once
	cores   float64 // CPUs the stages share

	fill     float64 // the source filling a chunk, per raw byte
	hash     float64 // SHA-256 of a chunk, per raw byte
	compress float64 // compressing, per raw byte
	ratio    float64 // stored/raw of compressed chunks and samples
	write    float64 // writing a frame, per stored byte
	sync     float64 // committing a segment, per stored byte
}

// average folds measurement x into the running average avg, weighting the
// latest measurement 1/4: recent chunks predict the next ones best.
func average(avg *float64, x float64) {
	if *avg == 0 {
		*avg = x
		return
	}
	*avg += (x - *avg) / 4
}

// choose is the policy: how to seal chunk seq (0 for the first of the
// segment) given the costs measured so far. It depends on nothing else.
func (c *costs) choose(seq uint64) mode {
	switch {
	case c.compress == 0 || c.ratio == 0:
		return modeCompress // nothing to predict from yet: measure
	case c.pays():
		return modeCompress
	case seq%sampleEvery == 0:
		return modeSample
	}
	return modeRaw
}

// pays reports whether compressing makes the segment no slower to write
// and saves enough. A chunk takes as long as the slowest stage of the
// pipeline: the source, sealing (hashing and compressing, sealers at
// once), writing, or the CPU all of these but the source share; the sync
// at commit comes after all of them.
func (c *costs) pays() bool {
	if c.ratio > maxRatio {
		return false
	}
	stored := c.ratio
	on := max(c.fill, (c.hash+c.compress)/c.sealers, (c.hash+c.compress+c.write*stored)/c.cores, c.write*stored) + c.sync*stored
	off := max(c.fill, c.hash/c.sealers, (c.hash+c.write)/c.cores, c.write) + c.sync
	return on <= off
}

// meter gathers the costs of one Writer. Its methods are safe for
// concurrent use: every stage of the pipeline reports to it.
type meter struct {
	mu sync.Mutex
	c  costs
}

func perByte(d time.Duration, n int) float64 { return float64(d) / float64(max(n, 1)) }

// mode returns how to seal chunk seq with policy choose.
func (m *meter) mode(choose func(*costs, uint64) mode, seq uint64) mode {
	m.mu.Lock()
	defer m.mu.Unlock()
	return choose(&m.c, seq)
}

// filled records that the source took d to fill a chunk of n bytes.
func (m *meter) filled(d time.Duration, n int) {
	m.mu.Lock()
	average(&m.c.fill, perByte(d, n))
	m.mu.Unlock()
}

// sealed records that hashing n bytes took hash and, if compressed is
// nonzero, that compressing compressed of them into out bytes took comp.
func (m *meter) sealed(hash time.Duration, n int, comp time.Duration, compressed, out int) {
	m.mu.Lock()
	average(&m.c.hash, perByte(hash, n))
	if compressed > 0 {
		average(&m.c.compress, perByte(comp, compressed))
		average(&m.c.ratio, min(float64(out)/float64(compressed), 1))
	}
	m.mu.Unlock()
}

// wrote records that writing a frame of n stored bytes took d.
func (m *meter) wrote(d time.Duration, n int) {
	m.mu.Lock()
	average(&m.c.write, perByte(d, n))
	m.mu.Unlock()
}

// committed records that committing a segment of n stored bytes took d.
func (m *meter) committed(d time.Duration, n int64) {
	if n < syncMinBytes {
		return
	}
	m.mu.Lock()
	average(&m.c.sync, float64(d)/float64(n))
	m.mu.Unlock()
}

func (m *meter) costs() costs {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.c
}
