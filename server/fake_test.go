package server

import (
	"context"
	"io"
	"sync"

	"github.com/firnstore/firn"
)

// fakeCall is one recorded Glacier call.
type fakeCall struct {
	op        string
	in        any
	principal string
	secure    bool
	// body and readErr are what an upload read from its Body.
	body    []byte
	readErr error
}

// fake is a firn.Glacier that records its calls and answers with canned
// outputs (or the zero output) and errors.
type fake struct {
	mu    sync.Mutex
	calls []fakeCall
	out   map[string]any
	err   map[string]error
}

func newFake() *fake { return &fake{out: map[string]any{}, err: map[string]error{}} }

// respond sets the output or error of op.
func (f *fake) respond(op string, out any, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.out[op], f.err[op] = out, err
}

// last returns the last call, or the zero call.
func (f *fake) last() fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return fakeCall{}
	}
	return f.calls[len(f.calls)-1]
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func record[I, O any](ctx context.Context, f *fake, op string, in *I, body io.Reader) (*O, error) {
	c := fakeCall{op: op, in: in, secure: firn.SecureTransportFrom(ctx)}
	c.principal, _ = firn.PrincipalFrom(ctx)
	if body != nil {
		c.body, c.readErr = io.ReadAll(body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	if c.readErr != nil {
		return nil, &firn.Error{Code: firn.CodeRequestTimeout, Message: "reading the body failed", Err: c.readErr}
	}
	if err := f.err[op]; err != nil {
		return nil, err
	}
	if out, ok := f.out[op].(*O); ok {
		return out, nil
	}
	return new(O), nil
}

func (f *fake) CreateVault(ctx context.Context, in *firn.CreateVaultInput) (*firn.CreateVaultOutput, error) {
	return record[firn.CreateVaultInput, firn.CreateVaultOutput](ctx, f, "CreateVault", in, nil)
}
func (f *fake) DescribeVault(ctx context.Context, in *firn.DescribeVaultInput) (*firn.DescribeVaultOutput, error) {
	return record[firn.DescribeVaultInput, firn.DescribeVaultOutput](ctx, f, "DescribeVault", in, nil)
}
func (f *fake) ListVaults(ctx context.Context, in *firn.ListVaultsInput) (*firn.ListVaultsOutput, error) {
	return record[firn.ListVaultsInput, firn.ListVaultsOutput](ctx, f, "ListVaults", in, nil)
}
func (f *fake) DeleteVault(ctx context.Context, in *firn.DeleteVaultInput) (*firn.DeleteVaultOutput, error) {
	return record[firn.DeleteVaultInput, firn.DeleteVaultOutput](ctx, f, "DeleteVault", in, nil)
}
func (f *fake) AddTagsToVault(ctx context.Context, in *firn.AddTagsToVaultInput) (*firn.AddTagsToVaultOutput, error) {
	return record[firn.AddTagsToVaultInput, firn.AddTagsToVaultOutput](ctx, f, "AddTagsToVault", in, nil)
}
func (f *fake) ListTagsForVault(ctx context.Context, in *firn.ListTagsForVaultInput) (*firn.ListTagsForVaultOutput, error) {
	return record[firn.ListTagsForVaultInput, firn.ListTagsForVaultOutput](ctx, f, "ListTagsForVault", in, nil)
}
func (f *fake) RemoveTagsFromVault(ctx context.Context, in *firn.RemoveTagsFromVaultInput) (*firn.RemoveTagsFromVaultOutput, error) {
	return record[firn.RemoveTagsFromVaultInput, firn.RemoveTagsFromVaultOutput](ctx, f, "RemoveTagsFromVault", in, nil)
}
func (f *fake) SetVaultNotifications(ctx context.Context, in *firn.SetVaultNotificationsInput) (*firn.SetVaultNotificationsOutput, error) {
	return record[firn.SetVaultNotificationsInput, firn.SetVaultNotificationsOutput](ctx, f, "SetVaultNotifications", in, nil)
}
func (f *fake) GetVaultNotifications(ctx context.Context, in *firn.GetVaultNotificationsInput) (*firn.GetVaultNotificationsOutput, error) {
	return record[firn.GetVaultNotificationsInput, firn.GetVaultNotificationsOutput](ctx, f, "GetVaultNotifications", in, nil)
}
func (f *fake) DeleteVaultNotifications(ctx context.Context, in *firn.DeleteVaultNotificationsInput) (*firn.DeleteVaultNotificationsOutput, error) {
	return record[firn.DeleteVaultNotificationsInput, firn.DeleteVaultNotificationsOutput](ctx, f, "DeleteVaultNotifications", in, nil)
}
func (f *fake) SetVaultAccessPolicy(ctx context.Context, in *firn.SetVaultAccessPolicyInput) (*firn.SetVaultAccessPolicyOutput, error) {
	return record[firn.SetVaultAccessPolicyInput, firn.SetVaultAccessPolicyOutput](ctx, f, "SetVaultAccessPolicy", in, nil)
}
func (f *fake) GetVaultAccessPolicy(ctx context.Context, in *firn.GetVaultAccessPolicyInput) (*firn.GetVaultAccessPolicyOutput, error) {
	return record[firn.GetVaultAccessPolicyInput, firn.GetVaultAccessPolicyOutput](ctx, f, "GetVaultAccessPolicy", in, nil)
}
func (f *fake) DeleteVaultAccessPolicy(ctx context.Context, in *firn.DeleteVaultAccessPolicyInput) (*firn.DeleteVaultAccessPolicyOutput, error) {
	return record[firn.DeleteVaultAccessPolicyInput, firn.DeleteVaultAccessPolicyOutput](ctx, f, "DeleteVaultAccessPolicy", in, nil)
}
func (f *fake) InitiateVaultLock(ctx context.Context, in *firn.InitiateVaultLockInput) (*firn.InitiateVaultLockOutput, error) {
	return record[firn.InitiateVaultLockInput, firn.InitiateVaultLockOutput](ctx, f, "InitiateVaultLock", in, nil)
}
func (f *fake) CompleteVaultLock(ctx context.Context, in *firn.CompleteVaultLockInput) (*firn.CompleteVaultLockOutput, error) {
	return record[firn.CompleteVaultLockInput, firn.CompleteVaultLockOutput](ctx, f, "CompleteVaultLock", in, nil)
}
func (f *fake) AbortVaultLock(ctx context.Context, in *firn.AbortVaultLockInput) (*firn.AbortVaultLockOutput, error) {
	return record[firn.AbortVaultLockInput, firn.AbortVaultLockOutput](ctx, f, "AbortVaultLock", in, nil)
}
func (f *fake) GetVaultLock(ctx context.Context, in *firn.GetVaultLockInput) (*firn.GetVaultLockOutput, error) {
	return record[firn.GetVaultLockInput, firn.GetVaultLockOutput](ctx, f, "GetVaultLock", in, nil)
}
func (f *fake) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	return record[firn.UploadArchiveInput, firn.UploadArchiveOutput](ctx, f, "UploadArchive", in, in.Body)
}
func (f *fake) DeleteArchive(ctx context.Context, in *firn.DeleteArchiveInput) (*firn.DeleteArchiveOutput, error) {
	return record[firn.DeleteArchiveInput, firn.DeleteArchiveOutput](ctx, f, "DeleteArchive", in, nil)
}
func (f *fake) InitiateMultipartUpload(ctx context.Context, in *firn.InitiateMultipartUploadInput) (*firn.InitiateMultipartUploadOutput, error) {
	return record[firn.InitiateMultipartUploadInput, firn.InitiateMultipartUploadOutput](ctx, f, "InitiateMultipartUpload", in, nil)
}
func (f *fake) UploadMultipartPart(ctx context.Context, in *firn.UploadMultipartPartInput) (*firn.UploadMultipartPartOutput, error) {
	return record[firn.UploadMultipartPartInput, firn.UploadMultipartPartOutput](ctx, f, "UploadMultipartPart", in, in.Body)
}
func (f *fake) CompleteMultipartUpload(ctx context.Context, in *firn.CompleteMultipartUploadInput) (*firn.CompleteMultipartUploadOutput, error) {
	return record[firn.CompleteMultipartUploadInput, firn.CompleteMultipartUploadOutput](ctx, f, "CompleteMultipartUpload", in, nil)
}
func (f *fake) AbortMultipartUpload(ctx context.Context, in *firn.AbortMultipartUploadInput) (*firn.AbortMultipartUploadOutput, error) {
	return record[firn.AbortMultipartUploadInput, firn.AbortMultipartUploadOutput](ctx, f, "AbortMultipartUpload", in, nil)
}
func (f *fake) ListMultipartUploads(ctx context.Context, in *firn.ListMultipartUploadsInput) (*firn.ListMultipartUploadsOutput, error) {
	return record[firn.ListMultipartUploadsInput, firn.ListMultipartUploadsOutput](ctx, f, "ListMultipartUploads", in, nil)
}
func (f *fake) ListParts(ctx context.Context, in *firn.ListPartsInput) (*firn.ListPartsOutput, error) {
	return record[firn.ListPartsInput, firn.ListPartsOutput](ctx, f, "ListParts", in, nil)
}
func (f *fake) InitiateJob(ctx context.Context, in *firn.InitiateJobInput) (*firn.InitiateJobOutput, error) {
	return record[firn.InitiateJobInput, firn.InitiateJobOutput](ctx, f, "InitiateJob", in, nil)
}
func (f *fake) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	return record[firn.DescribeJobInput, firn.DescribeJobOutput](ctx, f, "DescribeJob", in, nil)
}
func (f *fake) ListJobs(ctx context.Context, in *firn.ListJobsInput) (*firn.ListJobsOutput, error) {
	return record[firn.ListJobsInput, firn.ListJobsOutput](ctx, f, "ListJobs", in, nil)
}
func (f *fake) GetJobOutput(ctx context.Context, in *firn.GetJobOutputInput) (*firn.GetJobOutputOutput, error) {
	return record[firn.GetJobOutputInput, firn.GetJobOutputOutput](ctx, f, "GetJobOutput", in, nil)
}
func (f *fake) SetDataRetrievalPolicy(ctx context.Context, in *firn.SetDataRetrievalPolicyInput) (*firn.SetDataRetrievalPolicyOutput, error) {
	return record[firn.SetDataRetrievalPolicyInput, firn.SetDataRetrievalPolicyOutput](ctx, f, "SetDataRetrievalPolicy", in, nil)
}
func (f *fake) GetDataRetrievalPolicy(ctx context.Context, in *firn.GetDataRetrievalPolicyInput) (*firn.GetDataRetrievalPolicyOutput, error) {
	return record[firn.GetDataRetrievalPolicyInput, firn.GetDataRetrievalPolicyOutput](ctx, f, "GetDataRetrievalPolicy", in, nil)
}
func (f *fake) PurchaseProvisionedCapacity(ctx context.Context, in *firn.PurchaseProvisionedCapacityInput) (*firn.PurchaseProvisionedCapacityOutput, error) {
	return record[firn.PurchaseProvisionedCapacityInput, firn.PurchaseProvisionedCapacityOutput](ctx, f, "PurchaseProvisionedCapacity", in, nil)
}
func (f *fake) ListProvisionedCapacity(ctx context.Context, in *firn.ListProvisionedCapacityInput) (*firn.ListProvisionedCapacityOutput, error) {
	return record[firn.ListProvisionedCapacityInput, firn.ListProvisionedCapacityOutput](ctx, f, "ListProvisionedCapacity", in, nil)
}
