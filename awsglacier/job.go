package awsglacier

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/firnstore/firn"
)

// InitiateJob implements [firn.Glacier]: POST /{account}/vaults/{name}/jobs
// with the job parameters as the whole JSON body.
func (c *Client) InitiateJob(ctx context.Context, in *firn.InitiateJobInput) (*firn.InitiateJobOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	p := in.JobParameters
	params := &types.JobParameters{
		Type:               optional(p.Type),
		Format:             optional(p.Format),
		ArchiveId:          optional(p.ArchiveId),
		Description:        optional(p.Description),
		SNSTopic:           optional(p.SNSTopic),
		RetrievalByteRange: optional(p.RetrievalByteRange),
		Tier:               optional(p.Tier),
		SelectParameters:   selectToSDK(p.SelectParameters),
		OutputLocation:     outputLocationToSDK(p.OutputLocation),
	}
	if r := p.InventoryRetrievalParameters; r != nil {
		params.InventoryRetrievalParameters = &types.InventoryRetrievalJobInput{
			StartDate: optional(r.StartDate),
			EndDate:   optional(r.EndDate),
			Limit:     optional(r.Limit),
			Marker:    optional(r.Marker),
		}
	}
	out, err := c.api.InitiateJob(ctx, &glacier.InitiateJobInput{
		AccountId:     account(in.AccountId),
		VaultName:     &in.VaultName,
		JobParameters: params,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.InitiateJobOutput{
		JobId:         aws.ToString(out.JobId),
		Location:      aws.ToString(out.Location),
		JobOutputPath: aws.ToString(out.JobOutputPath),
	}, nil
}

// DescribeJob implements [firn.Glacier]:
// GET /{account}/vaults/{name}/jobs/{jobId}.
func (c *Client) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"JobId", in.JobId}); err != nil {
		return nil, err
	}
	out, err := c.api.DescribeJob(ctx, &glacier.DescribeJobInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		JobId:     &in.JobId,
	})
	if err != nil {
		return nil, toError(err)
	}
	var d dates
	// DescribeJobOutput has exactly the members of GlacierJobDescription.
	job := jobFromSDK(&d, types.GlacierJobDescription{
		JobId:                        out.JobId,
		JobDescription:               out.JobDescription,
		Action:                       out.Action,
		ArchiveId:                    out.ArchiveId,
		VaultARN:                     out.VaultARN,
		CreationDate:                 out.CreationDate,
		Completed:                    out.Completed,
		StatusCode:                   out.StatusCode,
		StatusMessage:                out.StatusMessage,
		ArchiveSizeInBytes:           out.ArchiveSizeInBytes,
		InventorySizeInBytes:         out.InventorySizeInBytes,
		SNSTopic:                     out.SNSTopic,
		CompletionDate:               out.CompletionDate,
		SHA256TreeHash:               out.SHA256TreeHash,
		ArchiveSHA256TreeHash:        out.ArchiveSHA256TreeHash,
		RetrievalByteRange:           out.RetrievalByteRange,
		Tier:                         out.Tier,
		InventoryRetrievalParameters: out.InventoryRetrievalParameters,
		JobOutputPath:                out.JobOutputPath,
		SelectParameters:             out.SelectParameters,
		OutputLocation:               out.OutputLocation,
	})
	if d.err != nil {
		return nil, d.err
	}
	return &job, nil
}

// ListJobs implements [firn.Glacier]: GET /{account}/vaults/{name}/jobs
// with the query parameters limit, marker, statuscode and completed.
func (c *Client) ListJobs(ctx context.Context, in *firn.ListJobsInput) (*firn.ListJobsOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	out, err := c.api.ListJobs(ctx, &glacier.ListJobsInput{
		AccountId:  account(in.AccountId),
		VaultName:  &in.VaultName,
		Limit:      limit(in.Limit),
		Marker:     optional(in.Marker),
		Statuscode: optional(in.Statuscode),
		Completed:  boolean(in.Completed),
	})
	if err != nil {
		return nil, toError(err)
	}
	var d dates
	res := &firn.ListJobsOutput{
		JobList: each(out.JobList, func(j types.GlacierJobDescription) firn.GlacierJobDescription {
			return jobFromSDK(&d, j)
		}),
		Marker: aws.ToString(out.Marker),
	}
	if d.err != nil {
		return nil, d.err
	}
	return res, nil
}

