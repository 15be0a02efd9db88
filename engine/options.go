package engine

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
)

// Options configure an Engine. A nil *Options means all defaults; every
// field documents its default, applied by EnsureDefaults. Options are
// copied at Open; changing them afterwards has no effect.
type Options struct {
	// AccountID is the engine's own account: what AccountId "" and "-"
	// mean. Default "000000000000".
	AccountID string
	// Region appears in ARNs. Default "us-east-1".
	Region string
	// Clock is the only source of time. Default firn.SystemClock{}.
	Clock firn.Clock
	// FS holds both the metadata and the archive bytes. Default vfs.Default
	// (the OS filesystem); vfs.NewMem() gives an in-memory engine.
	FS vfs.FS
	// Logger receives operational messages. Default: discard.
	Logger *slog.Logger
	// MaxVaults is the number of vaults an account may hold. Default 1000.
	MaxVaults int
	// MaxArchiveSize is the largest single-request upload, in bytes.
	// Default 4 GiB. ImportArchive is not bound by it (see
	// vault.MaxImportSize).
	MaxArchiveSize int64
	// TickInterval is how often, in real time, the engine looks for
	// time-driven work that has become due by Clock (job completion,
	// expiries). Operations that depend on such work also look first, so
	// this only bounds how late unobserved work happens. Default 1s.
	TickInterval time.Duration
	// JobTiming says how long jobs take per tier. Default: every job
	// completes immediately; job.RealisticTiming follows the service's
	// published times.
	JobTiming job.Timing
	// Notifier receives job-completion notifications for SNS topics, from
	// a goroutine of the engine's (see Notifier). Default: none
	// (notifications are dropped).
	Notifier Notifier
	// LimitExpedited makes on-demand Expedited capacity unavailable, so
	// that Expedited retrievals need provisioned capacity: each unit allows
	// 3 every 5 minutes, further ones fail with
	// InsufficientCapacityException. Default false: unlimited.
	LimitExpedited bool
	// SelectOutput stores the results of select jobs: S3Output writes them
	// to the bucket each job's OutputLocation names, in an S3-compatible
	// object store, as the service does. Default: DirOutput on FS under the
	// data directory's "select-output". Either way the results are also
	// the job's output for GetJobOutput, an extension of the service.
	SelectOutput SelectOutput
	// Compression is how archive chunks are stored: CompressionS2 (the
	// default: a chunk is compressed when, as measured while the upload
	// runs, compressing saves space and does not make the upload slower
	// than storing it raw), CompressionZstd (every chunk it makes smaller;
	// smaller, slower) or CompressionNone (raw). Existing chunks keep their
	// form; every form reads back.
	Compression Compression
	// InventoryInterval is the cadence of vault inventories. Zero, the
	// default, keeps inventories always current; a positive interval
	// behaves like the service (about daily there): DescribeVault counts,
	// inventory jobs and DeleteVault follow the last inventory taken.
	InventoryInterval time.Duration
	// FreeTierBytesPerDay is the daily free retrieval allowance enforced
	// by a FreeTier data retrieval policy. Default 10 GiB / 30, the
	// service's 10 GB monthly free retrieval spread over a month.
	FreeTierBytesPerDay int64

	// Metadata, when set, is the URL of a PostgreSQL database that keeps
	// the metadata instead of the data directory's "meta"
	// (postgres://user:password@host:5432/db, or a DSN; pgxpool's pool_*
	// settings apply; CockroachDB and YugabyteDB speak the protocol too).
	// Any number of engines, in as many processes and machines, may then
	// share the database and ObjectStore's bucket and prefix, which it
	// requires; each rule holds across them, by the database's
	// transactions. The data directory then holds only the local select
	// output (see SelectOutput); backups are the database's own (Backup
	// returns ErrMetadataInDatabase). Multipart uploads to the object
	// store that a crashed engine abandons are not aborted at Open, as
	// they could be another engine's in flight: give the bucket a
	// lifecycle rule that aborts incomplete multipart uploads (after a
	// day, say) where the store keeps them (AWS S3 and Ceph do). Default "": Pebble in the data
	// directory, one engine at a time.
	Metadata string

	// ObjectStore, when set, keeps archive bytes in a bucket of an
	// S3-compatible object store instead of under the data directory's
	// "blobs", and lets Backup store metadata backups beside them; the
	// metadata stays in the data directory, which records the bucket and
	// prefix at the first Open and refuses to open without them afterwards.
	// Default nil: archive bytes on FS.
	ObjectStore *ObjectStore
	// BackupInterval, when positive, makes the engine call Backup that
	// often (in real time) while it is open, logging failures; it needs
	// ObjectStore. Default 0: only explicit Backup calls.
	BackupInterval time.Duration
	// BackupsKept is the number of complete backups that Backup keeps,
	// deleting older ones. Default 7.
	BackupsKept int

	// FreeSpaceReserve is the free space, in bytes, that uploads leave on
	// the data directory's file system: UploadArchive and
	// UploadMultipartPart fail with ServiceUnavailableException, before
	// anything is written, when the space free is below it or when the
	// size they declare (the part's Range; a Body with a Len method, such
	// as the server's, whose Len is the request's Content-Length) would
	// take it below; a body that declares nothing is stopped as its bytes
	// arrive, and what was written of it is removed. Default 1 GiB;
	// negative turns the check off.
	//
	// With ObjectStore the reserves apply to the file system of the
	// metadata (the data directory's "meta") only: archive bytes are in the
	// bucket, so an upload's size is not counted, and uploads are refused
	// only while that file system has less than FreeSpaceReserve free.
	//
	// Free space is measured (see FreeSpace) at Open, at the first
	// operation after each TickInterval, and by every operation that the
	// last measurement, less what was admitted since, puts within twice the
	// larger reserve: far from the limit operations make no system call,
	// near it each one measures, and writes resume as soon as space is
	// freed. The refusal comes after the request's own validation: bad
	// input still gets its documented error. (The service documents no
	// error for a full disk; ServiceUnavailableException is the one it
	// documents for a request it cannot complete now, which clients retry.)
	FreeSpaceReserve int64
	// MetadataFreeSpaceReserve is the free space, in bytes, below which the
	// other mutations (CreateVault, InitiateJob, CompleteMultipartUpload,
	// tags, policies, notifications, vault locks, ...) fail with
	// ServiceUnavailableException before writing: the metadata store needs
	// room for its log, flushes and compactions, and for the deletes that
	// free space. DeleteArchive, AbortMultipartUpload and DeleteVault are
	// never refused for the lack of space; reads never are. Work the clock
	// makes due (job completion, expiries) is not refused either. Default
	// FreeSpaceReserve / 8 (128 MiB with its default; 128 MiB too when
	// FreeSpaceReserve is off); negative turns the check off; at most
	// FreeSpaceReserve when both are on.
	MetadataFreeSpaceReserve int64
	// FreeSpace measures the bytes free to the engine on the file system
	// holding path: the data directory's "meta" and, without ObjectStore,
	// "blobs" (the guard uses the least). Default: FS.GetDiskUsage(path)
	// AvailBytes, statfs(2) on the OS file system. A file system that
	// cannot tell (vfs.ErrUnsupported, as vfs.NewMem() answers unless its
	// TestingSetDiskUsage was called) turns both reserves off; any other
	// error admits the operation and is logged.
	FreeSpace func(path string) (int64, error)

	// memTableSize is store.Options.MemTableSize; set by tests only.
	memTableSize uint64
}

