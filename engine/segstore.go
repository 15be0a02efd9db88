package engine

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/firnstore/firn"

	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
)

// inlineMax is the size up to which an uploaded archive's bytes are stored
// inline: as a value in the metadata store, written in the batch that
// commits the archive. A small upload then costs one synced write, which
// Pebble group-commits with concurrent ones, instead of a file, its sync
// and a directory sync. Segments are immutable, so the bound only decides
// where new ones go.
const inlineMax = 64 << 10

// segStore holds the engine's segments: blob files, and inline segments in
// the metadata store. It resolves an ID to either, so that its readers
// (Stat, Open, Verify, List) and Delete serve both kinds; Create writes a
// blob segment, and inline ones are written by the batch of their record
// (setInline). Its methods are safe for concurrent use.
type segStore struct {
	*blob.Store
	db    *store.DB
	lease *lease // nil without an object store
	// intents is set on a shared database and where segment files are
	// local: Create records an intent before writing a blob segment (see
	// store.IntentKey).
	intents bool
	clock   firn.Clock
	log     *slog.Logger

	mu sync.Mutex
	// unsettled holds, once trackUnsettled is called, the blob segments
	// this engine created and has neither deleted nor seen referenced:
	// those of uploads in flight, which the sweep must spare however long
	// their metadata takes to commit. Nil while not tracking.
	unsettled map[blob.ID]struct{}
}

// newSegStore returns the segStore of blobs, local files or not.
func newSegStore(blobs *blob.Store, db *store.DB, l *lease, o *Options, local bool) *segStore {
	return &segStore{Store: blobs, db: db, lease: l, intents: o.Metadata != "" || local, clock: o.Clock, log: o.Logger}
}

// trackUnsettled starts recording the segments created from now on, for
// the sweep. It must be called before any is created. The record holds a
// segment from its creation until it is deleted or the sweep after its
// reference is committed finds it referenced (see settleReferenced), so
// it lasts about one sweep interval; an engine without a sweep must not
// track, or the record would only grow.
func (s *segStore) trackUnsettled() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unsettled = map[blob.ID]struct{}{}
}

// Create starts writing blob segment id, as blob.Store.Create does, and
// records it as unsettled until the Writer fails or the segment is deleted
// or found referenced. It also commits the intent to write id, on a shared
// database and where segment files are local, while the bytes are written:
// the Writer's Commit waits for it before the segment becomes visible. The
// Writer's failure deletes the intent, as does the first reference to id
// (Engine.addRefs). The sweeps of other engines, which know nothing of
// this one's unsettled segments, spare id meanwhile; Open after a crash
// finds id among the intents.
func (s *segStore) Create(id blob.ID) (*segWriter, error) {
	var intent chan error
	if s.intents {
		b := s.db.NewBatch()
		b.Set(store.IntentKey(id), store.IntentValue(s.clock.Now()))
		// Its sync overlaps with the segment's writes instead of
		// preceding them.
		intent = make(chan error, 1)
		go func() { intent <- b.Commit() }()
	}
	s.setUnsettled(id, true)
	w, err := s.Store.Create(id)
	if err != nil {
		s.setUnsettled(id, false)
		if intent != nil && <-intent == nil {
			s.dropIntent(id)
		}
		return nil, err
	}
	return &segWriter{Writer: w, s: s, id: id, intent: intent}, nil
}

func (s *segStore) setUnsettled(id blob.ID, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.unsettled == nil:
	case on:
		s.unsettled[id] = struct{}{}
	default:
		delete(s.unsettled, id)
	}
}

// isUnsettled reports whether segment id is unsettled.
func (s *segStore) isUnsettled(id blob.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.unsettled[id]
	return ok
}

// settleReferenced forgets the unsettled segments that referenced reports
// as referenced, and returns the first error of referenced.
func (s *segStore) settleReferenced(referenced func(blob.ID) (bool, error)) error {
	s.mu.Lock()
	ids := make([]blob.ID, 0, len(s.unsettled))
	for id := range s.unsettled {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		used, err := referenced(id)
		if err != nil {
			return err
		}
		if used {
			s.setUnsettled(id, false)
		}
	}
	return nil
}

// dropIntent deletes the intent to write segment id, if intents are kept:
// its writer gave up, so that the segment, if any of it was stored, is
// garbage for the sweep. An intent left by a failure here expires (see
// ObjectStore.IntentLifetime).
func (s *segStore) dropIntent(id blob.ID) {
	if !s.intents {
		return
	}
	b := s.db.NewBatch()
	b.Delete(store.IntentKey(id))
	if err := b.Commit(); err != nil {
		s.log.Warn("deleting the intent to write a segment", "segment", id, "err", err)
	}
}

// segWriter is a blob.Writer whose segment its segStore stops recording as
// unsettled, and whose intent it deletes, when the Writer fails: nothing
// then remains to spare.
type segWriter struct {
	*blob.Writer
	s  *segStore
	id blob.ID
	// intent receives the outcome of the intent's commit, if one was
	// started; waitIntent reads it once.
	intent chan error
	err    error
}

// waitIntent waits for the intent's commit and returns its error.
func (w *segWriter) waitIntent() error {
	if w.intent != nil {
		w.err = <-w.intent
		w.intent = nil
	}
	return w.err
}

