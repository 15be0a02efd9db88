package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// FormatVersion is the version of the keyspace and record encodings.
// Version 2 added inline segments (InlineKey); Open upgrades a version 1
// store, whose records version 2 reads unchanged, by rewriting the number,
// so that older builds refuse a store that may hold inline segments.
// Version 3 added imported archives (SourceIDKey, the archive record's
// externalId, the snapshot line's key), which older builds would list
// under their keys; it reads version 2 unchanged and upgrades it the same
// way. Version 4 stores archive records in a binary encoding
// (archivecodec.go), which older builds cannot decode; it reads the JSON
// archive records of earlier versions as they are, and upgrades them the
// same way. Version 5 goes with blob segment files fanned out in
// directories, which older builds would not find, and with intents
// (IntentKey) recorded on every store whose segment files are local, so
// that reclaiming a crash's leftovers reads only the intents. Open
// upgrades an older store to it in two steps: it records version 5 with
// the version found (see UpgradedFrom), which older builds already refuse;
// the engine then does what the upgrade needs beyond the keyspace and
// calls FinishUpgrade.
const FormatVersion = 5

// ErrNotFound is returned by Get for an absent key.
var ErrNotFound = errors.New("store: not found")

// ErrFailed is wrapped by the errors of a store in the failed state (see
// DB.Failed).
var ErrFailed = errors.New("store: failed")

// DB is the metadata store. It is safe for concurrent use.
//
// # The failed state
//
// When a write to the store's directory fails (a full disk, an I/O error),
// or Pebble reports through Logger.Fatalf that it cannot go on, the store
// enters the failed state for good: Pebble cannot tell what reached the
// disk, and its commit pipeline cannot recover. From then on:
//
//   - Commit and CommitNoSync return an error wrapping ErrFailed at once;
//     so do the commits that were waiting when the failure happened. Such
//     a commit may or may not have happened.
//   - Reads (Get, Scan and the helpers built on them) are still served,
//     and see every committed batch, possibly also the one that failed,
//     unless the failure came from Fatalf or a panic, after which Pebble's
//     own locks may be held for ever: reads then return ErrFailed too.
//     Pebble's read path takes none of the locks that the goroutines the
//     failure parks hold (see fenceFS: they are parked in file system
//     calls, which Pebble makes without its DB mutex; read-triggered
//     compactions, which would take it, are off).
//   - Checkpoint returns ErrFailed. No other Pebble call is made: Close,
//     Flush, Metrics, NewSnapshot and the like wait for the DB mutex or
//     for the parked goroutines, so they could hang.
//   - Close returns at once, with the failure: it releases the directory
//     lock without closing Pebble, whose goroutines stay parked (with the
//     memory and file descriptors they hold) until the process exits. They
//     can never write to the directory again (see fenceFS), so the store
//     may be opened again, in this process too; Open then recovers every
//     batch whose Commit returned nil, like after a crash.
//
// The process is never killed: Pebble's default Logger.Fatalf would call
// os.Exit, and some of its panics on a failed write happen in background
// goroutines or unlock a mutex twice; with the fence, no failed write
// reaches Pebble.
type DB struct {
	db *pebble.DB
	pg *pgStore // the PostgreSQL backend, if OpenPostgres opened it; else Pebble's
	fs *fenceFS
	lg *slog.Logger // nil: discard

	// failure is the error of the failed state, nil before it; failed is
	// closed when it is set, and fatal set before if Pebble's locks may be
	// held.
	failure  atomic.Pointer[error]
	failed   chan struct{}
	failOnce sync.Once
	fatal    atomic.Bool

	// timerMu guards nextTimer and timerGen; see NextTimer.
	timerMu   sync.Mutex
	nextTimer int64  // no timer is due before it (unix ns), if known
	known     bool   // nextTimer is known
	timerGen  uint64 // counts the commits that set a timer

	// vaults caches vault records, read on nearly every operation, and
	// counters the vaults' counters, which DescribeVault reads: with many
	// archives, the merges of a vault's counters lie in several levels,
	// and each read would merge them again.
	vaults   recordCache
	counters recordCache

	// unflushed is set by the first commit: Close then flushes (see
	// flushAtClose), with memTableSize as the room the flush needs.
	unflushed    atomic.Bool
	memTableSize uint64

	// gate holds Pebble's compactions back (see compactionGate); nil
	// on PostgreSQL.
	gate *compactionGate

	// upgradedFrom is set by Open and cleared by FinishUpgrade, which the
	// opener calls before sharing the DB.
	upgradedFrom int
}

