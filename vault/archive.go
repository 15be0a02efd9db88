package vault

import (
	"time"

	"github.com/firnstore/firn"
)

// Archive is the persisted state of one archive.
type Archive struct {
	ID          [16]byte  `json:"id"`
	Description string    `json:"description,omitempty"`
	Size        int64     `json:"size"`
	TreeHash    string    `json:"treeHash"`
	Created     time.Time `json:"created"`
	// SegmentSize is the size of every segment but the last (a multipart
	// upload's part size); 0 when there is a single segment.
	SegmentSize int64 `json:"segmentSize,omitempty"`
	// Segments hold the bytes, in order.
	Segments []Segment `json:"segments"`
}

// Segment is a reference to a stored run of archive bytes.
type Segment struct {
	ID   [16]byte `json:"id"`
	Size int64    `json:"size"`
}

// ArchiveNotFound is the error for an archive that does not exist.
func ArchiveNotFound(id string) *firn.Error {
	return firn.Errorf(firn.CodeResourceNotFound, "Archive not found for ID: %s", id)
}

// ArchiveLocation is the archive's relative URI.
func ArchiveLocation(account, vaultName, id string) string {
	return Location(account, vaultName) + "/archives/" + id
}
