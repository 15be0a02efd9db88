package engine

import (
	"context"

	"github.com/firnstore/firn"
)

// The operations below arrive with a later issue; until then they fail with
// a clear ServiceUnavailableException rather than misbehave.

// InitiateJob implements firn.Glacier (not yet).
func (e *Engine) InitiateJob(ctx context.Context, in *firn.InitiateJobInput) (*firn.InitiateJobOutput, error) {
	return nil, notImplemented("InitiateJob")
}

// DescribeJob implements firn.Glacier (not yet).
func (e *Engine) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	return nil, notImplemented("DescribeJob")
}

// ListJobs implements firn.Glacier (not yet).
func (e *Engine) ListJobs(ctx context.Context, in *firn.ListJobsInput) (*firn.ListJobsOutput, error) {
	return nil, notImplemented("ListJobs")
}

// GetJobOutput implements firn.Glacier (not yet).
func (e *Engine) GetJobOutput(ctx context.Context, in *firn.GetJobOutputInput) (*firn.GetJobOutputOutput, error) {
	return nil, notImplemented("GetJobOutput")
}

// SetDataRetrievalPolicy implements firn.Glacier (not yet).
func (e *Engine) SetDataRetrievalPolicy(ctx context.Context, in *firn.SetDataRetrievalPolicyInput) (*firn.SetDataRetrievalPolicyOutput, error) {
	return nil, notImplemented("SetDataRetrievalPolicy")
}

// GetDataRetrievalPolicy implements firn.Glacier (not yet).
func (e *Engine) GetDataRetrievalPolicy(ctx context.Context, in *firn.GetDataRetrievalPolicyInput) (*firn.GetDataRetrievalPolicyOutput, error) {
	return nil, notImplemented("GetDataRetrievalPolicy")
}

// PurchaseProvisionedCapacity implements firn.Glacier (not yet).
func (e *Engine) PurchaseProvisionedCapacity(ctx context.Context, in *firn.PurchaseProvisionedCapacityInput) (*firn.PurchaseProvisionedCapacityOutput, error) {
	return nil, notImplemented("PurchaseProvisionedCapacity")
}

// ListProvisionedCapacity implements firn.Glacier (not yet).
func (e *Engine) ListProvisionedCapacity(ctx context.Context, in *firn.ListProvisionedCapacityInput) (*firn.ListProvisionedCapacityOutput, error) {
	return nil, notImplemented("ListProvisionedCapacity")
}
