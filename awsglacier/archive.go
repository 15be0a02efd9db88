package awsglacier

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"

	"github.com/firnstore/firn"
)

// UploadArchive implements [firn.Glacier]:
// POST /{account}/vaults/{name}/archives with the body and its
// x-amz-sha256-tree-hash and x-amz-content-sha256.
//
// A Body that implements io.Seeker (and can seek: not a pipe) is sent from
// its current offset; the SDK reads it once to compute its checksums unless
// Checksum is set. Any other Body is first copied to a temporary file in
// os.TempDir while both checksums are computed: the archive is never held in
// memory, but costs its size in temporary disk space and an extra write and
// read. A nil Body is empty. When Checksum is set it is sent as the tree hash
// for the service to verify.
func (c *Client) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	u, err := newUpload(ctx, in.Body, in.Checksum)
	if err != nil {
		return nil, err
	}
	defer u.close()
	out, err := c.api.UploadArchive(ctx, &glacier.UploadArchiveInput{
		AccountId:          account(in.AccountId),
		VaultName:          &in.VaultName,
		ArchiveDescription: optional(in.ArchiveDescription),
		Checksum:           u.checksum,
		Body:               u.body,
	}, u.optFns...)
	if err != nil {
		return nil, toError(err)
	}
	return &firn.UploadArchiveOutput{
		ArchiveId: aws.ToString(out.ArchiveId),
		Checksum:  aws.ToString(out.Checksum),
		Location:  aws.ToString(out.Location),
	}, nil
}

// DeleteArchive implements [firn.Glacier]:
// DELETE /{account}/vaults/{name}/archives/{archiveId}.
func (c *Client) DeleteArchive(ctx context.Context, in *firn.DeleteArchiveInput) (*firn.DeleteArchiveOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"ArchiveId", in.ArchiveId}); err != nil {
		return nil, err
	}
	_, err := c.api.DeleteArchive(ctx, &glacier.DeleteArchiveInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		ArchiveId: &in.ArchiveId,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.DeleteArchiveOutput{}, nil
}
