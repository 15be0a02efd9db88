package engine

import (
	"crypto/rand"
	"encoding/binary"
	"io"

	"github.com/oklog/ulid/v2"
)

// IDs are ULIDs: a millisecond timestamp, then 80 random bits, so that keys
// sort in creation order. Within one engine, IDs of the same millisecond
// increase monotonically, and a clock that steps back is held at the last
// millisecond used. Across restarts, the top 16 random bits are the store's
// open counter (store.NextEpoch), so IDs issued after a restart within the
// same millisecond still sort after the earlier ones. (A clock that steps
// back across a restart can still reorder IDs; the engine cannot know the
// last millisecond it used.)

// epochEntropy is random bytes whose first two are the open counter.
type epochEntropy struct {
	epoch uint16
}

func (r epochEntropy) Read(p []byte) (int, error) {
	if _, err := io.ReadFull(rand.Reader, p); err != nil {
		return 0, err
	}
	if len(p) >= 2 {
		binary.BigEndian.PutUint16(p, r.epoch)
	}
	return len(p), nil
}

// newIDSource returns the entropy of an engine opened for the epoch-th
// time.
func newIDSource(epoch uint64) io.Reader {
	return ulid.Monotonic(epochEntropy{epoch: uint16(epoch)}, 0)
}

// newID returns a fresh ID for the current clock time.
func (e *Engine) newID() ulid.ULID {
	e.idMu.Lock()
	defer e.idMu.Unlock()
	ms := max(ulid.Timestamp(e.now()), e.lastMs)
	e.lastMs = ms
	return ulid.MustNew(ms, e.entropy)
}
