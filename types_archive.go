package firn

import "io"

// UploadArchiveInput uploads one archive in a single request.
type UploadArchiveInput struct {
	AccountId string
	VaultName string
	// ArchiveDescription is at most 1,024 printable ASCII characters
	// (0x20-0x7E) once its leading and trailing spaces and tabs are
	// dropped, as HTTP drops them from the header that carries it.
	ArchiveDescription string
	// Checksum, when set, is the expected SHA-256 tree hash of Body in hex;
	// the upload fails if it does not match. When it is empty the Glacier
	// computes the tree hash itself, as the AWS SDKs do on the client side.
	// On the wire it is the x-amz-sha256-tree-hash header, which the REST
	// endpoint requires, as it does x-amz-content-sha256.
	Checksum string
	// Body is read to EOF and never buffered whole.
	Body io.Reader
}

// UploadArchiveOutput identifies the new archive.
type UploadArchiveOutput struct {
	ArchiveId string
	// Checksum is the archive's SHA-256 tree hash in hex.
	Checksum string
	// Location is /ACCOUNT/vaults/NAME/archives/ARCHIVEID.
	Location string
}

// DeleteArchiveInput names the archive to delete.
type DeleteArchiveInput struct {
	AccountId string
	VaultName string
	ArchiveId string
}

// DeleteArchiveOutput is the (empty) result of DeleteArchive.
type DeleteArchiveOutput struct{}
