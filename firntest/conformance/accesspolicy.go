package conformance

import (
	"strings"
	"testing"

	"github.com/firnstore/firn"
)

var accessPolicyRules = []rule{
	{"SetGetVerbatim", testPolicySetGetVerbatim},
	{"Replace", testPolicyReplace},
	{"GetNone", testPolicyGetNone},
	{"DeleteIdempotent", testPolicyDelete},
	{"MalformedJSON", testPolicyMalformed},
	{"Size", testPolicySize},
	{"Isolation", testPolicyIsolation},
}

// policy returns a compact IAM-looking access policy for a vault of the
// target's account.
func (tg *target) policy(vault string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"s","Effect":"Allow","Principal":"*","Action":"glacier:ListJobs","Resource":"` +
		tg.vaultARN("", vault) + `"}]}`
}

// policyOfSize returns a valid policy of exactly n bytes, padded in its Sid.
func (tg *target) policyOfSize(vault string, n int) string {
	p := tg.policy(vault)
	return strings.Replace(p, `"Sid":"s"`, `"Sid":"`+strings.Repeat("s", n-len(p)+1)+`"`, 1)
}

func mustSetPolicy(t *testing.T, tg *target, account, vault, policy string) {
	t.Helper()
	must[firn.SetVaultAccessPolicyOutput](t, "SetVaultAccessPolicy")(tg.g.SetVaultAccessPolicy(t.Context(),
		&firn.SetVaultAccessPolicyInput{AccountId: account, VaultName: vault, Policy: &firn.VaultAccessPolicy{Policy: policy}}))
}

func wantPolicy(t *testing.T, tg *target, account, vault, want string) {
	t.Helper()
	out := must[firn.GetVaultAccessPolicyOutput](t, "GetVaultAccessPolicy")(tg.g.GetVaultAccessPolicy(t.Context(),
		&firn.GetVaultAccessPolicyInput{AccountId: account, VaultName: vault}))
	if out.Policy.Policy != want {
		t.Errorf("policy of %s:\n%q\nwant\n%q", vault, out.Policy.Policy, want)
	}
}

func wantNoPolicy(t *testing.T, tg *target, account, vault string) {
	t.Helper()
	out, err := tg.g.GetVaultAccessPolicy(t.Context(), &firn.GetVaultAccessPolicyInput{AccountId: account, VaultName: vault})
	wantErr(t, out, err, firn.ErrResourceNotFound)
}

func mustDeletePolicy(t *testing.T, tg *target, account, vault string) {
	t.Helper()
	must[firn.DeleteVaultAccessPolicyOutput](t, "DeleteVaultAccessPolicy")(tg.g.DeleteVaultAccessPolicy(t.Context(),
		&firn.DeleteVaultAccessPolicyInput{AccountId: account, VaultName: vault}))
}

func testPolicySetGetVerbatim(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	pretty := "{\n  \"Version\": \"2012-10-17\",\n\t\"Statement\": [ {\r\n    \"Sid\" : \"pretty\",   \"Effect\":\"Allow\",\n" +
		"    \"Principal\": {\"AWS\": \"arn:aws:iam::" + tg.account + ":root\"},\n" +
		"    \"Action\": [\"glacier:ListJobs\", \"glacier:DescribeJob\"],\n" +
		"    \"Resource\": \"" + tg.vaultARN("", "v") + "\"\n  } ]\n}\n  "
	for _, p := range []string{tg.policy("v"), pretty} {
		mustSetPolicy(t, tg, "", "v", p)
		for _, account := range []string{"", "-", tg.account} {
			wantPolicy(t, tg, account, "v", p)
		}
	}
}

func testPolicyReplace(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustSetPolicy(t, tg, "", "v", tg.policy("v"))
	second := strings.Replace(tg.policy("v"), "glacier:ListJobs", "glacier:DescribeVault", 1)
	mustSetPolicy(t, tg, "", "v", second)
	wantPolicy(t, tg, "", "v", second)
}

