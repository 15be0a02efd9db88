package firn_test

import (
	"testing"
	"time"

	"github.com/firnstore/firn"
)

var reopenCases = []conformanceCase{
	{"Empty", testReopenEmpty},
	{"Everything", testReopenEverything},
}

func skipWithoutReopen(t *testing.T, tg *target) {
	if tg.reopen == nil {
		t.Skip("target cannot reopen its storage")
	}
}

func testReopenEmpty(t *testing.T, tg *target) {
	skipWithoutReopen(t, tg)
	tg.reopen(t)
	if st := snapshot(t, tg, ""); len(st) != 0 {
		t.Errorf("vaults after reopening an empty store: %+v", st)
	}
	mustCreateVault(t, tg, "", "v")
	tg.reopen(t)
	wantCounts(t, tg, "", "v", 0, 0)
}

// testReopenEverything builds state of every kind, reopens twice and checks
// that all of it, and nothing deleted, is still there.
func testReopenEverything(t *testing.T, tg *target) {
	skipWithoutReopen(t, tg)
	ctx := t.Context()
	type archive struct {
		account, vault, id, desc string
		data                     []byte
	}
	var kept, deleted []archive
	put := func(account, vault string, data []byte, desc string) archive {
		a := archive{account, vault, upload(t, tg, account, vault, data, desc).ArchiveId, desc, data}
		kept = append(kept, a)
		return a
	}
	drop := func(a archive) {
		mustDeleteArchive(t, tg, a.account, a.vault, a.id)
		for i, k := range kept {
			if k.id == a.id {
				kept = append(kept[:i], kept[i+1:]...)
				break
			}
		}
		deleted = append(deleted, a)
	}

	// Own account: alpha has everything, beta only tags, gamma is deleted,
	// delta is emptied of archives.
	for _, v := range []string{"alpha", "beta", "gamma", "delta"} {
		mustCreateVault(t, tg, "", v)
		tg.clock.Advance(time.Minute)
	}
	mustAddTags(t, tg, "", "alpha", map[string]string{"project": "firn", "empty": ""})
	mustAddTags(t, tg, "", "beta", map[string]string{"only": "tags"})
	mustSetPolicy(t, tg, "", "alpha", tg.policyOfSize("alpha", 2000))
	mustSetNotifications(t, tg, "", "alpha", tg.topic("alpha-topic"), firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted)
	mustSetNotifications(t, tg, "", "gamma", tg.topic("gamma-topic"), firn.EventArchiveRetrievalCompleted)
	put("", "alpha", pattern(1), "one byte")
	small := put("", "alpha", pattern(1000), "small")
	put("", "alpha", random(mib), "")
	put("", "alpha", random(3*mib+17), "three MiB and a bit")
	put("", "alpha", pattern(5*mib+123), "the TREEHASH.md vector")
	drop(small)
	drop(put("", "delta", random(2*mib), "gone"))
	must[firn.DeleteVaultOutput](t, "DeleteVault")(tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "gamma"}))

	// Another tenant with a vault of the same name.
	mustCreateVault(t, tg, tenantA, "alpha")
	mustAddTags(t, tg, tenantA, "alpha", map[string]string{"tenant": "A"})
	mustSetPolicy(t, tg, tenantA, "alpha", tg.policy("alpha"))
	put(tenantA, "alpha", random(mib+1), "tenant archive")

	before := snapshot(t, tg, "")
	beforeA := snapshot(t, tg, tenantA)
	if len(before) != 3 || len(beforeA) != 1 {
		t.Fatalf("before reopening: %d own vaults and %d of the tenant, want 3 and 1", len(before), len(beforeA))
	}

	check := func() {
		t.Helper()
		wantUnchanged(t, tg, "", before)
		wantUnchanged(t, tg, tenantA, beforeA)
		for _, a := range kept {
			wantArchive(t, tg, a.account, a.vault, a.id, a.data, a.desc)
		}
		for _, a := range deleted {
			wantNoArchive(t, tg, a.account, a.vault, a.id)
			mustDeleteArchive(t, tg, a.account, a.vault, a.id) // still idempotent
		}
		out, err := tg.g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "gamma"})
		wantErr(t, out, err, firn.ErrResourceNotFound)
	}

	tg.clock.Advance(time.Hour)
	tg.reopen(t)
	check()

	// New archives after a reopen get IDs never used before.
	fresh := put("", "beta", pattern(4321), "after reopen")
	for _, a := range append(kept[:len(kept)-1:len(kept)-1], deleted...) {
		if a.id == fresh.id {
			t.Errorf("ArchiveId %q reused after reopen", a.id)
		}
	}
	before = snapshot(t, tg, "")
	tg.reopen(t)
	check()

	// The emptied vault can be deleted, and stays deleted.
	must[firn.DeleteVaultOutput](t, "DeleteVault")(tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "delta"}))
	tg.reopen(t)
	out, err := tg.g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "delta"})
	wantErr(t, out, err, firn.ErrResourceNotFound)
	if st := snapshot(t, tg, ""); len(st) != 2 {
		t.Errorf("%d vaults after deleting delta, want 2", len(st))
	}
}
