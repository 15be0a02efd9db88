package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// A fault makes a request fail at one step of the request path.
type fault int

const (
	badAccount fault = iota // AccountId is not an account ID
	badName                 // VaultName is not a vault name
	badInput                // the operation's own input is bad
	noVault                 // the vault does not exist
	badCaller               // the caller is of another account
	noSpace                 // the free space is below the reserves
)

func (f fault) String() string {
	return [...]string{"badAccount", "badName", "badInput", "noVault", "badCaller", "noSpace"}[f]
}

// orderFixture is what the operations of TestRequestOrder act on: vault
// "v" holding an archive and a multipart upload, and the empty vault "e".
type orderFixture struct {
	archive, upload string
}

// orderRequest is the input of one request: its AccountId and VaultName,
// and whether its own input is bad.
type orderRequest struct {
	account, vault string
	bad            bool
}

// TestRequestOrder pins which error a request with several faults gets:
// each operation's request starts with all the faults it can have, and
// loses them one at a time in the order its steps find them, each request
// failing with the error of the first fault left, until the last request,
// with none, gets the operation's own result.
func TestRequestOrder(t *testing.T) {
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:DeleteArchive","Resource":"*"}]}`
	ops := []struct {
		name    string
		vault   string // the vault a request without noVault acts on
		order   []fault
		input   firn.Code // the error of badInput
		final   firn.Code // the error of the request without faults; "": none
		call    func(ctx context.Context, e *engine.Engine, fx orderFixture, r orderRequest) error
		inputIn string // a word of the badInput error's message
	}{
		{name: "CreateVault", vault: "n", order: []fault{badAccount, badName, badCaller, noSpace},
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				_, err := e.CreateVault(ctx, &firn.CreateVaultInput{AccountId: r.account, VaultName: r.vault})
				return err
			}},
		{name: "ListVaults", order: []fault{badAccount, badCaller, badInput}, input: firn.CodeInvalidParameterValue, inputIn: "limit",
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				in := &firn.ListVaultsInput{AccountId: r.account}
				if r.bad {
					in.Limit = -1
				}
				_, err := e.ListVaults(ctx, in)
				return err
			}},
		{name: "DescribeVault", vault: "v", order: []fault{badAccount, badName, noVault, badCaller},
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				_, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{AccountId: r.account, VaultName: r.vault})
				return err
			}},
		{name: "DeleteVault", vault: "e", order: []fault{badAccount, badName, noVault, badCaller},
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				_, err := e.DeleteVault(ctx, &firn.DeleteVaultInput{AccountId: r.account, VaultName: r.vault})
				return err
			}},
		{name: "AddTagsToVault", vault: "v", order: []fault{badAccount, badName, noVault, badCaller, noSpace, badInput}, input: firn.CodeLimitExceeded, inputIn: "tags",
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				tags := map[string]string{"k": "v"}
				for i := 0; r.bad && i < 11; i++ {
					tags[fmt.Sprint("k", i)] = "v"
				}
				_, err := e.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{AccountId: r.account, VaultName: r.vault, Tags: tags})
				return err
			}},
		{name: "SetVaultNotifications", vault: "v", order: []fault{badAccount, badName, badInput, noVault, badCaller, noSpace}, input: firn.CodeMissingParameterValue, inputIn: "VaultNotificationConfig",
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				in := &firn.SetVaultNotificationsInput{AccountId: r.account, VaultName: r.vault}
				if !r.bad {
					in.VaultNotificationConfig = &firn.VaultNotificationConfig{SNSTopic: "arn:aws:sns:us-east-1:012345678901:t", Events: []string{firn.EventArchiveRetrievalCompleted}}
				}
				_, err := e.SetVaultNotifications(ctx, in)
				return err
			}},
		{name: "SetVaultAccessPolicy", vault: "v", order: []fault{badAccount, badName, badInput, noVault, badCaller, noSpace}, input: firn.CodeInvalidParameterValue, inputIn: "olicy",
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				doc := policy
				if r.bad {
					doc = "{"
				}
				_, err := e.SetVaultAccessPolicy(ctx, &firn.SetVaultAccessPolicyInput{AccountId: r.account, VaultName: r.vault, Policy: &firn.VaultAccessPolicy{Policy: doc}})
				return err
			}},
		{name: "CompleteVaultLock", vault: "v", order: []fault{badInput, badAccount, badName, noVault, badCaller, noSpace}, input: firn.CodeMissingParameterValue, inputIn: "lockId",
			final: firn.CodeResourceNotFound,
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				in := &firn.CompleteVaultLockInput{AccountId: r.account, VaultName: r.vault, LockId: "x"}
				if r.bad {
					in.LockId = ""
				}
				_, err := e.CompleteVaultLock(ctx, in)
				return err
			}},
		{name: "UploadArchive", vault: "v", order: []fault{badAccount, badName, badInput, noVault, badCaller, noSpace}, input: firn.CodeInvalidParameterValue, inputIn: "Checksum",
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				in := &firn.UploadArchiveInput{AccountId: r.account, VaultName: r.vault, Body: bytes.NewReader([]byte("x"))}
				if r.bad {
					in.Checksum = "zz"
				}
				_, err := e.UploadArchive(ctx, in)
				return err
			}},
		{name: "DeleteArchive", vault: "v", order: []fault{badAccount, badName, badInput, noVault, badCaller}, input: firn.CodeMissingParameterValue, inputIn: "ArchiveId",
			call: func(ctx context.Context, e *engine.Engine, fx orderFixture, r orderRequest) error {
				in := &firn.DeleteArchiveInput{AccountId: r.account, VaultName: r.vault, ArchiveId: fx.archive}
				if r.bad {
					in.ArchiveId = ""
				}
				_, err := e.DeleteArchive(ctx, in)
				return err
			}},
		{name: "UploadMultipartPart", vault: "v", order: []fault{badAccount, badName, badInput, noVault, badCaller, noSpace}, input: firn.CodeInvalidParameterValue, inputIn: "Range",
			call: func(ctx context.Context, e *engine.Engine, fx orderFixture, r orderRequest) error {
				in := &firn.UploadMultipartPartInput{AccountId: r.account, VaultName: r.vault, UploadId: fx.upload, Range: "bytes 0-0/*", Body: bytes.NewReader([]byte("x"))}
				if r.bad {
					in.Range = "bytes 1-0/*"
				}
				_, err := e.UploadMultipartPart(ctx, in)
				return err
			}},
		{name: "InitiateJob", vault: "v", order: []fault{badAccount, badName, badInput, noSpace, noVault, badCaller}, input: firn.CodeMissingParameterValue, inputIn: "Type",
			call: func(ctx context.Context, e *engine.Engine, fx orderFixture, r orderRequest) error {
				in := &firn.InitiateJobInput{AccountId: r.account, VaultName: r.vault, JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: fx.archive}}
				if r.bad {
					in.JobParameters.Type = ""
				}
				_, err := e.InitiateJob(ctx, in)
				return err
			}},
		{name: "ListJobs", vault: "v", order: []fault{badInput, badAccount, badName, noVault, badCaller}, input: firn.CodeInvalidParameterValue, inputIn: "limit",
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				in := &firn.ListJobsInput{AccountId: r.account, VaultName: r.vault}
				if r.bad {
					in.Limit = -1
				}
				_, err := e.ListJobs(ctx, in)
				return err
			}},
		{name: "SetDataRetrievalPolicy", order: []fault{badAccount, badCaller, badInput, noSpace}, input: firn.CodeMissingParameterValue, inputIn: "Policy",
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				in := &firn.SetDataRetrievalPolicyInput{AccountId: r.account}
				if !r.bad {
					in.Policy = &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyNone}}}
				}
				_, err := e.SetDataRetrievalPolicy(ctx, in)
				return err
			}},
		{name: "PurchaseProvisionedCapacity", order: []fault{badAccount, badCaller, noSpace},
			call: func(ctx context.Context, e *engine.Engine, _ orderFixture, r orderRequest) error {
				_, err := e.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{AccountId: r.account})
				return err
			}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			e, free, fx := openOrderFixture(t)
			left := map[fault]bool{}
			for _, f := range op.order {
				left[f] = true
			}
			for i := 0; i <= len(op.order); i++ {
				r := orderRequest{vault: op.vault, bad: left[badInput]}
				if left[badAccount] {
					r.account = "12"
				}
				if left[badName] {
					r.vault = "bad name"
				} else if left[noVault] {
					r.vault = "missing"
				}
				ctx := context.Background()
				if left[badCaller] {
					ctx = firn.WithPrincipal(ctx, "arn:aws:iam::999999999999:user/other")
				}
				free.Store(orderFree)
				if left[noSpace] {
					free.Store(0)
				}
				err := op.call(ctx, e, fx, r)
				if i == len(op.order) {
					if firn.CodeOf(err) != op.final {
						t.Fatalf("without faults: got %v, want %q", err, op.final)
					}
					break
				}
				f := op.order[i]
				code, word := map[fault]firn.Code{
					badAccount: firn.CodeInvalidParameterValue,
					badName:    firn.CodeInvalidParameterValue,
					badInput:   op.input,
					noVault:    firn.CodeResourceNotFound,
					badCaller:  firn.CodeAccessDenied,
					noSpace:    firn.CodeServiceUnavailable,
				}[f], map[fault]string{
					badAccount: "AccountId",
					badName:    "VaultName",
					badInput:   op.inputIn,
					noVault:    "missing",
					badCaller:  "999999999999",
					noSpace:    "Options.",
				}[f]
				if firn.CodeOf(err) != code || err == nil || !strings.Contains(err.Error(), word) {
					t.Fatalf("with faults %v left: got %v, want %s mentioning %q", op.order[i:], err, code, word)
				}
				delete(left, f)
			}
		})
	}
}

// orderFree is the free space that the reserves of openOrderFixture
// admit every operation of TestRequestOrder to, close enough to them
// that every operation measures it.
const orderFree = 3 << 20

// openOrderFixture opens an engine whose free space is what free holds,
// with the reserves just below orderFree, and makes the orderFixture.
func openOrderFixture(t *testing.T) (*engine.Engine, *atomic.Int64, orderFixture) {
	t.Helper()
	ctx := context.Background()
	free := new(atomic.Int64)
	free.Store(orderFree)
	e, err := engine.Open("d", &engine.Options{FS: vfs.NewMem(), Clock: crashClock{}, TickInterval: time.Hour,
		FreeSpaceReserve: 2 << 20, MetadataFreeSpaceReserve: 2 << 20,
		FreeSpace: func(string) (int64, error) { return free.Load(), nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	for _, name := range []string{"v", "e"} {
		if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: name}); err != nil {
			t.Fatal(err)
		}
	}
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("archive"))})
	if err != nil {
		t.Fatal(err)
	}
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return e, free, orderFixture{archive: a.ArchiveId, upload: up.UploadId}
}
