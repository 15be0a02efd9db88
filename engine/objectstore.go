package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"net/http"
	"path/filepath"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// ObjectStore locates the bucket of an S3-compatible object store (MinIO,
// Ceph RGW, AWS S3, ...) that holds an engine's archive bytes and metadata
// backups (see Options.ObjectStore).
//
// Archive bytes keep the segment format of the local store, one object per
// segment under Prefix + "segments/"; backups go under Prefix + "backups/".
//
// At most one engine uses a bucket and prefix at a time: it holds their
// lease, the object Prefix + "lease.json", from Open to Close, renewing it
// every LeaseRenewInterval (see lease.go for why no clock of another
// machine is trusted). Open and Restore fail with an error wrapping
// ErrBucketInUse, naming the holder's host, pid and data directory, while
// another engine holds it; a lease its holder stopped renewing (a crash) is
// taken over once watched unchanged for LeaseLifetime and a quarter, or at
// once by an engine on the holder's host and data directory. An engine that
// cannot renew its lease for LeaseLifetime (the store unreachable), or
// finds it taken, stops writing to the bucket: mutations, Backup and
// segment deletions return ServiceUnavailableException until the engine is
// closed and opened again. The store must honour conditional writes
// (If-None-Match and If-Match on PUT), as AWS S3 and MinIO do.
type ObjectStore struct {
	// Endpoint is the store's host[:port], without a scheme. Required.
	Endpoint string
	// TLS selects https instead of http.
	TLS bool
	// Bucket is the bucket's name. Required; the bucket must exist.
	Bucket string
	// Prefix starts every object name, so that several engines can share
	// a bucket; it normally ends with "/". Default "".
	Prefix string
	// Region signs the requests. Default: asked of the store.
	Region string
	// AccessKeyID, SecretAccessKey and SessionToken sign the requests.
	// With no AccessKeyID, requests are sent unsigned.
	AccessKeyID, SecretAccessKey, SessionToken string
	// Transport carries the requests: custom certificate authorities,
	// proxies. Default: minio-go's transport (system CAs, SSL_CERT_FILE).
	Transport http.RoundTripper
	// PartSize is the size of the parts in which large segments are
	// uploaded, 5 MiB to 5 GiB. Default 16 MiB.
	PartSize int64
	// PartsInFlight is the number of parts of one upload sent at the same
	// time; an upload holds at most PartsInFlight+1 parts in memory.
	// Default 4.
	PartsInFlight int
	// SweepInterval is how often, in real time, the engine looks for
	// segments that no metadata references (left by a crash between a
	// segment's upload and its metadata commit, by a failed delete, or
	// uploaded after the backup a data directory was restored from), and
	// deletes those it found unreferenced in the previous look too. It
	// spares the segments of the engine's own uploads in flight, however
	// long their metadata takes to commit, and decides from the metadata
	// alone, never from what the store answers of an object. Default 1
	// hour.
	SweepInterval time.Duration
	// IntentLifetime is, on a shared database (Options.Metadata), how long
	// by the engines' Clocks the sweeps of all engines spare a segment
	// being written: an engine records its intent to write a segment in
	// the database before writing it, and the commit that first references
	// the segment deletes the intent. It must exceed the longest upload
	// plus the clocks' disagreement, or a sweep may delete a segment still
	// being written; a writer that crashed leaves its segment for that
	// long. Default 24 hours.
	IntentLifetime time.Duration
	// LeaseLifetime is how long, in real time, the engine keeps writing to
	// the bucket without renewing its lease, and so how long another
	// engine watches an abandoned lease before taking it over (a quarter
	// more). Longer tolerates longer outages of the store; shorter lets an
	// engine replacing a crashed one start sooner. Default 60 s.
	LeaseLifetime time.Duration
	// LeaseRenewInterval is how often the lease is renewed; at most a third
	// of LeaseLifetime, so that a renewal failing now and then does not
	// stop the engine. Default LeaseLifetime / 6 (10 s).
	LeaseRenewInterval time.Duration
}

