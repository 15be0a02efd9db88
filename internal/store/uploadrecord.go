package store

import (
	"encoding/hex"
	"errors"
	"time"

	"github.com/firnstore/firn/multipart"
	"github.com/firnstore/firn/vault"
)

// UploadRecord is the record of a multipart upload (key UploadKey).
type UploadRecord struct {
	multipart.Upload
	// Timer is the due time of the upload's one pending timer
	// (TimerUploadExpire).
	Timer time.Time
}

// PartRecord is the record of one part of a multipart upload (key
// PartKey).
type PartRecord struct {
	multipart.Part
	// Segments holds the part's bytes: exactly one segment.
	Segments []vault.Segment
}

// uploadRecord is the stored form of an UploadRecord.
type uploadRecord struct {
	ID          [16]byte               `json:"id"`
	Description string                 `json:"description,omitempty"`
	PartSize    int64                  `json:"partSize"`
	Created     time.Time              `json:"created"`
	State       multipart.State        `json:"state"`
	Ended       time.Time              `json:"ended,omitzero"`
	Archive     *uploadedArchiveRecord `json:"archive,omitempty"`
	Timer       time.Time              `json:"timer"`
}

// uploadedArchiveRecord is the stored form of a multipart.Completion.
type uploadedArchiveRecord struct {
	ID       [16]byte `json:"id"`
	Size     int64    `json:"size"`
	TreeHash hexHash  `json:"treeHash"`
}

// partRecord is the stored form of a PartRecord.
type partRecord struct {
	Start    int64           `json:"start"`
	Size     int64           `json:"size"`
	TreeHash hexHash         `json:"treeHash"`
	Uploaded time.Time       `json:"uploaded"`
	Segments []segmentRecord `json:"segments"`
}

// hexHash is a tree hash stored as 64 lower-case hex digits.
type hexHash [32]byte

func (h hexHash) MarshalText() ([]byte, error) { return hex.AppendEncode(nil, h[:]), nil }

func (h *hexHash) UnmarshalText(b []byte) error {
	if len(b) != 2*len(h) {
		return errors.New("tree hash is not 64 hex digits")
	}
	_, err := hex.Decode(h[:], b)
	return err
}

func uploadToRecord(u *UploadRecord) *uploadRecord {
	r := &uploadRecord{
		ID:          u.ID,
		Description: u.Description,
		PartSize:    u.PartSize,
		Created:     u.Created,
		State:       u.State,
		Ended:       u.Ended,
		Timer:       u.Timer,
	}
	if a := u.Archive; a != nil {
		r.Archive = &uploadedArchiveRecord{ID: a.ID, Size: a.Size, TreeHash: hexHash(a.TreeHash)}
	}
	return r
}

func (r *uploadRecord) upload() UploadRecord {
	u := UploadRecord{
		Upload: multipart.Upload{
			ID:          r.ID,
			Description: r.Description,
			PartSize:    r.PartSize,
			Created:     r.Created,
			State:       r.State,
			Ended:       r.Ended,
		},
		Timer: r.Timer,
	}
	if a := r.Archive; a != nil {
		u.Archive = &multipart.Completion{ID: a.ID, Size: a.Size, TreeHash: multipart.TreeHash(a.TreeHash)}
	}
	return u
}

func partToRecord(p *PartRecord) *partRecord {
	return &partRecord{
		Start:    p.Start,
		Size:     p.Size,
		TreeHash: hexHash(p.TreeHash),
		Uploaded: p.Uploaded,
		Segments: segmentsToRecord(p.Segments),
	}
}

func (r *partRecord) part() PartRecord {
	return PartRecord{
		Part: multipart.Part{
			Range:    multipart.Range{Start: r.Start, Size: r.Size},
			TreeHash: multipart.TreeHash(r.TreeHash),
			Uploaded: r.Uploaded,
		},
		Segments: segmentsFromRecord(r.Segments),
	}
}
