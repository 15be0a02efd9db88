package store

import (
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Inline segment bytes (prefixInline) are written once, read whole and
// rarely, and make up most of the bytes of a store of small archives: in
// the sstables, every compaction that reaches them rewrites them. Pebble's
// value separation (FormatValueSeparation, which Open ratchets the store
// to with FormatNewest) writes such values to blob files at flush, and
// compactions then move references to them. Every other prefix keeps its
// values in place: records are read by listings and inventories, which
// would otherwise read a blob file per value.

// separateMin is the smallest inline value moved to a blob file: below
// it the reference (about 20 bytes) and the extra read are not worth it.
const separateMin = 256

// valueSeparation is the store's value separation policy.
func valueSeparation() pebble.ValueSeparationPolicy {
	return pebble.ValueSeparationPolicy{
		Enabled:     true,
		MinimumSize: separateMin,
		// CockroachDB's defaults: a compaction reading sstables that
		// reference more overlapping blob files than this rewrites their
		// values; blob files a fifth dead and 5 minutes old are rewritten
		// to reclaim the space of deleted archives.
		MaxBlobReferenceDepth: 10,
		RewriteMinimumAge:     5 * time.Minute,
		TargetGarbageRatio:    0.2,
	}
}

// spanPolicy keeps every value but the inline segments' in place; the
// span boundaries also end output sstables, so that inline bytes and
// records do not share tables.
func spanPolicy(start []byte) (pebble.SpanPolicy, []byte, error) {
	switch {
	case len(start) == 0 || start[0] < prefixInline:
		return pebble.SpanPolicy{ValueStoragePolicy: pebble.ValueStorageLowReadLatency}, []byte{prefixInline}, nil
	case start[0] == prefixInline:
		return pebble.SpanPolicy{}, []byte{prefixInline + 1}, nil
	default:
		return pebble.SpanPolicy{ValueStoragePolicy: pebble.ValueStorageLowReadLatency}, nil, nil
	}
}
