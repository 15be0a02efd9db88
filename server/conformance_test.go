package server_test

import (
	"cmp"
	"context"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest/conformance"
	"github.com/firnstore/firn/internal/enginetarget"
	"github.com/firnstore/firn/server"
)

// TestConformance runs the conformance suite over the wire: an engine
// behind the REST server, called through aws-sdk-go-v2 (package
// awsglacier), with SigV4 verification on. Each principal of the suite
// signs with its own credentials, and calls marked insecure go over plain
// HTTP instead of TLS.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite over HTTP")
	}
	conformance.Run(t, func(t *testing.T) *conformance.Target {
		return httpTarget(t, enginetarget.New(t, engine.Options{}))
	})
}

// httpTarget serves an engine target's engine over HTTPS and HTTP.
func httpTarget(t *testing.T, tg *conformance.Target) *conformance.Target {
	t.Helper()
	var h atomic.Pointer[http.Handler]
	serve := func(g firn.Glacier) {
		hh := server.New(g, server.Options{
			Logger:           slog.New(slog.DiscardHandler),
			CredentialLookup: lookupPrincipal,
		})
		h.Store(&hh)
	}
	serve(tg.Glacier)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) })
	secure, plain := httptest.NewTLSServer(handler), httptest.NewServer(handler)
	t.Cleanup(func() {
		secure.Close()
		plain.Close()
	})
	p := &principalClients{account: cmp.Or(tg.Account, engine.DefaultAccountID), region: cmp.Or(tg.Region, engine.DefaultRegion), secure: secure, plain: plain}
	engineReopen, engineWithLimits := tg.Reopen, tg.WithLimits
	tg.Glacier = p
	tg.Reopen = func(t *testing.T) firn.Glacier {
		serve(engineReopen(t))
		return p
	}
	tg.WithLimits = func(t *testing.T, l conformance.Limits) *conformance.Target {
		return httpTarget(t, engineWithLimits(t, l))
	}
	return tg
}

// Access keys name their principal: the key is the hex of the principal's
// ARN, so that the server can look up principals the suite makes up.

func accessKey(principal string) string {
	return "FIRN" + strings.ToUpper(hex.EncodeToString([]byte(principal)))
}

const testSecret = "conformance-secret"

func lookupPrincipal(key string) (server.Credential, bool) {
	arn, err := hex.DecodeString(strings.TrimPrefix(key, "FIRN"))
	if err != nil || !strings.HasPrefix(key, "FIRN") {
		return server.Credential{}, false
	}
	parts := strings.SplitN(string(arn), ":", 6)
	if len(parts) != 6 {
		return server.Credential{}, false
	}
	return server.Credential{SecretKey: testSecret, AccountID: parts[4], PrincipalARN: string(arn)}, true
}

// principalClients is a firn.Glacier that sends each call through a client
// signed as the call's principal (firn.PrincipalFrom; by default the root of
// the account in the request, as the engine assumes), over TLS unless the
// context says otherwise (firn.SecureTransportFrom).
type principalClients struct {
	account, region string
	secure, plain   *httptest.Server
	clients         sync.Map // principal + "|" + scheme -> *awsglacier.Client
}

func (p *principalClients) client(ctx context.Context, account string) firn.Glacier {
	principal, ok := firn.PrincipalFrom(ctx)
	if !ok {
		if account == "" || account == "-" {
			account = p.account
		}
		principal = "arn:aws:iam::" + account + ":root"
	}
	srv := p.secure
	if !firn.SecureTransportFrom(ctx) {
		srv = p.plain
	}
	key := principal + "|" + srv.URL
	if c, ok := p.clients.Load(key); ok {
		return c.(*awsglacier.Client)
	}
	creds := aws.Credentials{AccessKeyID: accessKey(principal), SecretAccessKey: testSecret}
	c := awsglacier.NewFromConfig(aws.Config{
		Region:      p.region,
		HTTPClient:  srv.Client(),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
	}, srv.URL)
	actual, _ := p.clients.LoadOrStore(key, c)
	return actual.(*awsglacier.Client)
}

