package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/treehash"
)

// Progress is a snapshot of a run, given to Options.Progress as work
// advances.
type Progress struct {
	// ArchivesDone counts the archives of the inventory that have ended
	// (copied, present, deleted at the source or failed), of ArchivesTotal.
	ArchivesDone, ArchivesTotal int
	// BytesDone counts the bytes of ended archives, of BytesTotal.
	BytesDone, BytesTotal int64
	// JobsWaiting is the number of retrieval jobs requested and not yet
	// downloaded.
	JobsWaiting int
	// BytesPerSecond is the copy rate since the run started, on the
	// run's Clock; ETA the time left at that rate (0 when unknown).
	BytesPerSecond float64
	ETA            time.Duration
}

// Options configure Run. Zero fields mean their defaults; Source, Vault and
// Sink are required.
type Options struct {
	// Source is the Glacier the vault is copied from: Amazon S3 Glacier or
	// a Firn endpoint through awsglacier, or an engine in process.
	Source firn.Glacier
	// SourceAccount is the source's account ID. Default "-", the
	// credentials' account.
	SourceAccount string
	// Vault is the source vault's name.
	Vault string
	// Sink is where archives are copied to.
	Sink Sink

	// Tier is the retrieval tier of the archive jobs: firn.TierBulk (the
	// default and the cheapest), firn.TierStandard or firn.TierExpedited.
	Tier string
	// MaxBytesPerHour caps the bytes of the retrievals requested in any
	// hour: archives are requested in waves an hour apart, each of at most
	// that many bytes (an archive larger than the budget is a wave alone).
	// Default 0: one wave, no budget.
	MaxBytesPerHour int64
	// Concurrency is the number of ranged downloads in flight, and of
	// archives being downloaded. Default 4.
	Concurrency int
	// RangeSize is the size of each ranged download of a job's output: a
	// power-of-two number of MiB, so that every range is tree-hash aligned
	// and verified on its own. Default 64 MiB.
	RangeSize int64
	// MaxAttempts bounds the attempts of one request failing with a
	// transient error (ThrottlingException, RequestTimeoutException,
	// ServiceUnavailableException), of one range failing verification, and
	// of the jobs requested for one archive whose output expired. Default 5.
	MaxAttempts int

	// StatePath, when set, is the file where the run keeps the inventory
	// it took and the jobs it requested, so that a rerun neither takes a
	// new inventory nor requests a job twice. It is replaced atomically.
	// Default "": nothing is kept, though jobs still in flight at the
	// source are adopted by a rerun.
	StatePath string
	// InventoryMaxAge is how old (by its InventoryDate) an inventory kept
	// in the state file may be to be used again. Default 0: any age.
	InventoryMaxAge time.Duration
	// TempDir is where archives are downloaded before they go to the
	// sink. Default os.TempDir().
	TempDir string
	// DryRun makes Run plan the copy and request nothing but the
	// inventory: the Report has the plan and every archive to copy as
	// Planned.
	DryRun bool

	// Clock is the only source of time. Default firn.SystemClock{}.
	Clock firn.Clock
	// Sleep pauses for d or until ctx is done, when it returns ctx.Err().
	// Default: a timer. Tests replace it to advance a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// PollMin and PollMax bound the pause between rounds of DescribeJob
	// calls for the jobs waited for: it starts at PollMin, doubles up to
	// PollMax. Defaults 1 minute and 15 minutes. With a Queue, a job is
	// described when its notification arrives, and the rounds, a
	// fallback for notifications lost or late, are PollMax apart.
	PollMin, PollMax time.Duration

	// Queue, with QueueURL, is an Amazon SQS queue subscribed to the SNS
	// topic of the source vault's job-completion notifications (the
	// vault's notification configuration, events ArchiveRetrievalCompleted
	// and InventoryRetrievalCompleted). The run long-polls it while it
	// waits for jobs, deletes the notifications of its own jobs once it
	// has handled them and leaves every other message in the queue. SNS
	// envelopes and raw message delivery are both read. Default nil: jobs
	// are only polled. Both or neither must be set.
	Queue    SQSAPI
	QueueURL string
	// Progress, when set, is called from the run's goroutine as work
	// advances; it must return quickly.
	Progress func(Progress)
}

// EnsureDefaults fills the zero fields of o with their defaults and returns
// o; a nil o gets a new Options.
func (o *Options) EnsureDefaults() *Options {
	if o == nil {
		o = &Options{}
	}
	if o.SourceAccount == "" {
		o.SourceAccount = "-"
	}
	if o.Tier == "" {
		o.Tier = firn.TierBulk
	}
	if o.Concurrency == 0 {
		o.Concurrency = 4
	}
	if o.RangeSize == 0 {
		o.RangeSize = 64 << 20
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 5
	}
	if o.Clock == nil {
		o.Clock = firn.SystemClock{}
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.PollMin == 0 {
		o.PollMin = time.Minute
	}
	if o.PollMax == 0 {
		o.PollMax = 15 * time.Minute
	}
	return o
}

// Validate reports every problem of o at once.
func (o *Options) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("migrate: "+format, args...)) }
	if o.Source == nil {
		bad("Options.Source is required")
	}
	if o.Vault == "" {
		bad("Options.Vault is required")
	}
	if o.Sink == nil {
		bad("Options.Sink is required")
	}
	switch o.Tier {
	case "", firn.TierBulk, firn.TierStandard, firn.TierExpedited:
	default:
		bad("Options.Tier %q: want %s, %s or %s", o.Tier, firn.TierBulk, firn.TierStandard, firn.TierExpedited)
	}
	if o.MaxBytesPerHour < 0 {
		bad("Options.MaxBytesPerHour %d: must not be negative", o.MaxBytesPerHour)
	}
	if o.Concurrency < 0 {
		bad("Options.Concurrency %d: must not be negative", o.Concurrency)
	}
	if o.RangeSize != 0 && !treehash.IsPowerOfTwoMiB(o.RangeSize) {
		bad("Options.RangeSize %d: must be a power-of-two number of MiB", o.RangeSize)
	}
	if o.MaxAttempts < 0 {
		bad("Options.MaxAttempts %d: must not be negative", o.MaxAttempts)
	}
	if o.InventoryMaxAge < 0 {
		bad("Options.InventoryMaxAge %v: must not be negative", o.InventoryMaxAge)
	}
	if o.PollMin < 0 || o.PollMax < 0 || (o.PollMax != 0 && o.PollMin > o.PollMax) {
		bad("Options.PollMin %v, PollMax %v: must not be negative, PollMin at most PollMax", o.PollMin, o.PollMax)
	}
	if (o.Queue == nil) != (o.QueueURL == "") {
		bad("Options.Queue and Options.QueueURL: set both or neither")
	}
	return errors.Join(errs...)
}

// sleep pauses for d or until ctx is done, returning ctx.Err() then.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
