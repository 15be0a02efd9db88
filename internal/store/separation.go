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

// spanPolicy keeps every value but the inline segments' in place, and
// gives each key prefix a span of its own. Span boundaries end output
// sstables, so no table holds keys of two prefixes: an upload appends at
// the tail of several prefixes' ranges (archive, reference, inline bytes),
// and a table spanning two of those tails would overlap every table
// between them, which each compaction into it would then rewrite. With one
// span per prefix, small uploads at 32 goroutines went from 0.74x to 0.81x
// of Pebble's synced batches (firnbench, five runs alternating).
func spanPolicy(start []byte) (pebble.SpanPolicy, []byte, error) {
	var end []byte
	if len(start) == 0 {
		end = []byte{0}
	} else if start[0] < 0xff {
		end = []byte{start[0] + 1}
	}
	if len(start) > 0 && start[0] == prefixInline {
		return pebble.SpanPolicy{}, end, nil
	}
	return pebble.SpanPolicy{ValueStoragePolicy: pebble.ValueStorageLowReadLatency}, end, nil
}