// Defaults of ObjectStore.
const (
	DefaultSweepInterval  = time.Hour
	DefaultIntentLifetime = 24 * time.Hour
	DefaultLeaseLifetime  = time.Minute
	minLeaseLifetime      = 100 * time.Millisecond
)

func (s *ObjectStore) bucketConfig() blob.BucketConfig {
	return blob.BucketConfig{
		Endpoint:        s.Endpoint,
		TLS:             s.TLS,
		Bucket:          s.Bucket,
		Prefix:          s.Prefix,
		Region:          s.Region,
		AccessKeyID:     s.AccessKeyID,
		SecretAccessKey: s.SecretAccessKey,
		SessionToken:    s.SessionToken,
		Transport:       s.Transport,
		PartSize:        s.PartSize,
		PartsInFlight:   s.PartsInFlight,
	}
}

// validate reports every problem with s.
func (s *ObjectStore) validate() error {
	cfg := s.bucketConfig()
	err := cfg.Validate()
	if s.SweepInterval < 0 {
		err = errors.Join(err, fmt.Errorf("ObjectStore.SweepInterval %v: must not be negative", s.SweepInterval))
	}
	if s.IntentLifetime < 0 {
		err = errors.Join(err, fmt.Errorf("ObjectStore.IntentLifetime %v: must not be negative", s.IntentLifetime))
	}
	if s.LeaseLifetime < 0 || (s.LeaseLifetime > 0 && s.LeaseLifetime < minLeaseLifetime) {
		err = errors.Join(err, fmt.Errorf("ObjectStore.LeaseLifetime %v: must be 0 (the default) or at least %v", s.LeaseLifetime, minLeaseLifetime))
	}
	if s.LeaseRenewInterval < 0 || (s.LeaseLifetime > 0 && 3*s.LeaseRenewInterval > s.LeaseLifetime) {
		err = errors.Join(err, fmt.Errorf("ObjectStore.LeaseRenewInterval %v: must not be negative, nor more than a third of LeaseLifetime %v", s.LeaseRenewInterval, s.LeaseLifetime))
	}
	return err
}

// location is what a data directory records of its object store, in
// objectStoreFile, so that it is never opened against another bucket, nor
// without one: its metadata references segments only that bucket holds.
type location struct {
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"`
}

const objectStoreFile = "objectstore.json"

func (l location) String() string { return "s3://" + l.Bucket + "/" + l.Prefix }

// openBlobs opens the segment store Options select: dir/blobs, or the
// object store, checking the data directory's record of where its segments
// are and taking the object store's lease before anything is written there.
// The bucket and the lease are nil for the local store.
func openBlobs(dir string, o *Options) (*blob.Store, *blob.Bucket, *lease, error) {
	if o.Metadata != "" {
		// Shared by any number of engines: no lease, and nothing in
		// dir to check, as the database records what the bucket holds.
		ctx := context.Background()
		b, err := blob.OpenBucket(ctx, o.ObjectStore.bucketConfig())
		if err != nil {
			return nil, nil, nil, err
		}
		s, err := blob.OpenS3Shared(ctx, b, o.blobOptions())
		return s, b, nil, err
	}
	rec, err := readLocation(o.FS, dir)
	if err != nil {
		return nil, nil, nil, err
	}
	if o.ObjectStore == nil {
		if rec != nil {
			return nil, nil, nil, fmt.Errorf("engine: %s keeps its archive bytes in %s: set Options.ObjectStore", dir, rec)
		}
		s, err := blob.Open(o.FS, filepath.Join(dir, "blobs"), o.blobOptions())
		return s, nil, nil, err
	}
	want := location{Bucket: o.ObjectStore.Bucket, Prefix: o.ObjectStore.Prefix}
	switch {
	case rec != nil && *rec != want:
		return nil, nil, nil, fmt.Errorf("engine: %s keeps its archive bytes in %s, not %s", dir, rec, want)
	case rec == nil:
		if _, err := o.FS.Stat(filepath.Join(dir, "blobs")); err == nil {
			return nil, nil, nil, fmt.Errorf("engine: %s keeps its archive bytes locally, in %s", dir, filepath.Join(dir, "blobs"))
		}
	}
	ctx := context.Background()
	b, err := blob.OpenBucket(ctx, o.ObjectStore.bucketConfig())
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := acquireLease(ctx, b, dir, o)
	if err != nil {
		return nil, nil, nil, err
	}
	if rec == nil {
		err = writeLocation(o.FS, dir, want)
	}
	var s *blob.Store
	if err == nil {
		s, err = blob.OpenS3(ctx, b, o.blobOptions())
	}
	if err != nil {
		l.release()
		return nil, nil, nil, err
	}
	return s, b, l, nil
}

