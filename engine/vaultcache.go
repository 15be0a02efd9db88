package engine

import (
	"bytes"
	"sync"

	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/vault"
)

// vaultCacheMax bounds the decoded records kept; past it the cache starts
// over.
const vaultCacheMax = 4096

// vaultCache keeps each vault record read in decoded form, keyed by its
// stored bytes: decoding the record was the largest share of a small
// upload's CPU beside hashing. A record whose stored bytes differ from
// those cached is decoded again, so the cache needs no invalidation and
// holds on a shared database too. Callers own what decode returns.
type vaultCache struct {
	mu sync.RWMutex
	m  map[string]decodedVault
}

type decodedVault struct {
	raw []byte
	rec *vault.Record
}

// decode returns the record that raw, read at key, encodes.
func (c *vaultCache) decode(key, raw []byte) (*vault.Record, error) {
	c.mu.RLock()
	d, ok := c.m[string(key)]
	c.mu.RUnlock()
	if ok && bytes.Equal(d.raw, raw) {
		return d.rec.Clone(), nil
	}
	var v vault.Record
	if err := store.DecodeRecord(raw, &v); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= vaultCacheMax {
		c.m = map[string]decodedVault{}
	}
	c.m[string(key)] = decodedVault{raw: bytes.Clone(raw), rec: v.Clone()}
	return &v, nil
}
