package job

import (
	"fmt"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/vault"
)

// OutputLifetime is how long a completed job and its output remain.
const OutputLifetime = 24 * time.Hour

// Job is the persisted state of one job.
type Job struct {
	ID          [16]byte          `json:"id"`
	VaultID     [16]byte          `json:"vaultId"`
	VaultARN    string            `json:"vaultArn"`
	Action      firn.ActionCode   `json:"action"`
	Description string            `json:"description,omitempty"`
	SNSTopic    string            `json:"snsTopic,omitempty"`
	Tier        string            `json:"tier,omitempty"`
	Created     time.Time         `json:"created"`
	Due         time.Time         `json:"due"`
	Status      firn.StatusCode   `json:"status"`
	Message     string            `json:"message,omitempty"`
	Completed   time.Time         `json:"completed"`
	Archive     *ArchiveRetrieval `json:"archive,omitempty"`
	Inventory   *Inventory        `json:"inventory,omitempty"`
	Select      *Select           `json:"select,omitempty"`
	// Segments are the blob segments the job reads or produced; they stay
	// alive until the job expires.
	Segments []vault.Segment `json:"segments"`
	// SegmentSize is the size of every segment but the last, when the
	// output spans several (a multipart archive).
	SegmentSize int64 `json:"segmentSize,omitempty"`
	// OutputSize is the size of the job's output once it succeeded.
	OutputSize int64 `json:"outputSize,omitempty"`
	// Notified lists the SNS topics the completion is delivered to.
	Notify []string `json:"notify,omitempty"`
}

// ArchiveRetrieval is the part of a job specific to archive retrieval.
type ArchiveRetrieval struct {
	ArchiveID   string   `json:"archiveId"`
	ArchiveKey  [16]byte `json:"archiveKey"`
	Size        int64    `json:"size"`
	TreeHash    string   `json:"treeHash"`
	Description string   `json:"description,omitempty"`
	// Start and End are the inclusive retrieved range.
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// RangeTreeHash is the tree hash of the range when it is tree-hash
	// aligned, else "".
	RangeTreeHash string `json:"rangeTreeHash,omitempty"`
}

// Inventory is the part of a job specific to inventory retrieval.
type Inventory struct {
	Format string                          `json:"format"`
	Params firn.InventoryRetrievalJobInput `json:"params"`
	// Filter is Params parsed.
	Filter Filter `json:"filter"`
	// NextMarker continues a range inventory; "" when it is complete.
	NextMarker string `json:"nextMarker,omitempty"`
}

// Select is the part of a job specific to select.
type Select struct {
	ArchiveID      string                `json:"archiveId"`
	ArchiveKey     [16]byte              `json:"archiveKey"`
	Size           int64                 `json:"size"`
	TreeHash       string                `json:"treeHash"`
	Parameters     firn.SelectParameters `json:"parameters"`
	OutputLocation firn.OutputLocation   `json:"outputLocation"`
	OutputPath     string                `json:"outputPath"`
}

// Done reports whether the job has completed.
func (j *Job) Done() bool { return j.Status != firn.StatusInProgress }

// Expires is when a completed job disappears.
func (j *Job) Expires() time.Time { return j.Completed.Add(OutputLifetime) }

// Succeed completes an in-progress job successfully at now.
func (j *Job) Succeed(now time.Time, outputSize int64) error {
	if j.Done() {
		return fmt.Errorf("job: %x already %s", j.ID, j.Status)
	}
	j.Status = firn.StatusSucceeded
	j.Message = string(firn.StatusSucceeded)
	j.Completed = now
	j.OutputSize = outputSize
	return nil
}

// Fail completes an in-progress job unsuccessfully at now, with a message
// saying why.
func (j *Job) Fail(now time.Time, why string) error {
	if j.Done() {
		return fmt.Errorf("job: %x already %s", j.ID, j.Status)
	}
	j.Status = firn.StatusFailed
	j.Message = why
	j.Completed = now
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
