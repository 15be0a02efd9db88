package firntest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/firnstore/firn"
)

// operations are the names of the firn.Glacier methods, the op arguments
// of Faulty's methods.
var operations = map[string]bool{
	"CreateVault": true, "DescribeVault": true, "ListVaults": true, "DeleteVault": true,
	"AddTagsToVault": true, "ListTagsForVault": true, "RemoveTagsFromVault": true,
	"SetVaultNotifications": true, "GetVaultNotifications": true, "DeleteVaultNotifications": true,
	"SetVaultAccessPolicy": true, "GetVaultAccessPolicy": true, "DeleteVaultAccessPolicy": true,
	"InitiateVaultLock": true, "CompleteVaultLock": true, "AbortVaultLock": true, "GetVaultLock": true,
	"UploadArchive": true, "DeleteArchive": true,
	"InitiateMultipartUpload": true, "UploadMultipartPart": true, "CompleteMultipartUpload": true,
	"AbortMultipartUpload": true, "ListMultipartUploads": true, "ListParts": true,
	"InitiateJob": true, "DescribeJob": true, "ListJobs": true, "GetJobOutput": true,
	"SetDataRetrievalPolicy": true, "GetDataRetrievalPolicy": true,
	"PurchaseProvisionedCapacity": true, "ListProvisionedCapacity": true,
}

// Faulty is a firn.Glacier that forwards every call to another one, but for
// the faults injected into it: failures of the next calls of an operation
// (FailNext) and latency (Delay). Operations are named as the methods of
// firn.Glacier ("UploadArchive"); an unknown name panics, so that a typo
// cannot make a test pass. A Faulty is safe for concurrent use.
type Faulty struct {
	g  firn.Glacier
	mu sync.Mutex
	op map[string]*faults
}

type faults struct {
	calls int
	fail  int
	err   firn.Error
	delay time.Duration
}

var _ firn.Glacier = (*Faulty)(nil)

// Inject returns a Faulty forwarding to g, with no faults.
func Inject(g firn.Glacier) *Faulty {
	return &Faulty{g: g, op: map[string]*faults{}}
}

// faults returns the faults of op; f.mu must be held.
func (f *Faulty) faults(op string) *faults {
	if !operations[op] {
		panic(fmt.Sprintf("firntest: %q is not a Glacier operation", op))
	}
	s := f.op[op]
	if s == nil {
		s = &faults{}
		f.op[op] = s
	}
	return s
}

// FailNext makes the next n calls of op fail with err, replacing the
// failures still pending for op; n <= 0 removes them. A failed call does not
// reach the wrapped Glacier, so it changes nothing (as a failed call must)
// and does not read the request's body. Each call gets its own copy of err,
// with a message naming the injection if err has none, so that errors.Is
// with a sentinel such as firn.ErrServiceUnavailable matches it.
func (f *Faulty) FailNext(op string, n int, err *firn.Error) {
	if err == nil {
		panic("firntest: FailNext with a nil error")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.faults(op)
	s.fail, s.err = max(n, 0), *err
	if s.err.Message == "" {
		s.err.Message = "firntest: injected failure of " + op
	}
}

// Delay makes every later call of op wait d of real time before it
// proceeds (to fail or to be forwarded); 0 removes the delay. A call whose
// context ends while it waits fails with RequestTimeoutException, changing
// nothing.
func (f *Faulty) Delay(op string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults(op).delay = max(d, 0)
}

// Calls returns how many calls of op the Faulty has received, failed ones
// included.
func (f *Faulty) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults(op).calls
}

// Reset removes every pending failure and delay; call counts remain.
func (f *Faulty) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.op {
		s.fail, s.delay = 0, 0
	}
}

// enter counts a call of op, waits its delay and returns the injected
// failure, if any.
func (f *Faulty) enter(ctx context.Context, op string) error {
	f.mu.Lock()
	s := f.faults(op)
	s.calls++
	delay := s.delay
	var fail *firn.Error
	if s.fail > 0 {
		s.fail--
		e := s.err
		fail = &e
	}
	f.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return &firn.Error{Code: firn.CodeRequestTimeout, Message: "firntest: the context ended during the injected delay of " + op, Err: ctx.Err()}
		}
	}
	if fail != nil {
		return fail
	}
	return nil
}

// call forwards a call of op to next unless a fault intervenes.
func call[In, Out any](f *Faulty, ctx context.Context, op string, in *In, next func(context.Context, *In) (*Out, error)) (*Out, error) {
	if err := f.enter(ctx, op); err != nil {
		return nil, err
	}
	return next(ctx, in)
}

// CreateVault implements firn.Glacier.
func (f *Faulty) CreateVault(ctx context.Context, in *firn.CreateVaultInput) (*firn.CreateVaultOutput, error) {
	return call(f, ctx, "CreateVault", in, f.g.CreateVault)
}

