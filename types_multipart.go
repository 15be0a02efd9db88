package firn

import (
	"io"
	"time"
)

// InitiateMultipartUploadInput starts a multipart upload.
type InitiateMultipartUploadInput struct {
	AccountId string
	VaultName string
	// ArchiveDescription follows UploadArchiveInput.ArchiveDescription: the
	// developer guide documents that leading whitespace is removed, and
	// trailing spaces and tabs are too.
	ArchiveDescription string
	// PartSize is 1 MiB times a power of two, from 1 MiB to 4 GiB.
	PartSize int64
}

// InitiateMultipartUploadOutput identifies the upload.
type InitiateMultipartUploadOutput struct {
	UploadId string
	// Location is /ACCOUNT/vaults/NAME/multipart-uploads/UPLOADID.
	Location string
}

// UploadMultipartPartInput uploads one part.
type UploadMultipartPartInput struct {
	AccountId string
	VaultName string
	UploadId  string
	// Range is "bytes START-END/*", inclusive.
	Range string
	// Checksum, when set, is the part's expected SHA-256 tree hash in hex;
	// the part is refused if it does not match. When it is empty the
	// Glacier computes the tree hash itself, as the AWS SDKs do on the
	// client side. On the wire it is the x-amz-sha256-tree-hash header,
	// which the REST endpoint requires, as it does x-amz-content-sha256.
	Checksum string
	Body     io.Reader
}

// UploadMultipartPartOutput carries the part's tree hash.
type UploadMultipartPartOutput struct {
	Checksum string
}

// CompleteMultipartUploadInput assembles the uploaded parts into an archive.
type CompleteMultipartUploadInput struct {
	AccountId string
	VaultName string
	UploadId  string
	// ArchiveSize is the total size of the archive in bytes.
	ArchiveSize int64
	// Checksum is the SHA-256 tree hash of the whole archive in hex.
	Checksum string
}

// CompleteMultipartUploadOutput identifies the new archive.
type CompleteMultipartUploadOutput struct {
	ArchiveId string
	Checksum  string
	Location  string
}

// AbortMultipartUploadInput names the upload to abort.
type AbortMultipartUploadInput struct {
	AccountId string
	VaultName string
	UploadId  string
}

// AbortMultipartUploadOutput is the (empty) result of AbortMultipartUpload.
type AbortMultipartUploadOutput struct{}

// ListMultipartUploadsInput pages through a vault's in-progress uploads.
type ListMultipartUploadsInput struct {
	AccountId string
	VaultName string
	// Limit is 1 to 1000; 0 means the default, 50.
	Limit  int32
	Marker string
}

// UploadListElement describes one in-progress multipart upload.
type UploadListElement struct {
	MultipartUploadId  string
	VaultARN           string
	ArchiveDescription string
	PartSizeInBytes    int64
	CreationDate       time.Time
}

// ListMultipartUploadsOutput is one page of uploads.
type ListMultipartUploadsOutput struct {
	UploadsList []UploadListElement
	Marker      string
}

// ListPartsInput pages through an upload's parts.
type ListPartsInput struct {
	AccountId string
	VaultName string
	UploadId  string
	// Limit is 1 to 1000; 0 means the default, 50.
	Limit  int32
	Marker string
}

// PartListElement describes one uploaded part.
type PartListElement struct {
	// RangeInBytes is "START-END", inclusive.
	RangeInBytes   string
	SHA256TreeHash string
}

// ListPartsOutput is one page of an upload's parts, sorted by range.
type ListPartsOutput struct {
	MultipartUploadId  string
	VaultARN           string
	ArchiveDescription string
	PartSizeInBytes    int64
	CreationDate       time.Time
	Parts              []PartListElement
	Marker             string
}
