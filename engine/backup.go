package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/oklog/ulid/v2"
)

// Metadata backups live beside the archive bytes in the object store: the
// files of a Pebble checkpoint of the metadata under
// PREFIX backups/<ID>/, then, written last, backups/<ID>/MANIFEST.json,
// which lists them with their sizes and SHA-256. A backup is complete
// exactly when its manifest exists; Restore takes the complete backup with
// the greatest ID. Since the archive bytes are already in the bucket, a
// backup holds only metadata.

// BackupInfo describes a metadata backup.
type BackupInfo struct {
	// ID names the backup: a ULID, greater for later backups.
	ID string
	// Created is when the backup was taken, by Options.Clock.
	Created time.Time
	// Files and Bytes count the metadata files the backup holds.
	Files int
	Bytes int64
}

// RestoreInfo describes what Restore put in place.
type RestoreInfo struct {
	// Backup is the backup restored.
	Backup BackupInfo
	// Segments is the number of archive-byte segments the restored
	// metadata references.
	Segments int
	// Missing lists the referenced segments that the bucket lacks, whose
	// archives cannot be read. Empty after a sound restore.
	Missing []string
	// Unreferenced counts the segments in the bucket that the restored
	// metadata does not reference: bytes uploaded after the backup was
	// taken, whose archives it does not know. The engine's sweep deletes
	// them.
	Unreferenced int
}

var (
	// ErrNoObjectStore is returned by Backup and Restore without
	// Options.ObjectStore.
	ErrNoObjectStore = errors.New("engine: no object store (Options.ObjectStore) for backups")
	// ErrMetadataInDatabase is returned by Backup and Restore when the
	// metadata is in a database (Options.Metadata): its backups are the
	// database's own, pg_dump or continuous archiving for point-in-time
	// recovery, and the archive bytes stay in the object store.
	ErrMetadataInDatabase = errors.New("engine: the metadata is in a database (Options.Metadata): back it up with the database's own tools (pg_dump, or continuous archiving for point-in-time recovery); the archive bytes stay in the object store")
	// ErrNoBackup is returned by Restore when the object store holds no
	// complete backup.
	ErrNoBackup = errors.New("engine: the object store holds no complete backup")
)

const (
	backupsDir      = "backups/"
	manifestName    = "MANIFEST.json"
	manifestVersion = 1
	backupTmp       = "backup.tmp"   // the checkpoint being uploaded, in the data directory
	restoreTmp      = "meta.restore" // the metadata being downloaded
)

type manifest struct {
	Version     int            `json:"version"`
	ID          string         `json:"id"`
	Created     time.Time      `json:"created"`
	StoreFormat int            `json:"storeFormat"`
	Files       []manifestFile `json:"files"`
}

type manifestFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Backup stores a consistent copy of the engine's metadata in the object
// store and returns its description; when it returns nil the backup is
// complete. Afterwards it deletes the complete backups beyond the newest
// Options.BackupsKept and what interrupted backups left. It returns
// ErrNoObjectStore if the engine has no object store, and
// ErrMetadataInDatabase if its metadata is in a database. Backup may run
// concurrently with other operations (it sees all those that returned
// before it began); concurrent Backups run one at a time.
func (e *Engine) Backup(ctx context.Context) (BackupInfo, error) {
	if e.shared {
		return BackupInfo{}, ErrMetadataInDatabase
	}
	if e.bucket == nil {
		return BackupInfo{}, ErrNoObjectStore
	}
	e.backupMu.Lock()
	defer e.backupMu.Unlock()
	if err := e.lease.check(); err != nil {
		return BackupInfo{}, err
	}
	backups, err := listBackups(ctx, e.bucket)
	if err != nil {
		return BackupInfo{}, err
	}
	id := e.newID()
	if n := len(backups); n > 0 && id.Compare(backups[n-1].id) <= 0 {
		// The clock is behind the latest backup's (a restored engine
		// on another machine, say): order by ID all the same.
		id = ulid.MustNew(backups[n-1].id.Time()+1, e.entropy)
	}
	created := e.now()

	fs := e.opts.FS
	tmp := filepath.Join(e.dir, backupTmp)
	if err := fs.RemoveAll(tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("engine: backup: %w", err)
	}
	defer fs.RemoveAll(tmp)
	if err := e.db.Checkpoint(tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("engine: backup: %w", err)
	}
	names, err := fs.List(tmp)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("engine: backup: %w", err)
	}
	slices.Sort(names)
	m := manifest{Version: manifestVersion, ID: id.String(), Created: created, StoreFormat: store.FormatVersion}
	dir := backupsDir + id.String() + "/"
	info := BackupInfo{ID: m.ID, Created: created}
	for _, name := range names {
		mf, err := uploadFile(ctx, e.bucket, fs, filepath.Join(tmp, name), dir+name)
		if err != nil {
			return BackupInfo{}, fmt.Errorf("engine: backup: %w", err)
		}
		mf.Name = name
		m.Files = append(m.Files, mf)
		info.Files++
		info.Bytes += mf.Size
	}
	mb, err := json.Marshal(&m)
	if err != nil {
		return BackupInfo{}, err
	}
	// The upload took long, perhaps longer than the lease lasts.
	if err := e.lease.check(); err != nil {
		return BackupInfo{}, err
	}
	if err := e.bucket.Put(ctx, dir+manifestName, bytes.NewReader(mb), int64(len(mb))); err != nil {
		return BackupInfo{}, fmt.Errorf("engine: backup: %w", err)
	}
	e.pruneBackups(ctx, append(backups, backupEntry{id: id, complete: true}))
	return info, nil
}

