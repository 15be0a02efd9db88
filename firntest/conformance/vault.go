package conformance

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

var vaultRules = []rule{
	{"Accounts/OwnAccountAliases", testOwnAccountAliases},
	{"Accounts/Isolation", testAccountIsolation},
	{"Accounts/Invalid", testInvalidAccounts},
	{"CreateVault/ValidNames", testCreateVaultValidNames},
	{"CreateVault/InvalidNames", testCreateVaultInvalidNames},
	{"CreateVault/Idempotent", testCreateVaultIdempotent},
	{"CreateVault/Concurrent", testCreateVaultConcurrent},
	{"CreateVault/Limit1000", testCreateVaultDefaultLimit},
	{"CreateVault/LimitLowered", testCreateVaultLoweredLimit},
	{"DescribeVault/Fields", testDescribeVaultFields},
	{"DescribeVault/NotFound", testDescribeVaultNotFound},
	{"ListVaults/Empty", testListVaultsEmpty},
	{"ListVaults/ASCIIOrder", testListVaultsOrder},
	{"ListVaults/Fields", testListVaultsFields},
	{"ListVaults/Limit", testListVaultsLimit},
	{"ListVaults/InvalidLimit", testListVaultsInvalidLimit},
	{"ListVaults/Pages", testListVaultsPages},
	{"ListVaults/InvalidMarker", testListVaultsInvalidMarker},
	{"ListVaults/AllVaults", testAllVaults},
	{"DeleteVault/Empty", testDeleteVaultEmpty},
	{"DeleteVault/NotFound", testDeleteVaultNotFound},
	{"DeleteVault/NotEmpty", testDeleteVaultNotEmpty},
	{"MissingVault", testMissingVault},
}

// Other tenants used by the suite; neither is a target's own account.
const (
	tenantA = "111122223333"
	tenantB = "444455556666"
)

// vaultOp is one vault-scoped operation, called with otherwise valid input.
type vaultOp struct {
	name string
	call func(ctx context.Context, tg *target, account, vault string) (nilOut bool, err error)
}

