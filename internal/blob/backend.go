package blob

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync/atomic"

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
	// moveMarker, in the top directory, says that a move of the flat layout
	// may have been interrupted (see moveFlat).
	moveMarker = "moving-to-fan-out"

	// Dirty bytes are handed to the OS for write-back every writebackBytes,
	// lagging writebackLag behind the write offset (as RocksDB and Pebble
	// do), so that Commit's sync has little left to flush.
	writebackBytes = 8 << 20
	writebackLag   = 1 << 20
)

// vfsBackend keeps each object in a file: <dir>/<hh>/<hh>/<ID>.seg once
// committed, <dir>/<ID>.seg.tmp while being written. The fan-out
// directories are named by the lowercase hex of id[15] and then id[14],
// random bits of a ULID (its leading bytes are a timestamp and would not
// spread), so that no directory grows with the segment count; temporaries
// stay in dir so that opening lists dir alone.
type vfsBackend struct {
	fs    vfs.FS
	dir   string
	known knownDirs
}

// knownDirs records the fan-out directories this process created and made
// durable, as bitsets indexed by id[15] and by id[15]<<8 | id[14].
type knownDirs struct {
	top [256 / 64]atomic.Uint64
	sub [1 << 16 / 64]atomic.Uint64
}

func has(bits []atomic.Uint64, i int) bool { return bits[i/64].Load()&(1<<(i%64)) != 0 }
func add(bits []atomic.Uint64, i int)      { bits[i/64].Or(1 << (i % 64)) }

