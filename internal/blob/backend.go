package blob

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// backend is where segment objects live: the seam between the segment
// encoding and storage. An object is written once, sequentially, and becomes
// visible under its ID only when committed, so that another backend (an
// object store, one object per segment) can be added beside the file one.
// Its methods are safe for concurrent use.
type backend interface {
	// create starts writing object id. It fails with ErrExist if id is
	// committed.
	create(id ID) (pendingObject, error)
	// open opens committed object id; it fails with ErrNotFound if absent.
	open(id ID) (object, error)
	// remove deletes committed object id; absent is not an error.
	remove(id ID) error
	// list returns the IDs of the committed objects.
	list() ([]ID, error)
}

// pendingObject is an object being written, by one goroutine.
type pendingObject interface {
	io.Writer
	// commit makes the bytes written durable and visible under the ID. If
	// it fails, the object may be left for abort to remove, but is not
	// visible.
	commit() error
	// abort discards the object, committed or not.
	abort() error
}

// object is a committed object open for reading.
type object interface {
	io.ReaderAt // safe for concurrent use
	io.Closer
	size() int64
}

const (
	segSuffix = ".seg"
	tmpSuffix = ".tmp"

	// Dirty bytes are handed to the OS for write-back every writebackBytes,
	// lagging writebackLag behind the write offset (as RocksDB and Pebble
	// do), so that Commit's sync has little left to flush.
	writebackBytes = 8 << 20
	writebackLag   = 1 << 20
)

// vfsBackend keeps each object in a file of one directory: <ID>.seg once
// committed, <ID>.seg.tmp while being written.
type vfsBackend struct {
	fs  vfs.FS
	dir string
}

// openVFSBackend creates dir if needed, durably, and removes temporary files.
func openVFSBackend(fs vfs.FS, dir string) (*vfsBackend, error) {
	b := &vfsBackend{fs: fs, dir: dir}
	if err := b.mkdirAll(dir); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	names, err := fs.List(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: list %s: %w", dir, err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, tmpSuffix) {
			if err := fs.Remove(fs.PathJoin(dir, name)); err != nil {
				return nil, fmt.Errorf("blob: remove temporary file: %w", err)
			}
		}
	}
	return b, nil
}

// mkdirAll creates dir and its missing parents, syncing the parent of each
// so that the directories survive a crash along with the segments in them.
func (b *vfsBackend) mkdirAll(dir string) error {
	if _, err := b.fs.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent := b.fs.PathDir(dir)
	if parent != dir {
		if err := b.mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := b.fs.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return b.syncDir(parent)
}

func (b *vfsBackend) syncDir(dir string) error {
	d, err := b.fs.OpenDir(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

func (b *vfsBackend) path(id ID) string {
	return b.fs.PathJoin(b.dir, id.String()+segSuffix)
}

func (b *vfsBackend) create(id ID) (pendingObject, error) {
	final := b.path(id)
	if _, err := b.fs.Stat(final); err == nil {
		return nil, fmt.Errorf("blob: create %s: %w", id, ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob: create %s: %w", id, err)
	}
	tmp := final + tmpSuffix
	f, err := b.fs.Create(tmp, vfs.WriteCategoryUnspecified)
	if err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", id, err)
	}
	return &vfsPending{b: b, f: f, tmp: tmp, final: final}, nil
}

func (b *vfsBackend) open(id ID) (object, error) {
	f, err := b.fs.Open(b.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob: open %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", id, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: open %s: %w", id, err)
	}
	return &vfsObject{File: f, n: fi.Size()}, nil
}

// remove syncs the directory even when the file is already gone: an
// earlier remove whose sync failed may not be durable yet.
func (b *vfsBackend) remove(id ID) error {
	p := b.path(id)
	if err := b.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", id, err)
	}
	if err := b.syncDir(b.fs.PathDir(p)); err != nil {
		return fmt.Errorf("blob: delete %s: sync directory: %w", id, err)
	}
	return nil
}

func (b *vfsBackend) list() ([]ID, error) {
	names, err := b.fs.List(b.dir)
	if err != nil {
		return nil, fmt.Errorf("blob: list %s: %w", b.dir, err)
	}
	var ids []ID
	for _, name := range names {
		if s, ok := strings.CutSuffix(name, segSuffix); ok {
			if id, err := ParseID(s); err == nil {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

type vfsObject struct {
	vfs.File
	n int64
}

func (o *vfsObject) size() int64 { return o.n }

type vfsPending struct {
	b          *vfsBackend
	f          vfs.File // nil once closed
	tmp, final string
	renamed    bool
	off        int64 // bytes written
	writeback  int64 // bytes handed to the OS for write-back
}

func (p *vfsPending) Write(b []byte) (int, error) {
	n, err := p.f.Write(b)
	p.off += int64(n)
	if err != nil {
		return n, err
	}
	if to := p.off - writebackLag; to-p.writeback >= writebackBytes {
		if _, err := p.f.SyncTo(to); err != nil {
			return n, err
		}
		p.writeback = to
	}
	return n, nil
}

func (p *vfsPending) commit() error {
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("blob: sync %s: %w", p.tmp, err)
	}
	err := p.f.Close()
	p.f = nil
	if err != nil {
		return fmt.Errorf("blob: close %s: %w", p.tmp, err)
	}
	if err := p.b.fs.Rename(p.tmp, p.final); err != nil {
		return fmt.Errorf("blob: rename %s: %w", p.tmp, err)
	}
	p.renamed = true
	if err := p.b.syncDir(p.b.dir); err != nil {
		return fmt.Errorf("blob: sync directory %s: %w", p.b.dir, err)
	}
	return nil
}

func (p *vfsPending) abort() error {
	var err error
	if p.f != nil {
		err = p.f.Close()
		p.f = nil
	}
	name := p.tmp
	if p.renamed {
		name = p.final
	}
	if rerr := p.b.fs.Remove(name); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = errors.Join(err, fmt.Errorf("blob: remove %s: %w", name, rerr))
	}
	return err
}
