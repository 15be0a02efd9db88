package engine

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

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
	db *store.DB
}

// setInline records in b the bytes of inline segment id.
func setInline(b *store.Batch, id [16]byte, data []byte) {
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
// error. Like blob.Store.Delete it is not synced: a segment whose deletion
// a crash undoes is reclaimed at the next Open.
//
// Once the metadata store has failed it deletes nothing: a commit reported
// as failed may have happened, and then references the segment; Open
// reclaims the segments that no record references.
func (s *segStore) Delete(id blob.ID) error {
	if err := s.db.Failed(); err != nil {
		return err
	}
	if _, ok, err := s.inline(id); err != nil {
		return err
	} else if !ok {
		return s.Store.Delete(id)
	}
	b := s.db.NewBatch()
	b.Delete(store.InlineKey(id))
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
