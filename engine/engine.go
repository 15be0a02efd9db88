// Package engine is Firn's in-process Glacier engine: it implements
// firn.Glacier over a metadata store and a blob store for archive bytes:
// by default both on one vfs.FS (Pebble and segment files); the bytes may
// be in an S3-compatible object store (Options.ObjectStore), and the
// metadata in PostgreSQL (Options.Metadata), which any number of engines
// then share.
//
// Every operation validates its input, loads the state it needs, applies
// the domain rules, and commits exactly one synced transaction (a Pebble
// batch, or a SERIALIZABLE PostgreSQL transaction that also holds the reads
// its rules were decided on); archive bytes are made durable before the
// metadata that references them. Bad input changes nothing. An *Engine is
// safe for concurrent use.
//
// # A full disk
//
// Uploads are refused before the disk is full, and other writes a little
// later, so that deletes can always free space (Options.FreeSpaceReserve).
// If a write of the metadata store fails all the same (the disk filled
// from elsewhere, an I/O error), the engine enters the failed state: every
// later mutation, and the mutations in flight, return
// ServiceUnavailableException at once; reads of metadata are still served
// (they may show the effect of the operation that failed), as are archive
// bytes; time-driven work stops; Close returns at once with the failure.
// Opening the data directory again, in the same process or another, once
// the cause is fixed, recovers every acknowledged operation, as after a
// crash. Nothing in the engine ever exits or wedges the process.
//
// # Monitoring
//
// Stats counts the jobs by action and status, the due timers, the
// notification backlog and the free space against the reserves; Ready
// says whether the engine can commit a write now. Both only read.
package engine

import (
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
)

// Engine is an open Firn engine. It implements firn.Glacier.
type Engine struct {
	opts  *Options
	db    *store.DB
	blobs *segStore
	// shared is set when the metadata is in a database other engines may
	// share (Options.Metadata): what this engine reads may change under it
	// whatever its locks, so decisions are made on what a transaction
	// reads (see store.DB.Update), and nothing is cached.
	shared bool

	idMu    sync.Mutex
	entropy io.Reader
	lastMs  uint64

	// vaults decodes vault records, once per stored form.
	vaults vaultCache

	// vaultLocks serialises the mutations of one vault that read and
	// rewrite existing state; uploads of new archives share the lock.
	vaultLocks sync.Map // ulid.ULID -> *sync.RWMutex

	// timers maps a timer kind to its handler; fixed at Open.
	timers map[byte]timerHandler
	tickMu sync.Mutex
	outbox *outbox // delivers notifications; runs from Open to Close
	stop   chan struct{}
	done   chan struct{}

	// retrievalMu serialises the admission of retrievals against an
	// account's policy, capacity and logs.
	retrievalMu sync.Mutex

	// policies caches parsed policy documents by their text, which never
	// changes meaning, so entries never go stale.
	policies sync.Map // string -> *policy.Policy

	// acctMu serialises vault creation and deletion, for the vault limit.
	acctMu sync.Mutex

	// mp holds the locks of multipart uploads and their parts.
	mp uploadLocks

	// space enforces the free-space reserves.
	space *spaceGuard

	// dir is the data directory. bucket holds the archive bytes and the
	// backups when Options.ObjectStore is set, and lease keeps it to this
	// engine; else both are nil.
	dir      string
	bucket   *blob.Bucket
	lease    *lease
	backupMu sync.Mutex     // serialises Backups
	bg       sync.WaitGroup // the sweep, scheduled backups and reclaim, until Close
	// reclaimed is closed once the segments left by a crash are reclaimed
	// (see startReclaim).
	reclaimed chan struct{}

	closeOnce sync.Once
}

var _ firn.Glacier = (*Engine)(nil)

// Open opens the engine stored in dir, creating it if needed. Metadata goes
// to dir/meta and archive bytes to dir/blobs (or to Options.ObjectStore),
// except that the bytes of archives uploaded whole up to 64 KiB long go
// with the metadata. Segments that no committed metadata references (left
// by a crash mid-upload) are reclaimed in the background: for dir/blobs
// those that Open finds named by intents, which Close waits for; for an
// object store by a periodic sweep.
func Open(dir string, opts *Options) (*Engine, error) {
	o := opts.EnsureDefaults()
	if o.SelectOutput == nil {
		o.SelectOutput = DirOutput{FS: o.FS, Root: filepath.Join(dir, "select-output")}
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("engine: invalid options: %w", err)
	}
	db, err := openMetadata(dir, o)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	epoch, err := db.NextEpoch()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	blobs, bucket, lease, err := openBlobs(dir, o)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	e := &Engine{
		opts:      o,
		db:        db,
		blobs:     newSegStore(blobs, db, lease, o, bucket == nil),
		entropy:   newIDSource(epoch),
		shared:    o.Metadata != "",
		timers:    map[byte]timerHandler{},
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		reclaimed: make(chan struct{}),
	}
	e.registerTimers()
	e.dir, e.bucket, e.lease = dir, bucket, lease
	e.space = newSpaceGuard(dir, o)
	reclaim, err := e.reclaimAtOpen()
	if err != nil {
		db.Close()
		if lease != nil {
			lease.release()
		}
		return nil, err
	}
	e.outbox = newOutbox(e)
	e.tick()
	// Held back until now (store.Options.DeferCompactions), a compaction
	// that replaying a crashed process's log started shares the disk
	// with requests, not with Open's own reads and writes.
	db.StartCompactions()
	go e.outbox.run()
	go e.runTicker(o.TickInterval, e.stop, e.done)
	e.startReclaim(reclaim)
	e.startObjectStore()
	return e, nil
}

// openMetadata opens the metadata store Options select: Pebble in
// dir/meta, or the database of Options.Metadata.
func openMetadata(dir string, o *Options) (*store.DB, error) {
	if o.Metadata != "" {
		return store.OpenPostgres(o.Metadata, store.PostgresOptions{Logger: o.Logger})
	}
	if err := mkdirAll(o.FS, filepath.Join(dir, "meta")); err != nil {
		return nil, err
	}
	return store.Open(filepath.Join(dir, "meta"), store.Options{FS: o.FS, Logger: o.Logger, MemTableSize: o.memTableSize, DeferCompactions: true})
}

// mkdirAll creates dir and its missing parents, syncing the parent of each
// one it creates: Pebble syncs the directories it writes in, not their
// entries in their parents, so a new data directory could otherwise vanish
// in a crash with everything acknowledged in it.
func mkdirAll(fs vfs.FS, dir string) error {
	if _, err := fs.Stat(dir); !errors.Is(err, iofs.ErrNotExist) {
		return err
	}
	parent := fs.PathDir(dir)
	if parent != dir {
		if err := mkdirAll(fs, parent); err != nil {
			return err
		}
	}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d, err := fs.OpenDir(parent)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// Close releases the engine's resources. Operations in flight must have
// returned; a Notify call in flight has its context canceled and is not
// waited for (see Notifier). Close is idempotent. In the failed state (see
// the package doc) it returns the failure at once, having released the
// data directory without writing to it.
func (e *Engine) Close() error {
	var err error
	e.closeOnce.Do(func() {
		e.outbox.close()
		close(e.stop)
		<-e.done
		e.bg.Wait()
		if e.lease != nil {
			e.lease.release()
		}
		e.tickMu.Lock()
		defer e.tickMu.Unlock()
		err = e.db.Close()
	})
	return err
}

// now is the engine's only reading of the time.
func (e *Engine) now() time.Time { return e.opts.Clock.Now().UTC() }
