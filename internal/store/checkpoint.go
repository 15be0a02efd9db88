package store

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Checkpoint writes a consistent copy of the store, as of the last
// committed batch, into dir on the store's filesystem; dir must not exist.
// Table files are hard-linked where the filesystem allows, so a checkpoint
// is cheap; the WAL is flushed first, so the copy holds every committed
// batch. The copy is a store directory that Open accepts. Checkpoint may
// run concurrently with reads and commits. In the failed state it returns
// an error wrapping ErrFailed.
func (s *DB) Checkpoint(dir string) error {
	if err := s.Failed(); err != nil {
		return err
	}
	_, err := waitPebble(s, func() (struct{}, error) { return struct{}{}, s.db.Checkpoint(dir, pebble.WithFlushedWAL()) })
	if err != nil {
		return fmt.Errorf("store: checkpoint to %s: %w", dir, err)
	}
	return nil
}