func (p *principalClients) CreateVault(ctx context.Context, in *firn.CreateVaultInput) (*firn.CreateVaultOutput, error) {
	return p.client(ctx, in.AccountId).CreateVault(ctx, in)
}

func (p *principalClients) DescribeVault(ctx context.Context, in *firn.DescribeVaultInput) (*firn.DescribeVaultOutput, error) {
	return p.client(ctx, in.AccountId).DescribeVault(ctx, in)
}

func (p *principalClients) ListVaults(ctx context.Context, in *firn.ListVaultsInput) (*firn.ListVaultsOutput, error) {
	return p.client(ctx, in.AccountId).ListVaults(ctx, in)
}

func (p *principalClients) DeleteVault(ctx context.Context, in *firn.DeleteVaultInput) (*firn.DeleteVaultOutput, error) {
	return p.client(ctx, in.AccountId).DeleteVault(ctx, in)
}

func (p *principalClients) AddTagsToVault(ctx context.Context, in *firn.AddTagsToVaultInput) (*firn.AddTagsToVaultOutput, error) {
	return p.client(ctx, in.AccountId).AddTagsToVault(ctx, in)
}

func (p *principalClients) ListTagsForVault(ctx context.Context, in *firn.ListTagsForVaultInput) (*firn.ListTagsForVaultOutput, error) {
	return p.client(ctx, in.AccountId).ListTagsForVault(ctx, in)
}

func (p *principalClients) RemoveTagsFromVault(ctx context.Context, in *firn.RemoveTagsFromVaultInput) (*firn.RemoveTagsFromVaultOutput, error) {
	return p.client(ctx, in.AccountId).RemoveTagsFromVault(ctx, in)
}

func (p *principalClients) SetVaultNotifications(ctx context.Context, in *firn.SetVaultNotificationsInput) (*firn.SetVaultNotificationsOutput, error) {
	return p.client(ctx, in.AccountId).SetVaultNotifications(ctx, in)
}

func (p *principalClients) GetVaultNotifications(ctx context.Context, in *firn.GetVaultNotificationsInput) (*firn.GetVaultNotificationsOutput, error) {
	return p.client(ctx, in.AccountId).GetVaultNotifications(ctx, in)
}

func (p *principalClients) DeleteVaultNotifications(ctx context.Context, in *firn.DeleteVaultNotificationsInput) (*firn.DeleteVaultNotificationsOutput, error) {
	return p.client(ctx, in.AccountId).DeleteVaultNotifications(ctx, in)
}

func (p *principalClients) SetVaultAccessPolicy(ctx context.Context, in *firn.SetVaultAccessPolicyInput) (*firn.SetVaultAccessPolicyOutput, error) {
	return p.client(ctx, in.AccountId).SetVaultAccessPolicy(ctx, in)
}

func (p *principalClients) GetVaultAccessPolicy(ctx context.Context, in *firn.GetVaultAccessPolicyInput) (*firn.GetVaultAccessPolicyOutput, error) {
	return p.client(ctx, in.AccountId).GetVaultAccessPolicy(ctx, in)
}

func (p *principalClients) DeleteVaultAccessPolicy(ctx context.Context, in *firn.DeleteVaultAccessPolicyInput) (*firn.DeleteVaultAccessPolicyOutput, error) {
	return p.client(ctx, in.AccountId).DeleteVaultAccessPolicy(ctx, in)
}

func (p *principalClients) InitiateVaultLock(ctx context.Context, in *firn.InitiateVaultLockInput) (*firn.InitiateVaultLockOutput, error) {
	return p.client(ctx, in.AccountId).InitiateVaultLock(ctx, in)
}

func (p *principalClients) CompleteVaultLock(ctx context.Context, in *firn.CompleteVaultLockInput) (*firn.CompleteVaultLockOutput, error) {
	return p.client(ctx, in.AccountId).CompleteVaultLock(ctx, in)
}

func (p *principalClients) AbortVaultLock(ctx context.Context, in *firn.AbortVaultLockInput) (*firn.AbortVaultLockOutput, error) {
	return p.client(ctx, in.AccountId).AbortVaultLock(ctx, in)
}

