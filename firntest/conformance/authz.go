package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

var authzRules = []rule{
	{"Lock/Compliance", testAuthzComplianceLock},
	{"Lock/InProgressEnforced", testAuthzLockInProgress},
	{"Lock/ExpiredNotEnforced", testAuthzLockExpired},
	{"Lock/DenyBeatsAccessAllow", testAuthzLockBeatsAllow},
	{"AccessPolicy/DenyOnePrincipal", testAuthzDenyPrincipal},
	{"CrossAccount/DeniedByDefault", testAuthzCrossAccountDenied},
	{"CrossAccount/ExplicitAllow", testAuthzCrossAccountAllow},
	{"CrossAccount/AccountOperations", testAuthzCrossAccountAccountOps},
	{"SecureTransport", testAuthzSecureTransport},
	{"ResourceTag", testAuthzResourceTag},
}

// as returns a context whose calls are made as the IAM principal arn. Every
// call of the suite made as a particular principal goes through it, so that
// a target that conveys principals differently (signing keys of an HTTP
// client, say) has one place to change.
func (tg *target) as(arn string) context.Context {
	return firn.WithPrincipal(context.Background(), arn)
}

// insecure marks ctx's calls as made without TLS (aws:SecureTransport
// false).
func (tg *target) insecure(ctx context.Context) context.Context {
	return firn.WithSecureTransport(ctx, false)
}

// Principals of the suite: the root and a user of the target's account, and
// a user of another account.
func (tg *target) root() string { return "arn:aws:iam::" + tg.account + ":root" }
func (tg *target) bob() string  { return "arn:aws:iam::" + tg.account + ":user/bob" }
func (tg *target) eve() string  { return "arn:aws:iam::" + tenantA + ":user/eve" }

// deleteArchiveE deletes an archive of the target's account with ctx.
func deleteArchiveE(ctx context.Context, tg *target, vault, archiveID string) (*firn.DeleteArchiveOutput, error) {
	return tg.g.DeleteArchive(ctx, &firn.DeleteArchiveInput{AccountId: tg.account, VaultName: vault, ArchiveId: archiveID})
}

// wantDenied checks that a call failed with AccessDeniedException naming
// the action.
func wantDenied[O any](t *testing.T, out *O, err error, action string) {
	t.Helper()
	wantErr(t, out, err, firn.ErrAccessDenied, "glacier:"+action)
}

func testAuthzComplianceLock(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := testkit.Pattern(3000)
	uploaded := tg.clock.Now()
	a := upload(t, tg, "", "v", data, "record").ArchiveId
	mustLock(t, tg, "", "v", tg.compliancePolicy("v"))
	before := snapshot(t, tg, "")

	// Nobody may delete it for a year, the owner's root included.
	for _, d := range []time.Duration{0, time.Hour, 364 * lockTTL} {
		tg.clock.Advance(d)
		for _, ctx := range []context.Context{t.Context(), tg.as(tg.root()), tg.as(tg.bob())} {
			out, err := deleteArchiveE(ctx, tg, "v", a)
			wantDenied(t, out, err, "DeleteArchive")
		}
	}
	wantUnchanged(t, tg, "", before)
	wantArchive(t, tg, "", "v", a, data, "record")
	// The lock does not keep other archives out.
	b := upload(t, tg, "", "v", testkit.Pattern(10), "later").ArchiveId

	// 365 days after its upload the first archive may go; the second not.
	tg.clock.Advance(uploaded.Add(365 * lockTTL).Sub(tg.clock.Now()))
	must[firn.DeleteArchiveOutput](t, "DeleteArchive after 365 days")(deleteArchiveE(tg.as(tg.root()), tg, "v", a))
	wantNoArchive(t, tg, "", "v", a)
	out, err := deleteArchiveE(t.Context(), tg, "v", b)
	wantDenied(t, out, err, "DeleteArchive")
}

func testAuthzLockInProgress(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "").ArchiveId
	mustInitiateLock(t, tg, "", "v", tg.compliancePolicy("v"))
	out, err := deleteArchiveE(t.Context(), tg, "v", a)
	wantDenied(t, out, err, "DeleteArchive")
	mustAbortLock(t, tg, "", "v")
	mustDeleteArchive(t, tg, "", "v", a)
}