// Defaults.
const (
	DefaultAccountID      = "000000000000"
	DefaultRegion         = "us-east-1"
	DefaultMaxVaults      = 1000
	DefaultMaxArchiveSize = 4 << 30
	DefaultTickInterval   = time.Second
	DefaultBackupsKept    = 7

	DefaultFreeSpaceReserve         = 1 << 30
	DefaultMetadataFreeSpaceReserve = 128 << 20
)

// EnsureDefaults returns a copy of o (which may be nil) with every unset
// field set to its default.
func (o *Options) EnsureDefaults() *Options {
	var c Options
	if o != nil {
		c = *o
	}
	c.AccountID = cmp.Or(c.AccountID, DefaultAccountID)
	c.Region = cmp.Or(c.Region, DefaultRegion)
	c.Clock = cmp.Or[firn.Clock](c.Clock, firn.SystemClock{})
	c.FS = cmp.Or(c.FS, vfs.Default)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.MaxVaults = cmp.Or(c.MaxVaults, DefaultMaxVaults)
	c.MaxArchiveSize = cmp.Or(c.MaxArchiveSize, DefaultMaxArchiveSize)
	c.FreeTierBytesPerDay = cmp.Or(c.FreeTierBytesPerDay, defaultFreeTierPerDay)
	c.TickInterval = cmp.Or(c.TickInterval, DefaultTickInterval)
	c.BackupsKept = cmp.Or(c.BackupsKept, DefaultBackupsKept)
	c.FreeSpaceReserve = cmp.Or(c.FreeSpaceReserve, DefaultFreeSpaceReserve)
	if c.MetadataFreeSpaceReserve == 0 {
		c.MetadataFreeSpaceReserve = DefaultMetadataFreeSpaceReserve
		if c.FreeSpaceReserve > 0 {
			c.MetadataFreeSpaceReserve = max(c.FreeSpaceReserve/8, 1)
		}
	}
	if c.ObjectStore != nil {
		s := *c.ObjectStore
		s.SweepInterval = cmp.Or(s.SweepInterval, DefaultSweepInterval)
		s.IntentLifetime = cmp.Or(s.IntentLifetime, DefaultIntentLifetime)
		s.LeaseLifetime = cmp.Or(s.LeaseLifetime, DefaultLeaseLifetime)
		s.LeaseRenewInterval = cmp.Or(s.LeaseRenewInterval, s.LeaseLifetime/6)
		c.ObjectStore = &s
	}
	return &c
}

