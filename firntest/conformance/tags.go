package conformance

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/firnstore/firn"
)

var tagRules = []rule{
	{"Untagged", testTagsUntagged},
	{"AddListRemove", testTagsAddListRemove},
	{"Overwrite", testTagsOverwrite},
	{"RemoveAbsent", testTagsRemoveAbsent},
	{"RemoveNoKeys", testTagsRemoveNoKeys},
	{"Limit", testTagsLimit},
	{"Keys", testTagKeys},
	{"Values", testTagValues},
	{"Isolation", testTagsIsolation},
	{"CallerOwnsMaps", testTagsCallerOwnsMaps},
}

func mustRemoveTags(t *testing.T, tg *target, vault string, keys ...string) {
	t.Helper()
	must[firn.RemoveTagsFromVaultOutput](t, "RemoveTagsFromVault")(tg.g.RemoveTagsFromVault(t.Context(),
		&firn.RemoveTagsFromVaultInput{VaultName: vault, TagKeys: keys}))
}

func wantTags(t *testing.T, tg *target, account, vault string, want map[string]string) {
	t.Helper()
	if got := mustListTags(t, tg, account, vault); !maps.Equal(got, want) {
		t.Errorf("tags of %s: %v, want %v", vault, got, want)
	}
}

func testTagsUntagged(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	wantTags(t, tg, "", "v", map[string]string{})
	mustAddTags(t, tg, "", "v", map[string]string{"k": "v"})
	mustRemoveTags(t, tg, "v", "k")
	wantTags(t, tg, "", "v", map[string]string{})
}

func testTagsAddListRemove(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustAddTags(t, tg, "", "v", map[string]string{"Project": "firn", "Cost Center": "42", "empty": ""})
	mustAddTags(t, tg, "-", "v", map[string]string{"Owner": "alice"})
	wantTags(t, tg, "", "v", map[string]string{"Project": "firn", "Cost Center": "42", "empty": "", "Owner": "alice"})
	mustRemoveTags(t, tg, "v", "Project", "empty")
	wantTags(t, tg, tg.account, "v", map[string]string{"Cost Center": "42", "Owner": "alice"})
}

func testTagsOverwrite(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustAddTags(t, tg, "", "v", map[string]string{"a": "1", "b": "2"})
	mustAddTags(t, tg, "", "v", map[string]string{"b": "two", "c": "3"})
	mustAddTags(t, tg, "", "v", map[string]string{"a": ""})
	wantTags(t, tg, "", "v", map[string]string{"a": "", "b": "two", "c": "3"})
	// Keys are case-sensitive.
	mustAddTags(t, tg, "", "v", map[string]string{"A": "upper"})
	wantTags(t, tg, "", "v", map[string]string{"a": "", "A": "upper", "b": "two", "c": "3"})
}

func testTagsRemoveAbsent(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustAddTags(t, tg, "", "v", map[string]string{"a": "1"})
	before := snapshot(t, tg, "")
	mustRemoveTags(t, tg, "v", "absent", "A", "a ")
	wantUnchanged(t, tg, "", before)
	mustRemoveTags(t, tg, "v", "a", "a")
	wantTags(t, tg, "", "v", map[string]string{})
	mustRemoveTags(t, tg, "v", "a")
}

// testTagsRemoveNoKeys checks that RemoveTagsFromVault removes one or more
// tags: no TagKeys at all is a bad request that changes nothing.
func testTagsRemoveNoKeys(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustAddTags(t, tg, "", "v", map[string]string{"a": "1"})
	before := snapshot(t, tg, "")
	for _, keys := range [][]string{nil, {}} {
		out, err := tg.g.RemoveTagsFromVault(t.Context(), &firn.RemoveTagsFromVaultInput{VaultName: "v", TagKeys: keys})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "TagKeys")
	}
	wantUnchanged(t, tg, "", before)
}

func testTagsLimit(t *testing.T, tg *target) {
	ctx := t.Context()
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, "", "w")
	tenTags := func(prefix string) map[string]string {
		m := map[string]string{}
		for i := range 10 {
			m[fmt.Sprintf("%s%d", prefix, i)] = "v"
		}
		return m
	}

	// Eleven keys in one call on an untagged vault: nothing is added.
	eleven := tenTags("k")
	eleven["k10"] = "v"
	before := snapshot(t, tg, "")
	out, err := tg.g.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "w", Tags: eleven})
	wantErr(t, out, err, firn.ErrLimitExceeded, "tag")
	wantUnchanged(t, tg, "", before)

	// Nine, then two new keys in one call: neither is added.
	nine := tenTags("k")
	delete(nine, "k9")
	mustAddTags(t, tg, "", "v", nine)
	before = snapshot(t, tg, "")
	out, err = tg.g.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{"new1": "x", "new2": "y"}})
	wantErr(t, out, err, firn.ErrLimitExceeded, "tag")
	wantUnchanged(t, tg, "", before)

	// The tenth is accepted, the eleventh is not.
	mustAddTags(t, tg, "", "v", map[string]string{"k9": "v"})
	wantTags(t, tg, "", "v", tenTags("k"))
	before = snapshot(t, tg, "")
	for _, tags := range []map[string]string{
		{"k10": "v"},
		{"k0": "changed", "k10": "v"}, // an overwrite in the same call does not make room
	} {
		out, err := tg.g.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "v", Tags: tags})
		wantErr(t, out, err, firn.ErrLimitExceeded, "tag")
		wantUnchanged(t, tg, "", before)
	}

	// Overwriting at the limit does not count.
	mustAddTags(t, tg, "", "v", map[string]string{"k0": "new", "k5": ""})
	want := tenTags("k")
	want["k0"], want["k5"] = "new", ""
	wantTags(t, tg, "", "v", want)

	// Removing one makes room for one.
	mustRemoveTags(t, tg, "v", "k3")
	mustAddTags(t, tg, "", "v", map[string]string{"k10": "v"})
	delete(want, "k3")
	want["k10"] = "v"
	wantTags(t, tg, "", "v", want)

	// The limit is per vault.
	mustAddTags(t, tg, "", "w", tenTags("w"))
	wantTags(t, tg, "", "w", tenTags("w"))
}

