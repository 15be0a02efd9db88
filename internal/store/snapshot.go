package store

import (
	"encoding/json"
	"io"
	"time"

	"github.com/firnstore/firn/job"
)

// An inventory snapshot, the blob segment a vault record's segments member
// names, lists the vault's archives as of its last inventory: one
// job.Entry a line, each a JSON object {id, desc (omitted), created, size,
// hash}.

// snapshotEntry is the stored form of a job.Entry.
type snapshotEntry struct {
	ArchiveID   string    `json:"id"`
	Description string    `json:"desc,omitempty"`
	Created     time.Time `json:"created"`
	Size        int64     `json:"size"`
	TreeHash    string    `json:"hash"`
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
	return w.enc.Encode((*snapshotEntry)(e))
}

// SnapshotReader reads an inventory snapshot.
type SnapshotReader struct{ dec *json.Decoder }

// NewSnapshotReader returns a reader of the snapshot in r.
func NewSnapshotReader(r io.Reader) *SnapshotReader {
	return &SnapshotReader{dec: json.NewDecoder(r)}
}

// Read decodes the next archive into e; it returns io.EOF after the last.
func (r *SnapshotReader) Read(e *job.Entry) error {
	return r.dec.Decode((*snapshotEntry)(e))
}