func testPolicyGetNone(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	wantNoPolicy(t, tg, "", "v")
}

func testPolicyDelete(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustDeletePolicy(t, tg, "", "v") // never set
	wantNoPolicy(t, tg, "", "v")
	mustSetPolicy(t, tg, "", "v", tg.policy("v"))
	mustDeletePolicy(t, tg, "", "v")
	wantNoPolicy(t, tg, "", "v")
	mustDeletePolicy(t, tg, "-", "v")
	wantNoPolicy(t, tg, "", "v")
	mustSetPolicy(t, tg, "", "v", tg.policy("v"))
	wantPolicy(t, tg, "", "v", tg.policy("v"))
}

func testPolicyMalformed(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, "", "unset")
	mustSetPolicy(t, tg, "", "v", tg.policy("v"))
	before := snapshot(t, tg, "")
	good := tg.policy("v")
	// Zero values are absent parameters.
	for _, vault := range []string{"v", "unset"} {
		for _, p := range []*firn.VaultAccessPolicy{nil, {}} {
			out, err := tg.g.SetVaultAccessPolicy(t.Context(), &firn.SetVaultAccessPolicyInput{VaultName: vault, Policy: p})
			wantErr(t, out, err, firn.ErrMissingParameterValue, "policy")
		}
	}
	for _, c := range []struct{ what, policy string }{
		{"blank", "   "},
		{"not JSON", "Allow everything"},
		{"truncated", good[:len(good)-1]},
		{"unclosed string", `{"Version":"2012-10-17`},
		{"trailing comma", `{"Version":"2012-10-17",}`},
		{"single quotes", `{'Version':'2012-10-17'}`},
		{"two documents", good + good},
		{"trailing garbage", good + "x"},
	} {
		t.Run(c.what, func(t *testing.T) {
			for _, vault := range []string{"v", "unset"} {
				out, err := tg.g.SetVaultAccessPolicy(t.Context(), &firn.SetVaultAccessPolicyInput{VaultName: vault,
					Policy: &firn.VaultAccessPolicy{Policy: c.policy}})
				wantErr(t, out, err, firn.ErrInvalidParameterValue, "policy")
			}
		})
	}
	wantUnchanged(t, tg, "", before)
}

func testPolicySize(t *testing.T, tg *target) {
	const limit = 20 << 10
	mustCreateVault(t, tg, "", "v")
	for _, n := range []int{limit - 1, limit} {
		p := tg.policyOfSize("v", n)
		if len(p) != n {
			t.Fatalf("policyOfSize(%d) made %d bytes", n, len(p))
		}
		mustSetPolicy(t, tg, "", "v", p)
		wantPolicy(t, tg, "", "v", p)
	}
	before := snapshot(t, tg, "")
	for _, n := range []int{limit + 1, limit + 1000, 1 << 20} {
		out, err := tg.g.SetVaultAccessPolicy(t.Context(), &firn.SetVaultAccessPolicyInput{VaultName: "v",
			Policy: &firn.VaultAccessPolicy{Policy: tg.policyOfSize("v", n)}})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "policy")
	}
	wantUnchanged(t, tg, "", before)
}

func testPolicyIsolation(t *testing.T, tg *target) {
	for _, account := range []string{"", tenantA} {
		mustCreateVault(t, tg, account, "v")
		mustCreateVault(t, tg, account, "w")
	}
	own := tg.policy("v")
	tenant := strings.Replace(own, "glacier:ListJobs", "glacier:DescribeVault", 1)
	mustSetPolicy(t, tg, "", "v", own)
	mustSetPolicy(t, tg, tenantA, "v", tenant)
	wantPolicy(t, tg, "", "v", own)
	wantPolicy(t, tg, tenantA, "v", tenant)
	wantNoPolicy(t, tg, "", "w")
	wantNoPolicy(t, tg, tenantA, "w")
	mustDeletePolicy(t, tg, "", "v")
	wantNoPolicy(t, tg, "", "v")
	wantPolicy(t, tg, tenantA, "v", tenant)
}