// DescribeVault implements firn.Glacier.
func (f *Faulty) DescribeVault(ctx context.Context, in *firn.DescribeVaultInput) (*firn.DescribeVaultOutput, error) {
	return call(f, ctx, "DescribeVault", in, f.g.DescribeVault)
}

// ListVaults implements firn.Glacier.
func (f *Faulty) ListVaults(ctx context.Context, in *firn.ListVaultsInput) (*firn.ListVaultsOutput, error) {
	return call(f, ctx, "ListVaults", in, f.g.ListVaults)
}

// DeleteVault implements firn.Glacier.
func (f *Faulty) DeleteVault(ctx context.Context, in *firn.DeleteVaultInput) (*firn.DeleteVaultOutput, error) {
	return call(f, ctx, "DeleteVault", in, f.g.DeleteVault)
}

// AddTagsToVault implements firn.Glacier.
func (f *Faulty) AddTagsToVault(ctx context.Context, in *firn.AddTagsToVaultInput) (*firn.AddTagsToVaultOutput, error) {
	return call(f, ctx, "AddTagsToVault", in, f.g.AddTagsToVault)
}

// ListTagsForVault implements firn.Glacier.
func (f *Faulty) ListTagsForVault(ctx context.Context, in *firn.ListTagsForVaultInput) (*firn.ListTagsForVaultOutput, error) {
	return call(f, ctx, "ListTagsForVault", in, f.g.ListTagsForVault)
}

// RemoveTagsFromVault implements firn.Glacier.
func (f *Faulty) RemoveTagsFromVault(ctx context.Context, in *firn.RemoveTagsFromVaultInput) (*firn.RemoveTagsFromVaultOutput, error) {
	return call(f, ctx, "RemoveTagsFromVault", in, f.g.RemoveTagsFromVault)
}

// SetVaultNotifications implements firn.Glacier.
func (f *Faulty) SetVaultNotifications(ctx context.Context, in *firn.SetVaultNotificationsInput) (*firn.SetVaultNotificationsOutput, error) {
	return call(f, ctx, "SetVaultNotifications", in, f.g.SetVaultNotifications)
}

// GetVaultNotifications implements firn.Glacier.
func (f *Faulty) GetVaultNotifications(ctx context.Context, in *firn.GetVaultNotificationsInput) (*firn.GetVaultNotificationsOutput, error) {
	return call(f, ctx, "GetVaultNotifications", in, f.g.GetVaultNotifications)
}

// DeleteVaultNotifications implements firn.Glacier.
func (f *Faulty) DeleteVaultNotifications(ctx context.Context, in *firn.DeleteVaultNotificationsInput) (*firn.DeleteVaultNotificationsOutput, error) {
	return call(f, ctx, "DeleteVaultNotifications", in, f.g.DeleteVaultNotifications)
}

// SetVaultAccessPolicy implements firn.Glacier.
func (f *Faulty) SetVaultAccessPolicy(ctx context.Context, in *firn.SetVaultAccessPolicyInput) (*firn.SetVaultAccessPolicyOutput, error) {
	return call(f, ctx, "SetVaultAccessPolicy", in, f.g.SetVaultAccessPolicy)
}

// GetVaultAccessPolicy implements firn.Glacier.
func (f *Faulty) GetVaultAccessPolicy(ctx context.Context, in *firn.GetVaultAccessPolicyInput) (*firn.GetVaultAccessPolicyOutput, error) {
	return call(f, ctx, "GetVaultAccessPolicy", in, f.g.GetVaultAccessPolicy)
}

// DeleteVaultAccessPolicy implements firn.Glacier.
func (f *Faulty) DeleteVaultAccessPolicy(ctx context.Context, in *firn.DeleteVaultAccessPolicyInput) (*firn.DeleteVaultAccessPolicyOutput, error) {
	return call(f, ctx, "DeleteVaultAccessPolicy", in, f.g.DeleteVaultAccessPolicy)
}

// InitiateVaultLock implements firn.Glacier.
func (f *Faulty) InitiateVaultLock(ctx context.Context, in *firn.InitiateVaultLockInput) (*firn.InitiateVaultLockOutput, error) {
	return call(f, ctx, "InitiateVaultLock", in, f.g.InitiateVaultLock)
}

// CompleteVaultLock implements firn.Glacier.
func (f *Faulty) CompleteVaultLock(ctx context.Context, in *firn.CompleteVaultLockInput) (*firn.CompleteVaultLockOutput, error) {
	return call(f, ctx, "CompleteVaultLock", in, f.g.CompleteVaultLock)
}

// AbortVaultLock implements firn.Glacier.
func (f *Faulty) AbortVaultLock(ctx context.Context, in *firn.AbortVaultLockInput) (*firn.AbortVaultLockOutput, error) {
	return call(f, ctx, "AbortVaultLock", in, f.g.AbortVaultLock)
}

// GetVaultLock implements firn.Glacier.
func (f *Faulty) GetVaultLock(ctx context.Context, in *firn.GetVaultLockInput) (*firn.GetVaultLockOutput, error) {
	return call(f, ctx, "GetVaultLock", in, f.g.GetVaultLock)
}

