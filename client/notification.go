package client

import (
	"context"

	"github.com/firnstore/firn"
)

// Notification is a handle on a vault's notification configuration, the
// counterpart of the reference's Glacier.Notification resource. Make one
// with Vault.Notification; see Account for what handles are.
type Notification struct {
	g       firn.Glacier
	account string
	vault   string

	// Attrs is the configuration as of the last Load; nil until then.
	Attrs *firn.VaultNotificationConfig
}

// AccountID returns the ID of the vault's account.
func (n *Notification) AccountID() string { return n.account }

// VaultName returns the name of the vault.
func (n *Notification) VaultName() string { return n.vault }

// Vault returns a handle on the vault.
func (n *Notification) Vault() *Vault { return NewAccount(n.g, n.account).Vault(n.vault) }

// Load sets Attrs from GetVaultNotifications; it fails with
// ResourceNotFoundException when the vault has no configuration. On error
// Attrs is unchanged.
func (n *Notification) Load(ctx context.Context) error {
	out, err := n.g.GetVaultNotifications(ctx, &firn.GetVaultNotificationsInput{AccountId: n.account, VaultName: n.vault})
	if err != nil {
		return err
	}
	n.Attrs = &out.VaultNotificationConfig
	return nil
}

// Set sets (replaces) the vault's configuration (SetVaultNotifications). It
// does not change Attrs.
func (n *Notification) Set(ctx context.Context, config firn.VaultNotificationConfig) error {
	_, err := n.g.SetVaultNotifications(ctx, &firn.SetVaultNotificationsInput{
		AccountId:               n.account,
		VaultName:               n.vault,
		VaultNotificationConfig: &config,
	})
	return err
}

// Delete removes the vault's configuration (DeleteVaultNotifications). It
// does not change Attrs.
func (n *Notification) Delete(ctx context.Context) error {
	_, err := n.g.DeleteVaultNotifications(ctx, &firn.DeleteVaultNotificationsInput{AccountId: n.account, VaultName: n.vault})
	return err
}