func readLocation(fs vfs.FS, dir string) (*location, error) {
	f, err := fs.Open(filepath.Join(dir, objectStoreFile))
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	defer f.Close()
	var l location
	if err := json.NewDecoder(f).Decode(&l); err != nil {
		return nil, fmt.Errorf("engine: reading %s: %w", filepath.Join(dir, objectStoreFile), err)
	}
	return &l, nil
}

// writeLocation records l in dir durably, before any segment is uploaded.
func writeLocation(fs vfs.FS, dir string, l location) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if err := writeFileSync(fs, filepath.Join(dir, objectStoreFile), bytes.NewReader(b)); err != nil {
		return fmt.Errorf("engine: recording the object store: %w", err)
	}
	return nil
}

// writeFileSync writes r to file name, through a temporary file, and syncs
// the file and its directory.
func writeFileSync(fs vfs.FS, name string, r io.Reader) error {
	tmp := name + ".tmp"
	f, err := fs.Create(tmp, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fs.Rename(tmp, name)
	}
	if err != nil {
		fs.Remove(tmp)
		return err
	}
	return syncDir(fs, fs.PathDir(name))
}

func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// reclaimAtOpen finds the local segments that a crash left unreferenced:
// it returns those the intents name, for startReclaim, or, once, when
// upgrading a store whose older build kept no intents, deletes all that
// are listed and nothing references. An object store is swept in the
// background instead, listing it can take long; the sweep spares the
// segments of uploads in flight, which it learns of from here on.
func (e *Engine) reclaimAtOpen() ([]vault.Segment, error) {
	if e.bucket != nil {
		e.blobs.trackUnsettled()
		return nil, e.db.FinishUpgrade()
	}
	if e.db.UpgradedFrom() == 0 {
		return e.intendedSegments()
	}
	if err := e.reclaim(); err != nil {
		return nil, err
	}
	return nil, e.db.FinishUpgrade()
}

// startReclaim reclaims segs (see reclaimIntents) in the background, so
// that Open does not wait for their deletions, each of which syncs a
// directory; Check and Close wait for it.
func (e *Engine) startReclaim(segs []vault.Segment) {
	if len(segs) == 0 {
		close(e.reclaimed)
		return
	}
	e.bg.Go(func() {
		defer close(e.reclaimed)
		e.reclaimIntents(segs)
	})
}

// startObjectStore starts the sweep and the scheduled backups of an engine
// on an object store; Close stops them.
func (e *Engine) startObjectStore() {
	if e.bucket == nil {
		return
	}
	e.bg.Go(func() { e.sweep(e.opts.ObjectStore.SweepInterval, e.stop) })
	if e.opts.BackupInterval > 0 {
		e.bg.Go(func() { e.backupLoop(e.opts.BackupInterval, e.stop) })
	}
}

// sweep looks for unreferenced segments every interval until stop is
// closed (see ObjectStore.SweepInterval). The first look is an interval
// after Open, so that short-lived engines (a CLI command) never list the
// bucket.
func (e *Engine) sweep(interval time.Duration, stop <-chan struct{}) {
	var suspects map[ulid.ULID]bool
	every(interval, stop, func() { suspects = e.sweepOnce(suspects) })
}

