package client

import (
	"context"
	"io"
	"iter"

	"github.com/firnstore/firn"
)

// Vault is a handle on one vault, the counterpart of the reference's
// Glacier.Vault resource. Make one with Account.Vault; see Account for what
// handles are.
type Vault struct {
	g       firn.Glacier
	account string
	name    string

	// Attrs is the vault's description as of the last Load, or of the
	// listing that yielded the handle; nil until then.
	Attrs *firn.DescribeVaultOutput
}

// AccountID returns the ID of the vault's account, as given to NewAccount.
func (v *Vault) AccountID() string { return v.account }

// Name returns the vault's name.
func (v *Vault) Name() string { return v.name }

// Account returns a handle on the vault's account.
func (v *Vault) Account() *Account { return NewAccount(v.g, v.account) }

// Archive returns a handle on the archive id of the vault; it calls nothing.
func (v *Vault) Archive(id string) *Archive {
	return &Archive{g: v.g, account: v.account, vault: v.name, id: id}
}

// Job returns a handle on the job id of the vault; it calls nothing.
func (v *Vault) Job(id string) *Job {
	return &Job{g: v.g, account: v.account, vault: v.name, id: id}
}

// MultipartUpload returns a handle on the multipart upload id of the vault;
// it calls nothing.
func (v *Vault) MultipartUpload(id string) *MultipartUpload {
	return &MultipartUpload{g: v.g, account: v.account, vault: v.name, id: id}
}

// Notification returns a handle on the vault's notification configuration;
// it calls nothing.
func (v *Vault) Notification() *Notification {
	return &Notification{g: v.g, account: v.account, vault: v.name}
}

// Load sets Attrs from DescribeVault. On error Attrs is unchanged.
func (v *Vault) Load(ctx context.Context) error {
	out, err := v.g.DescribeVault(ctx, &firn.DescribeVaultInput{AccountId: v.account, VaultName: v.name})
	if err != nil {
		return err
	}
	v.Attrs = out
	return nil
}

// Create creates the vault (CreateVault); it succeeds for an existing vault.
func (v *Vault) Create(ctx context.Context) error {
	_, err := v.g.CreateVault(ctx, &firn.CreateVaultInput{AccountId: v.account, VaultName: v.name})
	return err
}

// Delete deletes the vault (DeleteVault), which must hold no archives.
func (v *Vault) Delete(ctx context.Context) error {
	_, err := v.g.DeleteVault(ctx, &firn.DeleteVaultInput{AccountId: v.account, VaultName: v.name})
	return err
}

// UploadArchive stores body as a new archive of the vault in one request
// (UploadArchive) and returns a handle on it, with its Checksum. body is
// read once, to EOF; the implementation computes its tree hash. For large
// bodies use an Uploader, which uploads in parts and retries.
func (v *Vault) UploadArchive(ctx context.Context, body io.Reader, description string) (*Archive, error) {
	out, err := v.g.UploadArchive(ctx, &firn.UploadArchiveInput{
		AccountId:          v.account,
		VaultName:          v.name,
		ArchiveDescription: description,
		Body:               body,
	})
	if err != nil {
		return nil, err
	}
	a := v.Archive(out.ArchiveId)
	a.Checksum = out.Checksum
	return a, nil
}

// InitiateInventoryRetrieval starts an inventory-retrieval job (InitiateJob)
// and returns a handle on it. p, which may be nil, gives the job's Format,
// Description, SNSTopic and InventoryRetrievalParameters; its Type may be
// empty or JobTypeInventoryRetrieval (else InvalidParameterValueException)
// and is not modified.
func (v *Vault) InitiateInventoryRetrieval(ctx context.Context, p *firn.JobParameters) (*Job, error) {
	params := optsOrZero(p)
	if params.Type != "" && params.Type != firn.JobTypeInventoryRetrieval {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue,
			"JobParameters.Type %q: InitiateInventoryRetrieval starts %s jobs", params.Type, firn.JobTypeInventoryRetrieval)
	}
	params.Type = firn.JobTypeInventoryRetrieval
	return v.initiateJob(ctx, params)
}

func (v *Vault) initiateJob(ctx context.Context, p firn.JobParameters) (*Job, error) {
	out, err := v.g.InitiateJob(ctx, &firn.InitiateJobInput{AccountId: v.account, VaultName: v.name, JobParameters: p})
	if err != nil {
		return nil, err
	}
	return v.Job(out.JobId), nil
}