// uploadFile uploads file path of fs as object name.
func uploadFile(ctx context.Context, b *blob.Bucket, fs vfs.FS, path, name string) (manifestFile, error) {
	f, err := fs.Open(path)
	if err != nil {
		return manifestFile{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return manifestFile{}, err
	}
	if !fi.Mode().IsRegular() {
		return manifestFile{}, fmt.Errorf("checkpoint holds %s, which is not a regular file", path)
	}
	h := sha256.New()
	if err := b.Put(ctx, name, io.TeeReader(f, h), fi.Size()); err != nil {
		return manifestFile{}, err
	}
	return manifestFile{Size: fi.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// backupEntry is a backup found in the object store.
type backupEntry struct {
	id       ulid.ULID
	complete bool     // its manifest exists
	objects  []string // object names, relative to the bucket's prefix
}

// listBackups returns the backups in b, in ID order. A backup whose
// manifest the listing lacks is complete if a GET finds the manifest,
// incomplete only if the store confirms its absence (see blob.Bucket.Get).
func listBackups(ctx context.Context, b *blob.Bucket) ([]backupEntry, error) {
	names, err := b.List(ctx, backupsDir)
	if err != nil {
		return nil, fmt.Errorf("engine: listing backups: %w", err)
	}
	byID := map[ulid.ULID]*backupEntry{}
	for _, name := range names {
		idText, file, ok := strings.Cut(strings.TrimPrefix(name, backupsDir), "/")
		id, err := ulid.ParseStrict(idText)
		if !ok || err != nil {
			continue
		}
		be := byID[id]
		if be == nil {
			be = &backupEntry{id: id}
			byID[id] = be
		}
		be.objects = append(be.objects, name)
		be.complete = be.complete || file == manifestName
	}
	out := make([]backupEntry, 0, len(byID))
	for _, be := range byID {
		if !be.complete {
			// A listing may lack the manifest (a MinIO cluster
			// recovering from a node's restart): look it up, since
			// pruning deletes an incomplete backup and Restore skips it.
			name := backupsDir + be.id.String() + "/" + manifestName
			rc, err := b.Get(ctx, name)
			switch {
			case err == nil:
				rc.Close()
				be.complete = true
				be.objects = append(be.objects, name)
			case !errors.Is(err, iofs.ErrNotExist):
				return nil, fmt.Errorf("engine: listing backups: %w", err)
			}
		}
		out = append(out, *be)
	}
	slices.SortFunc(out, func(a, b backupEntry) int { return a.id.Compare(b.id) })
	return out, nil
}

// pruneBackups deletes the complete backups beyond the newest
// Options.BackupsKept, and the incomplete ones older than the newest
// complete one: they were interrupted, since backups run one at a time.
// The manifest goes first, so that a backup is never seen complete with
// files missing. Failures are logged: the next backup tries again.
func (e *Engine) pruneBackups(ctx context.Context, backups []backupEntry) {
	kept := 0
	newestComplete := false
	for i := len(backups) - 1; i >= 0; i-- {
		be := backups[i]
		if be.complete {
			newestComplete = true
			if kept++; kept <= e.opts.BackupsKept {
				continue
			}
		} else if !newestComplete {
			continue
		}
		slices.SortFunc(be.objects, func(a, b string) int {
			// The manifest first.
			return boolInt(!strings.HasSuffix(a, "/"+manifestName)) - boolInt(!strings.HasSuffix(b, "/"+manifestName))
		})
		for _, name := range be.objects {
			if err := e.bucket.Delete(ctx, name); err != nil {
				e.opts.Logger.Warn("deleting an old backup", "backup", be.id, "err", err)
				break
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// backupLoop takes a backup every interval until stop is closed.
func (e *Engine) backupLoop(interval time.Duration, stop <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-stop
		cancel()
	}()
	every(interval, stop, func() {
		info, err := e.Backup(ctx)
		if err != nil {
			e.opts.Logger.Error("scheduled backup", "err", err)
			return
		}
		e.opts.Logger.Info("scheduled backup", "backup", info.ID, "files", info.Files, "bytes", info.Bytes)
	})
}

// Restore puts in data directory dir the metadata of the latest complete
// backup in the object store of opts, so that Open(dir, opts) then opens an
// engine serving every archive the backup knows, from the bytes already in
// the bucket. dir must hold no metadata (a new machine's empty directory,
// say). It holds the object store's lease while it works, so it fails with
// ErrBucketInUse while an engine, such as the one that wrote the backups,
// uses the bucket and prefix.
//
// Every file is checked against the manifest's size and SHA-256 and
// synced before the metadata directory takes its final name, so an
// interrupted Restore leaves dir without metadata and can be run again.
// The result tells which referenced segments the bucket lacks, if any, and
// how many it holds that the backup does not reference (uploaded after
// it). Restore returns ErrMetadataInDatabase with opts.Metadata,
// ErrNoObjectStore without opts.ObjectStore,
// ErrNoBackup if there is no complete backup, and an error if dir holds
// metadata.
func Restore(ctx context.Context, dir string, opts *Options) (RestoreInfo, error) {
	o := opts.EnsureDefaults()
	if o.Metadata != "" {
		return RestoreInfo{}, ErrMetadataInDatabase
	}
	if o.ObjectStore == nil {
		return RestoreInfo{}, ErrNoObjectStore
	}
	if err := o.Validate(); err != nil {
		return RestoreInfo{}, fmt.Errorf("engine: invalid options: %w", err)
	}
	fs := o.FS
	meta := filepath.Join(dir, "meta")
	if _, err := fs.Stat(meta); !errors.Is(err, iofs.ErrNotExist) {
		if err == nil {
			err = errors.New("it already holds metadata; restore into a new data directory")
		}
		return RestoreInfo{}, fmt.Errorf("engine: restore into %s: %w", dir, err)
	}
	b, err := blob.OpenBucket(ctx, o.ObjectStore.bucketConfig())
	if err != nil {
		return RestoreInfo{}, err
	}
	// Held while the metadata is put in place, then released for the
	// restored engine's Open, which takes it at once.
	l, err := acquireLease(ctx, b, dir, o)
	if err != nil {
		return RestoreInfo{}, err
	}
	info, err := restoreLatest(ctx, b, dir, o)
	l.release()
	if err != nil {
		return RestoreInfo{}, err
	}
	if err := checkRestored(dir, o, &info); err != nil {
		return RestoreInfo{}, err
	}
	return info, nil
}

// restoreLatest puts the latest complete backup in b in data directory
// dir, as Restore describes.
func restoreLatest(ctx context.Context, b *blob.Bucket, dir string, o *Options) (RestoreInfo, error) {
	fs := o.FS
	meta := filepath.Join(dir, "meta")
	backups, err := listBackups(ctx, b)
	if err != nil {
		return RestoreInfo{}, err
	}
	var latest *backupEntry
	for i := len(backups) - 1; i >= 0 && latest == nil; i-- {
		if backups[i].complete {
			latest = &backups[i]
		}
	}
	if latest == nil {
		return RestoreInfo{}, fmt.Errorf("%w in %s", ErrNoBackup, b)
	}
	m, err := readManifest(ctx, b, latest.id)
	if err != nil {
		return RestoreInfo{}, err
	}
	info := RestoreInfo{Backup: BackupInfo{ID: m.ID, Created: m.Created, Files: len(m.Files)}}
	for _, f := range m.Files {
		info.Backup.Bytes += f.Size
	}

	if err := mkdirAll(fs, dir); err != nil {
		return RestoreInfo{}, fmt.Errorf("engine: restore: %w", err)
	}
	tmp := filepath.Join(dir, restoreTmp)
	if err := fs.RemoveAll(tmp); err != nil {
		return RestoreInfo{}, fmt.Errorf("engine: restore: %w", err)
	}
	if err := fs.MkdirAll(tmp, 0o755); err != nil {
		return RestoreInfo{}, fmt.Errorf("engine: restore: %w", err)
	}
	prefix := backupsDir + m.ID + "/"
	for _, f := range m.Files {
		if err := downloadFile(ctx, b, prefix+f.Name, fs, filepath.Join(tmp, f.Name), f); err != nil {
			fs.RemoveAll(tmp)
			return RestoreInfo{}, fmt.Errorf("engine: restore backup %s: %w", m.ID, err)
		}
	}
	err = syncDir(fs, tmp)
	if err == nil {
		err = fs.Rename(tmp, meta)
	}
	if err == nil {
		err = syncDir(fs, dir)
	}
	if err != nil {
		return RestoreInfo{}, fmt.Errorf("engine: restore: %w", err)
	}
	if err := writeLocation(fs, dir, location{Bucket: o.ObjectStore.Bucket, Prefix: o.ObjectStore.Prefix}); err != nil {
		return RestoreInfo{}, err
	}
	return info, nil
}

func readManifest(ctx context.Context, b *blob.Bucket, id ulid.ULID) (*manifest, error) {
	name := backupsDir + id.String() + "/" + manifestName
	rc, err := b.Get(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("engine: restore: %w", err)
	}
	defer rc.Close()
	var m manifest
	if err := json.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("engine: restore: reading %s: %w", name, err)
	}
	switch {
	case m.Version != manifestVersion:
		return nil, fmt.Errorf("engine: restore: %s has version %d; this build reads %d", name, m.Version, manifestVersion)
	case m.ID != id.String():
		return nil, fmt.Errorf("engine: restore: %s names backup %s", name, m.ID)
	case m.StoreFormat < 1 || m.StoreFormat > store.FormatVersion:
		// Older formats are restored as they are: Open upgrades them.
		return nil, fmt.Errorf("engine: restore: backup %s holds metadata format %d; this build reads 1 to %d", m.ID, m.StoreFormat, store.FormatVersion)
	}
	for _, f := range m.Files {
		if f.Name == "" || strings.ContainsAny(f.Name, `/\`) || f.Name == "." || f.Name == ".." {
			return nil, fmt.Errorf("engine: restore: %s lists a bad file name %q", name, f.Name)
		}
	}
	return &m, nil
}

// downloadFile writes object name to a new file path of fs, checks it
// against f and syncs it.
func downloadFile(ctx context.Context, b *blob.Bucket, name string, fs vfs.FS, path string, f manifestFile) error {
	rc, err := b.Get(ctx, name)
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(rc, f.Size+1))
	if err == nil && (n != f.Size || hex.EncodeToString(h.Sum(nil)) != f.SHA256) {
		err = fmt.Errorf("%s: %d bytes with SHA-256 %x; the manifest says %d bytes, %s", name, n, h.Sum(nil), f.Size, f.SHA256)
	}
	if err == nil {
		err = out.Sync()
	}
	return errors.Join(err, out.Close())
}

// checkRestored opens the restored engine and compares the segments its
// metadata references with those it can find.
func checkRestored(dir string, o *Options, info *RestoreInfo) error {
	e, err := Open(dir, o)
	if err != nil {
		return fmt.Errorf("engine: restore: opening the restored engine: %w", err)
	}
	defer e.Close()
	referenced := map[ulid.ULID]bool{}
	err = e.db.Scan(store.SegRefAll(), store.PrefixEnd(store.SegRefAll()), func(k, _ []byte) (bool, error) {
		seg, _ := store.SegRefSplit(k)
		referenced[seg] = true
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("engine: restore: reading the restored metadata: %w", err)
	}
	ids, err := e.blobs.List()
	if err != nil {
		return err
	}
	present := map[ulid.ULID]bool{}
	for _, id := range ids {
		present[id] = true
		if !referenced[id] {
			info.Unreferenced++
		}
	}
	info.Segments = len(referenced)
	for id := range referenced {
		if present[id] {
			continue
		}
		// Not listed: look it up, wherever the engine keeps it.
		if _, err := e.blobs.Stat(id); errors.Is(err, blob.ErrNotFound) {
			info.Missing = append(info.Missing, id.String())
		} else if err != nil {
			return fmt.Errorf("engine: restore: %w", err)
		}
	}
	slices.Sort(info.Missing)
	return nil
}