// Commit commits the segment, as blob.Writer.Commit does, once its intent
// is committed.
func (w *segWriter) Commit() (blob.Info, error) {
	if err := w.waitIntent(); err != nil {
		w.Writer.Abort()
		w.s.setUnsettled(w.id, false)
		return blob.Info{}, err
	}
	info, err := w.Writer.Commit()
	if err != nil {
		w.s.setUnsettled(w.id, false)
		w.s.dropIntent(w.id)
	}
	return info, err
}

// Abort discards the segment, as blob.Writer.Abort does.
func (w *segWriter) Abort() error {
	err := w.Writer.Abort()
	w.s.setUnsettled(w.id, false)
	if w.waitIntent() == nil {
		w.s.dropIntent(w.id)
	}
	return err
}

// setInline records in b the bytes of inline segment id.
func setInline(b *store.Batch, id blob.ID, data []byte) {
	b.Set(store.InlineKey(id), data)
}

// inline returns the bytes of inline segment id, or ok false if id is not
// inline.
func (s *segStore) inline(id blob.ID) (data []byte, ok bool, err error) {
	v, err := s.db.Get(store.InlineKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// Stat returns the Info of segment id, as blob.Store.Stat does.
func (s *segStore) Stat(id blob.ID) (blob.Info, error) {
	v, ok, err := s.inline(id)
	if err != nil {
		return blob.Info{}, err
	}
	if !ok {
		return s.Store.Stat(id)
	}
	return inlineInfo(id, v), nil
}

func inlineInfo(id blob.ID, v []byte) blob.Info {
	info := blob.Info{ID: id, Size: int64(len(v)), StoredSize: int64(len(v))}
	for off := 0; off < len(v); off += blob.ChunkSize {
		info.Leaves = append(info.Leaves, sha256.Sum256(v[off:min(off+blob.ChunkSize, len(v))]))
	}
	return info
}

// segReader reads one segment of either kind.
type segReader interface {
	// Size returns the number of bytes in the segment.
	Size() int64
	// NewRangeReader returns a reader of n bytes at offset off.
	NewRangeReader(off, n int64) (io.ReadCloser, error)
	Close() error
}

// Open opens segment id for reading, as blob.Store.Open does.
func (s *segStore) Open(id blob.ID) (segReader, error) {
	v, ok, err := s.inline(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return s.Store.Open(id)
	}
	return inlineReader(v), nil
}

type inlineReader []byte

func (r inlineReader) NewRangeReader(off, n int64) (io.ReadCloser, error) {
	if off < 0 || n < 0 || n > int64(len(r))-off {
		return nil, fmt.Errorf("engine: range [%d, %d+%d) is outside an inline segment of %d bytes", off, off, n, len(r))
	}
	return io.NopCloser(bytes.NewReader(r[off : off+n])), nil
}

func (r inlineReader) Size() int64 { return int64(len(r)) }
func (inlineReader) Close() error  { return nil }

// Verify checks segment id, as blob.Store.Verify does. The bytes of an
// inline segment are checked by the metadata store's own checksums as they
// are read.
func (s *segStore) Verify(id blob.ID) error {
	if _, ok, err := s.inline(id); err != nil || ok {
		return err
	}
	return s.Store.Verify(id)
}

// Delete removes segment id, of either kind; a missing segment is not an
// error. A blob segment's deletion is durable, as blob.Store.Delete's is;
// an inline one's is not synced, but precedes in the log whatever the
// caller commits next (such as the deletion of its intent). A blob
// segment is no longer unsettled, even if its deletion fails: the sweep
// then retries it.
//
// Once the metadata store has failed it deletes nothing: a commit reported
// as failed may have happened, and then references the segment; Open
// reclaims the segment if it did not, its intent being left. Nor does it delete an
// object once the object store's lease is lost: the objects may be another
// engine's now. The segment's intent, if any, is deleted after a blob
// segment, and with an inline one; neither deletion is synced, since an
// intent that a crash brings back names a segment that is gone, which
// reclaim or the sweep then finds.
func (s *segStore) Delete(id blob.ID) error {
	if err := s.db.Failed(); err != nil {
		return err
	}
	b := s.db.NewBatch()
	if _, ok, err := s.inline(id); err != nil {
		b.Close()
		return err
	} else if ok {
		b.Delete(store.InlineKey(id))
	} else {
		if err := s.lease.check(); err != nil {
			b.Close()
			return err
		}
		defer s.setUnsettled(id, false)
		if err := s.Store.Delete(id); err != nil {
			b.Close()
			return err
		}
	}
	if s.intents {
		b.Delete(store.IntentKey(id))
	}
	return b.CommitNoSync()
}

// List returns the IDs of every segment, blob and inline.
func (s *segStore) List() ([]blob.ID, error) {
	ids, err := s.Store.List()
	if err != nil {
		return nil, err
	}
	p := store.InlineAll()
	err = s.db.Scan(p, store.PrefixEnd(p), func(k, _ []byte) (bool, error) {
		ids = append(ids, store.InlineID(k))
		return true, nil
	})
	return ids, err
}