// vaultOps returns the vault-scoped operations; DeleteArchive is given
// archiveID.
func vaultOps(archiveID string) []vaultOp {
	return []vaultOp{
		{"DescribeVault", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.DescribeVault(ctx, &firn.DescribeVaultInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
		{"DeleteVault", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
		{"AddTagsToVault", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{AccountId: account, VaultName: vault, Tags: map[string]string{"k": "v"}})
			return out == nil, err
		}},
		{"ListTagsForVault", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.ListTagsForVault(ctx, &firn.ListTagsForVaultInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
		{"RemoveTagsFromVault", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.RemoveTagsFromVault(ctx, &firn.RemoveTagsFromVaultInput{AccountId: account, VaultName: vault, TagKeys: []string{"k"}})
			return out == nil, err
		}},
		{"SetVaultNotifications", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.SetVaultNotifications(ctx, &firn.SetVaultNotificationsInput{AccountId: account, VaultName: vault,
				VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: tg.topic("t"), Events: []string{firn.EventArchiveRetrievalCompleted}}})
			return out == nil, err
		}},
		{"GetVaultNotifications", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.GetVaultNotifications(ctx, &firn.GetVaultNotificationsInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
		{"DeleteVaultNotifications", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.DeleteVaultNotifications(ctx, &firn.DeleteVaultNotificationsInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
		{"SetVaultAccessPolicy", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.SetVaultAccessPolicy(ctx, &firn.SetVaultAccessPolicyInput{AccountId: account, VaultName: vault,
				Policy: &firn.VaultAccessPolicy{Policy: tg.policy(vault)}})
			return out == nil, err
		}},
		{"GetVaultAccessPolicy", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.GetVaultAccessPolicy(ctx, &firn.GetVaultAccessPolicyInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
		{"DeleteVaultAccessPolicy", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.DeleteVaultAccessPolicy(ctx, &firn.DeleteVaultAccessPolicyInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
		{"UploadArchive", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := uploadE(ctx, tg, account, vault, testkit.Pattern(1000), "d")
			return out == nil, err
		}},
		{"DeleteArchive", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.DeleteArchive(ctx, &firn.DeleteArchiveInput{AccountId: account, VaultName: vault, ArchiveId: archiveID})
			return out == nil, err
		}},
	}
}

func testOwnAccountAliases(t *testing.T, tg *target) {
	ctx := t.Context()
	want := "/" + tg.account + "/vaults/v"
	for _, account := range []string{"-", "", tg.account} {
		out := mustCreateVault(t, tg, account, "v")
		if out.Location != want {
			t.Errorf("CreateVault AccountId %q: Location %q, want %q", account, out.Location, want)
		}
		d := mustDescribeVault(t, tg, account, "v")
		if d.VaultARN != "arn:aws:glacier:"+tg.region+":"+tg.account+":vaults/v" {
			t.Errorf("DescribeVault AccountId %q: VaultARN %q", account, d.VaultARN)
		}
		l := must[firn.ListVaultsOutput](t, "ListVaults")(tg.g.ListVaults(ctx, &firn.ListVaultsInput{AccountId: account}))
		if len(l.VaultList) != 1 || l.VaultList[0].VaultARN != d.VaultARN {
			t.Errorf("ListVaults AccountId %q: %+v, want the one vault", account, l.VaultList)
		}
	}
}

func testAccountIsolation(t *testing.T, tg *target) {
	ctx := t.Context()
	accounts := []string{"-", tenantA, tenantB}
	for i, account := range accounts {
		out := mustCreateVault(t, tg, account, "shared")
		if want := "/" + tg.resolve(account) + "/vaults/shared"; out.Location != want {
			t.Errorf("CreateVault in %s: Location %q, want %q", account, out.Location, want)
		}
		mustCreateVault(t, tg, account, fmt.Sprintf("only-%d", i))
		mustAddTags(t, tg, account, "shared", map[string]string{"owner": tg.resolve(account)})
		tg.clock.Advance(time.Minute)
	}
	upload(t, tg, tenantA, "shared", testkit.Pattern(3000), "in A")

	for i, account := range accounts {
		d := mustDescribeVault(t, tg, account, "shared")
		if want := tg.vaultARN(account, "shared"); d.VaultARN != want {
			t.Errorf("DescribeVault in %s: VaultARN %q, want %q", account, d.VaultARN, want)
		}
		if want := Start.Add(time.Duration(i) * time.Minute); !d.CreationDate.Equal(want) {
			t.Errorf("DescribeVault in %s: CreationDate %v, want %v", account, d.CreationDate, want)
		}
		var wantN, wantSize int64
		if account == tenantA {
			wantN, wantSize = 1, 3000
		}
		wantCounts(t, tg, account, "shared", wantN, wantSize)
		if tags := mustListTags(t, tg, account, "shared"); len(tags) != 1 || tags["owner"] != tg.resolve(account) {
			t.Errorf("tags of shared in %s: %v", account, tags)
		}
		l := must[firn.ListVaultsOutput](t, "ListVaults")(tg.g.ListVaults(ctx, &firn.ListVaultsInput{AccountId: account}))
		var names []string
		for _, v := range l.VaultList {
			names = append(names, v.VaultName)
			if !strings.HasPrefix(v.VaultARN, "arn:aws:glacier:"+tg.region+":"+tg.resolve(account)+":") {
				t.Errorf("ListVaults in %s: VaultARN %q", account, v.VaultARN)
			}
		}
		if want := []string{fmt.Sprintf("only-%d", i), "shared"}; !slices.Equal(names, want) {
			t.Errorf("ListVaults in %s: %v, want %v", account, names, want)
		}
		for j := range accounts {
			if j == i {
				continue
			}
			_, err := tg.g.DescribeVault(ctx, &firn.DescribeVaultInput{AccountId: account, VaultName: fmt.Sprintf("only-%d", j)})
			checkErr(t, true, err, firn.ErrResourceNotFound)
			wantMessage(t, err, tg.vaultNotFound(account, fmt.Sprintf("only-%d", j)))
		}
	}

	// Deleting in one account leaves the same name in the others alone.
	if _, err := tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{AccountId: tenantB, VaultName: "shared"}); err != nil {
		t.Fatalf("DeleteVault in %s: %v", tenantB, err)
	}
	mustDescribeVault(t, tg, "-", "shared")
	mustDescribeVault(t, tg, tenantA, "shared")
}

func testInvalidAccounts(t *testing.T, tg *target) {
	ctx := t.Context()
	mustCreateVault(t, tg, "", "v")
	mustAddTags(t, tg, "", "v", map[string]string{"k": "v"})
	a := upload(t, tg, "", "v", testkit.Pattern(100), "")
	before := snapshot(t, tg, "")

	bad := []string{"abc", "12345", "12345678901", "1234567890123", "12345678901a", "-1", "--", "0-0000000000",
		" 000000000000", "000000000000 ", "+12345678901", "１２３４５６７８９０１２", "*"}
	ops := append(vaultOps(a.ArchiveId),
		vaultOp{"CreateVault", func(ctx context.Context, tg *target, account, vault string) (bool, error) {
			out, err := tg.g.CreateVault(ctx, &firn.CreateVaultInput{AccountId: account, VaultName: vault})
			return out == nil, err
		}},
		vaultOp{"ListVaults", func(ctx context.Context, tg *target, account, _ string) (bool, error) {
			out, err := tg.g.ListVaults(ctx, &firn.ListVaultsInput{AccountId: account})
			return out == nil, err
		}},
	)
	for _, op := range ops {
		for _, account := range bad {
			t.Run(fmt.Sprintf("%s/%q", op.name, account), func(t *testing.T) {
				nilOut, err := op.call(ctx, tg, account, "v")
				checkErr(t, nilOut, err, firn.ErrInvalidParameterValue, "account")
			})
		}
	}
	wantUnchanged(t, tg, "", before)
}

func testCreateVaultValidNames(t *testing.T, tg *target) {
	names := []string{"a", "Z", "0", "_", "-", "...", ".hidden", "trailing.", "a-b_c.d", "ABCxyz0189",
		"-_.-_.", strings.Repeat("x", 255), strings.Repeat("Az09_-.", 36) + "abc"}
	for _, name := range names {
		tg.clock.Advance(time.Second)
		out := mustCreateVault(t, tg, "", name)
		if want := tg.vaultLocation("", name); out.Location != want {
			t.Errorf("CreateVault %q: Location %q, want %q", name, out.Location, want)
		}
		d := mustDescribeVault(t, tg, "", name)
		if d.VaultName != name || d.VaultARN != tg.vaultARN("", name) || !d.CreationDate.Equal(tg.clock.Now()) {
			t.Errorf("DescribeVault %q: %+v", name, d)
		}
	}
	if n := len(snapshot(t, tg, "")); n != len(names) {
		t.Errorf("%d vaults listed, want %d", n, len(names))
	}
}

func testCreateVaultInvalidNames(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "existing")
	before := snapshot(t, tg, "")
	// A zero value is an absent parameter.
	out, err := tg.g.CreateVault(t.Context(), &firn.CreateVaultInput{})
	wantErr(t, out, err, firn.ErrMissingParameterValue, "vaultname")
	for _, c := range []struct{ what, name string }{
		{"256 chars", strings.Repeat("a", 256)},
		{"1000 chars", strings.Repeat("a", 1000)},
		{"space", "a b"},
		{"slash", "a/b"},
		{"backslash", `a\b`},
		{"colon", "a:b"},
		{"star", "a*b"},
		{"plus", "a+b"},
		{"at", "a@b"},
		{"hash", "a#b"},
		{"percent", "a%b"},
		{"question mark", "a?b"},
		{"tilde", "a~b"},
		{"comma", "a,b"},
		{"quote", `a"b`},
		{"tab", "a\tb"},
		{"NUL", "a\x00b"},
		{"newline", "a\nb"},
		{"DEL", "a\x7fb"},
		{"latin-1", "café"},
		{"CJK", "日本語"},
		{"emoji", "vault😀"},
		{"no-break space", "a\u00a0b"},
		{"invalid UTF-8", "a\xffb"},
		{"255 chars + bad", strings.Repeat("a", 254) + "!"},
	} {
		t.Run(c.what, func(t *testing.T) {
			out, err := tg.g.CreateVault(t.Context(), &firn.CreateVaultInput{VaultName: c.name})
			wantErr(t, out, err, firn.ErrInvalidParameterValue, "vaultname")
		})
	}
	wantUnchanged(t, tg, "", before)
}

func testCreateVaultIdempotent(t *testing.T, tg *target) {
	first := mustCreateVault(t, tg, "", "v")
	created := tg.clock.Now()
	mustAddTags(t, tg, "", "v", map[string]string{"k": "v"})
	a := upload(t, tg, "", "v", testkit.Pattern(1234), "kept")
	before := snapshot(t, tg, "")

	tg.clock.Advance(time.Hour)
	for _, account := range []string{"", "-", tg.account} {
		again := mustCreateVault(t, tg, account, "v")
		if again.Location != first.Location {
			t.Errorf("second CreateVault: Location %q, want %q", again.Location, first.Location)
		}
	}
	if d := mustDescribeVault(t, tg, "", "v"); !d.CreationDate.Equal(created) {
		t.Errorf("CreationDate after re-create %v, want %v", d.CreationDate, created)
	}
	wantUnchanged(t, tg, "", before)
	wantArchive(t, tg, "", "v", a.ArchiveId, testkit.Pattern(1234), "kept")
}

func testCreateVaultConcurrent(t *testing.T, tg *target) {
	const n = 16
	var wg sync.WaitGroup
	locations := make([]string, n)
	for i := range n {
		wg.Go(func() {
			out, err := tg.g.CreateVault(t.Context(), &firn.CreateVaultInput{VaultName: "race"})
			if err != nil {
				t.Errorf("CreateVault %d: %v", i, err)
				return
			}
			locations[i] = out.Location
		})
	}
	wg.Wait()
	for i, l := range locations {
		if l != tg.vaultLocation("", "race") {
			t.Errorf("CreateVault %d: Location %q", i, l)
		}
	}
	if st := snapshot(t, tg, ""); len(st) != 1 {
		t.Errorf("%d vaults after concurrent creates of one name, want 1", len(st))
	}
}

func testCreateVaultDefaultLimit(t *testing.T, tg *target) {
	if testing.Short() {
		t.Skip("creates 1,000 vaults")
	}
	for i := range 1000 {
		mustCreateVault(t, tg, "", fmt.Sprintf("v%04d", i))
	}
	before := snapshot(t, tg, "")
	out, err := tg.g.CreateVault(t.Context(), &firn.CreateVaultInput{VaultName: "one-too-many"})
	wantErr(t, out, err, firn.ErrLimitExceeded)
	wantUnchanged(t, tg, "", before)
	if len(before) != 1000 {
		t.Errorf("%d vaults listed, want 1000", len(before))
	}
	mustCreateVault(t, tg, "", "v0000") // idempotent even at the limit
	mustCreateVault(t, tg, tenantA, "v")
}

func testCreateVaultLoweredLimit(t *testing.T, tg *target) {
	if tg.withLimits == nil {
		t.Skip("target's limits are fixed")
	}
	tg = tg.withLimits(t, Limits{MaxVaults: 3})
	ctx := t.Context()
	for _, account := range []string{"", tenantA} {
		for _, v := range []string{"a", "b", "c"} {
			mustCreateVault(t, tg, account, v)
		}
		before := snapshot(t, tg, account)
		out, err := tg.g.CreateVault(ctx, &firn.CreateVaultInput{AccountId: account, VaultName: "d"})
		wantErr(t, out, err, firn.ErrLimitExceeded)
		wantUnchanged(t, tg, account, before)
		mustCreateVault(t, tg, account, "a") // idempotent even at the limit
		wantUnchanged(t, tg, account, before)
	}
	if _, err := tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "b"}); err != nil {
		t.Fatalf("DeleteVault: %v", err)
	}
	mustCreateVault(t, tg, "", "d")
	if tg.reopen == nil {
		return
	}
	tg.reopen(t)
	before := snapshot(t, tg, "")
	out, err := tg.g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "e"})
	wantErr(t, out, err, firn.ErrLimitExceeded)
	wantUnchanged(t, tg, "", before)
}

