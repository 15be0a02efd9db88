package vault

import (
	"time"

	"github.com/firnstore/firn"
	"github.com/oklog/ulid/v2"
)

// ArchiveRecord is the persisted state of one archive; internal/store defines
// its stored form.
type ArchiveRecord struct {
	ID          ulid.ULID
	Description string
	Size        int64
	TreeHash    string
	Created     time.Time
	// SegmentSize is the size of every segment but the last (a multipart
	// upload's part size); 0 when there is a single segment.
	SegmentSize int64
	// Segments hold the bytes, in order.
	Segments []Segment
	// ExternalID is the source ID of an imported archive whose ID is not
	// its key (see SourceKey); "" otherwise.
	ExternalID string
}

// ArchiveID is the ID the archive is known by: its ExternalID, or else
// its key.
func (a *ArchiveRecord) ArchiveID() string {
	if a.ExternalID != "" {
		return a.ExternalID
	}
	return a.ID.String()
}

// Segment is a reference to a stored run of archive bytes.
type Segment struct {
	ID   ulid.ULID
	Size int64
}

// ArchiveNotFound is the error for an archive that does not exist.
func ArchiveNotFound(id string) *firn.Error {
	return firn.Errorf(firn.CodeResourceNotFound, "Archive not found for ID: %s", id)
}

// ArchiveLocation is the archive's relative URI.
func ArchiveLocation(account, vaultName, id string) string {
	return Location(account, vaultName) + "/archives/" + id
}
