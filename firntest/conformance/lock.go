package conformance

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
)

var lockRules = []rule{
	{"Initiate/InProgress", testLockInitiate},
	{"Initiate/InvalidPolicies", testLockInitiateInvalid},
	{"Initiate/WhileInProgress", testLockInitiateWhileInProgress},
	{"Initiate/WhileLocked", testLockInitiateWhileLocked},
	{"Complete/Locks", testLockComplete},
	{"Complete/WrongIDWhileLocked", testLockCompleteWrongIDLocked},
	{"Complete/WrongIDWhileInProgress", testLockCompleteWrongIDInProgress},
	{"Complete/NoLock", testLockCompleteNoLock},
	{"Complete/Expired", testLockCompleteExpired},
	{"Complete/MissingLockId", testLockCompleteMissingID},
	{"Abort/InProgress", testLockAbort},
	{"Abort/Locked", testLockAbortLocked},
	{"Get/None", testLockGetNone},
	{"Expiry", testLockExpiry},
	{"Reopen", testLockReopen},
	{"LockedForever", testLockLockedForever},
	{"MissingVault", testLockMissingVault},
	{"Isolation", testLockIsolation},
	{"DeleteVault", testLockDeleteVault},
}

// lockTTL is how long an InProgress lock lasts.
const lockTTL = 24 * time.Hour

// compliancePolicy is the vault lock policy of the AWS documentation that
// keeps every archive of the vault for a year: nobody may delete an archive
// younger than 365 days.
func (tg *target) compliancePolicy(vault string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"deny-based-on-archive-age","Principal":"*","Effect":"Deny",` +
		`"Action":"glacier:DeleteArchive","Resource":["` + tg.vaultARN("", vault) + `"],` +
		`"Condition":{"NumericLessThan":{"glacier:ArchiveAgeInDays":"365"}}}]}`
}

// denyPolicy is a policy denying actions on vault to everyone.
func (tg *target) denyPolicy(vault string, actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["` +
		strings.Join(actions, `","`) + `"],"Resource":"` + tg.vaultARN("", vault) + `"}]}`
}

func initiateLockE(ctx context.Context, tg *target, account, vault, doc string) (*firn.InitiateVaultLockOutput, error) {
	return tg.g.InitiateVaultLock(ctx, &firn.InitiateVaultLockInput{AccountId: account, VaultName: vault, Policy: &firn.VaultLockPolicy{Policy: doc}})
}

func mustInitiateLock(t *testing.T, tg *target, account, vault, doc string) string {
	t.Helper()
	out := must[firn.InitiateVaultLockOutput](t, "InitiateVaultLock")(initiateLockE(t.Context(), tg, account, vault, doc))
	if out.LockId == "" {
		t.Fatal("InitiateVaultLock: empty LockId")
	}
	return out.LockId
}

func completeLockE(ctx context.Context, tg *target, account, vault, id string) (*firn.CompleteVaultLockOutput, error) {
	return tg.g.CompleteVaultLock(ctx, &firn.CompleteVaultLockInput{AccountId: account, VaultName: vault, LockId: id})
}

func mustCompleteLock(t *testing.T, tg *target, account, vault, id string) {
	t.Helper()
	must[firn.CompleteVaultLockOutput](t, "CompleteVaultLock")(completeLockE(t.Context(), tg, account, vault, id))
}

// mustLock initiates and completes a lock with doc.
func mustLock(t *testing.T, tg *target, account, vault, doc string) string {
	t.Helper()
	id := mustInitiateLock(t, tg, account, vault, doc)
	mustCompleteLock(t, tg, account, vault, id)
	return id
}

func abortLockE(ctx context.Context, tg *target, account, vault string) (*firn.AbortVaultLockOutput, error) {
	return tg.g.AbortVaultLock(ctx, &firn.AbortVaultLockInput{AccountId: account, VaultName: vault})
}

func mustAbortLock(t *testing.T, tg *target, account, vault string) {
	t.Helper()
	must[firn.AbortVaultLockOutput](t, "AbortVaultLock")(abortLockE(t.Context(), tg, account, vault))
}

