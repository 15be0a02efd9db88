package firn

// Vault notification events.
const (
	EventArchiveRetrievalCompleted   = "ArchiveRetrievalCompleted"
	EventInventoryRetrievalCompleted = "InventoryRetrievalCompleted"
)

// VaultNotificationConfig says which job-completion events of a vault are
// sent to an Amazon SNS topic.
type VaultNotificationConfig struct {
	// SNSTopic is the topic ARN, arn:aws:sns:REGION:ACCOUNT:NAME.
	SNSTopic string
	// Events are EventArchiveRetrievalCompleted and/or
	// EventInventoryRetrievalCompleted.
	Events []string
}

// SetVaultNotificationsInput sets (replaces) a vault's notification
// configuration.
type SetVaultNotificationsInput struct {
	AccountId               string
	VaultName               string
	VaultNotificationConfig *VaultNotificationConfig
}

// SetVaultNotificationsOutput is the (empty) result of SetVaultNotifications.
type SetVaultNotificationsOutput struct{}

// GetVaultNotificationsInput names a vault.
type GetVaultNotificationsInput struct {
	AccountId string
	VaultName string
}

// GetVaultNotificationsOutput holds a vault's notification configuration.
type GetVaultNotificationsOutput struct {
	VaultNotificationConfig VaultNotificationConfig
}

// DeleteVaultNotificationsInput names a vault.
type DeleteVaultNotificationsInput struct {
	AccountId string
	VaultName string
}

// DeleteVaultNotificationsOutput is the (empty) result of
// DeleteVaultNotifications.
type DeleteVaultNotificationsOutput struct{}
