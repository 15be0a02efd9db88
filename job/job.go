package job

import (
	"fmt"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// OutputLifetime is how long a completed job and its output remain.
const OutputLifetime = 24 * time.Hour

// Record is the persisted state of one job; internal/store defines its stored
// form.
type Record struct {
	ID          ulid.ULID
	VaultID     ulid.ULID
	VaultARN    string
	Action      firn.ActionCode
	Description string
	SNSTopic    string
	Tier        string
	Created     time.Time
	Due         time.Time
	Status      firn.StatusCode
	Message     string
	Completed   time.Time
	// Expiry is when a completed job disappears, OutputLifetime after
	// Completed as Succeed or Fail set it; zero before completion, and in
	// jobs recorded before it was kept (see Expires).
	Expiry    time.Time
	Archive   *ArchiveRetrieval
	Inventory *Inventory
	Select    *Select
	// Segments are the blob segments the job reads or produced; they stay
	// alive until the job expires.
	Segments []vault.Segment
	// SegmentSize is the size of every segment but the last, when the
	// output spans several (a multipart archive).
	SegmentSize int64
	// OutputSize is the size of the job's output once it succeeded.
	OutputSize int64
	// Notified lists the SNS topics the completion is delivered to.
	Notify []string
}

// ArchiveRetrieval is the part of a job specific to archive retrieval.
type ArchiveRetrieval struct {
	ArchiveID   string
	ArchiveKey  ulid.ULID
	Size        int64
	TreeHash    string
	Description string
	// Start and End are the inclusive retrieved range.
	Start int64
	End   int64
	// RangeTreeHash is the tree hash of the range when it is tree-hash
	// aligned, else "".
	RangeTreeHash string
}

// Inventory is the part of a job specific to inventory retrieval.
type Inventory struct {
	Format string
	Params firn.InventoryRetrievalJobInput
	// Filter is Params parsed.
	Filter Filter
	// NextMarker continues a range inventory; "" when it is complete.
	NextMarker string
}

// Select is the part of a job specific to select.
type Select struct {
	ArchiveID      string
	ArchiveKey     ulid.ULID
	Size           int64
	TreeHash       string
	Parameters     firn.SelectParameters
	OutputLocation firn.OutputLocation
	OutputPath     string
}

// Done reports whether the job has completed.
func (j *Record) Done() bool { return j.Status != firn.StatusInProgress }

// Expires is when a completed job disappears: its Expiry, or
// OutputLifetime after Completed if that is zero.
func (j *Record) Expires() time.Time {
	if !j.Expiry.IsZero() {
		return j.Expiry
	}
	return j.Completed.Add(OutputLifetime)
}

// Succeed completes an in-progress job successfully at now.
func (j *Record) Succeed(now time.Time, outputSize int64) error {
	if j.Done() {
		return fmt.Errorf("job: %s already %s", j.ID, j.Status)
	}
	j.Status = firn.StatusSucceeded
	j.Message = string(firn.StatusSucceeded)
	j.Completed, j.Expiry = now, now.Add(OutputLifetime)
	j.OutputSize = outputSize
	return nil
}

// Fail completes an in-progress job unsuccessfully at now, with a message
// saying why.
func (j *Record) Fail(now time.Time, why string) error {
	if j.Done() {
		return fmt.Errorf("job: %s already %s", j.ID, j.Status)
	}
	j.Status = firn.StatusFailed
	j.Message = why
	j.Completed, j.Expiry = now, now.Add(OutputLifetime)
	j.Segments = nil
	return nil
}

// NotFound is the error for a job that does not exist (or has expired).
func NotFound(id string) *firn.Error {
	return firn.Errorf(firn.CodeResourceNotFound, "The job ID was not found: %s", id)
}

// Location is the job's relative URI.
func Location(account, vaultName, id string) string {
	return vault.Location(account, vaultName) + "/jobs/" + id
}