// wantLock checks GetVaultLock: the policy verbatim, the state, the
// creation date and, while InProgress, the expiry 24 hours later.
func wantLock(t *testing.T, tg *target, account, vault, doc, state string, created time.Time) {
	t.Helper()
	out := must[firn.GetVaultLockOutput](t, "GetVaultLock")(tg.g.GetVaultLock(t.Context(), &firn.GetVaultLockInput{AccountId: account, VaultName: vault}))
	if out.Policy != doc {
		t.Errorf("GetVaultLock Policy:\n%q\nwant\n%q", out.Policy, doc)
	}
	if out.State != state {
		t.Errorf("GetVaultLock State %q, want %q", out.State, state)
	}
	if !out.CreationDate.Equal(created) {
		t.Errorf("GetVaultLock CreationDate %v, want %v", out.CreationDate, created)
	}
	var expires time.Time
	if state == firn.LockStateInProgress {
		expires = created.Add(lockTTL)
	}
	if !out.ExpirationDate.Equal(expires) {
		t.Errorf("GetVaultLock ExpirationDate %v, want %v", out.ExpirationDate, expires)
	}
}

func wantNoLock(t *testing.T, tg *target, account, vault string) {
	t.Helper()
	out, err := tg.g.GetVaultLock(t.Context(), &firn.GetVaultLockInput{AccountId: account, VaultName: vault})
	wantErr(t, out, err, firn.ErrResourceNotFound, tg.vaultARN(account, vault))
}

func testLockInitiate(t *testing.T, tg *target) {
	for i, account := range []string{"", "-", tg.account} {
		vault := "v" + string(rune('0'+i))
		mustCreateVault(t, tg, "", vault)
		doc := tg.compliancePolicy(vault)
		created := tg.clock.Now()
		mustInitiateLock(t, tg, account, vault, doc)
		for _, get := range []string{"", "-", tg.account} {
			wantLock(t, tg, get, vault, doc, firn.LockStateInProgress, created)
		}
		tg.clock.Advance(time.Minute)
	}
}

func testLockInitiateInvalid(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	ctx := t.Context()
	good := tg.compliancePolicy("v")
	out, err := tg.g.InitiateVaultLock(ctx, &firn.InitiateVaultLockInput{VaultName: "v"})
	wantErr(t, out, err, firn.ErrMissingParameterValue, "Policy")
	for _, tc := range []struct {
		name, doc string
		want      *firn.Error
		mentions  []string
	}{
		{"empty", "", firn.ErrMissingParameterValue, []string{"Policy"}},
		{"malformed JSON", good[:len(good)-1], firn.ErrInvalidParameterValue, []string{"Policy"}},
		{"not an object", `["Statement"]`, firn.ErrInvalidParameterValue, []string{"Policy"}},
		{"over 20 KB", tg.policyOfSize("v", 20*1024+1), firn.ErrInvalidParameterValue, []string{"Policy"}},
		{"no statement", `{"Version":"2012-10-17"}`, firn.ErrInvalidParameterValue, []string{"Statement"}},
		{"unsupported operator", strings.Replace(good, "NumericLessThan", "IpAddress", 1), firn.ErrInvalidParameterValue, []string{"IpAddress"}},
		{"unsupported key", strings.Replace(good, "glacier:ArchiveAgeInDays", "aws:SourceIp", 1), firn.ErrInvalidParameterValue, []string{"aws:SourceIp"}},
		{"bad effect", strings.Replace(good, `"Deny"`, `"Forbid"`, 1), firn.ErrInvalidParameterValue, []string{"Forbid"}},
	} {
		out, err := initiateLockE(ctx, tg, "", "v", tc.doc)
		t.Run(tc.name, func(t *testing.T) { wantErr(t, out, err, tc.want, tc.mentions...) })
		wantNoLock(t, tg, "", "v")
	}
	// Exactly 20 KB is allowed.
	doc := tg.policyOfSize("v", 20*1024)
	mustInitiateLock(t, tg, "", "v", doc)
	wantLock(t, tg, "", "v", doc, firn.LockStateInProgress, tg.clock.Now())
}

func testLockInitiateWhileInProgress(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	doc := tg.compliancePolicy("v")
	created := tg.clock.Now()
	id := mustInitiateLock(t, tg, "", "v", doc)
	tg.clock.Advance(time.Hour)
	out, err := initiateLockE(t.Context(), tg, "", "v", tg.denyPolicy("v", "glacier:AddTagsToVault"))
	wantErr(t, out, err, firn.ErrAccessDenied)
	wantLock(t, tg, "", "v", doc, firn.LockStateInProgress, created)
	mustCompleteLock(t, tg, "", "v", id)
}

