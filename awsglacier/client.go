package awsglacier

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/smithy-go"

	"github.com/firnstore/firn"
)

// API is the part of *glacier.Client that [Client] uses: the 33 Glacier
// operations. A fake or a wrapper can stand in for the SDK client; note that
// UploadArchive and UploadMultipartPart pass per-call option functions that
// install a middleware setting the x-amz-content-sha256 header and the
// signer's payload hash, which an API implementation other than
// *glacier.Client is free to ignore.
type API interface {
	AbortMultipartUpload(context.Context, *glacier.AbortMultipartUploadInput, ...func(*glacier.Options)) (*glacier.AbortMultipartUploadOutput, error)
	AbortVaultLock(context.Context, *glacier.AbortVaultLockInput, ...func(*glacier.Options)) (*glacier.AbortVaultLockOutput, error)
	AddTagsToVault(context.Context, *glacier.AddTagsToVaultInput, ...func(*glacier.Options)) (*glacier.AddTagsToVaultOutput, error)
	CompleteMultipartUpload(context.Context, *glacier.CompleteMultipartUploadInput, ...func(*glacier.Options)) (*glacier.CompleteMultipartUploadOutput, error)
	CompleteVaultLock(context.Context, *glacier.CompleteVaultLockInput, ...func(*glacier.Options)) (*glacier.CompleteVaultLockOutput, error)
	CreateVault(context.Context, *glacier.CreateVaultInput, ...func(*glacier.Options)) (*glacier.CreateVaultOutput, error)
	DeleteArchive(context.Context, *glacier.DeleteArchiveInput, ...func(*glacier.Options)) (*glacier.DeleteArchiveOutput, error)
	DeleteVault(context.Context, *glacier.DeleteVaultInput, ...func(*glacier.Options)) (*glacier.DeleteVaultOutput, error)
	DeleteVaultAccessPolicy(context.Context, *glacier.DeleteVaultAccessPolicyInput, ...func(*glacier.Options)) (*glacier.DeleteVaultAccessPolicyOutput, error)
	DeleteVaultNotifications(context.Context, *glacier.DeleteVaultNotificationsInput, ...func(*glacier.Options)) (*glacier.DeleteVaultNotificationsOutput, error)
	DescribeJob(context.Context, *glacier.DescribeJobInput, ...func(*glacier.Options)) (*glacier.DescribeJobOutput, error)
	DescribeVault(context.Context, *glacier.DescribeVaultInput, ...func(*glacier.Options)) (*glacier.DescribeVaultOutput, error)
	GetDataRetrievalPolicy(context.Context, *glacier.GetDataRetrievalPolicyInput, ...func(*glacier.Options)) (*glacier.GetDataRetrievalPolicyOutput, error)
	GetJobOutput(context.Context, *glacier.GetJobOutputInput, ...func(*glacier.Options)) (*glacier.GetJobOutputOutput, error)
	GetVaultAccessPolicy(context.Context, *glacier.GetVaultAccessPolicyInput, ...func(*glacier.Options)) (*glacier.GetVaultAccessPolicyOutput, error)
	GetVaultLock(context.Context, *glacier.GetVaultLockInput, ...func(*glacier.Options)) (*glacier.GetVaultLockOutput, error)
	GetVaultNotifications(context.Context, *glacier.GetVaultNotificationsInput, ...func(*glacier.Options)) (*glacier.GetVaultNotificationsOutput, error)
	InitiateJob(context.Context, *glacier.InitiateJobInput, ...func(*glacier.Options)) (*glacier.InitiateJobOutput, error)
	InitiateMultipartUpload(context.Context, *glacier.InitiateMultipartUploadInput, ...func(*glacier.Options)) (*glacier.InitiateMultipartUploadOutput, error)
	InitiateVaultLock(context.Context, *glacier.InitiateVaultLockInput, ...func(*glacier.Options)) (*glacier.InitiateVaultLockOutput, error)
	ListJobs(context.Context, *glacier.ListJobsInput, ...func(*glacier.Options)) (*glacier.ListJobsOutput, error)
	ListMultipartUploads(context.Context, *glacier.ListMultipartUploadsInput, ...func(*glacier.Options)) (*glacier.ListMultipartUploadsOutput, error)
	ListParts(context.Context, *glacier.ListPartsInput, ...func(*glacier.Options)) (*glacier.ListPartsOutput, error)
	ListProvisionedCapacity(context.Context, *glacier.ListProvisionedCapacityInput, ...func(*glacier.Options)) (*glacier.ListProvisionedCapacityOutput, error)
	ListTagsForVault(context.Context, *glacier.ListTagsForVaultInput, ...func(*glacier.Options)) (*glacier.ListTagsForVaultOutput, error)
	ListVaults(context.Context, *glacier.ListVaultsInput, ...func(*glacier.Options)) (*glacier.ListVaultsOutput, error)
	PurchaseProvisionedCapacity(context.Context, *glacier.PurchaseProvisionedCapacityInput, ...func(*glacier.Options)) (*glacier.PurchaseProvisionedCapacityOutput, error)
	RemoveTagsFromVault(context.Context, *glacier.RemoveTagsFromVaultInput, ...func(*glacier.Options)) (*glacier.RemoveTagsFromVaultOutput, error)
	SetDataRetrievalPolicy(context.Context, *glacier.SetDataRetrievalPolicyInput, ...func(*glacier.Options)) (*glacier.SetDataRetrievalPolicyOutput, error)
	SetVaultAccessPolicy(context.Context, *glacier.SetVaultAccessPolicyInput, ...func(*glacier.Options)) (*glacier.SetVaultAccessPolicyOutput, error)
	SetVaultNotifications(context.Context, *glacier.SetVaultNotificationsInput, ...func(*glacier.Options)) (*glacier.SetVaultNotificationsOutput, error)
	UploadArchive(context.Context, *glacier.UploadArchiveInput, ...func(*glacier.Options)) (*glacier.UploadArchiveOutput, error)
	UploadMultipartPart(context.Context, *glacier.UploadMultipartPartInput, ...func(*glacier.Options)) (*glacier.UploadMultipartPartOutput, error)
}

