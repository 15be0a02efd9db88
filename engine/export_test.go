package engine

// SetMemTableSize makes the engines opened with o use metadata memtables of
// n bytes, so that a test can make the metadata store rotate its log, and
// write a new one, after few writes.
func SetMemTableSize(o *Options, n uint64) { o.memTableSize = n }

// CompactMetadata compacts e's metadata store (see store.DB.Compact): its
// memtable is flushed and no compaction is left to run, so that filling
// the disk next cannot fail a background write that was due anyway.
func CompactMetadata(e *Engine) error { return e.db.Compact() }

// Intents returns how many intents e's metadata holds.
func Intents(e *Engine) (int, error) {
	segs, err := e.intendedSegments()
	return len(segs), err
}