func testDescribeVaultFields(t *testing.T, tg *target) {
	tg.clock.Advance(90 * time.Minute)
	created := tg.clock.Now()
	mustCreateVault(t, tg, "", "my-vault")
	tg.clock.Advance(time.Hour)
	for _, account := range []string{"", "-", tg.account} {
		d := mustDescribeVault(t, tg, account, "my-vault")
		want := firn.DescribeVaultOutput{
			VaultARN:     "arn:aws:glacier:" + tg.region + ":" + tg.account + ":vaults/my-vault",
			VaultName:    "my-vault",
			CreationDate: created,
		}
		if !d.CreationDate.Equal(want.CreationDate) || d.VaultARN != want.VaultARN || d.VaultName != want.VaultName ||
			!d.LastInventoryDate.IsZero() || d.NumberOfArchives != 0 || d.SizeInBytes != 0 {
			t.Errorf("DescribeVault with AccountId %q: %+v, want %+v", account, *d, want)
		}
	}
}

func testDescribeVaultNotFound(t *testing.T, tg *target) {
	mustCreateVault(t, tg, tenantA, "elsewhere")
	for _, c := range []struct{ account, vault string }{{"", "nope"}, {"-", "elsewhere"}, {tenantA, "nope"}, {tenantB, "elsewhere"}} {
		out, err := tg.g.DescribeVault(t.Context(), &firn.DescribeVaultInput{AccountId: c.account, VaultName: c.vault})
		wantErr(t, out, err, firn.ErrResourceNotFound)
		wantMessage(t, err, tg.vaultNotFound(c.account, c.vault))
	}
}

