package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/treehash"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// InitiateJob implements firn.Glacier. Archive retrievals pin the archive's
// bytes until the job expires, so deleting the archive meanwhile does not
// take the output away; a retrieval whose archive is deleted before the job
// completes fails with a StatusMessage saying so. Jobs complete after the
// delay Options.JobTiming gives their tier (immediately by default).
// Standard-tier retrievals are subject to the account's data retrieval
// policy (PolicyEnforcedException) and, with Options.LimitExpedited,
// Expedited ones to provisioned capacity (InsufficientCapacityException).
func (e *Engine) InitiateJob(ctx context.Context, in *firn.InitiateJobInput) (*firn.InitiateJobOutput, error) {
	r, err := e.beginVault(ctx, "InitiateJob", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	req, err := job.Validate(&in.JobParameters)
	if err != nil {
		return nil, err
	}
	if err := e.validateSelect(req); err != nil {
		return nil, err
	}
	// Admitted before the vault is looked at; authorized once the archive,
	// whose age a policy may test, is found.
	if err := e.admit(classMetadata); err != nil {
		return nil, err
	}
	v, unlock, err := e.lockVault(r.acct, r.name, exclusive)
	if err != nil {
		return nil, err
	}
	defer unlock()
	now := e.now()
	j := &job.Record{
		ID:          e.newID(),
		VaultID:     v.ID,
		VaultARN:    e.vaultARN(v),
		Action:      req.Action,
		Description: req.Description,
		SNSTopic:    req.SNSTopic,
		Tier:        req.Tier,
		Created:     now,
		Status:      firn.StatusInProgress,
	}
	id := j.ID.String()
	var retrieved int64
	switch req.Action {
	case firn.ActionArchiveRetrieval:
		a, err := e.loadArchive(v, req.ArchiveID)
		if err != nil {
			return nil, err
		}
		if err := r.authorize(v, a.Created); err != nil {
			return nil, err
		}
		start, end, err := job.ArchiveRange(req.Range, a.Size)
		if err != nil {
			return nil, err
		}
		ar := &job.ArchiveRetrieval{ArchiveID: a.ArchiveID(), ArchiveKey: a.ID, Size: a.Size, TreeHash: a.TreeHash, Description: a.Description, Start: start, End: end}
		if ar.RangeTreeHash, err = e.rangeTreeHash(a.Segments, a.SegmentSize, a.TreeHash, start, end+1, a.Size); err != nil {
			return nil, err
		}
		j.Archive, j.Segments, j.SegmentSize = ar, a.Segments, a.SegmentSize
		retrieved = end - start + 1
	case firn.ActionInventoryRetrieval:
		if err := r.authorize(v, time.Time{}); err != nil {
			return nil, err
		}
		if err := e.takeInventory(v); err != nil {
			return nil, err
		}
		if e.opts.InventoryInterval > 0 && v.Inventory == nil {
			return nil, e.noInventory(v)
		}
		j.Inventory = &job.Inventory{Format: req.Format, Params: req.Inventory, Filter: req.Filter}
	case firn.ActionSelect:
		a, err := e.loadArchive(v, req.ArchiveID)
		if err != nil {
			return nil, err
		}
		if err := r.authorize(v, a.Created); err != nil {
			return nil, err
		}
		j.Select = &job.Select{ArchiveID: a.ArchiveID(), ArchiveKey: a.ID, Size: a.Size, TreeHash: a.TreeHash,
			Parameters: *req.Select, OutputLocation: *req.OutputLocation, OutputPath: selectOutputPath(req.OutputLocation, id)}
		j.Segments, j.SegmentSize = a.Segments, a.SegmentSize
		retrieved = a.Size
	}
	j.Due = now.Add(e.opts.JobTiming.Delay(j.Action, j.Tier, j.ID))

	// The retrieval is admitted and recorded under retrievalMu until the
	// batch commits.
	e.retrievalMu.Lock()
	defer e.retrievalMu.Unlock()
	var released []vault.Segment
	initial := *j
	err = e.write(func(b *store.Batch) error {
		// A job completed in a run the database retried is in progress again.
		released, *j = nil, initial
		if _, err := e.reread(b, v); err != nil {
			return err
		}
		if retrieved > 0 {
			if err := e.admitRetrieval(b, r.acct, j, retrieved); err != nil {
				return err
			}
		}
		k := store.JobKey(v.ID, j.ID)
		e.addRefs(b, j.Segments, k)
		if j.Due.After(now) {
			setTimer(b, j.Due, store.TimerJobComplete, k)
		} else {
			var err error
			if released, err = e.completeJob(b, v, j, k); err != nil {
				return err
			}
		}
		return b.SetRecord(k, j)
	})
	if err != nil {
		return nil, err
	}
	e.releaseSegments(released)
	if j.Done() {
		// Completed here: its notifications are due now.
		e.outbox.wakeUp()
	}
	out := &firn.InitiateJobOutput{JobId: id, Location: job.Location(r.acct, v.Name, id)}
	if j.Select != nil {
		out.JobOutputPath = j.Select.OutputPath
	}
	return out, nil
}

// completeJob completes j at its due time: it produces the output, records
// the outcome, schedules the expiry and the notifications in b, and returns
// the segments whose references it dropped (to release after the commit).
// The caller holds the vault's exclusive lock.
func (e *Engine) completeJob(b *store.Batch, v *vault.Record, j *job.Record, k []byte) ([]vault.Segment, error) {
	// A job completes at its due time, however late it is observed.
	now := j.Due
	var released []vault.Segment
	fail := func(why string) error {
		released = j.Segments
		e.releaseRefs(b, j.Segments, k)
		return j.Fail(now, why)
	}
	var err error
	switch {
	case j.Archive != nil:
		if ok, herr := b.Has(store.ArchiveKey(v.ID, j.Archive.ArchiveKey)); herr != nil {
			return nil, ioError(herr)
		} else if !ok {
			err = fail("The archive was deleted before the job completed: " + j.Archive.ArchiveID)
			break
		}
		err = j.Succeed(now, j.Archive.End-j.Archive.Start+1)
	case j.Inventory != nil:
		seg, size, next, ierr := e.writeInventory(v, j)
		if ierr != nil {
			return nil, ierr
		}
		j.Segments = []vault.Segment{seg}
		j.Inventory.NextMarker = next
		e.addRefs(b, j.Segments, k)
		err = j.Succeed(now, size)
	case j.Select != nil:
		if ok, herr := b.Has(store.ArchiveKey(v.ID, j.Select.ArchiveKey)); herr != nil {
			return nil, ioError(herr)
		} else if !ok {
			err = fail("The archive was deleted before the job completed: " + j.Select.ArchiveID)
			break
		}
		segs, size, why, serr := e.runSelect(v, j)
		if serr != nil {
			return nil, serr
		}
		if why != "" {
			err = fail(why)
			break
		}
		e.releaseRefs(b, j.Segments, k)
		released = j.Segments
		j.Segments, j.SegmentSize = segs, 0
		e.addRefs(b, j.Segments, k)
		err = j.Succeed(now, size)
	}
	if err != nil {
		return nil, err
	}
	setTimer(b, j.Expires(), store.TimerJobExpire, k)
	if err := e.scheduleNotifications(b, v, j, k); err != nil {
		return nil, err
	}
	return released, nil
}

// onJobComplete is the handler of store.TimerJobComplete.
func (e *Engine) onJobComplete(due int64, k []byte) error {
	return e.withJob(k, func(b *store.Batch, v *vault.Record, j *job.Record) ([]vault.Segment, error) {
		b.Delete(store.TimerKey(due, store.TimerJobComplete, k))
		if j == nil || j.Done() {
			return nil, nil
		}
		released, err := e.completeJob(b, v, j, k)
		if err != nil {
			return nil, err
		}
		return released, b.SetRecord(k, j)
	})
}

// onJobExpire is the handler of store.TimerJobExpire: the job and its output go.
func (e *Engine) onJobExpire(due int64, k []byte) error {
	return e.withJob(k, func(b *store.Batch, v *vault.Record, j *job.Record) ([]vault.Segment, error) {
		b.Delete(store.TimerKey(due, store.TimerJobExpire, k))
		if j == nil {
			return nil, nil
		}
		b.Delete(k)
		e.releaseRefs(b, j.Segments, k)
		return j.Segments, nil
	})
}

// withJob runs fn on the job at key k under its vault's exclusive lock,
// commits what fn records in the batch, then releases the segments fn
// returns. j and v are nil when the job or its vault is gone.
func (e *Engine) withJob(k []byte, fn func(b *store.Batch, v *vault.Record, j *job.Record) ([]vault.Segment, error)) error {
	var j job.Record
	err := e.db.GetRecord(k, &j)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var v *vault.Record
	if err == nil {
		var unlock func()
		if v, unlock, err = e.vaultByID(j.VaultARN, j.VaultID); err != nil {
			return err
		}
		defer unlock()
	}
	var released []vault.Segment
	err = e.write(func(b *store.Batch) error {
		// The vault and the job are read again in the transaction, so
		// that of engines running one timer at once, only one does its
		// work (the others find it done).
		released = nil
		cur, jp := v, (*job.Record)(nil)
		if cur != nil {
			var err error
			if cur, err = e.reread(b, v); errors.Is(err, firn.ErrResourceNotFound) {
				cur = nil
			} else if err != nil {
				return err
			}
		}
		if cur != nil {
			var fresh job.Record
			if err := b.GetRecord(k, &fresh); err == nil {
				jp = &fresh
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		var err error
		released, err = fn(b, cur, jp)
		return err
	})
	if err != nil {
		return err
	}
	e.releaseSegments(released)
	return nil
}

// vaultByID locks the vault with the given ARN if it is still the vault
// with that ID; v is nil (and unlock a no-op) when it is gone.
func (e *Engine) vaultByID(arn string, id ulid.ULID) (*vault.Record, func(), error) {
	acct, name, ok := splitVaultARN(arn)
	if !ok {
		return nil, func() {}, nil
	}
	v, unlock, err := e.lockVault(acct, name, exclusive)
	if errors.Is(err, firn.ErrResourceNotFound) {
		return nil, func() {}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if v.ID != id {
		unlock()
		return nil, func() {}, nil
	}
	return v, unlock, nil
}

// loadJob returns a job of v that has not expired.
func (e *Engine) loadJob(v *vault.Record, id string) (*job.Record, []byte, error) {
	if id == "" {
		return nil, nil, missingParameter("JobId")
	}
	u, err := ulid.ParseStrict(id)
	if err != nil {
		return nil, nil, job.NotFound(id)
	}
	k := store.JobKey(v.ID, u)
	var j job.Record
	err = e.db.GetRecord(k, &j)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, job.NotFound(id)
	}
	if err != nil {
		return nil, nil, ioError(err)
	}
	if j.Done() && !e.now().Before(j.Expires()) {
		return nil, nil, job.NotFound(id)
	}
	return &j, k, nil
}

// DescribeJob implements firn.Glacier.
func (e *Engine) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	v, err := e.viewVault(ctx, "DescribeJob", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	j, _, err := e.loadJob(v, in.JobId)
	if err != nil {
		return nil, err
	}
	d := j.Describe(in.JobId)
	return &d, nil
}

// ListJobs implements firn.Glacier. Jobs come in creation order; Marker is
// the ID of the first job of the next page.
func (e *Engine) ListJobs(ctx context.Context, in *firn.ListJobsInput) (*firn.ListJobsOutput, error) {
	limit, err := listLimit(in.Limit, defaultJobLimit, maxJobLimit)
	if err != nil {
		return nil, err
	}
	switch firn.StatusCode(in.Statuscode) {
	case "", firn.StatusInProgress, firn.StatusSucceeded, firn.StatusFailed:
	default:
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "The job status code is not valid: %s", in.Statuscode)
	}
	v, err := e.viewVault(ctx, "ListJobs", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	prefix := store.JobPrefix(v.ID)
	lower := prefix
	if in.Marker != "" {
		u, err := ulid.ParseStrict(in.Marker)
		if err != nil {
			return nil, firn.Errorf(firn.CodeInvalidParameterValue, "marker: %q is not a marker returned by ListJobs", in.Marker)
		}
		lower = store.JobKey(v.ID, u)
	}
	now := e.now()
	out := &firn.ListJobsOutput{JobList: []firn.GlacierJobDescription{}}
	err = scanRecords(e.db, lower, store.PrefixEnd(prefix), func(_ []byte, j *job.Record) (bool, error) {
		if j.Done() && !now.Before(j.Expires()) {
			return true, nil
		}
		if in.Statuscode != "" && string(j.Status) != in.Statuscode {
			return true, nil
		}
		if in.Completed != nil && *in.Completed != j.Done() {
			return true, nil
		}
		id := j.ID.String()
		if len(out.JobList) == limit {
			out.Marker = id
			return false, nil
		}
		out.JobList = append(out.JobList, j.Describe(id))
		return true, nil
	})
	if err != nil {
		return nil, ioError(err)
	}
	return out, nil
}

// GetJobOutput implements firn.Glacier. The output streams from the stored
// segments; nothing is loaded whole. ContentLength is always set, from the
// size recorded when the job completed. Checksum is the tree hash of the
// returned bytes when both the job's range and the requested range are tree-
// hash aligned, computed from stored leaf hashes.
func (e *Engine) GetJobOutput(ctx context.Context, in *firn.GetJobOutputInput) (*firn.GetJobOutputOutput, error) {
	r, err := e.beginVault(ctx, "GetJobOutput", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	// The shared lock keeps the job's segments alive while they are opened.
	v, unlock, err := r.lock(shared)
	if err != nil {
		return nil, err
	}
	defer unlock()
	j, _, err := e.loadJob(v, in.JobId)
	if err != nil {
		return nil, err
	}
	if j.Status != firn.StatusSucceeded {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "The job is not currently available for download: %s", in.JobId)
	}
	start, end, err := job.OutputRange(in.Range, j.OutputSize)
	if err != nil {
		return nil, err
	}
	base := int64(0)
	if j.Archive != nil {
		base = j.Archive.Start
	}
	body, err := e.openSegments(j.Segments, j.SegmentSize, base+start, end-start+1)
	if err != nil {
		return nil, err
	}
	out := &firn.GetJobOutputOutput{
		Body:          body,
		ContentLength: new(end - start + 1),
		Status:        200,
		AcceptRanges:  "bytes",
		ContentType:   j.ContentType(),
	}
	if in.Range != "" {
		out.Status = 206
		out.ContentRange = contentRange(start, end, j.OutputSize)
	}
	if a := j.Archive; a != nil {
		out.ArchiveDescription = a.Description
		if a.RangeTreeHash != "" && treehash.Aligned(start, end+1, j.OutputSize) {
			if start == 0 && end == j.OutputSize-1 {
				out.Checksum = a.RangeTreeHash
			} else if out.Checksum, err = e.rangeTreeHash(j.Segments, j.SegmentSize, "", base+start, base+end+1, a.Size); err != nil {
				body.Close()
				return nil, err
			}
		}
	}
	return out, nil
}

// contentRange is the Content-Range of bytes start to end (inclusive) of
// total.
func contentRange(start, end, total int64) string {
	return fmt.Sprintf("bytes %d-%d/%d", start, end, total)
}

// splitVaultARN returns the account and name of a vault ARN,
// arn:aws:glacier:REGION:ACCOUNT:vaults/NAME.
func splitVaultARN(arn string) (acct, name string, ok bool) {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[2] != "glacier" {
		return "", "", false
	}
	name, ok = strings.CutPrefix(p[5], "vaults/")
	return p[4], name, ok
}