// sweepOnce deletes the segments that are unreferenced and were in
// suspects, and returns the other unreferenced ones. It decides from the
// metadata alone and reads no object: a segment the listing lacks is no
// candidate, so a store that answers NoSuchKey or lists partially (a MinIO
// cluster recovering from a node's restart) can delay a deletion, never
// cause one of a referenced segment. Nor is a segment of this engine's
// uploads in flight a candidate (segStore.unsettled): timing cannot
// guarantee that its metadata commits within an interval; nor, on a shared
// database, a segment with an intent younger than ObjectStore.IntentLifetime,
// which another engine may be writing. An older intent's writer crashed:
// its segment is a candidate, and the intent is deleted with it, or at
// once when no segment is listed for it. The intents of referenced
// segments that their first reference could not delete (see addRefs) are
// deleted.
func (e *Engine) sweepOnce(suspects map[ulid.ULID]bool) map[ulid.ULID]bool {
	referenced := func(id blob.ID) (bool, error) {
		p := store.SegRefPrefix(id)
		return e.db.Any(p, store.PrefixEnd(p))
	}
	if err := e.blobs.settleReferenced(referenced); err != nil {
		e.opts.Logger.Warn("sweep: reading references", "err", err)
		return suspects
	}
	ids, err := e.blobs.List()
	if err != nil {
		e.opts.Logger.Warn("sweep: listing segments", "err", err)
		return suspects
	}
	// Intents are read after the listing and before the references: a
	// listed segment's intent was committed before it was written, and is
	// deleted only by its first reference or by its writer giving up.
	writing, has, err := e.intents(ids)
	if err != nil {
		e.opts.Logger.Warn("sweep: reading intents", "err", err)
		return suspects
	}
	next := map[ulid.ULID]bool{}
	var garbage []vault.Segment
	var done [][]byte // intents of referenced segments
	for _, id := range ids {
		used, err := referenced(id)
		switch {
		case err != nil:
			e.opts.Logger.Warn("sweep: reading references", "segment", id, "err", err)
		case used:
			if has[id] {
				done = append(done, store.IntentKey(id))
			}
		case writing[id], e.blobs.isUnsettled(id):
		case suspects[id]:
			garbage = append(garbage, vault.Segment{ID: id})
		default:
			next[id] = true
		}
	}
	if len(garbage) > 0 {
		e.opts.Logger.Info("sweep: deleting unreferenced segments", "count", len(garbage))
		e.deleteUnreferenced(garbage)
	}
	e.deleteIntents(done)
	return next
}

// intents returns the segments with an intent younger than
// ObjectStore.IntentLifetime and those with any intent, and deletes the
// older intents of segments not in listed: their writers crashed before
// writing, or the deletion of their segment did not reach the intent.
func (e *Engine) intents(listed []blob.ID) (young, has map[ulid.ULID]bool, err error) {
	if !e.shared {
		return nil, nil, nil
	}
	in := make(map[ulid.ULID]bool, len(listed))
	for _, id := range listed {
		in[id] = true
	}
	young, has = map[ulid.ULID]bool{}, map[ulid.ULID]bool{}
	var stale [][]byte
	cutoff := e.opts.Clock.Now().Add(-e.opts.ObjectStore.IntentLifetime)
	p := store.IntentAll()
	err = e.db.Scan(p, store.PrefixEnd(p), func(k, v []byte) (bool, error) {
		id := store.IntentID(k)
		has[id] = true
		switch t, ok := store.IntentTime(v); {
		case ok && t.After(cutoff):
			young[id] = true
		case !in[id]:
			stale = append(stale, append([]byte(nil), k...))
		}
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	e.deleteIntents(stale)
	return young, has, nil
}

// deleteIntents deletes the intents at keys; one that stays is deleted by
// a later sweep.
func (e *Engine) deleteIntents(keys [][]byte) {
	if len(keys) == 0 {
		return
	}
	b := e.db.NewBatch()
	for _, k := range keys {
		b.Delete(k)
	}
	if err := b.Commit(); err != nil {
		e.opts.Logger.Warn("sweep: deleting intents", "count", len(keys), "err", err)
	}
}
