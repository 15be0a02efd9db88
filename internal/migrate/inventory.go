package migrate

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/firnstore/firn"
)

// inventoryJSON is Glacier's JSON inventory, the members a run reads.
type inventoryJSON struct {
	InventoryDate string
	ArchiveList   []struct {
		ArchiveId          string
		ArchiveDescription string
		CreationDate       string
		Size               int64
		SHA256TreeHash     string
	}
}

// parseInventory reads a JSON inventory and returns its date and archives
// in creation order (ties by ID, so that every run sees one order).
func parseInventory(r io.Reader) (time.Time, []Archive, error) {
	var inv inventoryJSON
	if err := json.NewDecoder(r).Decode(&inv); err != nil {
		return time.Time{}, nil, fmt.Errorf("migrate: reading inventory: %w", err)
	}
	date, err := time.Parse(time.RFC3339, inv.InventoryDate)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("migrate: inventory: InventoryDate: %w", err)
	}
	archives := make([]Archive, 0, len(inv.ArchiveList))
	seen := make(map[string]bool, len(inv.ArchiveList))
	for _, a := range inv.ArchiveList {
		created, err := time.Parse(time.RFC3339, a.CreationDate)
		if err != nil {
			return time.Time{}, nil, fmt.Errorf("migrate: inventory: archive %s: CreationDate: %w", a.ArchiveId, err)
		}
		if a.ArchiveId == "" || a.Size < 0 || len(a.SHA256TreeHash) != 64 {
			return time.Time{}, nil, fmt.Errorf("migrate: inventory: archive %q: incomplete entry", a.ArchiveId)
		}
		if _, err := hex.DecodeString(a.SHA256TreeHash); err != nil {
			return time.Time{}, nil, fmt.Errorf("migrate: inventory: archive %q: SHA256TreeHash %q is not hex", a.ArchiveId, a.SHA256TreeHash)
		}
		if seen[a.ArchiveId] {
			return time.Time{}, nil, fmt.Errorf("migrate: inventory: archive %q listed twice", a.ArchiveId)
		}
		seen[a.ArchiveId] = true
		archives = append(archives, Archive{
			ID:           a.ArchiveId,
			Description:  a.ArchiveDescription,
			CreationDate: created.UTC(),
			Size:         a.Size,
			TreeHash:     strings.ToLower(a.SHA256TreeHash),
		})
	}
	slices.SortStableFunc(archives, func(a, b Archive) int {
		return cmp.Or(a.CreationDate.Compare(b.CreationDate), cmp.Compare(a.ID, b.ID))
	})
	return date.UTC(), archives, nil
}

// inventory returns the vault's inventory: the state's when it is recent
// enough, else the output of an inventory job (the state's, one in flight
// at the source, or a new one), waited for and kept in the state.
func (r *run) inventory(ctx context.Context) error {
	st, o := r.st, r.o
	if st.Inventory != nil && (o.InventoryMaxAge == 0 || o.Clock.Now().Sub(st.InventoryDate) <= o.InventoryMaxAge) {
		return nil
	}
	for attempt := 1; ; attempt++ {
		if st.InventoryJob == "" {
			id, err := r.adoptInventoryJob(ctx)
			if err != nil {
				return err
			}
			if id == "" {
				out, err := retry(ctx, o, "InitiateJob inventory-retrieval", func() (*firn.InitiateJobOutput, error) {
					return o.Source.InitiateJob(ctx, &firn.InitiateJobInput{AccountId: o.SourceAccount, VaultName: o.Vault,
						JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: firn.FormatJSON}})
				})
				if err != nil {
					return fmt.Errorf("migrate: requesting the inventory: %w", err)
				}
				id = out.JobId
				r.report.JobsRequested++
			}
			st.InventoryJob = id
			if err := st.save(o.StatePath); err != nil {
				return err
			}
		}
		date, archives, err := r.inventoryOutput(ctx, st.InventoryJob)
		if errors.Is(err, firn.ErrResourceNotFound) && attempt < o.MaxAttempts {
			st.InventoryJob = "" // expired before it was read: ask again
			continue
		}
		if err != nil {
			return fmt.Errorf("migrate: inventory job %s: %w", st.InventoryJob, err)
		}
		st.InventoryDate, st.Inventory, st.InventoryJob = date, archives, ""
		return st.save(o.StatePath)
	}
}