// InitiateMultipartUpload starts a multipart upload of parts of partSize
// bytes, 1 MiB times a power of two up to 4 GiB (InitiateMultipartUpload),
// and returns a handle on it.
func (v *Vault) InitiateMultipartUpload(ctx context.Context, partSize int64, description string) (*MultipartUpload, error) {
	out, err := v.g.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{
		AccountId:          v.account,
		VaultName:          v.name,
		ArchiveDescription: description,
		PartSize:           partSize,
	})
	if err != nil {
		return nil, err
	}
	return v.MultipartUpload(out.UploadId), nil
}

// Jobs iterates over the vault's jobs that match opts, in creation order
// (ListJobs), each with its Attrs set from the listing. See ListOptions for
// the listing contract.
func (v *Vault) Jobs(ctx context.Context, opts *JobListOptions) iter.Seq2[*Job, error] {
	o := optsOrZero(opts)
	in := firn.ListJobsInput{
		AccountId:  v.account,
		VaultName:  v.name,
		Limit:      o.PageSize,
		Marker:     o.Marker,
		Statuscode: string(o.StatusCode),
		Completed:  o.Completed,
	}
	return mapSeq(firn.AllJobs(ctx, v.g, in), func(d firn.GlacierJobDescription) *Job {
		j := v.Job(d.JobId)
		j.Attrs = &d
		return j
	})
}

// jobs is Jobs with one filter fixed.
func (v *Vault) jobs(ctx context.Context, opts *ListOptions, status firn.StatusCode, completed *bool) iter.Seq2[*Job, error] {
	o := optsOrZero(opts)
	return v.Jobs(ctx, &JobListOptions{PageSize: o.PageSize, Marker: o.Marker, StatusCode: status, Completed: completed})
}

// SucceededJobs is Jobs with StatusCode StatusSucceeded.
func (v *Vault) SucceededJobs(ctx context.Context, opts *ListOptions) iter.Seq2[*Job, error] {
	return v.jobs(ctx, opts, firn.StatusSucceeded, nil)
}

// FailedJobs is Jobs with StatusCode StatusFailed.
func (v *Vault) FailedJobs(ctx context.Context, opts *ListOptions) iter.Seq2[*Job, error] {
	return v.jobs(ctx, opts, firn.StatusFailed, nil)
}

// JobsInProgress is Jobs with StatusCode StatusInProgress.
func (v *Vault) JobsInProgress(ctx context.Context, opts *ListOptions) iter.Seq2[*Job, error] {
	return v.jobs(ctx, opts, firn.StatusInProgress, nil)
}

// CompletedJobs is Jobs with Completed true: the succeeded and the failed
// jobs.
func (v *Vault) CompletedJobs(ctx context.Context, opts *ListOptions) iter.Seq2[*Job, error] {
	completed := true
	return v.jobs(ctx, opts, "", &completed)
}

// MultipartUploads iterates over the vault's in-progress multipart uploads
// (ListMultipartUploads), each with its Attrs set from the listing. See
// ListOptions for the listing contract.
func (v *Vault) MultipartUploads(ctx context.Context, opts *ListOptions) iter.Seq2[*MultipartUpload, error] {
	o := optsOrZero(opts)
	in := firn.ListMultipartUploadsInput{AccountId: v.account, VaultName: v.name, Limit: o.PageSize, Marker: o.Marker}
	return mapSeq(firn.AllMultipartUploads(ctx, v.g, in), func(d firn.UploadListElement) *MultipartUpload {
		u := v.MultipartUpload(d.MultipartUploadId)
		u.Attrs = &d
		return u
	})
}

// WaitUntilExists is firn.WaitUntilVaultExists for this vault.
func (v *Vault) WaitUntilExists(ctx context.Context, opts *firn.WaiterOptions) error {
	return firn.WaitUntilVaultExists(ctx, v.g, &firn.DescribeVaultInput{AccountId: v.account, VaultName: v.name}, opts)
}

// WaitUntilNotExists is firn.WaitUntilVaultNotExists for this vault.
func (v *Vault) WaitUntilNotExists(ctx context.Context, opts *firn.WaiterOptions) error {
	return firn.WaitUntilVaultNotExists(ctx, v.g, &firn.DescribeVaultInput{AccountId: v.account, VaultName: v.name}, opts)
}
