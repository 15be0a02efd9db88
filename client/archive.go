package client

import (
	"context"

	"github.com/firnstore/firn"
)

// Archive is a handle on one archive, the counterpart of the reference's
// Glacier.Archive resource. Make one with Vault.Archive, or get one from an
// upload; see Account for what handles are. Glacier has no call that
// describes a single archive, so an Archive has no Load; its metadata comes
// from an inventory-retrieval job.
type Archive struct {
	g       firn.Glacier
	account string
	vault   string
	id      string

	// Checksum is the archive's SHA-256 tree hash in hex, as returned by
	// the upload that made the handle (Vault.UploadArchive,
	// MultipartUpload.Complete, Uploader.Upload); "" for a handle made by
	// Vault.Archive.
	Checksum string
}

// AccountID returns the ID of the archive's account.
func (a *Archive) AccountID() string { return a.account }

// VaultName returns the name of the archive's vault.
func (a *Archive) VaultName() string { return a.vault }

// ID returns the archive ID.
func (a *Archive) ID() string { return a.id }

// Vault returns a handle on the archive's vault.
func (a *Archive) Vault() *Vault { return NewAccount(a.g, a.account).Vault(a.vault) }

// Delete deletes the archive (DeleteArchive).
func (a *Archive) Delete(ctx context.Context) error {
	_, err := a.g.DeleteArchive(ctx, &firn.DeleteArchiveInput{AccountId: a.account, VaultName: a.vault, ArchiveId: a.id})
	return err
}

// InitiateArchiveRetrieval starts an archive-retrieval job for the archive
// (InitiateJob) and returns a handle on it. p, which may be nil, gives the
// job's Tier, RetrievalByteRange, Description and SNSTopic; its Type and
// ArchiveId may be empty or match this job (else
// InvalidParameterValueException), and p is not modified.
func (a *Archive) InitiateArchiveRetrieval(ctx context.Context, p *firn.JobParameters) (*Job, error) {
	params := optsOrZero(p)
	if params.Type != "" && params.Type != firn.JobTypeArchiveRetrieval {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue,
			"JobParameters.Type %q: InitiateArchiveRetrieval starts %s jobs", params.Type, firn.JobTypeArchiveRetrieval)
	}
	if params.ArchiveId != "" && params.ArchiveId != a.id {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue,
			"JobParameters.ArchiveId %q: the handle is on archive %q", params.ArchiveId, a.id)
	}
	params.Type, params.ArchiveId = firn.JobTypeArchiveRetrieval, a.id
	return a.Vault().initiateJob(ctx, params)
}
