package store

import (
	"strings"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// tableBufferSize is how many bytes of a new table or blob file are
// gathered before they are written.
const tableBufferSize = 256 << 10

var tableBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, tableBufferSize)
	return &b
}}

// isTableFile reports whether name is a Pebble table or blob file, which
// Pebble writes once, syncs, and only then refers to from its manifest.
func isTableFile(name string) bool {
	return strings.HasSuffix(name, ".sst") || strings.HasSuffix(name, ".blob")
}

// tableFile gathers the writes of a new table or blob file into large
// writes. Pebble writes a table block by block (4 KiB each, which keeps
// the read of one small archive small), and a write call per block was
// most of the CPU time of a flush or compaction; larger blocks would
// have made every small read read more.
//
// Holding bytes back is safe because nothing reads a table before Pebble
// syncs it: every sync, and every call that reads or reports the size,
// first writes what is held. A crash loses only an unsynced table, which
// the manifest does not name.
type tableFile struct {
	*fenceFile

	mu  sync.Mutex
	buf *[]byte // nil until the first write, and after Close
}

// flushLocked writes what is held; mu is held.
func (f *tableFile) flushLocked() error {
	if f.buf == nil || len(*f.buf) == 0 {
		return nil
	}
	_, err := f.fenceFile.Write(*f.buf)
	*f.buf = (*f.buf)[:0]
	return err
}

func (f *tableFile) flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flushLocked()
}

func (f *tableFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.buf == nil {
		f.buf = tableBuffers.Get().(*[]byte)
	}
	b := *f.buf
	if len(b)+len(p) > cap(b) {
		if err := f.flushLocked(); err != nil {
			return 0, err
		}
		b = *f.buf
	}
	if len(p) >= cap(b) {
		return f.fenceFile.Write(p)
	}
	*f.buf = append(b, p...)
	return len(p), nil
}

func (f *tableFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.flush(); err != nil {
		return 0, err
	}
	return f.fenceFile.WriteAt(p, off)
}

func (f *tableFile) Read(p []byte) (int, error) {
	if err := f.flush(); err != nil {
		return 0, err
	}
	return f.fenceFile.Read(p)
}

func (f *tableFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.flush(); err != nil {
		return 0, err
	}
	return f.fenceFile.ReadAt(p, off)
}

func (f *tableFile) Stat() (vfs.FileInfo, error) {
	if err := f.flush(); err != nil {
		return nil, err
	}
	return f.fenceFile.Stat()
}

func (f *tableFile) Sync() error {
	if err := f.flush(); err != nil {
		return err
	}
	return f.fenceFile.Sync()
}

func (f *tableFile) SyncData() error {
	if err := f.flush(); err != nil {
		return err
	}
	return f.fenceFile.SyncData()
}

func (f *tableFile) SyncTo(length int64) (bool, error) {
	if err := f.flush(); err != nil {
		return false, err
	}
	return f.fenceFile.SyncTo(length)
}

// Close writes what is held, then closes the file.
func (f *tableFile) Close() error {
	f.mu.Lock()
	err := f.flushLocked()
	if f.buf != nil {
		tableBuffers.Put(f.buf)
		f.buf = nil
	}
	f.mu.Unlock()
	if cerr := f.fenceFile.Close(); err == nil {
		err = cerr
	}
	return err
}
