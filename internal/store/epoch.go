package store

import (
	"encoding/binary"
	"errors"
)

// EpochKey is the key of the open counter (0x01 "epoch" -> uvarint), part
// of the format record family: it counts the Opens of the store.
func EpochKey() []byte { return key(prefixFormat, []byte("epoch")) }

// NextEpoch increments the store's open counter, durably, and returns the
// new value. An engine puts it at the top of the random part of the IDs it
// issues, so that IDs issued after a restart sort after those issued before
// it, even within the same millisecond.
func (s *DB) NextEpoch() (uint64, error) {
	var n uint64
	err := s.Update(func(b *Batch) error {
		v, err := b.Get(EpochKey())
		switch {
		case errors.Is(err, ErrNotFound):
			n = 0
		case err != nil:
			return err
		default:
			n, _ = binary.Uvarint(v)
		}
		n++
		b.Set(EpochKey(), binary.AppendUvarint(nil, n))
		return nil
	})
	if err == nil && s.pg != nil {
		s.pg.setShardBase(n)
	}
	return n, err
}