var _ API = (*glacier.Client)(nil)

// Client implements [firn.Glacier] by calling the Glacier service through an
// [API], normally a *glacier.Client. It is safe for concurrent use, as the SDK
// client is.
type Client struct {
	api API
}

var _ firn.Glacier = (*Client)(nil)

// New returns a Client that sends every operation through api. It panics if
// api is nil.
func New(api API) *Client {
	if api == nil {
		panic("awsglacier: New with a nil API")
	}
	return &Client{api: api}
}

// DefaultRegion is the region NewFromConfig uses when cfg has none.
const DefaultRegion = "us-east-1"

// NewFromConfig returns a Client over a new *glacier.Client built from cfg,
// then optFns, with these changes:
//
//   - endpoint, when not "", is the base URL of the service, such as
//     "http://127.0.0.1:8080" for a Firn REST server; "" means the real
//     service's regional endpoint.
//   - Region defaults to [DefaultRegion] when cfg has none.
//   - With an endpoint and no cfg.Credentials, requests are sent unsigned
//     (anonymous credentials), for a Firn server that does not verify
//     signatures.
//   - Unless cfg sets a Retryer or the adaptive RetryMode, the standard
//     retryer does not retry LimitExceededException, which the SDK counts as
//     throttling while Glacier uses it for hard limits (10 tags, 1,000
//     vaults, 2 capacity units) that a retry cannot lift.
func NewFromConfig(cfg aws.Config, endpoint string, optFns ...func(*glacier.Options)) *Client {
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if endpoint != "" && cfg.Credentials == nil {
		cfg.Credentials = aws.AnonymousCredentials{}
	}
	standardRetries := cfg.Retryer == nil && cfg.RetryMode != aws.RetryModeAdaptive
	defaults := func(o *glacier.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		if standardRetries {
			// Max attempts from cfg are applied on top of this after the
			// option functions run.
			o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
				so.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(noRetryOnLimit)}, so.Retryables...)
			})
		}
	}
	return New(glacier.NewFromConfig(cfg, append([]func(*glacier.Options){defaults}, optFns...)...))
}

// noRetryOnLimit vetoes retries of LimitExceededException and leaves every
// other error to the standard checks.
func noRetryOnLimit(err error) aws.Ternary {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == string(firn.CodeLimitExceeded) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
