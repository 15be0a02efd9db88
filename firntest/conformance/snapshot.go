package conformance

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/firnstore/firn"
)

// State snapshots, to check that rejected calls change nothing.

type vaultState struct {
	Vault         firn.DescribeVaultOutput
	Tags          map[string]string
	Policy        *string
	Notifications *firn.VaultNotificationConfig
}

// snapshot returns every vault of an account with its tags, access policy
// and notification configuration.
func snapshot(t *testing.T, tg *target, account string) []vaultState {
	t.Helper()
	ctx := t.Context()
	var st []vaultState
	for v, err := range firn.AllVaults(ctx, tg.g, firn.ListVaultsInput{AccountId: account, Limit: 1000}) {
		if err != nil {
			t.Fatalf("snapshot: ListVaults: %v", err)
		}
		v.CreationDate = v.CreationDate.UTC().Round(0)
		v.LastInventoryDate = v.LastInventoryDate.UTC().Round(0)
		s := vaultState{Vault: v, Tags: mustListTags(t, tg, account, v.VaultName)}
		p, err := tg.g.GetVaultAccessPolicy(ctx, &firn.GetVaultAccessPolicyInput{AccountId: account, VaultName: v.VaultName})
		switch {
		case err == nil:
			s.Policy = &p.Policy.Policy
		case !errors.Is(err, firn.ErrResourceNotFound):
			t.Fatalf("snapshot: GetVaultAccessPolicy %s: %v", v.VaultName, err)
		}
		n, err := tg.g.GetVaultNotifications(ctx, &firn.GetVaultNotificationsInput{AccountId: account, VaultName: v.VaultName})
		switch {
		case err == nil:
			c := n.VaultNotificationConfig
			c.Events = slices.Sorted(slices.Values(c.Events))
			s.Notifications = &c
		case !errors.Is(err, firn.ErrResourceNotFound):
			t.Fatalf("snapshot: GetVaultNotifications %s: %v", v.VaultName, err)
		}
		st = append(st, s)
	}
	return st
}

// wantUnchanged checks that an account's state equals an earlier snapshot.
func wantUnchanged(t *testing.T, tg *target, account string, before []vaultState) {
	t.Helper()
	if after := snapshot(t, tg, account); !reflect.DeepEqual(before, after) {
		t.Errorf("state of account %q changed:\nbefore %+v\nafter  %+v", account, before, after)
	}
}