// recordCache holds values of keys read from the store. A commit that
// writes to a cached prefix clears it, after the write is visible, so a
// read that started before the write cannot store its older value. Keys
// are few (one per vault), so nothing else evicts.
type recordCache struct {
	mu  sync.RWMutex
	gen uint64
	m   map[string][]byte
}

func (c *recordCache) get(key []byte) ([]byte, bool, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[string(key)]
	return v, ok, c.gen
}

// put stores key's value as read after get returned gen.
func (c *recordCache) put(key, v []byte, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		if c.m == nil {
			c.m = map[string][]byte{}
		}
		c.m[string(key)] = v
	}
}

func (c *recordCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// Options configure Open.
type Options struct {
	// FS is the filesystem; nil means vfs.Default.
	FS vfs.FS
	// Logger receives Pebble's log lines at debug level, its errors and the
	// store's failure at error level; nil discards them.
	Logger *slog.Logger
	// MemTableSize is Pebble's memtable size, which also sets how much of
	// its log it preallocates; 0 means 32 MiB (Pebble's default is 4 MiB):
	// under many small uploads, fewer flushes make fewer L0 tables to
	// compact, for at most two memtables of memory. Tests lower it to make
	// the log rotate, and a new one be written, after few writes.
	MemTableSize uint64
	// DeferCompactions holds Pebble's compactions back after Open until
	// DB.StartCompactions, or until a write stalls for want of them: an
	// opener with reads and writes of its own to do before it serves
	// (the engine's Open) then does not share the disk with a compaction
	// the replay of a crashed process's log started.
	DeferCompactions bool
}

// defaultMemTableSize is the memtable size when Options.MemTableSize is 0.
const defaultMemTableSize = 32 << 20

// Open opens or creates the store in dir, checking the format version. If
// a write fails meanwhile (a full disk), Open returns an error wrapping
// ErrFailed, having released the directory.
func Open(dir string, opts Options) (*DB, error) {
	fs := opts.FS
	if fs == nil {
		fs = vfs.Default
	}
	s := &DB{lg: opts.Logger, failed: make(chan struct{}), memTableSize: cmp.Or(opts.MemTableSize, defaultMemTableSize)}
	s.fs = &fenceFS{FS: fs, dir: strings.TrimSuffix(dir, "/"), fail: func(err error) { s.fail(err, false) }}
	po := &pebble.Options{
		FS:                 s.fs,
		Merger:             counterMerger,
		Logger:             s.pebbleLogger(),
		FormatMajorVersion: pebble.FormatNewest,
		MemTableSize:       s.memTableSize,
		EventListener: &pebble.EventListener{
			// Pebble's default is Logger.Fatalf, which would fail the
			// store for a damaged block; the read returns the error.
			DataCorruption: func(info pebble.DataCorruptionInfo) { s.logError("pebble: data corruption", "info", info) },
			// Called holding Pebble's DB mutex, which the gate takes.
			WriteStallBegin: func(pebble.WriteStallBeginInfo) { go s.gate.start() },
		},
	}
	// A read-triggered compaction is scheduled by the iterator's Close
	// under Pebble's DB mutex; with none, reads never take it (see DB).
	po.Experimental.ReadSamplingMultiplier = -1
	// Lookups of records by key (a vault on every operation, a tombstone,
	// an inline segment) would otherwise read an index and a data block of
	// every level that does not hold the key.
	po.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	po.Experimental.ValueSeparationPolicy = valueSeparation
	po.Experimental.SpanPolicyFunc = spanPolicy
	// Compactions wait for Open to return, or for the opener (see
	// compactionGate).
	s.gate = newCompactionGate()
	po.Experimental.CompactionScheduler = s.gate
	db, err := waitPebble(s, func() (*pebble.DB, error) { return pebble.Open(dir, po) })
	if err != nil {
		s.fs.fence()
		s.fs.releaseLocks()
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s.db = db
	if afterPebbleOpen != nil {
		afterPebbleOpen(db)
	}
	if !opts.DeferCompactions {
		s.gate.start()
	}
	if err := s.checkFormat(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// StartCompactions lets the compactions that Options.DeferCompactions held
// back run. It does nothing on PostgreSQL, on a store opened without
// DeferCompactions, or called again.
func (s *DB) StartCompactions() {
	if s.gate != nil {
		s.gate.start()
	}
}

// afterPebbleOpen, set by tests (none of which run in parallel), sees
// Pebble's DB before compactions may start.
var afterPebbleOpen func(*pebble.DB)

// waitPebble runs fn, a Pebble call that may write, on its own goroutine,
// and returns its result, or the store's failure if that comes first: fn
// then stays parked in Pebble. A panic in fn fails the store.
func waitPebble[T any](s *DB, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				// Pebble panics holding its locks; they stay held.
				s.fail(fmt.Errorf("pebble: panic: %v", r), true)
			}
		}()
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-s.failed:
		select {
		case r := <-done:
			// Finished as the store failed: the result stands.
			return r.v, r.err
		default:
		}
		var zero T
		return zero, s.Failed()
	}
}

// Failed returns nil, or, once the store is in the failed state (see DB),
// an error wrapping ErrFailed and the cause.
func (s *DB) Failed() error {
	if p := s.failure.Load(); p != nil {
		return *p
	}
	return nil
}

// fail moves the store to the failed state, if it is not there yet, after
// fencing its file system: once a caller sees the failure, nothing of the
// failed instance writes any more. fatal says that Pebble's locks may be
// held, so that reads are refused too.
func (s *DB) fail(cause error, fatal bool) {
	if fatal {
		s.fatal.Store(true)
	}
	s.fs.fence()
	s.failOnce.Do(func() {
		err := fmt.Errorf("%w: %w", ErrFailed, cause)
		s.failure.Store(&err)
		// Logged before the callers waiting on failed return, so that
		// nothing is logged after Close returns.
		s.logError("metadata store failed: it accepts no more writes; close and reopen it once the cause is fixed", "err", cause)
		close(s.failed)
	})
}

// readable returns the failure if reads may no longer call Pebble.
func (s *DB) readable() error {
	if s.fatal.Load() {
		return s.Failed()
	}
	return nil
}

func (s *DB) logError(msg string, args ...any) {
	if s.lg != nil {
		s.lg.Error(msg, append(args, "component", "pebble")...)
	}
}

func (s *DB) checkFormat() error {
	v, err := s.Get(FormatKey())
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	val := binary.AppendUvarint(nil, FormatVersion)
	if err == nil {
		got, n := binary.Uvarint(v)
		if n <= 0 || got < 1 || got > FormatVersion {
			return fmt.Errorf("store: format version %d, this build reads 1 to %d", got, FormatVersion)
		}
		if got == FormatVersion {
			if from, m := binary.Uvarint(v[n:]); m > 0 && from >= 1 && from < FormatVersion {
				s.upgradedFrom = int(from)
			}
			return nil
		}
		val = binary.AppendUvarint(val, got)
		s.upgradedFrom = int(got)
	}
	b := s.NewBatch()
	b.Set(FormatKey(), val)
	return b.Commit()
}

// UpgradedFrom returns the format version the store had before Open
// upgraded it to FormatVersion, while FinishUpgrade has not been called;
// otherwise, and for a store created at FormatVersion, 0. An upgrade that
// a crash interrupts is still reported by the next Open.
func (s *DB) UpgradedFrom() int { return s.upgradedFrom }

// FinishUpgrade records that what the upgrade to FormatVersion needs
// beyond the keyspace is done, so that later Opens report no upgrade. It
// must be called before the DB is used concurrently.
func (s *DB) FinishUpgrade() error {
	if s.upgradedFrom == 0 {
		return nil
	}
	b := s.NewBatch()
	b.Set(FormatKey(), binary.AppendUvarint(nil, FormatVersion))
	if err := b.Commit(); err != nil {
		return err
	}
	s.upgradedFrom = 0
	return nil
}

// Close closes the store. In the failed state it returns the failure at
// once, having released the directory (see DB); so it does if the store
// fails while closing. Nothing is logged once it has returned.
func (s *DB) Close() error {
	if s.pg != nil {
		s.pg.pool.Close()
		return nil
	}
	if err := s.Failed(); err != nil {
		return s.closeFailed(err)
	}
	_, err := waitPebble(s, func() (struct{}, error) {
		var err error
		if s.flushAtClose() {
			err = s.db.Flush()
		}
		return struct{}{}, errors.Join(err, s.db.Close())
	})
	if ferr := s.Failed(); ferr != nil {
		return s.closeFailed(ferr)
	}
	return err
}

// flushAtClose reports whether Close flushes the memtable first, so that
// the next Open has no log to replay and flush: Open after a clean Close
// then costs what an empty store's does, whatever was written before.
// Pebble cannot survive a flush that fails (it creates a log, and writes a
// table), so Close flushes only what was written since Open, and only if
// the disk has room for it twice over; otherwise the log, synced already,
// is what the next Open replays.
func (s *DB) flushAtClose() bool {
	if !s.unflushed.Load() {
		return false
	}
	du, err := s.fs.GetDiskUsage(s.fs.dir)
	if errors.Is(err, vfs.ErrUnsupported) {
		return true
	}
	return err == nil && du.AvailBytes >= 2*s.memTableSize
}

func (s *DB) closeFailed(err error) error {
	s.fs.fence()
	if lerr := s.fs.releaseLocks(); lerr != nil {
		return errors.Join(err, lerr)
	}
	return err
}

// Get returns a copy of the value of key, or ErrNotFound.
func (s *DB) Get(key []byte) ([]byte, error) {
	if s.pg != nil {
		return s.pg.get(key)
	}
	if err := s.readable(); err != nil {
		return nil, err
	}
	cache := s.cacheOf(key)
	var gen uint64
	if cache != nil {
		v, ok, g := cache.get(key)
		if ok {
			return append([]byte(nil), v...), nil
		}
		gen = g
	}
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get: %w", err)
	}
	out := append([]byte(nil), v...)
	if cache != nil {
		cache.put(key, append([]byte(nil), v...), gen)
	}
	return out, closer.Close()
}

