package store

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Counters summarise a vault's contents.
type Counters struct {
	Archives int64
	Bytes    int64
	// LastWrite is the UnixNano time of the latest change; 0 if none.
	LastWrite int64
}

// Counters returns the counters at key (zero if none were recorded).
func (s *DB) Counters(key []byte) (Counters, error) {
	if s.pg != nil {
		return s.pg.counters(key)
	}
	v, err := s.Get(key)
	if errors.Is(err, ErrNotFound) {
		return Counters{}, nil
	}
	if err != nil {
		return Counters{}, err
	}
	return decodeCounters(v)
}

func encodeCounters(c Counters) []byte {
	var v [24]byte
	binary.LittleEndian.PutUint64(v[:8], uint64(c.Archives))
	binary.LittleEndian.PutUint64(v[8:16], uint64(c.Bytes))
	binary.LittleEndian.PutUint64(v[16:], uint64(c.LastWrite))
	return v[:]
}

func decodeCounters(v []byte) (Counters, error) {
	if len(v) != 24 {
		return Counters{}, fmt.Errorf("store: counters: bad length %d", len(v))
	}
	return Counters{
		Archives:  int64(binary.LittleEndian.Uint64(v[:8])),
		Bytes:     int64(binary.LittleEndian.Uint64(v[8:16])),
		LastWrite: int64(binary.LittleEndian.Uint64(v[16:])),
	}, nil
}
