package store

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// fenceFS is the file system the store gives Pebble. Pebble cannot survive
// a failed write of its log or manifest: it panics while holding its
// commit lock (later commits then wait for ever), or unlocks a mutex twice
// (which kills the process), or calls Logger.Fatalf. So no write error
// ever reaches Pebble: the first one moves the store to the failed state
// and parks the goroutine that made the write, for ever.
//
// Once the store has failed, the file system is fenced: every later write,
// sync, creation, rename or removal parks its goroutine before reaching
// the disk, so the goroutines of the failed Pebble instance, which are
// never stopped, cannot change the directory behind a reopened store.
// Reads pass, fenced or not. A failed removal is passed to Pebble, which
// only logs it; so are a failed preallocation, which Pebble ignores, a
// failed hard link, which Pebble replaces by a copy, and any failure
// outside the store's directory (a checkpoint's), which Pebble returns.
//
// fenceFS also keeps the directory lock Pebble takes, so that Close can
// release it in the failed state, when Pebble's own Close cannot be called.
type fenceFS struct {
	vfs.FS
	dir  string      // the store's directory, without a trailing "/"
	fail func(error) // moves the store to the failed state; set once at Open

	// mu is held for reading by every write in progress, and for writing
	// by fence, so that once fence returns no write of the failed instance
	// is under way.
	mu     sync.RWMutex
	fenced bool
	parked atomic.Int64 // goroutines parked, for tests

	lockMu sync.Mutex
	locks  []*onceCloser
}

// park blocks the calling goroutine for ever.
func (f *fenceFS) park() {
	f.parked.Add(1)
	select {}
}

// write runs op, a write to the disk: not at all if the file system is
// fenced, and if it fails, the store fails and the goroutine parks. With
// tolerated set, a failure is returned to Pebble instead.
func (f *fenceFS) write(what, name string, tolerated bool, op func() error) error {
	f.mu.RLock()
	if f.fenced {
		f.mu.RUnlock()
		f.park()
	}
	err := op()
	f.mu.RUnlock()
	if err != nil && !tolerated && (name == f.dir || strings.HasPrefix(name, f.dir+"/")) {
		f.fail(fmt.Errorf("%s %s: %w", what, name, err))
		f.park()
	}
	return err
}

// fence stops every later write from reaching the disk, after waiting for
// those in progress. It may be called more than once.
func (f *fenceFS) fence() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fenced = true
}

// releaseLocks releases the directory locks Pebble took, if Pebble has not.
func (f *fenceFS) releaseLocks() error {
	f.lockMu.Lock()
	defer f.lockMu.Unlock()
	var first error
	for _, l := range f.locks {
		if err := l.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Unwrap returns the wrapped file system (see vfs.Root).
func (f *fenceFS) Unwrap() vfs.FS { return f.FS }

// Lock takes the lock through the wrapped file system and keeps it.
func (f *fenceFS) Lock(name string) (io.Closer, error) {
	c, err := f.FS.Lock(name)
	if err != nil {
		return nil, err
	}
	l := &onceCloser{c: c}
	f.lockMu.Lock()
	defer f.lockMu.Unlock()
	f.locks = append(f.locks, l)
	return l, nil
}

// Create implements vfs.FS.
func (f *fenceFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	var file vfs.File
	err := f.write("create", name, false, func() (err error) {
		file, err = f.FS.Create(name, category)
		return err
	})
	if file != nil && isTableFile(name) {
		return &tableFile{fenceFile: &fenceFile{File: file, fs: f, name: name}}, err
	}
	return f.wrap(file, name), err
}

// Link implements vfs.FS.
func (f *fenceFS) Link(oldname, newname string) error {
	return f.write("link", newname, true, func() error { return f.FS.Link(oldname, newname) })
}

// OpenReadWrite implements vfs.FS.
func (f *fenceFS) OpenReadWrite(name string, category vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	var file vfs.File
	err := f.write("open for writing", name, false, func() (err error) {
		file, err = f.FS.OpenReadWrite(name, category, opts...)
		return err
	})
	return f.wrap(file, name), err
}

// OpenDir implements vfs.FS; the directory's Sync is a write.
func (f *fenceFS) OpenDir(name string) (vfs.File, error) {
	file, err := f.FS.OpenDir(name)
	return f.wrap(file, name), err
}

// Remove implements vfs.FS.
func (f *fenceFS) Remove(name string) error {
	return f.write("remove", name, true, func() error { return f.FS.Remove(name) })
}

// RemoveAll implements vfs.FS.
func (f *fenceFS) RemoveAll(name string) error {
	return f.write("remove", name, true, func() error { return f.FS.RemoveAll(name) })
}

// Rename implements vfs.FS.
func (f *fenceFS) Rename(oldname, newname string) error {
	return f.write("rename", oldname, false, func() error { return f.FS.Rename(oldname, newname) })
}

// ReuseForWrite implements vfs.FS.
func (f *fenceFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	var file vfs.File
	err := f.write("reuse", oldname, false, func() (err error) {
		file, err = f.FS.ReuseForWrite(oldname, newname, category)
		return err
	})
	return f.wrap(file, newname), err
}

// MkdirAll implements vfs.FS.
func (f *fenceFS) MkdirAll(dir string, perm os.FileMode) error {
	return f.write("mkdir", dir, false, func() error { return f.FS.MkdirAll(dir, perm) })
}

func (f *fenceFS) wrap(file vfs.File, name string) vfs.File {
	if file == nil {
		return nil
	}
	return &fenceFile{File: file, fs: f, name: name}
}

// fenceFile is a file opened through fenceFS: its writes and syncs are
// fenced writes. Close is not: closing a descriptor writes nothing.
type fenceFile struct {
	vfs.File
	fs   *fenceFS
	name string
}

func (f *fenceFile) Write(p []byte) (n int, err error) {
	err = f.fs.write("write", f.name, false, func() (err error) {
		n, err = f.File.Write(p)
		return err
	})
	return n, err
}

func (f *fenceFile) WriteAt(p []byte, off int64) (n int, err error) {
	err = f.fs.write("write", f.name, false, func() (err error) {
		n, err = f.File.WriteAt(p, off)
		return err
	})
	return n, err
}

func (f *fenceFile) Preallocate(off, n int64) error {
	return f.fs.write("preallocate", f.name, true, func() error { return f.File.Preallocate(off, n) })
}

func (f *fenceFile) Sync() error {
	return f.fs.write("sync", f.name, false, f.File.Sync)
}

func (f *fenceFile) SyncData() error {
	return f.fs.write("sync", f.name, false, f.File.SyncData)
}

func (f *fenceFile) SyncTo(length int64) (full bool, err error) {
	err = f.fs.write("sync", f.name, false, func() (err error) {
		full, err = f.File.SyncTo(length)
		return err
	})
	return full, err
}

// onceCloser closes c once, whoever calls first: Pebble's Close, or the
// store's in the failed state. (Pebble's lock closer panics when closed
// twice.)
type onceCloser struct {
	c    io.Closer
	once sync.Once
	err  error
}

func (l *onceCloser) Close() error {
	l.once.Do(func() { l.err = l.c.Close() })
	return l.err
}
