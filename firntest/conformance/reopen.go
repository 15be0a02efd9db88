package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

var reopenRules = []rule{
	{"Empty", testReopenEmpty},
	{"Everything", testReopenEverything},
	{"StateMachine", testReopenStateMachine},
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
	put("", "alpha", testkit.Pattern(1), "one byte")
	small := put("", "alpha", testkit.Pattern(1000), "small")
	put("", "alpha", random(mib), "")
	put("", "alpha", random(3*mib+17), "three MiB and a bit")
	put("", "alpha", testkit.Pattern(5*mib+123), "the 5 MiB + 123 vector")
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
	fresh := put("", "beta", testkit.Pattern(4321), "after reopen")
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

// modelVault is what a vault should hold, for testReopenStateMachine.
type modelVault struct {
	created  time.Time
	tags     map[string]string
	policy   string // "" when none
	topic    string // "" when no notification configuration
	events   []string
	archives map[string]modelArchive
}

type deletedArchive struct{ vault, id string }

type modelArchive struct {
	data []byte
	desc string
}

func (v *modelVault) size() int64 {
	var n int64
	for _, a := range v.archives {
		n += int64(len(a.data))
	}
	return n
}

// testReopenStateMachine runs random sequences of operations, reopens among
// them, against a model. Each run uses a fresh tenant of one target.
func testReopenStateMachine(t *testing.T, tg *target) {
	ctx := t.Context()
	run := 0
	rapid.Check(t, func(rt *rapid.T) {
		run++
		account := fmt.Sprintf("9%011d", run)
		vaults := map[string]*modelVault{}
		var deleted []deletedArchive
		reopened := false

		names := rapid.SampledFrom([]string{"a", "B", "a.b", "z-1"})
		tagKeys := rapid.SampledFrom([]string{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11"})
		wantCode := func(rt *rapid.T, op string, err error, want *firn.Error) {
			rt.Helper()
			switch {
			case want == nil && err != nil:
				rt.Fatalf("%s: %v", op, err)
			case want != nil && !errors.Is(err, want):
				rt.Fatalf("%s: %v, want %s", op, err, want.Code)
			}
		}
		// vault draws a vault name and returns its model, nil if it does not
		// exist, and the error every vault-scoped call should return then.
		vault := func(rt *rapid.T) (string, *modelVault, *firn.Error) {
			name := names.Draw(rt, "vault")
			if vaults[name] == nil {
				return name, nil, firn.ErrResourceNotFound
			}
			return name, vaults[name], nil
		}

		rt.Repeat(map[string]func(*rapid.T){
			"CreateVault": func(rt *rapid.T) {
				name := names.Draw(rt, "vault")
				_, err := tg.g.CreateVault(ctx, &firn.CreateVaultInput{AccountId: account, VaultName: name})
				wantCode(rt, "CreateVault", err, nil)
				if vaults[name] == nil {
					vaults[name] = &modelVault{created: tg.clock.Now(), tags: map[string]string{}, archives: map[string]modelArchive{}}
				}
			},
			"DeleteVault": func(rt *rapid.T) {
				name, v, want := vault(rt)
				if v != nil && len(v.archives) > 0 {
					want = firn.ErrInvalidParameterValue
				}
				_, err := tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{AccountId: account, VaultName: name})
				wantCode(rt, "DeleteVault", err, want)
				if want == nil {
					delete(vaults, name)
					// Archives deleted from it are unknown to a new vault of the name.
					deleted = slices.DeleteFunc(deleted, func(d deletedArchive) bool { return d.vault == name })
				}
			},
			"AddTagsToVault": func(rt *rapid.T) {
				name, v, want := vault(rt)
				tags := rapid.MapOfN(tagKeys, rapid.SampledFrom([]string{"", "x", "y"}), 1, 3).Draw(rt, "tags")
				if v != nil {
					merged := maps.Clone(v.tags)
					maps.Copy(merged, tags)
					if len(merged) > 10 {
						want = firn.ErrLimitExceeded
					}
				}
				_, err := tg.g.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{AccountId: account, VaultName: name, Tags: tags})
				wantCode(rt, "AddTagsToVault", err, want)
				if want == nil {
					maps.Copy(v.tags, tags)
				}
			},
			"RemoveTagsFromVault": func(rt *rapid.T) {
				name, v, want := vault(rt)
				keys := rapid.SliceOfN(tagKeys, 0, 3).Draw(rt, "keys")
				if want == nil && len(keys) == 0 {
					want = firn.ErrInvalidParameterValue
				}
				_, err := tg.g.RemoveTagsFromVault(ctx, &firn.RemoveTagsFromVaultInput{AccountId: account, VaultName: name, TagKeys: keys})
				wantCode(rt, "RemoveTagsFromVault", err, want)
				if want == nil {
					for _, k := range keys {
						delete(v.tags, k)
					}
				}
			},
			"UploadArchive": func(rt *rapid.T) {
				name, v, want := vault(rt)
				data := rapid.SliceOfN(rapid.Byte(), 1, 3000).Draw(rt, "data")
				desc := rapid.SampledFrom([]string{"", "d", "an archive"}).Draw(rt, "desc")
				out, err := uploadE(ctx, tg, account, name, data, desc)
				wantCode(rt, "UploadArchive", err, want)
				if want == nil {
					if msg := checkUploadOutput(tg, account, name, data, out); msg != "" {
						rt.Fatalf("%s", msg)
					}
					v.archives[out.ArchiveId] = modelArchive{data, desc}
				}
			},
			"DeleteArchive": func(rt *rapid.T) {
				name, v, want := vault(rt)
				var ids []string
				if v != nil {
					ids = slices.Sorted(maps.Keys(v.archives))
				}
				for _, d := range deleted {
					if d.vault == name {
						ids = append(ids, d.id)
					}
				}
				if len(ids) == 0 {
					rt.Skip("no archive to delete")
				}
				id := rapid.SampledFrom(ids).Draw(rt, "archive")
				_, err := tg.g.DeleteArchive(ctx, &firn.DeleteArchiveInput{AccountId: account, VaultName: name, ArchiveId: id})
				wantCode(rt, "DeleteArchive", err, want)
				if v != nil {
					if _, ok := v.archives[id]; ok {
						delete(v.archives, id)
						deleted = append(deleted, deletedArchive{name, id})
					}
				}
			},
			"ReadArchive": func(rt *rapid.T) {
				name, v, _ := vault(rt)
				if v == nil || len(v.archives) == 0 {
					rt.Skip("no archive to read")
				}
				id := rapid.SampledFrom(slices.Sorted(maps.Keys(v.archives))).Draw(rt, "archive")
				body, out, err := readArchiveE(ctx, tg, account, name, id)
				if err != nil {
					rt.Fatalf("reading %s: %v", id, err)
				}
				if a := v.archives[id]; !bytes.Equal(body, a.data) || out.ArchiveDescription != a.desc {
					rt.Fatalf("archive %s read back as %d bytes described %q, want %d bytes described %q",
						id, len(body), out.ArchiveDescription, len(a.data), a.desc)
				}
			},
			"SetVaultAccessPolicy": func(rt *rapid.T) {
				name, v, want := vault(rt)
				policy := strings.Replace(tg.policy(name), `"s"`, fmt.Sprintf(`"s%d"`, rapid.IntRange(0, 9).Draw(rt, "sid")), 1)
				_, err := tg.g.SetVaultAccessPolicy(ctx, &firn.SetVaultAccessPolicyInput{AccountId: account, VaultName: name,
					Policy: &firn.VaultAccessPolicy{Policy: policy}})
				wantCode(rt, "SetVaultAccessPolicy", err, want)
				if want == nil {
					v.policy = policy
				}
			},
			"DeleteVaultAccessPolicy": func(rt *rapid.T) {
				name, v, want := vault(rt)
				_, err := tg.g.DeleteVaultAccessPolicy(ctx, &firn.DeleteVaultAccessPolicyInput{AccountId: account, VaultName: name})
				wantCode(rt, "DeleteVaultAccessPolicy", err, want)
				if want == nil {
					v.policy = ""
				}
			},
			"SetVaultNotifications": func(rt *rapid.T) {
				name, v, want := vault(rt)
				topic := tg.topic(rapid.SampledFrom([]string{"t1", "t2"}).Draw(rt, "topic"))
				events := rapid.SampledFrom([][]string{{firn.EventArchiveRetrievalCompleted}, {firn.EventInventoryRetrievalCompleted},
					{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}}).Draw(rt, "events")
				_, err := tg.g.SetVaultNotifications(ctx, &firn.SetVaultNotificationsInput{AccountId: account, VaultName: name,
					VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: topic, Events: slices.Clone(events)}})
				wantCode(rt, "SetVaultNotifications", err, want)
				if want == nil {
					v.topic, v.events = topic, events
				}
			},
			"DeleteVaultNotifications": func(rt *rapid.T) {
				name, v, want := vault(rt)
				_, err := tg.g.DeleteVaultNotifications(ctx, &firn.DeleteVaultNotificationsInput{AccountId: account, VaultName: name})
				wantCode(rt, "DeleteVaultNotifications", err, want)
				if want == nil {
					v.topic, v.events = "", nil
				}
			},
			"Tick": func(rt *rapid.T) {
				tg.clock.Advance(time.Duration(rapid.IntRange(1, 7200).Draw(rt, "seconds")) * time.Second)
			},
			"Reopen": func(rt *rapid.T) {
				switch {
				case tg.reopen == nil:
					rt.Skip("target cannot reopen")
				case reopened:
					rt.Skip("reopened in this run already") // reopening is costly
				}
				reopened = true
				tg.reopen(t)
			},
			"": func(rt *rapid.T) {
				var listed []string
				for d, err := range firn.AllVaults(ctx, tg.g, firn.ListVaultsInput{AccountId: account, Limit: 3}) {
					if err != nil {
						rt.Fatalf("ListVaults: %v", err)
					}
					listed = append(listed, d.VaultName)
					v := vaults[d.VaultName]
					if v == nil {
						continue
					}
					if d.NumberOfArchives != int64(len(v.archives)) || d.SizeInBytes != v.size() || !d.CreationDate.Equal(v.created) {
						rt.Fatalf("vault %s listed as %+v, want %d archives, %d bytes, created %v",
							d.VaultName, d, len(v.archives), v.size(), v.created)
					}
				}
				if want := slices.Sorted(maps.Keys(vaults)); !slices.Equal(listed, want) {
					rt.Fatalf("ListVaults: %v, want %v", listed, want)
				}
				for name, v := range vaults {
					tags, err := tg.g.ListTagsForVault(ctx, &firn.ListTagsForVaultInput{AccountId: account, VaultName: name})
					if err != nil || !maps.Equal(tags.Tags, v.tags) {
						rt.Fatalf("tags of %s: %v %v, want %v", name, tags, err, v.tags)
					}
					p, err := tg.g.GetVaultAccessPolicy(ctx, &firn.GetVaultAccessPolicyInput{AccountId: account, VaultName: name})
					if v.policy == "" && !errors.Is(err, firn.ErrResourceNotFound) || v.policy != "" && (err != nil || p.Policy.Policy != v.policy) {
						rt.Fatalf("policy of %s: %v %v, want %q", name, p, err, v.policy)
					}
					n, err := tg.g.GetVaultNotifications(ctx, &firn.GetVaultNotificationsInput{AccountId: account, VaultName: name})
					if v.topic == "" && !errors.Is(err, firn.ErrResourceNotFound) || v.topic != "" && (err != nil ||
						n.VaultNotificationConfig.SNSTopic != v.topic || !slices.Equal(slices.Sorted(slices.Values(n.VaultNotificationConfig.Events)), v.events)) {
						rt.Fatalf("notifications of %s: %v %v, want %s %v", name, n, err, v.topic, v.events)
					}
				}
			},
		})

		// Empty the tenant, so that the store, and the cost of reopening
		// it, does not grow from run to run.
		for name, v := range vaults {
			for id := range v.archives {
				_, err := tg.g.DeleteArchive(ctx, &firn.DeleteArchiveInput{AccountId: account, VaultName: name, ArchiveId: id})
				wantCode(rt, "DeleteArchive", err, nil)
			}
			_, err := tg.g.DeleteVault(ctx, &firn.DeleteVaultInput{AccountId: account, VaultName: name})
			wantCode(rt, "DeleteVault", err, nil)
		}
	})
}
