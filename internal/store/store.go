package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// FormatVersion is the version of the keyspace and record encodings.
// Version 2 added inline segments (InlineKey); Open upgrades a version 1
// store, whose records version 2 reads unchanged, by rewriting the number,
// so that older builds refuse a store that may hold inline segments.
const FormatVersion = 2

// ErrNotFound is returned by Get for an absent key.
var ErrNotFound = errors.New("store: not found")

// DB is the metadata store. It is safe for concurrent use.
type DB struct {
	db *pebble.DB
}

// Options configure Open.
type Options struct {
	// FS is the filesystem; nil means vfs.Default.
	FS vfs.FS
	// Logger receives Pebble's log lines at debug level; nil discards them.
	Logger *slog.Logger
}

// Open opens or creates the store in dir, checking the format version.
func Open(dir string, opts Options) (*DB, error) {
	fs := opts.FS
	if fs == nil {
		fs = vfs.Default
	}
	po := &pebble.Options{
		FS:                 fs,
		Merger:             counterMerger,
		Logger:             pebbleLogger{opts.Logger},
		FormatMajorVersion: pebble.FormatNewest,
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s := &DB{db: db}
	if err := s.checkFormat(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *DB) checkFormat() error {
	v, err := s.Get(FormatKey())
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err == nil {
		got, n := binary.Uvarint(v)
		if n <= 0 || got < 1 || got > FormatVersion {
			return fmt.Errorf("store: format version %d, this build reads 1 to %d", got, FormatVersion)
		}
		if got == FormatVersion {
			return nil
		}
	}
	b := s.NewBatch()
	b.Set(FormatKey(), binary.AppendUvarint(nil, FormatVersion))
	return b.Commit()
}

// Close closes the store.
func (s *DB) Close() error { return s.db.Close() }

// Get returns a copy of the value of key, or ErrNotFound.
func (s *DB) Get(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get: %w", err)
	}
	out := append([]byte(nil), v...)
	return out, closer.Close()
}

// Has reports whether key is present.
func (s *DB) Has(key []byte) (bool, error) {
	_, err := s.Get(key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Scan calls fn for each key in [lower, upper) in order, until fn returns
// false or an error. key and value are valid only during the call.
func (s *DB) Scan(lower, upper []byte, fn func(key, value []byte) (bool, error)) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("store: iter: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return fmt.Errorf("store: iter: %w", err)
		}
		more, err := fn(it.Key(), v)
		if err != nil || !more {
			it.Close()
			return err
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return fmt.Errorf("store: iter: %w", err)
	}
	return it.Close()
}

// Any reports whether some key lies in [lower, upper).
func (s *DB) Any(lower, upper []byte) (bool, error) {
	found := false
	err := s.Scan(lower, upper, func(_, _ []byte) (bool, error) {
		found = true
		return false, nil
	})
	return found, err
}

// Batch is a set of writes committed atomically. It is not safe for
// concurrent use. After Commit the batch is spent; Close may still be called
// (it does nothing then), so callers can defer Close.
type Batch struct {
	b    *pebble.Batch
	done bool
}

// NewBatch returns an empty batch.
func (s *DB) NewBatch() *Batch { return &Batch{b: s.db.NewBatch()} }

// Set records key = value.
func (b *Batch) Set(key, value []byte) { _ = b.b.Set(key, value, nil) }

// Delete records the deletion of key.
func (b *Batch) Delete(key []byte) { _ = b.b.Delete(key, nil) }

// DeleteRange records the deletion of every key in [lower, upper).
func (b *Batch) DeleteRange(lower, upper []byte) { _ = b.b.DeleteRange(lower, upper, nil) }

// AddCounters records a change of a vault's contents at key (see
// CounterKey): deltas of the archive count and byte total, and the time of
// the write (the counters keep the latest).
func (b *Batch) AddCounters(key []byte, archives, bytes int64, at time.Time) {
	_ = b.b.Merge(key, encodeCounters(Counters{archives, bytes, at.UnixNano()}), nil)
}

// Empty reports whether the batch holds no writes.
func (b *Batch) Empty() bool { return b.b.Empty() }

// Commit applies the batch atomically and syncs it to stable storage.
// Concurrent commits are grouped into one sync by Pebble.
func (b *Batch) Commit() error {
	if b.done {
		return errors.New("store: batch already committed or closed")
	}
	b.done = true
	defer b.b.Close()
	if err := b.b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// CommitNoSync applies the batch atomically without waiting for it to
// reach stable storage: a crash may lose it (and any later unsynced batch),
// never part of it. It is for writes that a later Open repairs if lost,
// like deleting what nothing references any more.
func (b *Batch) CommitNoSync() error {
	if b.done {
		return errors.New("store: batch already committed or closed")
	}
	b.done = true
	defer b.b.Close()
	if err := b.b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Close discards an uncommitted batch; after Commit or Close it does
// nothing. Pebble pools batches, so closing one twice would hand it to two
// users.
func (b *Batch) Close() {
	if !b.done {
		b.done = true
		b.b.Close()
	}
}

// Counters summarise a vault's contents.
type Counters struct {
	Archives int64
	Bytes    int64
	// LastWrite is the UnixNano time of the latest change; 0 if none.
	LastWrite int64
}

// Counters returns the counters at key (zero if none were recorded).
func (s *DB) Counters(key []byte) (Counters, error) {
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

// counterMerger sums counter operands; it is the only merge in the keyspace.
var counterMerger = &pebble.Merger{
	Name: "firn.counters.v1",
	Merge: func(_, value []byte) (pebble.ValueMerger, error) {
		m := &counterSum{}
		return m, m.MergeNewer(value)
	},
}

// counterSum adds counts and sizes and keeps the latest write time.
type counterSum struct{ c Counters }

func (m *counterSum) MergeNewer(v []byte) error {
	c, err := decodeCounters(v)
	m.c.Archives += c.Archives
	m.c.Bytes += c.Bytes
	m.c.LastWrite = max(m.c.LastWrite, c.LastWrite)
	return err
}

func (m *counterSum) MergeOlder(v []byte) error { return m.MergeNewer(v) }

func (m *counterSum) Finish(bool) ([]byte, io.Closer, error) {
	return encodeCounters(m.c), nil, nil
}

type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	if p.l != nil {
		p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	if p.l != nil {
		p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
