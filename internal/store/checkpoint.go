package store

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// ErrNoCheckpoint is returned by Checkpoint on PostgreSQL, whose backups
// are the database's own (pg_dump, or continuous archiving for
// point-in-time recovery).
var ErrNoCheckpoint = errors.New("store: the metadata is in PostgreSQL: back it up with the database's own tools (pg_dump, or continuous archiving for point-in-time recovery)")

// Checkpoint writes a consistent copy of the store, as of the last
// committed batch, into dir on the store's filesystem; dir must not exist.
// Table files are hard-linked where the filesystem allows, so a checkpoint
// is cheap; the WAL is flushed first, so the copy holds every committed
// batch. The copy is a store directory that Open accepts. Checkpoint may
// run concurrently with reads and commits. In the failed state it returns
// an error wrapping ErrFailed.
func (s *DB) Checkpoint(dir string) error {
	if s.pg != nil {
		return ErrNoCheckpoint
	}
	if err := s.Failed(); err != nil {
		return err
	}
	_, err := waitPebble(s, func() (struct{}, error) { return struct{}{}, s.db.Checkpoint(dir, pebble.WithFlushedWAL()) })
	if err != nil {
		return fmt.Errorf("store: checkpoint to %s: %w", dir, err)
	}
	return nil
}
