package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/firnstore/firn"
)

var notificationRules = []rule{
	{"SetGet", testNotificationsSetGet},
	{"Replace", testNotificationsReplace},
	{"GetNone", testNotificationsGetNone},
	{"DeleteIdempotent", testNotificationsDelete},
	{"InvalidTopic", testNotificationsInvalidTopic},
	{"InvalidEvents", testNotificationsInvalidEvents},
	{"Isolation", testNotificationsIsolation},
	{"CallerOwnsEvents", testNotificationsCallerOwnsEvents},
}

// topic returns the ARN of an SNS topic of the target's account and region.
func (tg *target) topic(name string) string {
	return "arn:aws:sns:" + tg.region + ":" + tg.account + ":" + name
}

func mustSetNotifications(t *testing.T, tg *target, account, vault, topic string, events ...string) {
	t.Helper()
	must[firn.SetVaultNotificationsOutput](t, "SetVaultNotifications")(tg.g.SetVaultNotifications(t.Context(),
		&firn.SetVaultNotificationsInput{AccountId: account, VaultName: vault,
			VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: topic, Events: events}}))
}

// wantNotifications checks a vault's configuration; events compare as sets.
func wantNotifications(t *testing.T, tg *target, account, vault, topic string, events ...string) {
	t.Helper()
	out := must[firn.GetVaultNotificationsOutput](t, "GetVaultNotifications")(tg.g.GetVaultNotifications(t.Context(),
		&firn.GetVaultNotificationsInput{AccountId: account, VaultName: vault}))
	got := out.VaultNotificationConfig
	if got.SNSTopic != topic || !slices.Equal(slices.Sorted(slices.Values(got.Events)), slices.Sorted(slices.Values(events))) {
		t.Errorf("notifications of %s: %+v, want topic %s and events %v", vault, got, topic, events)
	}
}

func wantNoNotifications(t *testing.T, tg *target, account, vault string) {
	t.Helper()
	out, err := tg.g.GetVaultNotifications(t.Context(), &firn.GetVaultNotificationsInput{AccountId: account, VaultName: vault})
	wantErr(t, out, err, firn.ErrResourceNotFound)
}

func mustDeleteNotifications(t *testing.T, tg *target, account, vault string) {
	t.Helper()
	must[firn.DeleteVaultNotificationsOutput](t, "DeleteVaultNotifications")(tg.g.DeleteVaultNotifications(t.Context(),
		&firn.DeleteVaultNotificationsInput{AccountId: account, VaultName: vault}))
}

func testNotificationsSetGet(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	both := []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}
	mustSetNotifications(t, tg, "", "v", tg.topic("my-topic_1"), both...)
	for _, account := range []string{"", "-", tg.account} {
		wantNotifications(t, tg, account, "v", tg.topic("my-topic_1"), both...)
	}
	for _, events := range [][]string{{firn.EventArchiveRetrievalCompleted}, {firn.EventInventoryRetrievalCompleted}, {both[1], both[0]}} {
		mustSetNotifications(t, tg, "", "v", tg.topic("t"), events...)
		wantNotifications(t, tg, "", "v", tg.topic("t"), events...)
	}
	long := tg.topic(strings.Repeat("T", 256))
	mustSetNotifications(t, tg, "", "v", long, both[0])
	wantNotifications(t, tg, "", "v", long, both[0])
}

func testNotificationsReplace(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustSetNotifications(t, tg, "", "v", tg.topic("first"), firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted)
	mustSetNotifications(t, tg, "", "v", tg.topic("second"), firn.EventInventoryRetrievalCompleted)
	wantNotifications(t, tg, "", "v", tg.topic("second"), firn.EventInventoryRetrievalCompleted)
}

func testNotificationsGetNone(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	wantNoNotifications(t, tg, "", "v")
}

func testNotificationsDelete(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustDeleteNotifications(t, tg, "", "v") // never set
	wantNoNotifications(t, tg, "", "v")
	mustSetNotifications(t, tg, "", "v", tg.topic("t"), firn.EventArchiveRetrievalCompleted)
	mustDeleteNotifications(t, tg, "", "v")
	wantNoNotifications(t, tg, "", "v")
	mustDeleteNotifications(t, tg, "-", "v")
	wantNoNotifications(t, tg, "", "v")
	mustSetNotifications(t, tg, "", "v", tg.topic("again"), firn.EventInventoryRetrievalCompleted)
	wantNotifications(t, tg, "", "v", tg.topic("again"), firn.EventInventoryRetrievalCompleted)
}