func testListVaultsEmpty(t *testing.T, tg *target) {
	mustCreateVault(t, tg, tenantA, "not-mine")
	out := must[firn.ListVaultsOutput](t, "ListVaults")(tg.g.ListVaults(t.Context(), &firn.ListVaultsInput{}))
	if len(out.VaultList) != 0 || out.Marker != "" {
		t.Errorf("ListVaults of an empty account: %+v", out)
	}
}

func testListVaultsOrder(t *testing.T, tg *target) {
	// ASCII: '-' < '.' < '0' < 'B' < 'Z' < '_' < 'a'.
	want := []string{"-", ".", "0", "9", "B", "Z", "_", "a", "a-b", "a.b", "a0", "aB", "a_b", "aa", "b"}
	for _, i := range []int{7, 0, 14, 3, 10, 1, 12, 5, 8, 2, 13, 4, 11, 6, 9} {
		mustCreateVault(t, tg, "", want[i])
	}
	var got []string
	for v, err := range firn.AllVaults(t.Context(), tg.g, firn.ListVaultsInput{Limit: 4}) {
		if err != nil {
			t.Fatalf("ListVaults: %v", err)
		}
		got = append(got, v.VaultName)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ListVaults order %q, want %q", got, want)
	}
}

func testListVaultsFields(t *testing.T, tg *target) {
	for i, name := range []string{"c", "a", "b"} {
		mustCreateVault(t, tg, "", name)
		for j := range i + 1 {
			upload(t, tg, "", name, testkit.Pattern(100*(j+1)), "")
		}
		tg.clock.Advance(time.Minute)
	}
	out := must[firn.ListVaultsOutput](t, "ListVaults")(tg.g.ListVaults(t.Context(), &firn.ListVaultsInput{}))
	if len(out.VaultList) != 3 {
		t.Fatalf("ListVaults: %d vaults, want 3", len(out.VaultList))
	}
	for _, v := range out.VaultList {
		d := mustDescribeVault(t, tg, "", v.VaultName)
		if v.VaultARN != d.VaultARN || v.VaultName != d.VaultName || !v.CreationDate.Equal(d.CreationDate) ||
			!v.LastInventoryDate.Equal(d.LastInventoryDate) || v.NumberOfArchives != d.NumberOfArchives || v.SizeInBytes != d.SizeInBytes {
			t.Errorf("ListVaults entry %+v differs from DescribeVault %+v", v, *d)
		}
	}
	if v := out.VaultList[1]; v.VaultName != "b" || v.NumberOfArchives != 3 || v.SizeInBytes != 600 || !v.CreationDate.Equal(Start.Add(2*time.Minute)) {
		t.Errorf("ListVaults entry for b: %+v", v)
	}
}