func testLockInitiateWhileLocked(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	doc := tg.compliancePolicy("v")
	created := tg.clock.Now()
	mustLock(t, tg, "", "v", doc)
	for _, d := range []time.Duration{time.Hour, lockTTL, 400 * lockTTL} {
		tg.clock.Advance(d)
		out, err := initiateLockE(t.Context(), tg, "", "v", doc)
		wantErr(t, out, err, firn.ErrAccessDenied)
		wantLock(t, tg, "", "v", doc, firn.LockStateLocked, created)
	}
}

func testLockComplete(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	doc := tg.compliancePolicy("v")
	created := tg.clock.Now()
	id := mustInitiateLock(t, tg, "", "v", doc)
	tg.clock.Advance(lockTTL - time.Second) // the last second of the window
	mustCompleteLock(t, tg, "", "v", id)
	wantLock(t, tg, "", "v", doc, firn.LockStateLocked, created)
	// Idempotent, with any account alias, at any later time.
	for _, account := range []string{"", "-", tg.account} {
		tg.clock.Advance(lockTTL)
		mustCompleteLock(t, tg, account, "v", id)
		wantLock(t, tg, account, "v", doc, firn.LockStateLocked, created)
	}
}

func testLockCompleteWrongIDLocked(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	doc := tg.compliancePolicy("v")
	created := tg.clock.Now()
	id := mustLock(t, tg, "", "v", doc)
	for _, wrong := range []string{"AE863rKkWZU53SLW5be4DUcW", strings.ToLower(id), id + "x"} {
		out, err := completeLockE(t.Context(), tg, "", "v", wrong)
		wantErr(t, out, err, firn.ErrAccessDenied)
	}
	wantLock(t, tg, "", "v", doc, firn.LockStateLocked, created)
}

func testLockCompleteWrongIDInProgress(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	doc := tg.compliancePolicy("v")
	created := tg.clock.Now()
	id := mustInitiateLock(t, tg, "", "v", doc)
	for _, wrong := range []string{"AE863rKkWZU53SLW5be4DUcW", id + "x"} {
		out, err := completeLockE(t.Context(), tg, "", "v", wrong)
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "lockId")
	}
	wantLock(t, tg, "", "v", doc, firn.LockStateInProgress, created)
	mustCompleteLock(t, tg, "", "v", id)
	wantLock(t, tg, "", "v", doc, firn.LockStateLocked, created)
}

// testLockCompleteNoLock: the service documents no error for completing
// when there is no lock; Firn answers as for the absent lock-policy
// subresource, ResourceNotFoundException.
func testLockCompleteNoLock(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	out, err := completeLockE(t.Context(), tg, "", "v", "AE863rKkWZU53SLW5be4DUcW")
	wantErr(t, out, err, firn.ErrResourceNotFound)
	// After an abort the old ID completes nothing.
	id := mustInitiateLock(t, tg, "", "v", tg.compliancePolicy("v"))
	mustAbortLock(t, tg, "", "v")
	out, err = completeLockE(t.Context(), tg, "", "v", id)
	wantErr(t, out, err, firn.ErrResourceNotFound)
	wantNoLock(t, tg, "", "v")
}

func testLockCompleteExpired(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mustInitiateLock(t, tg, "", "v", tg.compliancePolicy("v"))
	tg.clock.Advance(lockTTL)
	out, err := completeLockE(t.Context(), tg, "", "v", id)
	wantErr(t, out, err, firn.ErrResourceNotFound)
	wantNoLock(t, tg, "", "v")
}

func testLockCompleteMissingID(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustInitiateLock(t, tg, "", "v", tg.compliancePolicy("v"))
	out, err := completeLockE(t.Context(), tg, "", "v", "")
	wantErr(t, out, err, firn.ErrMissingParameterValue, "lockId")
	wantLock(t, tg, "", "v", tg.compliancePolicy("v"), firn.LockStateInProgress, tg.clock.Now())
}