// UploadArchive implements firn.Glacier.
func (f *Faulty) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	return call(f, ctx, "UploadArchive", in, f.g.UploadArchive)
}

// DeleteArchive implements firn.Glacier.
func (f *Faulty) DeleteArchive(ctx context.Context, in *firn.DeleteArchiveInput) (*firn.DeleteArchiveOutput, error) {
	return call(f, ctx, "DeleteArchive", in, f.g.DeleteArchive)
}

// InitiateMultipartUpload implements firn.Glacier.
func (f *Faulty) InitiateMultipartUpload(ctx context.Context, in *firn.InitiateMultipartUploadInput) (*firn.InitiateMultipartUploadOutput, error) {
	return call(f, ctx, "InitiateMultipartUpload", in, f.g.InitiateMultipartUpload)
}

// UploadMultipartPart implements firn.Glacier.
func (f *Faulty) UploadMultipartPart(ctx context.Context, in *firn.UploadMultipartPartInput) (*firn.UploadMultipartPartOutput, error) {
	return call(f, ctx, "UploadMultipartPart", in, f.g.UploadMultipartPart)
}

// CompleteMultipartUpload implements firn.Glacier.
func (f *Faulty) CompleteMultipartUpload(ctx context.Context, in *firn.CompleteMultipartUploadInput) (*firn.CompleteMultipartUploadOutput, error) {
	return call(f, ctx, "CompleteMultipartUpload", in, f.g.CompleteMultipartUpload)
}

// AbortMultipartUpload implements firn.Glacier.
func (f *Faulty) AbortMultipartUpload(ctx context.Context, in *firn.AbortMultipartUploadInput) (*firn.AbortMultipartUploadOutput, error) {
	return call(f, ctx, "AbortMultipartUpload", in, f.g.AbortMultipartUpload)
}

// ListMultipartUploads implements firn.Glacier.
func (f *Faulty) ListMultipartUploads(ctx context.Context, in *firn.ListMultipartUploadsInput) (*firn.ListMultipartUploadsOutput, error) {
	return call(f, ctx, "ListMultipartUploads", in, f.g.ListMultipartUploads)
}

// ListParts implements firn.Glacier.
func (f *Faulty) ListParts(ctx context.Context, in *firn.ListPartsInput) (*firn.ListPartsOutput, error) {
	return call(f, ctx, "ListParts", in, f.g.ListParts)
}

// InitiateJob implements firn.Glacier.
func (f *Faulty) InitiateJob(ctx context.Context, in *firn.InitiateJobInput) (*firn.InitiateJobOutput, error) {
	return call(f, ctx, "InitiateJob", in, f.g.InitiateJob)
}

// DescribeJob implements firn.Glacier.
func (f *Faulty) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	return call(f, ctx, "DescribeJob", in, f.g.DescribeJob)
}

// ListJobs implements firn.Glacier.
func (f *Faulty) ListJobs(ctx context.Context, in *firn.ListJobsInput) (*firn.ListJobsOutput, error) {
	return call(f, ctx, "ListJobs", in, f.g.ListJobs)
}

// GetJobOutput implements firn.Glacier.
func (f *Faulty) GetJobOutput(ctx context.Context, in *firn.GetJobOutputInput) (*firn.GetJobOutputOutput, error) {
	return call(f, ctx, "GetJobOutput", in, f.g.GetJobOutput)
}

// SetDataRetrievalPolicy implements firn.Glacier.
func (f *Faulty) SetDataRetrievalPolicy(ctx context.Context, in *firn.SetDataRetrievalPolicyInput) (*firn.SetDataRetrievalPolicyOutput, error) {
	return call(f, ctx, "SetDataRetrievalPolicy", in, f.g.SetDataRetrievalPolicy)
}

// GetDataRetrievalPolicy implements firn.Glacier.
func (f *Faulty) GetDataRetrievalPolicy(ctx context.Context, in *firn.GetDataRetrievalPolicyInput) (*firn.GetDataRetrievalPolicyOutput, error) {
	return call(f, ctx, "GetDataRetrievalPolicy", in, f.g.GetDataRetrievalPolicy)
}

// PurchaseProvisionedCapacity implements firn.Glacier.
func (f *Faulty) PurchaseProvisionedCapacity(ctx context.Context, in *firn.PurchaseProvisionedCapacityInput) (*firn.PurchaseProvisionedCapacityOutput, error) {
	return call(f, ctx, "PurchaseProvisionedCapacity", in, f.g.PurchaseProvisionedCapacity)
}

// ListProvisionedCapacity implements firn.Glacier.
func (f *Faulty) ListProvisionedCapacity(ctx context.Context, in *firn.ListProvisionedCapacityInput) (*firn.ListProvisionedCapacityOutput, error) {
	return call(f, ctx, "ListProvisionedCapacity", in, f.g.ListProvisionedCapacity)
}
