package store

import (
	"time"

	"github.com/firnstore/firn/vault"
)

// archiveRecord is the stored form of a vault.ArchiveRecord (key
// ArchiveKey) written before version 4, which stores the binary one of
// archivecodec.go; it is read, never written.
type archiveRecord struct {
	ID          [16]byte        `json:"id"`
	Description string          `json:"description,omitempty"`
	Size        int64           `json:"size"`
	TreeHash    string          `json:"treeHash"`
	Created     time.Time       `json:"created"`
	SegmentSize int64           `json:"segmentSize,omitempty"`
	Segments    []segmentRecord `json:"segments"`
	ExternalID  string          `json:"externalId,omitempty"`
}

// segmentRecord is the stored form of a vault.Segment, in every record
// that holds segments.
type segmentRecord struct {
	ID   [16]byte `json:"id"`
	Size int64    `json:"size"`
}

func (r *archiveRecord) archive() vault.ArchiveRecord {
	return vault.ArchiveRecord{
		ID:          r.ID,
		Description: r.Description,
		Size:        r.Size,
		TreeHash:    r.TreeHash,
		Created:     r.Created,
		SegmentSize: r.SegmentSize,
		Segments:    segmentsFromRecord(r.Segments),
		ExternalID:  r.ExternalID,
	}
}

// segmentsToRecord converts segments, keeping nil (stored as null or
// omitted) apart from empty.
func segmentsToRecord(s []vault.Segment) []segmentRecord {
	if s == nil {
		return nil
	}
	out := make([]segmentRecord, len(s))
	for i, seg := range s {
		out[i] = segmentRecord{ID: seg.ID, Size: seg.Size}
	}
	return out
}

func segmentsFromRecord(s []segmentRecord) []vault.Segment {
	if s == nil {
		return nil
	}
	out := make([]vault.Segment, len(s))
	for i, seg := range s {
		out[i] = vault.Segment{ID: seg.ID, Size: seg.Size}
	}
	return out
}

// SegmentHolder is what DecodeRecord reads of a part or job record: the
// segments it holds, for the code that follows references without caring
// for the rest.
type SegmentHolder struct {
	Segments []vault.Segment
}

type segmentHolderRecord struct {
	Segments []segmentRecord `json:"segments"`
}

func (r *segmentHolderRecord) holder() SegmentHolder {
	return SegmentHolder{Segments: segmentsFromRecord(r.Segments)}
}