func testNotificationsInvalidTopic(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, "", "unset")
	mustSetNotifications(t, tg, "", "v", tg.topic("kept"), firn.EventArchiveRetrievalCompleted)
	before := snapshot(t, tg, "")
	prefix := "arn:aws:sns:" + tg.region + ":" + tg.account + ":"
	// A zero value is an absent parameter.
	for _, vault := range []string{"v", "unset"} {
		out, err := tg.g.SetVaultNotifications(t.Context(), &firn.SetVaultNotificationsInput{VaultName: vault,
			VaultNotificationConfig: &firn.VaultNotificationConfig{Events: []string{firn.EventInventoryRetrievalCompleted}}})
		wantErr(t, out, err, firn.ErrMissingParameterValue, "sns")
	}
	for _, c := range []struct{ what, topic string }{
		{"not an ARN", "my-topic"},
		{"no name", "arn:aws:sns:" + tg.region + ":" + tg.account},
		{"empty name", prefix},
		{"other service", "arn:aws:sqs:" + tg.region + ":" + tg.account + ":queue"},
		{"empty partition", "arn::sns:" + tg.region + ":" + tg.account + ":t"},
		{"empty region", "arn:aws:sns::" + tg.account + ":t"},
		{"empty account", "arn:aws:sns:" + tg.region + "::t"},
		{"short account", "arn:aws:sns:" + tg.region + ":12345:t"},
		{"letters in account", "arn:aws:sns:" + tg.region + ":abcdefghijkl:t"},
		{"space in name", prefix + "bad name"},
		{"slash in name", prefix + "bad/name"},
		{"colon in name", prefix + "bad:name"},
		{"257-char name", prefix + strings.Repeat("T", 257)},
		{"glacier ARN", tg.vaultARN("", "v")},
	} {
		t.Run(c.what, func(t *testing.T) {
			for _, vault := range []string{"v", "unset"} {
				out, err := tg.g.SetVaultNotifications(t.Context(), &firn.SetVaultNotificationsInput{VaultName: vault,
					VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: c.topic, Events: []string{firn.EventInventoryRetrievalCompleted}}})
				wantErr(t, out, err, firn.ErrInvalidParameterValue, "sns")
			}
		})
	}
	wantUnchanged(t, tg, "", before)
}

func testNotificationsInvalidEvents(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustSetNotifications(t, tg, "", "v", tg.topic("kept"), firn.EventArchiveRetrievalCompleted)
	before := snapshot(t, tg, "")
	for _, bad := range []string{"Foo", "archiveretrievalcompleted", "ARCHIVERETRIEVALCOMPLETED", "ArchiveRetrievalCompleted ",
		"VaultInventoryCompleted", "JobCompleted", "*"} {
		t.Run(bad, func(t *testing.T) {
			for _, events := range [][]string{{bad}, {firn.EventInventoryRetrievalCompleted, bad}} {
				out, err := tg.g.SetVaultNotifications(t.Context(), &firn.SetVaultNotificationsInput{VaultName: "v",
					VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: tg.topic("new"), Events: events}})
				wantErr(t, out, err, firn.ErrInvalidParameterValue, strings.TrimSpace(bad))
			}
		})
	}
	out, err := tg.g.SetVaultNotifications(t.Context(), &firn.SetVaultNotificationsInput{VaultName: "v",
		VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: tg.topic("new"), Events: []string{""}}})
	wantErr(t, out, err, firn.ErrInvalidParameterValue, "event")
	// Zero values are absent parameters.
	for _, events := range [][]string{nil, {}} {
		out, err := tg.g.SetVaultNotifications(t.Context(), &firn.SetVaultNotificationsInput{VaultName: "v",
			VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: tg.topic("new"), Events: events}})
		wantErr(t, out, err, firn.ErrMissingParameterValue, "events")
	}
	out, err = tg.g.SetVaultNotifications(t.Context(), &firn.SetVaultNotificationsInput{VaultName: "v"})
	wantErr(t, out, err, firn.ErrMissingParameterValue, "VaultNotificationConfig")
	wantUnchanged(t, tg, "", before)
}

func testNotificationsIsolation(t *testing.T, tg *target) {
	for _, account := range []string{"", tenantA} {
		mustCreateVault(t, tg, account, "v")
		mustCreateVault(t, tg, account, "w")
	}
	mustSetNotifications(t, tg, "", "v", tg.topic("own"), firn.EventArchiveRetrievalCompleted)
	mustSetNotifications(t, tg, tenantA, "v", tg.topic("tenant"), firn.EventInventoryRetrievalCompleted)
	wantNotifications(t, tg, "", "v", tg.topic("own"), firn.EventArchiveRetrievalCompleted)
	wantNotifications(t, tg, tenantA, "v", tg.topic("tenant"), firn.EventInventoryRetrievalCompleted)
	wantNoNotifications(t, tg, "", "w")
	wantNoNotifications(t, tg, tenantA, "w")
	mustDeleteNotifications(t, tg, tenantA, "v")
	wantNotifications(t, tg, "", "v", tg.topic("own"), firn.EventArchiveRetrievalCompleted)
	wantNoNotifications(t, tg, tenantA, "v")
}

func testNotificationsCallerOwnsEvents(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	events := []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}
	mustSetNotifications(t, tg, "", "v", tg.topic("t"), events...)
	events[0] = "Changed"
	out := must[firn.GetVaultNotificationsOutput](t, "GetVaultNotifications")(tg.g.GetVaultNotifications(t.Context(),
		&firn.GetVaultNotificationsInput{VaultName: "v"}))
	if len(out.VaultNotificationConfig.Events) > 0 {
		out.VaultNotificationConfig.Events[0] = "Changed"
	}
	wantNotifications(t, tg, "", "v", tg.topic("t"), firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted)
}
