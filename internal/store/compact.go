package store

import (
	"context"
	"fmt"
)

// Compact rewrites the whole keyspace of a Pebble store into its last
// level, so that the directory holds each live record once and no
// shadowed or deleted one: what its size is then is the size of the
// metadata. It may run concurrently with reads and commits, and takes as
// long as rewriting the store does. On PostgreSQL, which manages its own
// storage, it does nothing. In the failed state it returns an error
// wrapping ErrFailed.
func (s *DB) Compact() error {
	if s.pg != nil {
		return nil
	}
	if err := s.Failed(); err != nil {
		return err
	}
	_, err := waitPebble(s, func() (struct{}, error) {
		return struct{}{}, s.db.Compact(context.Background(), []byte{0}, []byte{0xff}, true)
	})
	if err != nil {
		return fmt.Errorf("store: compact: %w", err)
	}
	return nil
}