// makeVaults creates n vaults named v000, v001, ... in an account and
// returns their names.
func makeVaults(t *testing.T, tg *target, account string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("v%03d", i)
		mustCreateVault(t, tg, account, names[i])
	}
	return names
}

func testListVaultsLimit(t *testing.T, tg *target) {
	names := makeVaults(t, tg, "", 25)
	for _, c := range []struct {
		limit      int32
		n          int
		moreMarker bool
	}{{0, 10, true}, {1, 1, true}, {10, 10, true}, {24, 24, true}, {25, 25, false}, {26, 25, false}, {1000, 25, false}} {
		out := must[firn.ListVaultsOutput](t, "ListVaults")(tg.g.ListVaults(t.Context(), &firn.ListVaultsInput{Limit: c.limit}))
		var got []string
		for _, v := range out.VaultList {
			got = append(got, v.VaultName)
		}
		if !slices.Equal(got, names[:c.n]) {
			t.Errorf("ListVaults Limit %d: %v, want %v", c.limit, got, names[:c.n])
		}
		if (out.Marker != "") != c.moreMarker {
			t.Errorf("ListVaults Limit %d: Marker %q, want a marker: %v", c.limit, out.Marker, c.moreMarker)
		}
	}
}

func testListVaultsInvalidLimit(t *testing.T, tg *target) {
	makeVaults(t, tg, "", 3)
	before := snapshot(t, tg, "")
	for _, limit := range []int32{-1, -10, math.MinInt32, 1001, 5000, math.MaxInt32} {
		out, err := tg.g.ListVaults(t.Context(), &firn.ListVaultsInput{Limit: limit})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "limit")
	}
	wantUnchanged(t, tg, "", before)
}