func testLockAbort(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustAbortLock(t, tg, "", "v") // none: idempotent
	first := mustInitiateLock(t, tg, "", "v", tg.compliancePolicy("v"))
	for _, account := range []string{"", "-", tg.account} {
		mustAbortLock(t, tg, account, "v")
		wantNoLock(t, tg, "", "v")
	}
	// A new lock can be initiated, with a new ID and a new policy.
	tg.clock.Advance(time.Minute)
	doc := tg.denyPolicy("v", "glacier:AddTagsToVault")
	second := mustInitiateLock(t, tg, "", "v", doc)
	if second == first {
		t.Errorf("the second lock has the ID of the first: %s", first)
	}
	wantLock(t, tg, "", "v", doc, firn.LockStateInProgress, tg.clock.Now())
	out, err := completeLockE(t.Context(), tg, "", "v", first)
	wantErr(t, out, err, firn.ErrInvalidParameterValue)
}

func testLockAbortLocked(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	doc := tg.compliancePolicy("v")
	created := tg.clock.Now()
	mustLock(t, tg, "", "v", doc)
	out, err := abortLockE(t.Context(), tg, "", "v")
	wantErr(t, out, err, firn.ErrAccessDenied)
	wantLock(t, tg, "", "v", doc, firn.LockStateLocked, created)
}

func testLockGetNone(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	for _, account := range []string{"", "-", tg.account} {
		wantNoLock(t, tg, account, "v")
	}
}

func testLockExpiry(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	doc := tg.denyPolicy("v", "glacier:AddTagsToVault")
	created := tg.clock.Now()
	mustInitiateLock(t, tg, "", "v", doc)
	tg.clock.Advance(lockTTL - time.Second)
	wantLock(t, tg, "", "v", doc, firn.LockStateInProgress, created)
	out, err := tg.g.AddTagsToVault(t.Context(), &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{"k": "v"}})
	wantErr(t, out, err, firn.ErrAccessDenied, "glacier:AddTagsToVault")

	tg.clock.Advance(time.Second)
	wantNoLock(t, tg, "", "v")
	mustAddTags(t, tg, "", "v", map[string]string{"k": "v"})
	mustAbortLock(t, tg, "", "v")
	// Another lock can be initiated.
	mustInitiateLock(t, tg, "", "v", doc)
	wantLock(t, tg, "", "v", doc, firn.LockStateInProgress, tg.clock.Now())
}

func testLockReopen(t *testing.T, tg *target) {
	skipWithoutReopen(t, tg)
	for _, vault := range []string{"progress", "locked", "expiring"} {
		mustCreateVault(t, tg, "", vault)
	}
	created := tg.clock.Now()
	lockedDoc := tg.denyPolicy("locked", "glacier:AddTagsToVault")
	mustLock(t, tg, "", "locked", lockedDoc)
	mustInitiateLock(t, tg, "", "expiring", tg.compliancePolicy("expiring"))
	tg.clock.Advance(time.Hour)
	progress := tg.clock.Now()
	id := mustInitiateLock(t, tg, "", "progress", tg.compliancePolicy("progress"))

	tg.reopen(t)
	wantLock(t, tg, "", "locked", lockedDoc, firn.LockStateLocked, created)
	wantLock(t, tg, "", "expiring", tg.compliancePolicy("expiring"), firn.LockStateInProgress, created)
	wantLock(t, tg, "", "progress", tg.compliancePolicy("progress"), firn.LockStateInProgress, progress)

	// "expiring" expires while the storage is closed.
	tg.clock.Advance(lockTTL - time.Hour)
	tg.reopen(t)
	wantNoLock(t, tg, "", "expiring")
	mustCompleteLock(t, tg, "", "progress", id)
	tg.reopen(t)
	wantLock(t, tg, "", "progress", tg.compliancePolicy("progress"), firn.LockStateLocked, progress)
	out, err := tg.g.AddTagsToVault(t.Context(), &firn.AddTagsToVaultInput{VaultName: "locked", Tags: map[string]string{"k": "v"}})
	wantErr(t, out, err, firn.ErrAccessDenied, "glacier:AddTagsToVault")
}

