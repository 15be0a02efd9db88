package multipart

import (
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/treehash"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Limits and periods of multipart uploads.
const (
	// MinPartSize and MaxPartSize bound PartSize, which must also be
	// MinPartSize times a power of two.
	MinPartSize = 1 << 20
	MaxPartSize = 4 << 30
	// MaxParts is the number of parts an upload may have.
	MaxParts = 10_000
	// InactivityLimit is how long an upload may go without a part upload
	// before it expires, as the service documents.
	InactivityLimit = 24 * time.Hour
	// Retention is how long a completed, aborted or expired upload is
	// remembered, so that a repeated CompleteMultipartUpload returns the
	// same archive and a repeated AbortMultipartUpload succeeds (the
	// service promises this for "a short period").
	Retention = 24 * time.Hour
)

// State is the lifecycle state of an upload.
type State string

// The states of an upload; all but InProgress are terminal.
const (
	InProgress State = "InProgress"
	Completed  State = "Completed"
	Aborted    State = "Aborted"
	Expired    State = "Expired"
)

// Valid reports whether s is one of the four states.
func (s State) Valid() bool {
	switch s {
	case InProgress, Completed, Aborted, Expired:
		return true
	}
	return false
}

// TreeHash is a SHA-256 tree hash.
type TreeHash [32]byte

// String returns the hash in lower-case hex.
func (h TreeHash) String() string { return treehash.Hex(h) }

// Upload is the persisted state of one multipart upload; internal/store
// defines its stored form.
type Upload struct {
	ID          ulid.ULID
	Description string
	PartSize    int64
	Created     time.Time
	State       State
	// Ended is when the upload left InProgress; zero while in progress.
	Ended time.Time
	// Archive is what a Completed upload became; nil in other states.
	Archive *Completion
}

// Completion records the archive a completed upload created, to answer a
// repeated completion.
type Completion struct {
	ID       ulid.ULID
	Size     int64
	TreeHash TreeHash
}

// Part is one uploaded part.
type Part struct {
	Range
	// TreeHash is the tree hash of the part's bytes.
	TreeHash TreeHash
	// Uploaded is when the part was stored: activity that keeps the upload
	// alive.
	Uploaded time.Time
}

// ParseID parses an UploadId. An empty one is a
// MissingParameterValueException; any malformed one names an upload that
// does not exist (ResourceNotFoundException).
func ParseID(s string) (ulid.ULID, error) {
	if s == "" {
		return ulid.ULID{}, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: UploadId")
	}
	id, err := ulid.ParseStrict(s)
	if err != nil {
		return ulid.ULID{}, NotFound(s)
	}
	return id, nil
}

// NotFound is the error for an UploadId that names no upload, worded as the
// service words it.
func NotFound(id string) *firn.Error {
	return firn.Errorf(firn.CodeResourceNotFound, "The upload ID was not found: %s", id)
}

// ValidatePartSize checks an upload's PartSize: 1 MiB times a power of two,
// from 1 MiB to 4 GiB. 0 means absent.
func ValidatePartSize(n int64) error {
	if n == 0 {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: PartSize")
	}
	if !treehash.IsPowerOfTwoMiB(n) {
		return firn.Errorf(firn.CodeInvalidParameterValue, "PartSize: %d is not 1 MiB (%d bytes) times a power of two between 1 MiB and 4 GiB", n, MinPartSize)
	}
	return nil
}

// New returns the upload initiated at now with the given ID, archive
// description and part size, or the error for an invalid description or
// part size. The description is normalized as UploadArchive's
// (vault.ArchiveDescription): leading and trailing spaces and tabs dropped.
func New(id ulid.ULID, description string, partSize int64, now time.Time) (Upload, error) {
	description, err := vault.ArchiveDescription(description)
	if err != nil {
		return Upload{}, err
	}
	if err := ValidatePartSize(partSize); err != nil {
		return Upload{}, err
	}
	return Upload{ID: id, Description: description, PartSize: partSize, Created: now, State: InProgress}, nil
}

// CheckInProgress returns nil if parts may be uploaded to and listed for u,
// else a ResourceNotFoundException saying what became of it.
func (u *Upload) CheckInProgress() error {
	switch u.State {
	case InProgress:
		return nil
	case Completed:
		return firn.Errorf(firn.CodeResourceNotFound, "The upload ID was not found: %s (the upload was completed as archive %s)", u.ID, u.Archive.ID)
	case Aborted:
		return firn.Errorf(firn.CodeResourceNotFound, "The upload ID was not found: %s (the upload was aborted)", u.ID)
	default:
		return firn.Errorf(firn.CodeResourceNotFound, "The upload ID was not found: %s (the upload expired after %v without a part upload)", u.ID, InactivityLimit)
	}
}

// PartIndex checks that a part with range r may be uploaded to u and
// returns its index: u is in progress, r starts on a multiple of the part
// size, is at most one part size long (shorter only for the last part, which
// Complete checks) and is within the first MaxParts parts.
func (u *Upload) PartIndex(r Range) (int, error) {
	if err := u.CheckInProgress(); err != nil {
		return 0, err
	}
	if r.Start%u.PartSize != 0 {
		return 0, firn.Errorf(firn.CodeInvalidParameterValue, "Range: bytes %s/* does not start on a multiple of the part size, %d", r, u.PartSize)
	}
	if r.Size > u.PartSize {
		return 0, firn.Errorf(firn.CodeInvalidParameterValue, "Range: bytes %s/* is %d bytes, longer than the part size, %d", r, r.Size, u.PartSize)
	}
	i := r.Start / u.PartSize
	if i >= MaxParts {
		return 0, firn.Errorf(firn.CodeInvalidParameterValue, "Range: bytes %s/* would be part %d; an upload has at most %d parts", r, i+1, MaxParts)
	}
	return int(i), nil
}

// Complete returns u completed into the archive archiveID at now, given
// its parts in order of Start. The parts must cover bytes 0 to size-1 with
// no gap, each exactly PartSize long but the last, which may be shorter;
// checksum must equal the archive's tree hash, which Complete combines from
// the parts' tree hashes without the data. Otherwise it returns an
// InvalidParameterValueException naming what is wrong, and u stays as it
// is.
//
// If u is already Completed with the same size and checksum, Complete
// returns u unchanged: completion is idempotent. An aborted or expired u is
// a ResourceNotFoundException.
func (u Upload) Complete(parts []Part, size int64, checksum TreeHash, archiveID ulid.ULID, now time.Time) (Upload, error) {
	if u.State == Completed {
		a := u.Archive
		switch {
		case size != a.Size:
			return u, firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveSize: upload %s was completed as archive %s of %d bytes, not %d", u.ID, a.ID, a.Size, size)
		case checksum != a.TreeHash:
			return u, firn.Errorf(firn.CodeInvalidParameterValue, "Checksum: upload %s was completed as archive %s with tree hash %s, not %s", u.ID, a.ID, a.TreeHash, checksum)
		}
		return u, nil
	}
	if err := u.CheckInProgress(); err != nil {
		return u, err
	}
	if len(parts) == 0 {
		return u, firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveSize: upload %s has no parts; upload them before completing it", u.ID)
	}
	var total int64
	for _, p := range parts {
		total += p.Size
	}
	if total != size {
		return u, firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveSize: %d is not the total size of the %d uploaded parts, %d", size, len(parts), total)
	}
	sums := make([][32]byte, len(parts))
	var next int64
	for i, p := range parts {
		if p.Start != next {
			return u, firn.Errorf(firn.CodeInvalidParameterValue, "Range: no part covers bytes %s of the archive; upload it before completing", Range{next, p.Start - next})
		}
		if p.Size != u.PartSize && i != len(parts)-1 {
			return u, firn.Errorf(firn.CodeInvalidParameterValue, "Range: part bytes %s is %d bytes, shorter than the part size, %d; only the last part may be shorter", p.Range, p.Size, u.PartSize)
		}
		next = p.Start + p.Size
		sums[i] = p.TreeHash
	}
	// The parts tile [0, size) and all but the last are PartSize, a power of
	// two of leaves, so the parts' tree hashes are nodes of the archive's
	// tree and Root combines them into its root.
	if got := TreeHash(treehash.Root(sums)); got != checksum {
		return u, firn.Errorf(firn.CodeInvalidParameterValue, "Checksum: Invalid x-amz-sha256-tree-hash: %s; the tree hash of the uploaded parts is %s", checksum, got)
	}
	u.State = Completed
	u.Ended = now
	u.Archive = &Completion{ID: archiveID, Size: size, TreeHash: checksum}
	return u, nil
}

// Abort returns u aborted at now. Aborting an aborted upload returns it
// unchanged; aborting a completed one is an InvalidParameterValueException
// (its parts are an archive now: delete that instead); an expired one is a
// ResourceNotFoundException.
func (u Upload) Abort(now time.Time) (Upload, error) {
	switch u.State {
	case InProgress:
		u.State = Aborted
		u.Ended = now
		return u, nil
	case Aborted:
		return u, nil
	case Completed:
		return u, firn.Errorf(firn.CodeInvalidParameterValue, "UploadId: upload %s was completed as archive %s and cannot be aborted; delete the archive instead", u.ID, u.Archive.ID)
	}
	return u, u.CheckInProgress()
}

// LastActivity returns when u was initiated or, if later, when the latest
// of its parts was uploaded.
func LastActivity(u *Upload, parts []Part) time.Time {
	last := u.Created
	for _, p := range parts {
		if p.Uploaded.After(last) {
			last = p.Uploaded
		}
	}
	return last
}

// Expire returns u expired at now and true if it is in progress and has
// had no activity since lastActivity for InactivityLimit; else u and false.
func (u Upload) Expire(lastActivity, now time.Time) (Upload, bool) {
	if u.State != InProgress || now.Before(lastActivity.Add(InactivityLimit)) {
		return u, false
	}
	u.State = Expired
	u.Ended = now
	return u, true
}

// Due returns when the next time-driven change of u is due: its expiry,
// InactivityLimit after lastActivity, while it is in progress; after that,
// the end of its Retention, when it is to be forgotten.
func (u *Upload) Due(lastActivity time.Time) time.Time {
	if u.State == InProgress {
		return lastActivity.Add(InactivityLimit)
	}
	return u.Ended.Add(Retention)
}
