package migrate

import (
	"context"
	"io"
	"time"
)

// Archive is one archive of a source vault's inventory: its identity at the
// source, which the destination keeps.
type Archive struct {
	ID           string
	Description  string
	CreationDate time.Time
	Size         int64
	// TreeHash is the SHA-256 tree hash in lowercase hex.
	TreeHash string
}

// Status is what a run did with one archive.
type Status string

// The statuses of a Result.
const (
	// Copied: the run copied the archive.
	Copied Status = "copied"
	// Present: the archive was at the destination before the run.
	Present Status = "present"
	// DeletedAtSource: the source no longer has the archive (deleted after
	// the inventory was taken); nothing was copied.
	DeletedAtSource Status = "deleted-at-source"
	// Failed: the archive could not be copied; Result.Error says why.
	Failed Status = "failed"
	// Planned: a dry run would copy the archive.
	Planned Status = "planned"
)

// Result is the outcome for one archive of the inventory.
type Result struct {
	Archive
	Status Status
	// Error is why the archive failed; empty otherwise.
	Error string
	// Location is where the archive is at the destination, as the sink
	// names it (an archive ID, an object key); empty when not there.
	Location string
}

// Sink is where a run copies archives to: a Firn vault (ImportSink) or an
// S3 bucket (S3Sink). A run calls Begin once, then Has and Put for
// archives, concurrently, then Finish once. Has and Put are safe for
// concurrent use.
type Sink interface {
	// Begin is given the whole inventory, in creation order, before any
	// other call, so that a sink can fix where each archive goes (names
	// that must not collide) the same way in every run.
	Begin(ctx context.Context, inventory []Archive) error
	// Has reports whether a is already at the destination with a's tree
	// hash and size, so that a rerun copies nothing twice. It returns an
	// error when the destination holds something else under a's name.
	Has(ctx context.Context, a *Archive) (location string, ok bool, err error)
	// Put stores a, reading exactly a.Size bytes from body, which the run
	// has verified against a.TreeHash. Putting an archive that is already
	// there, unchanged, succeeds.
	Put(ctx context.Context, a *Archive, body io.Reader) (location string, err error)
	// Finish is given the outcome for every archive of the inventory, for
	// sinks that record a summary at the destination (an export's
	// manifest). It is called even when some archives failed.
	Finish(ctx context.Context, results []Result) error
}