// cacheOf returns the cache that holds key, or nil.
func (s *DB) cacheOf(key []byte) *recordCache {
	switch {
	case hasPrefix(key, prefixVault):
		return &s.vaults
	case hasPrefix(key, prefixCounters):
		return &s.counters
	}
	return nil
}

func hasPrefix(k []byte, prefix byte) bool { return len(k) > 0 && k[0] == prefix }

// Has reports whether key is present.
func (s *DB) Has(key []byte) (bool, error) { return Has(s, key) }

// Any reports whether some key lies in [lower, upper).
func (s *DB) Any(lower, upper []byte) (bool, error) { return Any(s, lower, upper) }

// Has reports whether key is present, within the batch's transaction.
func (b *Batch) Has(key []byte) (bool, error) { return Has(b, key) }

// Any reports whether some key lies in [lower, upper), within the batch's
// transaction.
func (b *Batch) Any(lower, upper []byte) (bool, error) { return Any(b, lower, upper) }

// Scan calls fn for each key in [lower, upper) in order, until fn returns
// false or an error. key and value are valid only during the call.
func (s *DB) Scan(lower, upper []byte, fn func(key, value []byte) (bool, error)) error {
	if s.pg != nil {
		return s.pg.scan(lower, upper, fn)
	}
	if err := s.readable(); err != nil {
		return err
	}
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

// Batch is a set of writes committed atomically. It is not safe for
// concurrent use. After Commit the batch is spent; Close may still be called
// (it does nothing then), so callers can defer Close.
type Batch struct {
	s    *DB
	b    *pebble.Batch // nil on PostgreSQL
	pg   *pgBatch      // nil on Pebble
	done bool
	// timer is the earliest due time of the timers the batch sets, if
	// hasTimer.
	timer    int64
	hasTimer bool
	// vaults and counters are set if the batch writes vault records or
	// counters.
	vaults, counters bool
}

// NewBatch returns an empty batch.
func (s *DB) NewBatch() *Batch {
	if s.pg != nil {
		return &Batch{s: s, pg: &pgBatch{p: s.pg}}
	}
	return &Batch{s: s, b: s.db.NewBatch()}
}

// Set records key = value.
func (b *Batch) Set(key, value []byte) {
	if len(key) > 0 && key[0] == prefixTimer {
		if due, _, _ := TimerSplit(key); !b.hasTimer || due < b.timer {
			b.timer, b.hasTimer = due, true
		}
	}
	b.wrote(key)
	if b.pg != nil {
		b.pg.add(pgOp{kind: opSet, key: key, val: value})
		return
	}
	_ = b.b.Set(key, value, nil)
}

// Delete records the deletion of key.
func (b *Batch) Delete(key []byte) {
	b.wrote(key)
	if b.pg != nil {
		b.pg.add(pgOp{kind: opDelete, key: key})
		return
	}
	_ = b.b.Delete(key, nil)
}

// wrote notes a write of key for the caches (see committed).
func (b *Batch) wrote(key []byte) {
	b.vaults = b.vaults || hasPrefix(key, prefixVault)
	b.counters = b.counters || hasPrefix(key, prefixCounters)
}

// DeleteRange records the deletion of every key in [lower, upper).
func (b *Batch) DeleteRange(lower, upper []byte) {
	b.vaults = b.vaults || overlaps(prefixVault, lower, upper)
	b.counters = b.counters || overlaps(prefixCounters, lower, upper)
	if b.pg != nil {
		b.pg.add(pgOp{kind: opDeleteRange, key: lower, val: upper})
		return
	}
	_ = b.b.DeleteRange(lower, upper, nil)
}

// AddCounters records a change of a vault's contents at key (see
// CounterKey): deltas of the archive count and byte total, and the time of
// the write (the counters keep the latest).
func (b *Batch) AddCounters(key []byte, archives, bytes int64, at time.Time) {
	if b.pg != nil {
		b.pg.add(pgOp{kind: opCounters, key: key, c: Counters{archives, bytes, at.UnixNano()}})
		return
	}
	b.counters = true
	_ = b.b.Merge(key, encodeCounters(Counters{archives, bytes, at.UnixNano()}), nil)
}

// Empty reports whether the batch holds no writes.
func (b *Batch) Empty() bool {
	if b.pg != nil {
		return len(b.pg.ops) == 0
	}
	return b.b.Empty()
}

// Commit applies the batch atomically and syncs it to stable storage.
// Concurrent commits are grouped into one sync by Pebble. In the failed
// state it returns an error wrapping ErrFailed (see DB).
func (b *Batch) Commit() error { return b.commit(pebble.Sync) }

// commit commits the batch on its own goroutine, so that a failure of the
// store while Pebble waits for a write that will never end returns at once.
func (b *Batch) commit(opts *pebble.WriteOptions) error {
	if b.done {
		return errors.New("store: batch already committed or closed")
	}
	b.done = true
	if b.pg != nil {
		return b.pg.commit()
	}
	if err := b.s.Failed(); err != nil {
		b.b.Close()
		return err
	}
	_, err := waitPebble(b.s, func() (struct{}, error) {
		// On the goroutine, which owns the batch from now on: it is
		// closed only if Pebble is done with it.
		b.s.unflushed.Store(true)
		err := b.b.Commit(opts)
		b.committed()
		b.b.Close()
		return struct{}{}, err
	})
	if err != nil {
		if errors.Is(err, ErrFailed) {
			return err
		}
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// committed clears the caches of what the batch wrote (see DB.cacheOf), and
// lowers the DB's next timer to the batch's earliest. It runs after every
// commit, failed ones too, as a failed commit may still have applied.
func (b *Batch) committed() {
	if b.vaults {
		b.s.vaults.clear()
	}
	if b.counters {
		b.s.counters.clear()
	}
	if !b.hasTimer {
		return
	}
	s := b.s
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	s.timerGen++
	s.nextTimer = min(s.nextTimer, b.timer)
}

// NextTimer returns a time (unix ns) before which no timer key (see
// TimerKey) is due, with ok false if that is not known yet, and a token
// for SetNextTimer. Batches that set timers lower it when they commit.
//
// On PostgreSQL, where other engines set timers too, it is never known.
func (s *DB) NextTimer() (due int64, ok bool, token uint64) {
	if s.pg != nil {
		return 0, false, 0
	}
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	return s.nextTimer, s.known, s.timerGen
}

// SetNextTimer records that no timer is due before due, which the caller
// read from the timer keys after taking token from NextTimer. It does
// nothing if a batch setting a timer committed since then, as the read may
// have missed it.
func (s *DB) SetNextTimer(due int64, token uint64) {
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	if s.timerGen == token {
		s.nextTimer, s.known = due, true
	}
}

// CommitNoSync applies the batch atomically without waiting for it to
// reach stable storage: a crash may lose it (and any later unsynced batch),
// never part of it. It is for writes that a later Open repairs if lost,
// like deleting what nothing references any more.
func (b *Batch) CommitNoSync() error { return b.commit(pebble.NoSync) }

// Close discards an uncommitted batch; after Commit or Close it does
// nothing. Pebble pools batches, so closing one twice would hand it to two
// users.
func (b *Batch) Close() {
	if !b.done {
		b.done = true
		if b.b != nil {
			b.b.Close()
		}
	}
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

// pebbleLogger is the Logger the store gives Pebble.
type pebbleLogger struct{ s *DB }

func (s *DB) pebbleLogger() pebbleLogger { return pebbleLogger{s} }

func (p pebbleLogger) Infof(format string, args ...any) {
	if p.s.lg != nil {
		p.s.lg.Debug(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.s.logError(fmt.Sprintf(format, args...))
}

// Fatalf is called by Pebble when it cannot go on, possibly holding its
// locks, and Pebble's code after it carries on as if it had succeeded (a
// commit returns nil): so it fails the store, with reads too, and parks the
// goroutine for ever instead of returning (or calling os.Exit, as Pebble's
// default does).
func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.s.fail(fmt.Errorf(format, args...), true)
	p.s.fs.park()
}