func testListVaultsPages(t *testing.T, tg *target) {
	names := makeVaults(t, tg, "", 25)
	mustCreateVault(t, tg, tenantA, "v0055") // between two of ours, in another account
	for _, limit := range []int32{0, 1, 2, 3, 7, 12, 24, 25, 26} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			pageSize := int(limit)
			if limit == 0 {
				pageSize = 10
			}
			var got []string
			marker := ""
			for page := 0; ; page++ {
				if page > len(names) {
					t.Fatalf("more than %d pages", len(names))
				}
				out := must[firn.ListVaultsOutput](t, "ListVaults")(tg.g.ListVaults(t.Context(),
					&firn.ListVaultsInput{Limit: limit, Marker: marker}))
				if len(out.VaultList) > pageSize {
					t.Errorf("page %d: %d vaults, more than the limit %d", page, len(out.VaultList), pageSize)
				}
				for _, v := range out.VaultList {
					got = append(got, v.VaultName)
				}
				if out.Marker == "" {
					break
				}
				if len(got) >= len(names) {
					t.Errorf("page %d: Marker %q after the last vault", page, out.Marker)
					break
				}
				// The marker is the ARN of the last vault of this page or of the
				// first of the next.
				if out.Marker != tg.vaultARN("", got[len(got)-1]) && out.Marker != tg.vaultARN("", names[len(got)]) {
					t.Errorf("page %d: Marker %q is not the ARN of %s or %s", page, out.Marker, got[len(got)-1], names[len(got)])
				}
				marker = out.Marker
			}
			if !slices.Equal(got, names) {
				t.Errorf("pages with Limit %d listed %v, want %v", limit, got, names)
			}
		})
	}
}

