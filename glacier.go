package firn

import "context"

// Glacier is the Amazon S3 Glacier (vault) API, one method per operation,
// named and shaped as in the API reference and aws-sdk-go-v2.
//
// Every method returns a nil output and an *Error on failure; a failed call
// changes nothing. Implementations are safe for concurrent use.
type Glacier interface {
	// Vaults.

	// CreateVault creates a vault; it is idempotent for an existing vault.
	CreateVault(ctx context.Context, in *CreateVaultInput) (*CreateVaultOutput, error)
	// DescribeVault returns a vault's metadata.
	DescribeVault(ctx context.Context, in *DescribeVaultInput) (*DescribeVaultOutput, error)
	// ListVaults lists an account's vaults in ASCII order of name.
	ListVaults(ctx context.Context, in *ListVaultsInput) (*ListVaultsOutput, error)
	// DeleteVault deletes an empty vault.
	DeleteVault(ctx context.Context, in *DeleteVaultInput) (*DeleteVaultOutput, error)

	// Tags.

	AddTagsToVault(ctx context.Context, in *AddTagsToVaultInput) (*AddTagsToVaultOutput, error)
	ListTagsForVault(ctx context.Context, in *ListTagsForVaultInput) (*ListTagsForVaultOutput, error)
	RemoveTagsFromVault(ctx context.Context, in *RemoveTagsFromVaultInput) (*RemoveTagsFromVaultOutput, error)

	// Notifications.

	SetVaultNotifications(ctx context.Context, in *SetVaultNotificationsInput) (*SetVaultNotificationsOutput, error)
	GetVaultNotifications(ctx context.Context, in *GetVaultNotificationsInput) (*GetVaultNotificationsOutput, error)
	DeleteVaultNotifications(ctx context.Context, in *DeleteVaultNotificationsInput) (*DeleteVaultNotificationsOutput, error)

	// Access policy.

	SetVaultAccessPolicy(ctx context.Context, in *SetVaultAccessPolicyInput) (*SetVaultAccessPolicyOutput, error)
	GetVaultAccessPolicy(ctx context.Context, in *GetVaultAccessPolicyInput) (*GetVaultAccessPolicyOutput, error)
	DeleteVaultAccessPolicy(ctx context.Context, in *DeleteVaultAccessPolicyInput) (*DeleteVaultAccessPolicyOutput, error)

	// Vault lock.

	InitiateVaultLock(ctx context.Context, in *InitiateVaultLockInput) (*InitiateVaultLockOutput, error)
	CompleteVaultLock(ctx context.Context, in *CompleteVaultLockInput) (*CompleteVaultLockOutput, error)
	AbortVaultLock(ctx context.Context, in *AbortVaultLockInput) (*AbortVaultLockOutput, error)
	GetVaultLock(ctx context.Context, in *GetVaultLockInput) (*GetVaultLockOutput, error)

	// Archives.

	// UploadArchive stores Body as a new archive; the archive is durable
	// when the call returns.
	UploadArchive(ctx context.Context, in *UploadArchiveInput) (*UploadArchiveOutput, error)
	// DeleteArchive deletes an archive.
	DeleteArchive(ctx context.Context, in *DeleteArchiveInput) (*DeleteArchiveOutput, error)

	// Multipart uploads.

	InitiateMultipartUpload(ctx context.Context, in *InitiateMultipartUploadInput) (*InitiateMultipartUploadOutput, error)
	UploadMultipartPart(ctx context.Context, in *UploadMultipartPartInput) (*UploadMultipartPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *CompleteMultipartUploadInput) (*CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *AbortMultipartUploadInput) (*AbortMultipartUploadOutput, error)
	ListMultipartUploads(ctx context.Context, in *ListMultipartUploadsInput) (*ListMultipartUploadsOutput, error)
	ListParts(ctx context.Context, in *ListPartsInput) (*ListPartsOutput, error)

	// Jobs.

	InitiateJob(ctx context.Context, in *InitiateJobInput) (*InitiateJobOutput, error)
	DescribeJob(ctx context.Context, in *DescribeJobInput) (*DescribeJobOutput, error)
	ListJobs(ctx context.Context, in *ListJobsInput) (*ListJobsOutput, error)
	// GetJobOutput streams a completed job's output; the caller must close
	// the returned Body.
	GetJobOutput(ctx context.Context, in *GetJobOutputInput) (*GetJobOutputOutput, error)

	// Account-wide settings.

	SetDataRetrievalPolicy(ctx context.Context, in *SetDataRetrievalPolicyInput) (*SetDataRetrievalPolicyOutput, error)
	GetDataRetrievalPolicy(ctx context.Context, in *GetDataRetrievalPolicyInput) (*GetDataRetrievalPolicyOutput, error)
	PurchaseProvisionedCapacity(ctx context.Context, in *PurchaseProvisionedCapacityInput) (*PurchaseProvisionedCapacityOutput, error)
	ListProvisionedCapacity(ctx context.Context, in *ListProvisionedCapacityInput) (*ListProvisionedCapacityOutput, error)
}