func testAuthzLockExpired(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "").ArchiveId
	mustInitiateLock(t, tg, "", "v", tg.compliancePolicy("v"))
	tg.clock.Advance(lockTTL - time.Second)
	out, err := deleteArchiveE(t.Context(), tg, "v", a)
	wantDenied(t, out, err, "DeleteArchive")
	tg.clock.Advance(time.Second)
	mustDeleteArchive(t, tg, "", "v", a)
}

// testAuthzLockBeatsAllow: a Deny of the lock policy wins over an Allow of
// the access policy, for another account too.
func testAuthzLockBeatsAllow(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "").ArchiveId
	mustSetPolicy(t, tg, "", "v", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+tg.eve()+`"},`+
		`"Action":"glacier:DeleteArchive","Resource":"`+tg.vaultARN("", "v")+`"}]}`)
	mustLock(t, tg, "", "v", tg.compliancePolicy("v"))
	out, err := deleteArchiveE(tg.as(tg.eve()), tg, "v", a)
	wantDenied(t, out, err, "DeleteArchive")
	tg.clock.Advance(365 * lockTTL)
	must[firn.DeleteArchiveOutput](t, "DeleteArchive by eve")(deleteArchiveE(tg.as(tg.eve()), tg, "v", a))
}

func testAuthzDenyPrincipal(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "").ArchiveId
	mustSetPolicy(t, tg, "", "v", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":["`+tg.bob()+`"]},`+
		`"Action":["glacier:Describe*","glacier:DeleteArchive","glacier:UploadArchive"],"Resource":"`+tg.vaultARN("", "v")+`"}]}`)
	before := snapshot(t, tg, "")
	bob := tg.as(tg.bob())
	out1, err := tg.g.DescribeVault(bob, &firn.DescribeVaultInput{AccountId: tg.account, VaultName: "v"})
	wantDenied(t, out1, err, "DescribeVault")
	out2, err := deleteArchiveE(bob, tg, "v", a)
	wantDenied(t, out2, err, "DeleteArchive")
	out3, err := uploadE(bob, tg, tg.account, "v", testkit.Pattern(10), "")
	wantDenied(t, out3, err, "UploadArchive")
	wantUnchanged(t, tg, "", before)
	// Bob may do what is not denied; others of the account anything.
	must[firn.ListTagsForVaultOutput](t, "ListTagsForVault by bob")(tg.g.ListTagsForVault(bob, &firn.ListTagsForVaultInput{AccountId: tg.account, VaultName: "v"}))
	for _, p := range []string{tg.root(), "arn:aws:iam::" + tg.account + ":user/alice", "arn:aws:sts::" + tg.account + ":assumed-role/ops/bob"} {
		must[firn.DescribeVaultOutput](t, "DescribeVault by "+p)(tg.g.DescribeVault(tg.as(p), &firn.DescribeVaultInput{AccountId: tg.account, VaultName: "v"}))
	}
	// Without the policy bob is allowed.
	mustDeletePolicy(t, tg, "", "v")
	must[firn.DeleteArchiveOutput](t, "DeleteArchive by bob")(deleteArchiveE(bob, tg, "v", a))
}

// authzOps returns vault-scoped operations beyond vaultOps: jobs and vault
// locks. jobID is an existing job of the vault.
func authzOps(jobID string) []vaultOp {
	return []vaultOp{
		{"InitiateJob", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.InitiateJob(ctx, &firn.InitiateJobInput{AccountId: account, VaultName: vault,
				JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
			return out == nil, err
		}},
		{"ListJobs", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.ListJobs(ctx, &firn.ListJobsInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
		{"DescribeJob", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.DescribeJob(ctx, &firn.DescribeJobInput{AccountId: account, VaultName: vault, JobId: jobID})
			return out == nil, err
		}},
		{"GetJobOutput", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.GetJobOutput(ctx, &firn.GetJobOutputInput{AccountId: account, VaultName: vault, JobId: jobID})
			if out != nil && out.Body != nil {
				out.Body.Close()
			}
			return out == nil, err
		}},
		{"InitiateVaultLock", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := initiateLockE(ctx, tg, account, vault, tg.compliancePolicy(vault))
			return out == nil, err
		}},
		{"CompleteVaultLock", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := completeLockE(ctx, tg, account, vault, "AE863rKkWZU53SLW5be4DUcW")
			return out == nil, err
		}},
		{"AbortVaultLock", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := abortLockE(ctx, tg, account, vault)
			return out == nil, err
		}},
		{"GetVaultLock", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.GetVaultLock(ctx, &firn.GetVaultLockInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
	}
}

