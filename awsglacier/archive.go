package awsglacier

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"

	"github.com/firnstore/firn"
)

// UploadArchive implements [firn.Glacier]:
// POST /{account}/vaults/{name}/archives with the body, its
// x-amz-sha256-tree-hash (Checksum when set, for the service to verify) and
// its x-amz-content-sha256.
//
// Body is read once to compute both checksums before it is sent. A Body
// that can seek (*bytes.Reader, a regular *os.File, ...) is then rewound and
// sent from the offset it had. Any other Body is copied to a temporary file
// in os.TempDir while it is hashed and sent from there: the archive is never
// held in memory, but costs its size in temporary disk space and an extra
// write and read. A nil Body is a MissingParameterValueException; a Body
// that fails to read, or a ctx done while reading it, a
// RequestTimeoutException wrapping the cause, as with the engine.
func (c *Client) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	if err := sendable(param{"ArchiveDescription", in.ArchiveDescription}, param{"Checksum", in.Checksum}); err != nil {
		return nil, err
	}
	if in.Body == nil {
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Body")
	}
	u, err := newUpload(ctx, in.Body, in.Checksum, "archive")
	if err != nil {
		return nil, err
	}
	defer u.close()
	out, err := c.api.UploadArchive(ctx, &glacier.UploadArchiveInput{
		AccountId:          account(in.AccountId),
		VaultName:          &in.VaultName,
		ArchiveDescription: optional(in.ArchiveDescription),
		Checksum:           &u.checksum,
		Body:               u.body,
	}, u.optFns()...)
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
