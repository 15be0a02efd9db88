package store

import (
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/lock"
	"github.com/firnstore/firn/vault"
)

// vaultRecord is the stored form of a vault.Record (key VaultKey).
type vaultRecord struct {
	ID            [16]byte             `json:"id"`
	Account       string               `json:"account"`
	Name          string               `json:"name"`
	Created       time.Time            `json:"created"`
	Tags          map[string]string    `json:"tags,omitempty"`
	Notifications *notificationsRecord `json:"notifications,omitempty"`
	AccessPolicy  string               `json:"accessPolicy,omitempty"`
	Lock          lockRecord           `json:"lock,omitzero"`
	LastWrite     time.Time            `json:"lastWrite"`
	Inventory     *inventoryRecord     `json:"inventory,omitempty"`
	Segments      []segmentRecord      `json:"segments,omitempty"`
}

// notificationsRecord is the stored form of a
// firn.VaultNotificationConfig.
type notificationsRecord struct {
	SNSTopic string   `json:"SNSTopic"`
	Events   []string `json:"Events"`
}

// lockRecord is the stored form of a lock.Lock; the zero lockRecord (no
// lock) is omitted.
type lockRecord struct {
	State   lock.State `json:"state,omitempty"`
	ID      string     `json:"id,omitempty"`
	Policy  string     `json:"policy,omitempty"`
	Created time.Time  `json:"created,omitzero"`
	Expiry  time.Time  `json:"expires,omitzero"`
}

// inventoryRecord is the stored form of a vault.Inventory.
type inventoryRecord struct {
	Date     time.Time `json:"date"`
	Archives int64     `json:"archives"`
	Bytes    int64     `json:"bytes"`
}

func vaultToRecord(v *vault.Record) *vaultRecord {
	return &vaultRecord{
		ID:            v.ID,
		Account:       v.Account,
		Name:          v.Name,
		Created:       v.Created,
		Tags:          v.Tags,
		Notifications: (*notificationsRecord)(v.Notifications),
		AccessPolicy:  v.AccessPolicy,
		Lock:          lockRecord(v.Lock),
		LastWrite:     v.LastWrite,
		Inventory:     (*inventoryRecord)(v.Inventory),
		Segments:      segmentsToRecord(v.Segments),
	}
}

func (r *vaultRecord) vault() vault.Record {
	return vault.Record{
		ID:            r.ID,
		Account:       r.Account,
		Name:          r.Name,
		Created:       r.Created,
		Tags:          r.Tags,
		Notifications: (*firn.VaultNotificationConfig)(r.Notifications),
		AccessPolicy:  r.AccessPolicy,
		Lock:          lock.Lock(r.Lock),
		LastWrite:     r.LastWrite,
		Inventory:     (*vault.Inventory)(r.Inventory),
		Segments:      segmentsFromRecord(r.Segments),
	}
}
