package client

import (
	"bytes"
	"context"
	"iter"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/multipart"
	"github.com/firnstore/firn/treehash"
)

// MultipartUpload is a handle on one in-progress multipart upload, the
// counterpart of the reference's Glacier.MultipartUpload resource. Make one
// with Vault.MultipartUpload, or get one from Vault.InitiateMultipartUpload
// or Vault.MultipartUploads; see Account for what handles are.
type MultipartUpload struct {
	g       firn.Glacier
	account string
	vault   string
	id      string

	// Attrs describes the upload as of the last Load, or of the listing
	// that yielded the handle; nil until then.
	Attrs *firn.UploadListElement
}

// AccountID returns the ID of the upload's account.
func (u *MultipartUpload) AccountID() string { return u.account }

// VaultName returns the name of the upload's vault.
func (u *MultipartUpload) VaultName() string { return u.vault }

// ID returns the upload ID.
func (u *MultipartUpload) ID() string { return u.id }

// Vault returns a handle on the upload's vault.
func (u *MultipartUpload) Vault() *Vault { return NewAccount(u.g, u.account).Vault(u.vault) }

// Load sets Attrs from the first page of ListParts, which describes the
// upload (the reference's MultipartUpload has attributes but no load). On
// error Attrs is unchanged.
func (u *MultipartUpload) Load(ctx context.Context) error {
	out, err := u.g.ListParts(ctx, &firn.ListPartsInput{AccountId: u.account, VaultName: u.vault, UploadId: u.id, Limit: 1})
	if err != nil {
		return err
	}
	u.Attrs = &firn.UploadListElement{
		MultipartUploadId:  out.MultipartUploadId,
		VaultARN:           out.VaultARN,
		ArchiveDescription: out.ArchiveDescription,
		PartSizeInBytes:    out.PartSizeInBytes,
		CreationDate:       out.CreationDate,
	}
	return nil
}

// UploadPart uploads part as the bytes of the archive starting at offset
// (UploadMultipartPart), sending its tree hash for the service to verify,
// and returns that tree hash in hex. Uploading a part again replaces it.
func (u *MultipartUpload) UploadPart(ctx context.Context, offset int64, part []byte) (checksum string, err error) {
	sum := treehash.Hex(treehash.Sum(part))
	_, err = u.g.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{
		AccountId: u.account,
		VaultName: u.vault,
		UploadId:  u.id,
		Range:     partRange(offset, int64(len(part))),
		Checksum:  sum,
		Body:      bytes.NewReader(part),
	})
	if err != nil {
		return "", err
	}
	return sum, nil
}

// partRange is the Range of a part of n bytes at offset: "bytes S-E/*".
func partRange(offset, n int64) string {
	return "bytes " + multipart.Range{Start: offset, Size: n}.String() + "/*"
}

// Complete assembles the uploaded parts into an archive of archiveSize
// bytes whose tree hash is checksum, in hex (CompleteMultipartUpload), and
// returns a handle on the archive with its Checksum.
func (u *MultipartUpload) Complete(ctx context.Context, archiveSize int64, checksum string) (*Archive, error) {
	out, err := u.g.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{
		AccountId:   u.account,
		VaultName:   u.vault,
		UploadId:    u.id,
		ArchiveSize: archiveSize,
		Checksum:    checksum,
	})
	if err != nil {
		return nil, err
	}
	a := u.Vault().Archive(out.ArchiveId)
	a.Checksum = out.Checksum
	return a, nil
}

// Abort aborts the upload (AbortMultipartUpload).
func (u *MultipartUpload) Abort(ctx context.Context) error {
	_, err := u.g.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{AccountId: u.account, VaultName: u.vault, UploadId: u.id})
	return err
}

// Parts iterates over the uploaded parts sorted by range (ListParts). See
// ListOptions for the listing contract.
func (u *MultipartUpload) Parts(ctx context.Context, opts *ListOptions) iter.Seq2[firn.PartListElement, error] {
	o := optsOrZero(opts)
	return firn.AllParts(ctx, u.g, firn.ListPartsInput{AccountId: u.account, VaultName: u.vault, UploadId: u.id, Limit: o.PageSize, Marker: o.Marker})
}
