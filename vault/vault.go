package vault

import (
	"maps"
	"slices"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/lock"
	"github.com/oklog/ulid/v2"
)

// Record is the persisted state of one vault; internal/store defines its
// stored form.
type Record struct {
	// ID distinguishes this vault from an earlier one of the same name.
	ID      ulid.ULID
	Account string
	Name    string
	Created time.Time
	Tags    map[string]string
	// Notifications is nil when the vault has no notification configuration.
	Notifications *firn.VaultNotificationConfig
	// AccessPolicy is the verbatim access policy; "" when none.
	AccessPolicy string
	// Lock is the vault lock; the zero Lock when there is none.
	Lock lock.Lock
	// LastWrite is the last time an archive was added or removed.
	LastWrite time.Time
	// Inventory is the last inventory taken; nil before the first.
	Inventory *Inventory
	// Segments holds the last inventory's archive list, one JSON object a
	// line, when inventories are taken on a cadence.
	Segments []Segment
}

// Clone returns a deep copy of r: changing either changes nothing the
// other holds.
func (r *Record) Clone() *Record {
	c := *r
	c.Tags = maps.Clone(r.Tags)
	if r.Notifications != nil {
		n := *r.Notifications
		n.Events = slices.Clone(n.Events)
		c.Notifications = &n
	}
	if r.Inventory != nil {
		inv := *r.Inventory
		c.Inventory = &inv
	}
	c.Segments = slices.Clone(r.Segments)
	return &c
}

// Inventory is the vault summary as of an inventory.
type Inventory struct {
	Date     time.Time
	Archives int64
	Bytes    int64
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