func testListVaultsInvalidMarker(t *testing.T, tg *target) {
	makeVaults(t, tg, "", 3)
	before := snapshot(t, tg, "")
	for _, marker := range []string{"bogus", "v001", "arn:aws:s3:::bucket", "arn:aws:glacier:" + tg.region + ":" + tg.account + ":vaults/",
		"arn:aws:glacier:" + tg.region + ":" + tg.account + ":vaults/bad name", "arn:aws:glacier:" + tg.region + ":" + tg.account + ":jobs/v001"} {
		out, err := tg.g.ListVaults(t.Context(), &firn.ListVaultsInput{Marker: marker})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "marker")
	}
	wantUnchanged(t, tg, "", before)
}

// countingGlacier counts ListVaults calls.
type countingGlacier struct {
	firn.Glacier
	listVaults int
}

func (c *countingGlacier) ListVaults(ctx context.Context, in *firn.ListVaultsInput) (*firn.ListVaultsOutput, error) {
	c.listVaults++
	return c.Glacier.ListVaults(ctx, in)
}

func testAllVaults(t *testing.T, tg *target) {
	ctx := t.Context()
	names := makeVaults(t, tg, "", 25)

	g := &countingGlacier{Glacier: tg.g}
	in := firn.ListVaultsInput{Limit: 4}
	var got []string
	for v, err := range firn.AllVaults(ctx, g, in) {
		if err != nil {
			t.Fatalf("AllVaults: %v", err)
		}
		got = append(got, v.VaultName)
	}
	if !slices.Equal(got, names) {
		t.Errorf("AllVaults: %v, want %v", got, names)
	}
	if g.listVaults != 7 {
		t.Errorf("AllVaults made %d ListVaults calls for 25 vaults in pages of 4, want 7", g.listVaults)
	}
	if in.Marker != "" {
		t.Errorf("AllVaults modified its input")
	}

	g.listVaults = 0
	got = got[:0]
	for v, err := range firn.AllVaults(ctx, g, in) {
		if err != nil {
			t.Fatalf("AllVaults: %v", err)
		}
		got = append(got, v.VaultName)
		if len(got) == 6 {
			break
		}
	}
	if !slices.Equal(got, names[:6]) || g.listVaults != 2 {
		t.Errorf("AllVaults with break after 6: %v after %d calls, want %v after 2", got, g.listVaults, names[:6])
	}

	n := 0
	for _, err := range firn.AllVaults(ctx, g, firn.ListVaultsInput{Limit: -1}) {
		n++
		checkErr(t, true, err, firn.ErrInvalidParameterValue, "limit")
	}
	if n != 1 {
		t.Errorf("AllVaults with a bad limit yielded %d times, want once", n)
	}
}

