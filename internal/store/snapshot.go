package store

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/firnstore/firn/job"
	"github.com/oklog/ulid/v2"
)

// An inventory snapshot, the blob segment a vault record's segments member
// names, lists the vault's archives as of its last inventory: one
// job.Entry a line, each a JSON object {id, desc (omitted), created, size,
// hash, key (omitted)}. key is the archive's key when it is not id (an
// imported archive's, since version 3); a line without one has the key id
// names.

// snapshotEntry is the stored form of a job.Entry.
type snapshotEntry struct {
	ArchiveID   string    `json:"id"`
	Description string    `json:"desc,omitempty"`
	Created     time.Time `json:"created"`
	Size        int64     `json:"size"`
	TreeHash    string    `json:"hash"`
	Key         *[16]byte `json:"key,omitempty"`
}

// SnapshotWriter writes an inventory snapshot.
type SnapshotWriter struct{ enc *json.Encoder }

// NewSnapshotWriter returns a writer of a snapshot to w, which it does not
// buffer.
func NewSnapshotWriter(w io.Writer) *SnapshotWriter {
	return &SnapshotWriter{enc: json.NewEncoder(w)}
}

// Write writes the line of one archive.
func (w *SnapshotWriter) Write(e *job.Entry) error {
	s := snapshotEntry{ArchiveID: string(e.ArchiveID), Description: string(e.Description), Created: e.Created, Size: e.Size, TreeHash: string(e.TreeHash)}
	if s.ArchiveID != e.Key.String() {
		s.Key = (*[16]byte)(&e.Key)
	}
	return w.enc.Encode(&s)
}

// SnapshotReader reads an inventory snapshot.
type SnapshotReader struct{ dec *json.Decoder }

// NewSnapshotReader returns a reader of the snapshot in r.
func NewSnapshotReader(r io.Reader) *SnapshotReader {
	return &SnapshotReader{dec: json.NewDecoder(r)}
}

// Read decodes the next archive into e, filling its buffers; it returns
// io.EOF after the last.
func (r *SnapshotReader) Read(e *job.Entry) error {
	var s snapshotEntry
	if err := r.dec.Decode(&s); err != nil {
		return err
	}
	e.ArchiveID = append(e.ArchiveID[:0], s.ArchiveID...)
	e.Description = append(e.Description[:0], s.Description...)
	e.Created, e.Size = s.Created, s.Size
	e.TreeHash = append(e.TreeHash[:0], s.TreeHash...)
	if s.Key != nil {
		e.Key = *s.Key
		return nil
	}
	k, err := ulid.ParseStrict(s.ArchiveID)
	if err != nil {
		return fmt.Errorf("store: snapshot line of %q has no key", s.ArchiveID)
	}
	e.Key = k
	return nil
}