func (p *principalClients) GetVaultLock(ctx context.Context, in *firn.GetVaultLockInput) (*firn.GetVaultLockOutput, error) {
	return p.client(ctx, in.AccountId).GetVaultLock(ctx, in)
}

func (p *principalClients) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	return p.client(ctx, in.AccountId).UploadArchive(ctx, in)
}

func (p *principalClients) DeleteArchive(ctx context.Context, in *firn.DeleteArchiveInput) (*firn.DeleteArchiveOutput, error) {
	return p.client(ctx, in.AccountId).DeleteArchive(ctx, in)
}

func (p *principalClients) InitiateMultipartUpload(ctx context.Context, in *firn.InitiateMultipartUploadInput) (*firn.InitiateMultipartUploadOutput, error) {
	return p.client(ctx, in.AccountId).InitiateMultipartUpload(ctx, in)
}

func (p *principalClients) UploadMultipartPart(ctx context.Context, in *firn.UploadMultipartPartInput) (*firn.UploadMultipartPartOutput, error) {
	return p.client(ctx, in.AccountId).UploadMultipartPart(ctx, in)
}

func (p *principalClients) CompleteMultipartUpload(ctx context.Context, in *firn.CompleteMultipartUploadInput) (*firn.CompleteMultipartUploadOutput, error) {
	return p.client(ctx, in.AccountId).CompleteMultipartUpload(ctx, in)
}

func (p *principalClients) AbortMultipartUpload(ctx context.Context, in *firn.AbortMultipartUploadInput) (*firn.AbortMultipartUploadOutput, error) {
	return p.client(ctx, in.AccountId).AbortMultipartUpload(ctx, in)
}

func (p *principalClients) ListMultipartUploads(ctx context.Context, in *firn.ListMultipartUploadsInput) (*firn.ListMultipartUploadsOutput, error) {
	return p.client(ctx, in.AccountId).ListMultipartUploads(ctx, in)
}

func (p *principalClients) ListParts(ctx context.Context, in *firn.ListPartsInput) (*firn.ListPartsOutput, error) {
	return p.client(ctx, in.AccountId).ListParts(ctx, in)
}

func (p *principalClients) InitiateJob(ctx context.Context, in *firn.InitiateJobInput) (*firn.InitiateJobOutput, error) {
	return p.client(ctx, in.AccountId).InitiateJob(ctx, in)
}

func (p *principalClients) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	return p.client(ctx, in.AccountId).DescribeJob(ctx, in)
}

func (p *principalClients) ListJobs(ctx context.Context, in *firn.ListJobsInput) (*firn.ListJobsOutput, error) {
	return p.client(ctx, in.AccountId).ListJobs(ctx, in)
}

func (p *principalClients) GetJobOutput(ctx context.Context, in *firn.GetJobOutputInput) (*firn.GetJobOutputOutput, error) {
	return p.client(ctx, in.AccountId).GetJobOutput(ctx, in)
}

func (p *principalClients) SetDataRetrievalPolicy(ctx context.Context, in *firn.SetDataRetrievalPolicyInput) (*firn.SetDataRetrievalPolicyOutput, error) {
	return p.client(ctx, in.AccountId).SetDataRetrievalPolicy(ctx, in)
}

func (p *principalClients) GetDataRetrievalPolicy(ctx context.Context, in *firn.GetDataRetrievalPolicyInput) (*firn.GetDataRetrievalPolicyOutput, error) {
	return p.client(ctx, in.AccountId).GetDataRetrievalPolicy(ctx, in)
}

func (p *principalClients) PurchaseProvisionedCapacity(ctx context.Context, in *firn.PurchaseProvisionedCapacityInput) (*firn.PurchaseProvisionedCapacityOutput, error) {
	return p.client(ctx, in.AccountId).PurchaseProvisionedCapacity(ctx, in)
}

func (p *principalClients) ListProvisionedCapacity(ctx context.Context, in *firn.ListProvisionedCapacityInput) (*firn.ListProvisionedCapacityOutput, error) {
	return p.client(ctx, in.AccountId).ListProvisionedCapacity(ctx, in)
}