func testDeleteVaultEmpty(t *testing.T, tg *target) {
	ctx := t.Context()
	mustCreateVault(t, tg, "", "keep")
	mustCreateVault(t, tg, "", "v")
	mustAddTags(t, tg, "", "v", map[string]string{"k": "v"})
	must[firn.SetVaultAccessPolicyOutput](t, "SetVaultAccessPolicy")(tg.g.SetVaultAccessPolicy(ctx,
		&firn.SetVaultAccessPolicyInput{VaultName: "v", Policy: &firn.VaultAccessPolicy{Policy: tg.policy("v")}}))
	must[firn.SetVaultNotificationsOutput](t, "SetVaultNotifications")(tg.g.SetVaultNotifications(ctx,
		&firn.SetVaultNotificationsInput{VaultName: "v", VaultNotificationConfig: &firn.VaultNotificationConfig{
			SNSTopic: tg.topic("t"), Events: []string{firn.EventInventoryRetrievalCompleted}}}))
	a := upload(t, tg, "", "v", testkit.Pattern(10), "")
	must[firn.DeleteArchiveOutput](t, "DeleteArchive")(tg.g.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: a.ArchiveId}))

	must[firn.DeleteVaultOutput](t, "DeleteVault")(tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"}))
	out, err := tg.g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	wantErr(t, out, err, firn.ErrResourceNotFound)
	if st := snapshot(t, tg, ""); len(st) != 1 || st[0].Vault.VaultName != "keep" {
		t.Errorf("vaults after delete: %+v", st)
	}

	// A vault re-created under the same name starts afresh.
	tg.clock.Advance(time.Hour)
	mustCreateVault(t, tg, "", "v")
	st := snapshot(t, tg, "")
	want := vaultState{
		Vault: firn.DescribeVaultOutput{VaultARN: tg.vaultARN("", "v"), VaultName: "v", CreationDate: tg.clock.Now()},
		Tags:  map[string]string{},
	}
	if len(st) != 2 || !reflect.DeepEqual(st[1], want) {
		t.Errorf("re-created vault: %+v, want %+v", st, want)
	}
}

func testDeleteVaultNotFound(t *testing.T, tg *target) {
	mustCreateVault(t, tg, tenantA, "v")
	mustCreateVault(t, tg, "", "other")
	before := snapshot(t, tg, "")
	beforeA := snapshot(t, tg, tenantA)
	for _, account := range []string{"", "-", tenantB} {
		out, err := tg.g.DeleteVault(t.Context(), &firn.DeleteVaultInput{AccountId: account, VaultName: "v"})
		wantErr(t, out, err, firn.ErrResourceNotFound)
		wantMessage(t, err, tg.vaultNotFound(account, "v"))
	}
	wantUnchanged(t, tg, "", before)
	wantUnchanged(t, tg, tenantA, beforeA)
}

func testDeleteVaultNotEmpty(t *testing.T, tg *target) {
	ctx := t.Context()
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "")
	b := upload(t, tg, "", "v", testkit.Pattern(20), "")
	// Delete the vault while it holds two archives, then one, then none.
	for _, id := range []string{a.ArchiveId, b.ArchiveId, ""} {
		before := snapshot(t, tg, "")
		out, err := tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"})
		if id == "" {
			if err != nil {
				t.Fatalf("DeleteVault of an emptied vault: %v", err)
			}
			break
		}
		wantErr(t, out, err, firn.ErrInvalidParameterValue)
		wantMessage(t, err, "Vault not empty or recently written to: "+tg.vaultARN("", "v"))
		wantUnchanged(t, tg, "", before)
		must[firn.DeleteArchiveOutput](t, "DeleteArchive")(tg.g.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: id}))
	}
	out, err := tg.g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	wantErr(t, out, err, firn.ErrResourceNotFound)
}

// testMissingVault calls every vault-scoped operation on a vault that never
// existed, one that was deleted and one that exists only in another account.
func testMissingVault(t *testing.T, tg *target) {
	ctx := t.Context()
	mustCreateVault(t, tg, "", "gone")
	must[firn.DeleteVaultOutput](t, "DeleteVault")(tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "gone"}))
	mustCreateVault(t, tg, tenantA, "elsewhere")
	mustCreateVault(t, tg, "", "present")
	a := upload(t, tg, "", "present", testkit.Pattern(10), "")
	before := snapshot(t, tg, "")
	beforeA := snapshot(t, tg, tenantA)
	for _, op := range vaultOps(a.ArchiveId) {
		for _, vault := range []string{"never", "gone", "elsewhere"} {
			t.Run(op.name+"/"+vault, func(t *testing.T) {
				nilOut, err := op.call(ctx, tg, "", vault)
				checkErr(t, nilOut, err, firn.ErrResourceNotFound)
				wantMessage(t, err, tg.vaultNotFound("", vault))
			})
		}
	}
	wantUnchanged(t, tg, "", before)
	wantUnchanged(t, tg, tenantA, beforeA)
}