// adoptInventoryJob returns the newest whole-vault JSON inventory job at
// the source that has not failed, or "".
func (r *run) adoptInventoryJob(ctx context.Context) (string, error) {
	var newest *firn.GlacierJobDescription
	err := r.listJobs(ctx, func(j *firn.GlacierJobDescription) {
		p := j.InventoryRetrievalParameters
		if j.Action != firn.ActionInventoryRetrieval || j.StatusCode == firn.StatusFailed ||
			p == nil || p.Format != firn.FormatJSON || p.StartDate != "" || p.EndDate != "" || p.Limit != "" || p.Marker != "" {
			return
		}
		if newest == nil || j.CreationDate.After(newest.CreationDate) {
			newest = j
		}
	})
	if err != nil || newest == nil {
		return "", err
	}
	return newest.JobId, nil
}

// inventoryOutput waits for the inventory job and parses its output. It
// describes the job in rounds (PollMax apart with a Queue, see Options)
// and when the queue notifies it.
func (r *run) inventoryOutput(ctx context.Context, jobID string) (time.Time, []Archive, error) {
	o := r.o
	delay := o.PollMin
	if o.Queue != nil {
		delay = o.PollMax
	}
	d, err := r.describeJob(ctx, jobID)
	next := o.Clock.Now().Add(delay)
	for err == nil && !d.Completed {
		ns, werr := r.wait(ctx, next.Sub(o.Clock.Now()))
		if werr != nil {
			return time.Time{}, nil, werr
		}
		r.onNotices(ctx, ns, func(job string) bool { return job == jobID }, func(string) bool {
			d, err = r.describeJob(ctx, jobID)
			return err != nil || d.Completed
		})
		if now := o.Clock.Now(); err == nil && !d.Completed && !now.Before(next) {
			d, err = r.describeJob(ctx, jobID)
			delay = min(2*delay, o.PollMax)
			next = now.Add(delay)
		}
	}
	if err != nil {
		return time.Time{}, nil, err
	}
	r.settled[jobID] = true
	if d.StatusCode != firn.StatusSucceeded {
		return time.Time{}, nil, fmt.Errorf("job %s: %s", d.StatusCode, d.StatusMessage)
	}
	out, err := retry(ctx, o, "GetJobOutput", func() (*firn.GetJobOutputOutput, error) {
		return o.Source.GetJobOutput(ctx, &firn.GetJobOutputInput{AccountId: o.SourceAccount, VaultName: o.Vault, JobId: jobID})
	})
	if err != nil {
		return time.Time{}, nil, err
	}
	defer out.Body.Close()
	return parseInventory(out.Body)
}

// describeJob is DescribeJob, retried on transient errors.
func (r *run) describeJob(ctx context.Context, jobID string) (*firn.DescribeJobOutput, error) {
	return retry(ctx, r.o, "DescribeJob", func() (*firn.DescribeJobOutput, error) {
		return r.o.Source.DescribeJob(ctx, &firn.DescribeJobInput{AccountId: r.o.SourceAccount, VaultName: r.o.Vault, JobId: jobID})
	})
}

// listJobs calls f for every job of the vault at the source.
func (r *run) listJobs(ctx context.Context, f func(*firn.GlacierJobDescription)) error {
	marker := ""
	for {
		out, err := retry(ctx, r.o, "ListJobs", func() (*firn.ListJobsOutput, error) {
			return r.o.Source.ListJobs(ctx, &firn.ListJobsInput{AccountId: r.o.SourceAccount, VaultName: r.o.Vault, Marker: marker})
		})
		if err != nil {
			return fmt.Errorf("migrate: listing jobs: %w", err)
		}
		for i := range out.JobList {
			f(&out.JobList[i])
		}
		if out.Marker == "" {
			return nil
		}
		marker = out.Marker
	}
}
