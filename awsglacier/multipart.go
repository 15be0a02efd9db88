package awsglacier

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"

	"github.com/firnstore/firn"
)

// InitiateMultipartUpload implements [firn.Glacier]:
// POST /{account}/vaults/{name}/multipart-uploads with x-amz-part-size (in
// decimal, also when 0, for the service to judge) and
// x-amz-archive-description.
func (c *Client) InitiateMultipartUpload(ctx context.Context, in *firn.InitiateMultipartUploadInput) (*firn.InitiateMultipartUploadOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	if err := sendable(param{"ArchiveDescription", in.ArchiveDescription}); err != nil {
		return nil, err
	}
	out, err := c.api.InitiateMultipartUpload(ctx, &glacier.InitiateMultipartUploadInput{
		AccountId:          account(in.AccountId),
		VaultName:          &in.VaultName,
		ArchiveDescription: optional(in.ArchiveDescription),
		PartSize:           decimal(in.PartSize),
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.InitiateMultipartUploadOutput{
		UploadId: aws.ToString(out.UploadId),
		Location: aws.ToString(out.Location),
	}, nil
}

// UploadMultipartPart implements [firn.Glacier]:
// PUT /{account}/vaults/{name}/multipart-uploads/{uploadId} with the body,
// Content-Range from Range, and the checksum headers. Body is handled as by
// [Client.UploadArchive]: read once to hash it, and copied to a temporary
// file first unless it can seek.
func (c *Client) UploadMultipartPart(ctx context.Context, in *firn.UploadMultipartPartInput) (*firn.UploadMultipartPartOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"UploadId", in.UploadId}); err != nil {
		return nil, err
	}
	if err := sendable(param{"Range", in.Range}, param{"Checksum", in.Checksum}); err != nil {
		return nil, err
	}
	if in.Body == nil {
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Body")
	}
	u, err := newUpload(ctx, in.Body, in.Checksum, "part")
	if err != nil {
		return nil, err
	}
	defer u.close()
	out, err := c.api.UploadMultipartPart(ctx, &glacier.UploadMultipartPartInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		UploadId:  &in.UploadId,
		Range:     optional(in.Range),
		Checksum:  &u.checksum,
		Body:      u.body,
	}, u.optFns()...)
	if err != nil {
		return nil, toError(err)
	}
	return &firn.UploadMultipartPartOutput{Checksum: aws.ToString(out.Checksum)}, nil
}

// CompleteMultipartUpload implements [firn.Glacier]:
// POST /{account}/vaults/{name}/multipart-uploads/{uploadId} with
// x-amz-archive-size (in decimal, also when 0) and x-amz-sha256-tree-hash.
func (c *Client) CompleteMultipartUpload(ctx context.Context, in *firn.CompleteMultipartUploadInput) (*firn.CompleteMultipartUploadOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"UploadId", in.UploadId}); err != nil {
		return nil, err
	}
	if err := sendable(param{"Checksum", in.Checksum}); err != nil {
		return nil, err
	}
	out, err := c.api.CompleteMultipartUpload(ctx, &glacier.CompleteMultipartUploadInput{
		AccountId:   account(in.AccountId),
		VaultName:   &in.VaultName,
		UploadId:    &in.UploadId,
		ArchiveSize: decimal(in.ArchiveSize),
		Checksum:    optional(in.Checksum),
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.CompleteMultipartUploadOutput{
		ArchiveId: aws.ToString(out.ArchiveId),
		Checksum:  aws.ToString(out.Checksum),
		Location:  aws.ToString(out.Location),
	}, nil
}

// AbortMultipartUpload implements [firn.Glacier]:
// DELETE /{account}/vaults/{name}/multipart-uploads/{uploadId}.
func (c *Client) AbortMultipartUpload(ctx context.Context, in *firn.AbortMultipartUploadInput) (*firn.AbortMultipartUploadOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"UploadId", in.UploadId}); err != nil {
		return nil, err
	}
	_, err := c.api.AbortMultipartUpload(ctx, &glacier.AbortMultipartUploadInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		UploadId:  &in.UploadId,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.AbortMultipartUploadOutput{}, nil
}

// ListMultipartUploads implements [firn.Glacier]:
// GET /{account}/vaults/{name}/multipart-uploads with the query parameters
// limit and marker.
func (c *Client) ListMultipartUploads(ctx context.Context, in *firn.ListMultipartUploadsInput) (*firn.ListMultipartUploadsOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	out, err := c.api.ListMultipartUploads(ctx, &glacier.ListMultipartUploadsInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		Limit:     limit(in.Limit),
		Marker:    optional(in.Marker),
	})
	if err != nil {
		return nil, toError(err)
	}
	var d dates
	res := &firn.ListMultipartUploadsOutput{
		UploadsList: each(out.UploadsList, func(u types.UploadListElement) firn.UploadListElement {
			return firn.UploadListElement{
				MultipartUploadId:  aws.ToString(u.MultipartUploadId),
				VaultARN:           aws.ToString(u.VaultARN),
				ArchiveDescription: aws.ToString(u.ArchiveDescription),
				PartSizeInBytes:    u.PartSizeInBytes,
				CreationDate:       d.parse("CreationDate", u.CreationDate),
			}
		}),
		Marker: aws.ToString(out.Marker),
	}
	if d.err != nil {
		return nil, d.err
	}
	return res, nil
}

// ListParts implements [firn.Glacier]:
// GET /{account}/vaults/{name}/multipart-uploads/{uploadId} with the query
// parameters limit and marker.
func (c *Client) ListParts(ctx context.Context, in *firn.ListPartsInput) (*firn.ListPartsOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"UploadId", in.UploadId}); err != nil {
		return nil, err
	}
	out, err := c.api.ListParts(ctx, &glacier.ListPartsInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		UploadId:  &in.UploadId,
		Limit:     limit(in.Limit),
		Marker:    optional(in.Marker),
	})
	if err != nil {
		return nil, toError(err)
	}
	var d dates
	res := &firn.ListPartsOutput{
		MultipartUploadId:  aws.ToString(out.MultipartUploadId),
		VaultARN:           aws.ToString(out.VaultARN),
		ArchiveDescription: aws.ToString(out.ArchiveDescription),
		PartSizeInBytes:    out.PartSizeInBytes,
		CreationDate:       d.parse("CreationDate", out.CreationDate),
		Parts: each(out.Parts, func(p types.PartListElement) firn.PartListElement {
			return firn.PartListElement{
				RangeInBytes:   aws.ToString(p.RangeInBytes),
				SHA256TreeHash: aws.ToString(p.SHA256TreeHash),
			}
		}),
		Marker: aws.ToString(out.Marker),
	}
	if d.err != nil {
		return nil, d.err
	}
	return res, nil
}