func testLockLockedForever(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	doc := tg.denyPolicy("v", "glacier:AddTagsToVault", "glacier:SetVaultAccessPolicy")
	created := tg.clock.Now()
	mustLock(t, tg, "", "v", doc)
	tg.clock.Advance(10 * 366 * lockTTL)
	wantLock(t, tg, "", "v", doc, firn.LockStateLocked, created)
	ctx := t.Context()
	out, err := tg.g.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{"k": "v"}})
	wantErr(t, out, err, firn.ErrAccessDenied, "glacier:AddTagsToVault")
	out2, err := tg.g.SetVaultAccessPolicy(ctx, &firn.SetVaultAccessPolicyInput{VaultName: "v", Policy: &firn.VaultAccessPolicy{Policy: tg.policy("v")}})
	wantErr(t, out2, err, firn.ErrAccessDenied, "glacier:SetVaultAccessPolicy")
	out3, err := abortLockE(ctx, tg, "", "v")
	wantErr(t, out3, err, firn.ErrAccessDenied)
	out4, err := initiateLockE(ctx, tg, "", "v", tg.compliancePolicy("v"))
	wantErr(t, out4, err, firn.ErrAccessDenied)
	wantLock(t, tg, "", "v", doc, firn.LockStateLocked, created)
}

func testLockMissingVault(t *testing.T, tg *target) {
	ctx := t.Context()
	for _, account := range []string{"", tenantA} {
		msg := tg.vaultNotFound(account, "nope")
		out1, err := initiateLockE(ctx, tg, account, "nope", tg.compliancePolicy("nope"))
		wantErr(t, out1, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
		out2, err := completeLockE(ctx, tg, account, "nope", "AE863rKkWZU53SLW5be4DUcW")
		wantErr(t, out2, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
		out3, err := abortLockE(ctx, tg, account, "nope")
		wantErr(t, out3, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
		out4, err := tg.g.GetVaultLock(ctx, &firn.GetVaultLockInput{AccountId: account, VaultName: "nope"})
		wantErr(t, out4, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
	}
	out, err := tg.g.GetVaultLock(ctx, &firn.GetVaultLockInput{VaultName: "bad/name"})
	wantErr(t, out, err, firn.ErrInvalidParameterValue, "VaultName")
	out2, err := initiateLockE(ctx, tg, "", "", tg.compliancePolicy("v"))
	wantErr(t, out2, err, firn.ErrMissingParameterValue, "VaultName")
}

func testLockIsolation(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, "", "w")
	mustCreateVault(t, tg, tenantA, "v")
	doc := tg.denyPolicy("v", "glacier:AddTagsToVault")
	mustLock(t, tg, "", "v", doc)
	wantNoLock(t, tg, "", "w")
	wantNoLock(t, tg, tenantA, "v")
	mustAddTags(t, tg, "", "w", map[string]string{"k": "v"})
	mustAddTags(t, tg, tenantA, "v", map[string]string{"k": "v"})
	mustInitiateLock(t, tg, tenantA, "v", tg.compliancePolicy("v"))
	wantLock(t, tg, "", "v", doc, firn.LockStateLocked, tg.clock.Now())
}

func testLockDeleteVault(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "progress")
	mustCreateVault(t, tg, "", "locked")
	mustInitiateLock(t, tg, "", "progress", tg.denyPolicy("progress", "glacier:AddTagsToVault"))
	mustLock(t, tg, "", "locked", tg.denyPolicy("locked", "glacier:AddTagsToVault"))
	for _, vault := range []string{"progress", "locked"} {
		must[firn.DeleteVaultOutput](t, "DeleteVault")(tg.g.DeleteVault(t.Context(), &firn.DeleteVaultInput{VaultName: vault}))
		mustCreateVault(t, tg, "", vault)
		wantNoLock(t, tg, "", vault)
		mustAddTags(t, tg, "", vault, map[string]string{"k": "v"})
	}
	// The expiry of the deleted vault's lock does not touch the new vault's.
	tg.clock.Advance(time.Hour)
	created := tg.clock.Now()
	doc := tg.compliancePolicy("progress")
	id := mustInitiateLock(t, tg, "", "progress", doc)
	tg.clock.Advance(lockTTL - time.Hour)
	wantLock(t, tg, "", "progress", doc, firn.LockStateInProgress, created)
	mustCompleteLock(t, tg, "", "progress", id)
	wantLock(t, tg, "", "progress", doc, firn.LockStateLocked, created)
}