// Validate reports every problem with o at once.
func (o *Options) Validate() error {
	var errs []error
	if !vault.IsAccountID(o.AccountID) {
		errs = append(errs, fmt.Errorf("AccountID %q: must be 12 digits", o.AccountID))
	}
	if o.MaxVaults < 0 {
		errs = append(errs, fmt.Errorf("MaxVaults %d: must not be negative", o.MaxVaults))
	}
	if o.Compression > CompressionZstd {
		errs = append(errs, fmt.Errorf("Compression %d: not CompressionS2, CompressionNone or CompressionZstd", o.Compression))
	}
	if o.InventoryInterval < 0 {
		errs = append(errs, fmt.Errorf("InventoryInterval %v: must not be negative", o.InventoryInterval))
	}
	if o.TickInterval < 0 {
		errs = append(errs, fmt.Errorf("TickInterval %v: must not be negative", o.TickInterval))
	}
	if o.MaxArchiveSize < 0 {
		errs = append(errs, fmt.Errorf("MaxArchiveSize %d: must not be negative", o.MaxArchiveSize))
	}
	if o.ObjectStore != nil {
		errs = append(errs, o.ObjectStore.validate())
	}
	if o.Metadata != "" && o.ObjectStore == nil {
		errs = append(errs, errors.New("Metadata: engines sharing a database need ObjectStore for the archive bytes"))
	}
	if o.Metadata != "" && o.BackupInterval > 0 {
		errs = append(errs, errors.New("BackupInterval: with Metadata, backups are the database's own"))
	}
	if o.BackupInterval < 0 || (o.BackupInterval > 0 && o.ObjectStore == nil) {
		errs = append(errs, fmt.Errorf("BackupInterval %v: must not be negative, and needs ObjectStore", o.BackupInterval))
	}
	if o.BackupsKept < 0 {
		errs = append(errs, fmt.Errorf("BackupsKept %d: must not be negative", o.BackupsKept))
	}
	if o.FreeSpaceReserve > 0 && o.MetadataFreeSpaceReserve > o.FreeSpaceReserve {
		errs = append(errs, fmt.Errorf("MetadataFreeSpaceReserve %d: must not exceed FreeSpaceReserve %d", o.MetadataFreeSpaceReserve, o.FreeSpaceReserve))
	}
	return errors.Join(errs...)
}

// Compression is how archive chunks are stored; see Options.Compression.
type Compression uint8

// Compressions.
const (
	CompressionS2 Compression = iota
	CompressionNone
	CompressionZstd
)

// blobOptions are the blob store options the engine options ask for.
func (o *Options) blobOptions() *blob.Options {
	codec := map[Compression]blob.Codec{CompressionS2: blob.CodecS2, CompressionNone: blob.CodecNone, CompressionZstd: blob.CodecZstd}[o.Compression]
	return &blob.Options{Codec: codec}
}
