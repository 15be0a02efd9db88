package firn

import (
	"context"
	"io"
	"time"
)

// Importer is implemented by Glacier implementations that take in archives
// which already have an identity elsewhere, such as archives migrated out of
// Amazon S3 Glacier: Firn's engine, and a client of a Firn REST endpoint
// whose operator allows the caller to import. It is not part of the Glacier
// API. Implementations are safe for concurrent use.
type Importer interface {
	// ImportArchive stores an archive under the ID, creation date and
	// description it has at its source. Every operation treats an imported
	// archive as an uploaded one: inventories list it in creation order
	// with its ID, jobs retrieve it by that ID, DeleteArchive deletes it.
	// Importing an ID that is already in the vault with the same bytes,
	// date and description changes nothing and reports Imported false;
	// with anything else different it fails with
	// InvalidParameterValueException naming what differs.
	ImportArchive(ctx context.Context, in *ImportArchiveInput) (*ImportArchiveOutput, error)
	// DescribeArchive returns an archive's metadata, imported or uploaded,
	// or ResourceNotFoundException when the vault holds no archive with
	// that ID.
	DescribeArchive(ctx context.Context, in *DescribeArchiveInput) (*DescribeArchiveOutput, error)
}

// ImportArchiveInput is one archive to import, with its source identity.
type ImportArchiveInput struct {
	AccountId string
	VaultName string
	// ArchiveId is the archive's ID at its source: 1 to 1,024 characters
	// from A-Z, a-z, 0-9, '-', '_', '.' and '~' (Amazon S3 Glacier's are
	// 138 characters long; Firn's own are ULIDs, kept as they are).
	ArchiveId string
	// ArchiveDescription is kept as the source has it: at most 1,024 bytes
	// of UTF-8 without control characters other than tab; spaces are not
	// trimmed.
	ArchiveDescription string
	// CreationDate is the archive's creation date at its source; it must
	// not be zero nor later than the Glacier's clock. Archives sort by it.
	CreationDate time.Time
	// Checksum is the SHA-256 tree hash of Body in hex, as the source
	// reports it; required. The import fails, storing nothing, if Body
	// does not match it.
	Checksum string
	// Size is Body's length in bytes, at least 1; the import fails if Body
	// is longer or shorter.
	Size int64
	// Body is read to EOF and never buffered whole. It is not read at all
	// when the archive is already in the vault.
	Body io.Reader
}

// ImportArchiveOutput identifies the imported archive.
type ImportArchiveOutput struct {
	// ArchiveId is the input's ArchiveId: the ID every operation knows the
	// archive by.
	ArchiveId string
	Checksum  string
	// Location is /ACCOUNT/vaults/NAME/archives/ARCHIVEID.
	Location string
	// Imported is false when the archive was already there, unchanged.
	Imported bool
}

// DescribeArchiveInput names an archive.
type DescribeArchiveInput struct {
	AccountId string
	VaultName string
	ArchiveId string
}

// DescribeArchiveOutput is an archive's metadata, as an inventory lists it.
type DescribeArchiveOutput struct {
	ArchiveId          string
	ArchiveDescription string
	CreationDate       time.Time
	Size               int64
	SHA256TreeHash     string
}