// mustJob starts a retrieval of archiveID and waits for it to complete.
func mustJob(t *testing.T, tg *target, vault, archiveID string) string {
	t.Helper()
	ctx := t.Context()
	job := must[firn.InitiateJobOutput](t, "InitiateJob")(tg.g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: vault,
		JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: archiveID}}))
	for range 48 {
		d := must[firn.DescribeJobOutput](t, "DescribeJob")(tg.g.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: vault, JobId: job.JobId}))
		if d.Completed {
			return job.JobId
		}
		tg.clock.Advance(time.Hour)
	}
	t.Fatalf("job %s did not complete in 48 hours", job.JobId)
	return ""
}

func testAuthzCrossAccountDenied(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "").ArchiveId
	job := mustJob(t, tg, "v", a)
	doc := tg.denyPolicy("v", "glacier:SetVaultNotifications")
	created := tg.clock.Now()
	id := mustInitiateLock(t, tg, "", "v", doc)
	before := snapshot(t, tg, "")
	eve := tg.as(tg.eve())
	for _, op := range append(vaultOps(a), authzOps(job)...) {
		t.Run(op.name, func(t *testing.T) {
			nilOut, err := op.call(eve, tg, tg.account, "v")
			checkErr(t, nilOut, err, firn.ErrAccessDenied, "glacier:"+op.name, tg.eve(), tg.vaultARN("", "v"))
		})
	}
	wantUnchanged(t, tg, "", before)
	wantLock(t, tg, "", "v", doc, firn.LockStateInProgress, created)
	mustCompleteLock(t, tg, "", "v", id)
	wantArchive(t, tg, "", "v", a, testkit.Pattern(10), "")
	// The root of the other account is no better.
	out, err := tg.g.DescribeVault(tg.as("arn:aws:iam::"+tenantA+":root"), &firn.DescribeVaultInput{AccountId: tg.account, VaultName: "v"})
	wantDenied(t, out, err, "DescribeVault")
}

func testAuthzCrossAccountAllow(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustSetPolicy(t, tg, "", "v", `{"Version":"2012-10-17","Statement":[{"Sid":"eve","Effect":"Allow","Principal":{"AWS":"`+tg.eve()+`"},`+
		`"Action":["glacier:DescribeVault","glacier:UploadArchive","glacier:InitiateJob","glacier:DescribeJob","glacier:GetJobOutput","glacier:ListJobs"],`+
		`"Resource":"`+tg.vaultARN("", "v")+`"}]}`)
	eve := tg.as(tg.eve())
	must[firn.DescribeVaultOutput](t, "DescribeVault by eve")(tg.g.DescribeVault(eve, &firn.DescribeVaultInput{AccountId: tg.account, VaultName: "v"}))
	data := testkit.Pattern(5000)
	up, err := uploadE(eve, tg, tg.account, "v", data, "from eve")
	if err != nil {
		t.Fatalf("UploadArchive by eve: %v", err)
	}
	body, _, err := readArchiveE(eve, tg, tg.account, "v", up.ArchiveId)
	if err != nil || string(body) != string(data) {
		t.Fatalf("eve reading her archive: %v (%d bytes)", err, len(body))
	}
	must[firn.ListJobsOutput](t, "ListJobs by eve")(tg.g.ListJobs(eve, &firn.ListJobsInput{AccountId: tg.account, VaultName: "v"}))

	before := snapshot(t, tg, "")
	out1, err := deleteArchiveE(eve, tg, "v", up.ArchiveId)
	wantDenied(t, out1, err, "DeleteArchive")
	out2, err := tg.g.AddTagsToVault(eve, &firn.AddTagsToVaultInput{AccountId: tg.account, VaultName: "v", Tags: map[string]string{"k": "v"}})
	wantDenied(t, out2, err, "AddTagsToVault")
	out3, err := tg.g.ListTagsForVault(eve, &firn.ListTagsForVaultInput{AccountId: tg.account, VaultName: "v"})
	wantDenied(t, out3, err, "ListTagsForVault")
	// Another user of eve's account is not eve.
	out4, err := tg.g.DescribeVault(tg.as("arn:aws:iam::"+tenantA+":user/mallory"), &firn.DescribeVaultInput{AccountId: tg.account, VaultName: "v"})
	wantDenied(t, out4, err, "DescribeVault")
	wantUnchanged(t, tg, "", before)

	// An account principal allows every principal of that account.
	mustSetPolicy(t, tg, "", "v", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+tenantA+`"},`+
		`"Action":"glacier:Describe*","Resource":"`+tg.vaultARN("", "v")+`"}]}`)
	must[firn.DescribeVaultOutput](t, "DescribeVault by mallory")(tg.g.DescribeVault(tg.as("arn:aws:iam::"+tenantA+":user/mallory"), &firn.DescribeVaultInput{AccountId: tg.account, VaultName: "v"}))
}