// openVFSBackend creates dir if needed, durably, removes temporary files and
// moves the segments of the flat layout of earlier versions (<dir>/<ID>.seg)
// to their fan-out places. It lists dir only, never the fan-out tree.
func openVFSBackend(fs vfs.FS, dir string) (*vfsBackend, error) {
	b := &vfsBackend{fs: fs, dir: dir}
	if err := b.mkdirAll(dir); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	names, err := fs.List(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: list %s: %w", dir, err)
	}
	var flat []ID
	interrupted := false
	for _, name := range names {
		if strings.HasSuffix(name, tmpSuffix) {
			if err := fs.Remove(fs.PathJoin(dir, name)); err != nil {
				return nil, fmt.Errorf("blob: remove temporary file: %w", err)
			}
		} else if s, ok := strings.CutSuffix(name, segSuffix); ok {
			if id, err := ParseID(s); err == nil {
				flat = append(flat, id)
			}
		} else if name == moveMarker {
			interrupted = true
		}
	}
	if len(flat) > 0 || interrupted {
		if err := b.moveFlat(flat, interrupted); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// moveFlat moves the flat segment files ids to their fan-out places: it
// creates the fan-out directories, renames each file, syncs the fan-out
// directories and then dir. Syncing dir last makes the removal of each old
// entry durable only after the new one; a power loss before leaves each
// segment in at least one place, and the next open finishes the move.
// (Creating a directory syncs its parent, so all are created before the
// first rename.)
//
// A move that failed or whose process was killed leaves renames that are
// not synced, which the next open cannot see; a later sync of dir (by a
// write creating a fan-out directory) would then make old entries' removal
// durable before the new ones. So a marker file, durable before the first
// rename and removed with the old entries, tells the next open
// (interrupted) to sync every fan-out directory.
//
// A segment found at both places (a crash kept the new entry but not the
// removal of the old) loses its old entry: segments are immutable, so both
// hold the same bytes, and renaming a hard link over another of the same
// file would change nothing.
func (b *vfsBackend) moveFlat(ids []ID, interrupted bool) error {
	marker := b.fs.PathJoin(b.dir, moveMarker)
	if !interrupted {
		f, err := b.fs.Create(marker, vfs.WriteCategoryUnspecified)
		if err != nil {
			return fmt.Errorf("blob: create %s: %w", marker, err)
		}
		if err := errors.Join(f.Close(), b.syncDir(b.dir)); err != nil {
			return fmt.Errorf("blob: create %s: %w", marker, err)
		}
	}
	// Sorted, so that the operations come in the same order every time.
	slices.SortFunc(ids, func(a, b ID) int { return a.Compare(b) })
	dirs := make([]string, 0, len(ids))
	for _, id := range ids {
		if err := b.ensureDir(id); err != nil {
			return fmt.Errorf("blob: move %s: create directory: %w", id, err)
		}
		dirs = append(dirs, b.subdir(id))
	}
	for _, id := range ids {
		old, final := b.fs.PathJoin(b.dir, id.String()+segSuffix), b.path(id)
		_, err := b.fs.Stat(final)
		switch {
		case err == nil:
			err = b.fs.Remove(old)
		case errors.Is(err, fs.ErrNotExist):
			err = b.fs.Rename(old, final)
		}
		if err != nil {
			return fmt.Errorf("blob: move %s: %w", old, err)
		}
	}
	if interrupted {
		all, err := b.fanOutDirs()
		if err != nil {
			return err
		}
		for _, d := range all {
			dirs = append(dirs, d.path)
		}
	}
	slices.Sort(dirs)
	for _, d := range slices.Compact(dirs) {
		if err := b.syncDir(d); err != nil {
			return fmt.Errorf("blob: sync directory %s: %w", d, err)
		}
	}
	// Every new entry is durable: the old ones and the marker can go.
	if err := b.fs.Remove(marker); err != nil {
		return fmt.Errorf("blob: remove %s: %w", marker, err)
	}
	if err := b.syncDir(b.dir); err != nil {
		return fmt.Errorf("blob: sync directory %s: %w", b.dir, err)
	}
	return nil
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

// ensureDir makes the fan-out directories of id exist durably. One this
// process has not yet made durable is created and its parent synced even if
// it exists: that it exists after a crash does not prove its entry was
// synced, and it keeps the operations of a write independent of what
// earlier processes did.
func (b *vfsBackend) ensureDir(id ID) error {
	top, sub := int(id[15]), int(id[15])<<8|int(id[14])
	if has(b.known.sub[:], sub) {
		return nil
	}
	topDir := b.fs.PathJoin(b.dir, hexByte(id[15]))
	if !has(b.known.top[:], top) {
		if err := b.makeDir(topDir, b.dir); err != nil {
			return err
		}
		add(b.known.top[:], top)
	}
	if err := b.makeDir(b.subdir(id), topDir); err != nil {
		return err
	}
	add(b.known.sub[:], sub)
	return nil
}

func (b *vfsBackend) makeDir(dir, parent string) error {
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

func hexByte(c byte) string { return hex.EncodeToString([]byte{c}) }

// parseHexByte parses the name of a fan-out directory: two lowercase hex
// digits.
func parseHexByte(s string) (byte, bool) {
	if len(s) != 2 || strings.ToLower(s) != s {
		return 0, false
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return 0, false
	}
	return b[0], true
}

// subdir returns the fan-out directory of id.
func (b *vfsBackend) subdir(id ID) string {
	return b.fs.PathJoin(b.dir, hexByte(id[15]), hexByte(id[14]))
}

func (b *vfsBackend) path(id ID) string {
	return b.fs.PathJoin(b.subdir(id), id.String()+segSuffix)
}

func (b *vfsBackend) create(id ID) (pendingObject, error) {
	final := b.path(id)
	if _, err := b.fs.Stat(final); err == nil {
		return nil, fmt.Errorf("blob: create %s: %w", id, ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob: create %s: %w", id, err)
	}
	tmp := b.fs.PathJoin(b.dir, id.String()+segSuffix+tmpSuffix)
	f, err := b.fs.Create(tmp, vfs.WriteCategoryUnspecified)
	if err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", id, err)
	}
	return &vfsPending{b: b, id: id, f: f, tmp: tmp, final: final}, nil
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
	// A missing fan-out directory never held the segment.
	if err := b.syncDir(b.fs.PathDir(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: sync directory: %w", id, err)
	}
	return nil
}

// fanOutDir is a directory of the second fan-out level: its path and the
// bytes id[15] and id[14] of the segments it holds.
type fanOutDir struct {
	path   string
	hi, lo byte
}

// fanOutDirs returns the fan-out directories of the second level, skipping
// names that are not the store's.
func (b *vfsBackend) fanOutDirs() ([]fanOutDir, error) {
	tops, err := b.listDir(b.dir)
	if err != nil {
		return nil, err
	}
	var dirs []fanOutDir
	for _, top := range tops {
		hi, ok := parseHexByte(top)
		if !ok {
			continue
		}
		topDir := b.fs.PathJoin(b.dir, top)
		subs, err := b.listDir(topDir)
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			if lo, ok := parseHexByte(sub); ok {
				dirs = append(dirs, fanOutDir{b.fs.PathJoin(topDir, sub), hi, lo})
			}
		}
	}
	return dirs, nil
}

// list walks the fan-out tree. It skips names that are not its own (a
// README, say) and segment files outside their fan-out directory, which
// open would not find.
func (b *vfsBackend) list() ([]ID, error) {
	dirs, err := b.fanOutDirs()
	if err != nil {
		return nil, err
	}
	var ids []ID
	for _, d := range dirs {
		names, err := b.listDir(d.path)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			s, ok := strings.CutSuffix(name, segSuffix)
			if !ok {
				continue
			}
			if id, err := ParseID(s); err == nil && id[15] == d.hi && id[14] == d.lo {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// listDir lists dir, or returns nothing if dir is a file: a foreign one
// named like a fan-out directory.
func (b *vfsBackend) listDir(dir string) ([]string, error) {
	names, err := b.fs.List(dir)
	if err != nil {
		if fi, serr := b.fs.Stat(dir); serr == nil && !fi.IsDir() {
			return nil, nil
		}
		return nil, fmt.Errorf("blob: list %s: %w", dir, err)
	}
	return names, nil
}

type vfsObject struct {
	vfs.File
	n int64
}

func (o *vfsObject) size() int64 { return o.n }

type vfsPending struct {
	b          *vfsBackend
	id         ID
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
	if err := p.b.ensureDir(p.id); err != nil {
		return fmt.Errorf("blob: create directory of %s: %w", p.final, err)
	}
	if err := p.b.fs.Rename(p.tmp, p.final); err != nil {
		return fmt.Errorf("blob: rename %s: %w", p.tmp, err)
	}
	p.renamed = true
	// The entry that must survive is the final's; a temporary's that a
	// crash brings back is removed by Open.
	dir := p.b.subdir(p.id)
	if err := p.b.syncDir(dir); err != nil {
		return fmt.Errorf("blob: sync directory %s: %w", dir, err)
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
