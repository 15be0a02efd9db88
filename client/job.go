package client

import (
	"context"

	"github.com/firnstore/firn"
)

// Job is a handle on one job, the counterpart of the reference's
// Glacier.Job resource. Make one with Vault.Job, or get one from
// Vault.InitiateInventoryRetrieval, Archive.InitiateArchiveRetrieval or a
// job collection; see Account for what handles are.
type Job struct {
	g       firn.Glacier
	account string
	vault   string
	id      string

	// Attrs is the job's description as of the last Load or
	// WaitUntilComplete, or of the listing that yielded the handle; nil
	// until then.
	Attrs *firn.GlacierJobDescription
}

// AccountID returns the ID of the job's account.
func (j *Job) AccountID() string { return j.account }

// VaultName returns the name of the job's vault.
func (j *Job) VaultName() string { return j.vault }

// ID returns the job ID.
func (j *Job) ID() string { return j.id }

// Vault returns a handle on the job's vault.
func (j *Job) Vault() *Vault { return NewAccount(j.g, j.account).Vault(j.vault) }

func (j *Job) describeInput() *firn.DescribeJobInput {
	return &firn.DescribeJobInput{AccountId: j.account, VaultName: j.vault, JobId: j.id}
}

// Load sets Attrs from DescribeJob. On error Attrs is unchanged.
func (j *Job) Load(ctx context.Context) error {
	out, err := j.g.DescribeJob(ctx, j.describeInput())
	if err != nil {
		return err
	}
	j.Attrs = out
	return nil
}

// GetOutput returns the output of the completed job (GetJobOutput): all of
// it for a byteRange of "", else the range "bytes=START-END" (inclusive).
// The caller must close the output's Body.
func (j *Job) GetOutput(ctx context.Context, byteRange string) (*firn.GetJobOutputOutput, error) {
	return j.g.GetJobOutput(ctx, &firn.GetJobOutputInput{AccountId: j.account, VaultName: j.vault, JobId: j.id, Range: byteRange})
}

// WaitUntilComplete is firn.WaitUntilJobComplete for this job; on success it sets
// Attrs to the completed job's description.
func (j *Job) WaitUntilComplete(ctx context.Context, opts *firn.WaiterOptions) error {
	out, err := firn.WaitUntilJobComplete(ctx, j.g, j.describeInput(), opts)
	if err != nil {
		return err
	}
	j.Attrs = out
	return nil
}