func testTagKeys(t *testing.T, tg *target) {
	ctx := t.Context()
	mustCreateVault(t, tg, "", "v")
	valid := []string{"k", strings.Repeat("k", 128), strings.Repeat("é", 128), "aws", "awsome", "AWS", "Key With Spaces", "x_y.z-/=+@", "Ünïcødé 日本 ٣"}
	for _, key := range valid {
		mustAddTags(t, tg, "", "v", map[string]string{key: "v"})
		mustRemoveTags(t, tg, "v", key)
	}
	mustAddTags(t, tg, "", "v", map[string]string{"existing": "1"})
	before := snapshot(t, tg, "")
	for _, c := range []struct{ what, key string }{
		{"empty", ""},
		{"129 chars", strings.Repeat("k", 129)},
		{"aws: prefix", "aws:foo"},
		{"aws: alone", "aws:"},
		{"AWS: prefix", "AWS:foo"},
		{"Aws: prefix", "Aws:foo"},
		{"aWs: prefix", "aWs:foo"},
		// The developer guide: letters, digits, spaces and _ . / = + - @.
		{"colon", "a:b"},
		{"colons", "my:aws:key"},
		{"space then aws:", " aws:"},
		{"comma", "a,b"},
		{"asterisk", "*"},
		{"tab", "a\tb"},
		{"129 characters of two bytes", strings.Repeat("é", 129)},
	} {
		t.Run(c.what, func(t *testing.T) {
			// The good tag in the same call must not be added either.
			out, err := tg.g.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{c.key: "v", "good": "g"}})
			wantErr(t, out, err, firn.ErrInvalidParameterValue, "tag")
		})
	}
	wantUnchanged(t, tg, "", before)
}

func testTagValues(t *testing.T, tg *target) {
	ctx := t.Context()
	mustCreateVault(t, tg, "", "v")
	for _, value := range []string{"", "v", strings.Repeat("v", 255), strings.Repeat("ü", 255), "with spaces and _ / = + - @ .", "Ελληνικά १२३"} {
		mustAddTags(t, tg, "", "v", map[string]string{"k": value})
		wantTags(t, tg, "", "v", map[string]string{"k": value})
	}
	before := snapshot(t, tg, "")
	// The developer guide: 0 to 255 characters of letters, digits, spaces
	// and _ . / = + - @.
	for _, value := range []string{strings.Repeat("v", 256), strings.Repeat("é", 256), strings.Repeat("v", 1000), "a:b", "a,b", `"`, "line\nbreak", "\x00"} {
		out, err := tg.g.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{"k": value, "other": "o"}})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "tag")
	}
	wantUnchanged(t, tg, "", before)
}

func testTagsIsolation(t *testing.T, tg *target) {
	for _, account := range []string{"", tenantA} {
		mustCreateVault(t, tg, account, "v")
		mustCreateVault(t, tg, account, "w")
	}
	mustAddTags(t, tg, "", "v", map[string]string{"which": "own v"})
	mustAddTags(t, tg, tenantA, "v", map[string]string{"which": "A v", "extra": "x"})
	wantTags(t, tg, "", "v", map[string]string{"which": "own v"})
	wantTags(t, tg, "", "w", map[string]string{})
	wantTags(t, tg, tenantA, "v", map[string]string{"which": "A v", "extra": "x"})
	wantTags(t, tg, tenantA, "w", map[string]string{})
	must[firn.RemoveTagsFromVaultOutput](t, "RemoveTagsFromVault")(tg.g.RemoveTagsFromVault(t.Context(),
		&firn.RemoveTagsFromVaultInput{AccountId: tenantA, VaultName: "v", TagKeys: []string{"which"}}))
	wantTags(t, tg, "", "v", map[string]string{"which": "own v"})
	wantTags(t, tg, tenantA, "v", map[string]string{"extra": "x"})
}

// testTagsCallerOwnsMaps checks that the implementation neither keeps the
// caller's input map nor hands out its own.
func testTagsCallerOwnsMaps(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	in := map[string]string{"a": "1"}
	mustAddTags(t, tg, "", "v", in)
	in["a"], in["b"] = "changed", "2"
	got := mustListTags(t, tg, "", "v")
	got["a"], got["c"] = "changed", "3"
	wantTags(t, tg, "", "v", map[string]string{"a": "1"})
}
