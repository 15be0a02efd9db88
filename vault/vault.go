package vault

import (
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/lock"
)

// Vault is the persisted state of one vault.
type Vault struct {
	// ID distinguishes this vault from an earlier one of the same name.
	ID      [16]byte          `json:"id"`
	Account string            `json:"account"`
	Name    string            `json:"name"`
	Created time.Time         `json:"created"`
	Tags    map[string]string `json:"tags,omitempty"`
	// Notifications is nil when the vault has no notification configuration.
	Notifications *firn.VaultNotificationConfig `json:"notifications,omitempty"`
	// AccessPolicy is the verbatim access policy; "" when none.
	AccessPolicy string `json:"accessPolicy,omitempty"`
	// Lock is the vault lock; the zero Lock when there is none.
	Lock lock.Lock `json:"lock,omitzero"`
	// LastWrite is the last time an archive was added or removed.
	LastWrite time.Time `json:"lastWrite"`
	// Inventory is the last inventory taken; nil before the first.
	Inventory *Inventory `json:"inventory,omitempty"`
	// Segments holds the last inventory's archive list, one JSON object a
	// line, when inventories are taken on a cadence.
	Segments []Segment `json:"segments,omitempty"`
}

// Inventory is the vault summary as of an inventory.
type Inventory struct {
	Date     time.Time `json:"date"`
	Archives int64     `json:"archives"`
	Bytes    int64     `json:"bytes"`
}

// ARN is the vault's Amazon Resource Name.
func ARN(region, account, name string) string {
	return "arn:aws:glacier:" + region + ":" + account + ":vaults/" + name
}

// Location is the vault's relative URI.
func Location(account, name string) string {
	return "/" + account + "/vaults/" + name
}

// NotFound is the error for a vault that does not exist, worded as the
// service words it.
func NotFound(region, account, name string) *firn.Error {
	return firn.Errorf(firn.CodeResourceNotFound, "Vault not found for ARN: %s", ARN(region, account, name))
}