func testAuthzCrossAccountAccountOps(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	before := snapshot(t, tg, "")
	eve := tg.as(tg.eve())
	out1, err := tg.g.ListVaults(eve, &firn.ListVaultsInput{AccountId: tg.account})
	wantDenied(t, out1, err, "ListVaults")
	out2, err := tg.g.CreateVault(eve, &firn.CreateVaultInput{AccountId: tg.account, VaultName: "w"})
	wantDenied(t, out2, err, "CreateVault")
	wantUnchanged(t, tg, "", before)
	// In her own account eve is at home.
	must[firn.CreateVaultOutput](t, "CreateVault by eve in her account")(tg.g.CreateVault(eve, &firn.CreateVaultInput{AccountId: tenantA, VaultName: "w"}))
	must[firn.DescribeVaultOutput](t, "DescribeVault by eve in her account")(tg.g.DescribeVault(eve, &firn.DescribeVaultInput{AccountId: tenantA, VaultName: "w"}))
}

func testAuthzSecureTransport(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "").ArchiveId
	mustSetPolicy(t, tg, "", "v", `{"Version":"2012-10-17","Statement":[{"Sid":"tls-only","Effect":"Deny","Principal":"*","Action":"glacier:*",`+
		`"Resource":"`+tg.vaultARN("", "v")+`","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	before := snapshot(t, tg, "")
	for _, ctx := range []context.Context{tg.insecure(t.Context()), tg.insecure(tg.as(tg.root())), tg.insecure(tg.as(tg.bob()))} {
		for _, op := range vaultOps(a) {
			nilOut, err := op.call(ctx, tg, tg.account, "v")
			checkErr(t, nilOut, err, firn.ErrAccessDenied, "glacier:"+op.name)
		}
	}
	wantUnchanged(t, tg, "", before)
	// Over TLS (the default in process) everything is allowed.
	secure := firn.WithSecureTransport(tg.as(tg.bob()), true)
	must[firn.DescribeVaultOutput](t, "DescribeVault over TLS")(tg.g.DescribeVault(secure, &firn.DescribeVaultInput{AccountId: tg.account, VaultName: "v"}))
	must[firn.DeleteArchiveOutput](t, "DeleteArchive over TLS")(deleteArchiveE(t.Context(), tg, "v", a))
}

func testAuthzResourceTag(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, "", "w")
	for _, vault := range []string{"v", "w"} {
		mustSetPolicy(t, tg, "", vault, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",`+
			`"Action":["glacier:UploadArchive","glacier:DeleteArchive"],"Resource":"`+tg.vaultARN("", vault)+`",`+
			`"Condition":{"StringEquals":{"glacier:ResourceTag/LegalHold":"on"}}}]}`)
	}
	a := upload(t, tg, "", "v", testkit.Pattern(10), "").ArchiveId
	mustAddTags(t, tg, "", "v", map[string]string{"LegalHold": "on"})
	before := snapshot(t, tg, "")
	out1, err := uploadE(t.Context(), tg, "", "v", testkit.Pattern(10), "")
	wantDenied(t, out1, err, "UploadArchive")
	out2, err := deleteArchiveE(t.Context(), tg, "v", a)
	wantDenied(t, out2, err, "DeleteArchive")
	wantUnchanged(t, tg, "", before)
	upload(t, tg, "", "w", testkit.Pattern(10), "") // untagged vault

	mustAddTags(t, tg, "", "v", map[string]string{"LegalHold": "off"})
	upload(t, tg, "", "v", testkit.Pattern(10), "")
	mustAddTags(t, tg, "", "v", map[string]string{"LegalHold": "on"})
	out3, err := deleteArchiveE(t.Context(), tg, "v", a)
	wantDenied(t, out3, err, "DeleteArchive")
	mustRemoveTags(t, tg, "v", "LegalHold")
	mustDeleteArchive(t, tg, "", "v", a)
}
