package engine

// SetMemTableSize makes the engines opened with o use metadata memtables of
// n bytes, so that a test can make the metadata store rotate its log, and
// write a new one, after few writes.
func SetMemTableSize(o *Options, n uint64) { o.memTableSize = n }