// jobFromSDK converts a job description; null sizes become 0.
func jobFromSDK(d *dates, j types.GlacierJobDescription) firn.GlacierJobDescription {
	out := firn.GlacierJobDescription{
		JobId:                 aws.ToString(j.JobId),
		JobDescription:        aws.ToString(j.JobDescription),
		Action:                firn.ActionCode(j.Action),
		ArchiveId:             aws.ToString(j.ArchiveId),
		VaultARN:              aws.ToString(j.VaultARN),
		CreationDate:          d.parse("CreationDate", j.CreationDate),
		Completed:             j.Completed,
		StatusCode:            firn.StatusCode(j.StatusCode),
		StatusMessage:         aws.ToString(j.StatusMessage),
		ArchiveSizeInBytes:    aws.ToInt64(j.ArchiveSizeInBytes),
		InventorySizeInBytes:  aws.ToInt64(j.InventorySizeInBytes),
		SNSTopic:              aws.ToString(j.SNSTopic),
		CompletionDate:        d.parse("CompletionDate", j.CompletionDate),
		SHA256TreeHash:        aws.ToString(j.SHA256TreeHash),
		ArchiveSHA256TreeHash: aws.ToString(j.ArchiveSHA256TreeHash),
		RetrievalByteRange:    aws.ToString(j.RetrievalByteRange),
		Tier:                  aws.ToString(j.Tier),
		JobOutputPath:         aws.ToString(j.JobOutputPath),
		SelectParameters:      selectFromSDK(j.SelectParameters),
		OutputLocation:        outputLocationFromSDK(j.OutputLocation),
	}
	if r := j.InventoryRetrievalParameters; r != nil {
		out.InventoryRetrievalParameters = &firn.InventoryRetrievalJobDescription{
			Format:    aws.ToString(r.Format),
			StartDate: aws.ToString(r.StartDate),
			EndDate:   aws.ToString(r.EndDate),
			Limit:     aws.ToString(r.Limit),
			Marker:    aws.ToString(r.Marker),
		}
	}
	return out
}

// GetJobOutput implements [firn.Glacier]:
// GET /{account}/vaults/{name}/jobs/{jobId}/output with an optional Range
// header. Body is the response body as the SDK streams it; the caller must
// close it. Status is the HTTP status, 200 or 206. ContentLength is the
// response's Content-Length, which the SDK's output leaves out; nil for a
// response without one (chunked).
func (c *Client) GetJobOutput(ctx context.Context, in *firn.GetJobOutputInput) (*firn.GetJobOutputOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"JobId", in.JobId}); err != nil {
		return nil, err
	}
	if err := sendable(param{"Range", in.Range}); err != nil {
		return nil, err
	}
	out, err := c.api.GetJobOutput(ctx, &glacier.GetJobOutputInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		JobId:     &in.JobId,
		Range:     optional(in.Range),
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.GetJobOutputOutput{
		Body:               out.Body,
		ContentLength:      contentLength(out.ResultMetadata),
		Checksum:           aws.ToString(out.Checksum),
		Status:             out.Status,
		ContentRange:       aws.ToString(out.ContentRange),
		AcceptRanges:       aws.ToString(out.AcceptRanges),
		ContentType:        aws.ToString(out.ContentType),
		ArchiveDescription: aws.ToString(out.ArchiveDescription),
	}, nil
}

// contentLength returns the Content-Length of the HTTP response recorded in
// md, or nil when there is none.
func contentLength(md middleware.Metadata) *int64 {
	resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok || resp.ContentLength < 0 {
		return nil
	}
	return &resp.ContentLength
}
