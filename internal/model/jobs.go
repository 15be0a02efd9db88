package model

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/csvselect"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/job"
)

// jobState is a job. Its output is computed when it completes; an archive
// retrieval keeps the bytes it retrieves even if the archive is deleted.
type jobState struct {
	id, vaultARN, desc, topic, tier string
	action                          firn.ActionCode
	created, due, completed         time.Time
	status                          firn.StatusCode
	message                         string

	// Archive retrieval and select.
	archiveID, archiveHash string
	archiveSize            int64
	data                   []byte // the archive's bytes
	// Archive retrieval.
	archiveDesc string
	start, end  int64  // inclusive
	rangeHash   string // tree hash of the range when aligned, else ""
	// Inventory.
	format     string
	params     firn.InventoryRetrievalJobInput
	filter     job.Filter
	nextMarker string
	// Select.
	sel        firn.SelectParameters
	loc        firn.OutputLocation
	outputPath string

	output []byte // once succeeded
}

// delay is how long a job takes: the (fixed) window of its tier.
func (m *Model) delay(action firn.ActionCode, tier string) time.Duration {
	t := m.o.JobTiming
	switch {
	case action == firn.ActionInventoryRetrieval:
		return t.Inventory.Min
	case tier == firn.TierExpedited:
		return t.Expedited.Min
	case tier == firn.TierBulk:
		return t.Bulk.Min
	}
	return t.Standard.Min
}

// InitiateJob implements firn.Glacier.
func (m *Model) InitiateJob(ctx context.Context, in *firn.InitiateJobInput) (*firn.InitiateJobOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	req, err := job.Validate(&in.JobParameters)
	if err != nil {
		return nil, err
	}
	if req.Action == firn.ActionSelect {
		if err := job.ValidateSelect(req.Select, req.OutputLocation); err != nil {
			return nil, err
		}
		if _, err := csvselect.Compile(req.Select.Expression, req.Select.InputSerialization.CSV, req.Select.OutputSerialization.CSV); err != nil {
			return nil, err
		}
	}
	v, err := m.findVault(a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	now := m.now()
	j := &jobState{vaultARN: m.vaultARN(acct, v.name), action: req.Action, desc: req.Description, topic: req.SNSTopic,
		tier: req.Tier, created: now, status: firn.StatusInProgress}
	var retrieved int64
	if req.Action == firn.ActionInventoryRetrieval {
		if err := m.authorize(ctx, "InitiateJob", v, time.Time{}); err != nil {
			return nil, err
		}
		j.format, j.params, j.filter = req.Format, req.Inventory, req.Filter
	} else {
		ar := v.archives[req.ArchiveID]
		if ar == nil {
			return nil, notFound("Archive not found for ID: %s", req.ArchiveID)
		}
		if err := m.authorize(ctx, "InitiateJob", v, ar.created); err != nil {
			return nil, err
		}
		j.archiveID, j.archiveHash, j.archiveSize, j.data = req.ArchiveID, ar.hash, int64(len(ar.data)), ar.data
		if req.Action == firn.ActionArchiveRetrieval {
			if j.start, j.end, err = job.ArchiveRange(req.Range, j.archiveSize); err != nil {
				return nil, err
			}
			j.archiveDesc = ar.desc
			if treeAligned(j.start, j.end, j.archiveSize) {
				j.rangeHash = testkit.TreeHashHex(ar.data[j.start : j.end+1])
			}
			retrieved = j.end - j.start + 1
		} else {
			j.sel, j.loc = *req.Select, *req.OutputLocation
			retrieved = j.archiveSize
		}
	}
	if retrieved > 0 {
		if err := m.admit(a, j.tier, retrieved, now); err != nil {
			return nil, err
		}
	}
	j.id = m.newID()
	if j.action == firn.ActionSelect {
		j.outputPath = "s3://" + j.loc.S3.BucketName + "/" + strings.TrimSuffix(j.loc.S3.Prefix, "/") + "/" + j.id + "/"
	}
	j.due = now.Add(m.delay(j.action, j.tier))
	v.jobs[j.id] = j
	if !j.due.After(now) {
		m.complete(v, j, now)
	}
	return &firn.InitiateJobOutput{JobId: j.id, Location: location(acct, v.name) + "/jobs/" + j.id, JobOutputPath: j.outputPath}, nil
}

// complete completes j as of its due time; now, when the completion is
// observed, is the date of an inventory.
func (m *Model) complete(v *vault, j *jobState, now time.Time) {
	j.completed = j.due
	fail := func(why string) { j.status, j.message, j.data = firn.StatusFailed, why, nil }
	switch {
	case j.action != firn.ActionInventoryRetrieval && v.archives[j.archiveID] == nil:
		fail("The archive was deleted before the job completed: " + j.archiveID)
	case j.action == firn.ActionArchiveRetrieval:
		j.output = j.data[j.start : j.end+1]
	case j.action == firn.ActionInventoryRetrieval:
		j.output, j.nextMarker = m.inventory(v, j, now)
	default:
		q, err := csvselect.Compile(j.sel.Expression, j.sel.InputSerialization.CSV, j.sel.OutputSerialization.CSV)
		if err != nil {
			fail(err.Error())
			break
		}
		var out bytes.Buffer
		_, err = q.WithNow(j.due).Run(context.Background(), bytes.NewReader(j.data), &out)
		var rt *csvselect.RuntimeError
		switch {
		case errors.As(err, &rt):
			fail(rt.Error())
		case err != nil:
			panic("model: select: " + err.Error())
		default:
			j.output = out.Bytes()
		}
	}
	if j.status == firn.StatusInProgress {
		j.status, j.message = firn.StatusSucceeded, string(firn.StatusSucceeded)
	}
	var topics []string
	if j.topic != "" {
		topics = append(topics, j.topic)
	}
	if c := v.notifications; c != nil && j.action != firn.ActionSelect {
		event := firn.EventArchiveRetrievalCompleted
		if j.action == firn.ActionInventoryRetrieval {
			event = firn.EventInventoryRetrievalCompleted
		}
		if slices.Contains(c.Events, event) && !slices.Contains(topics, c.SNSTopic) {
			topics = append(topics, c.SNSTopic)
		}
	}
	if len(topics) > 0 {
		msg, err := json.Marshal(j.describe())
		if err != nil {
			panic(err)
		}
		for _, t := range topics {
			m.notes = append(m.notes, Notification{Topic: t, Message: msg})
		}
	}
}

// inventoryEntry is an archive in a JSON inventory, in the service's order
// of members.
type inventoryEntry struct {
	ArchiveId          string
	ArchiveDescription string
	CreationDate       string
	Size               int64
	SHA256TreeHash     string
}

// inventory returns the inventory j asks for, taken at now, and the marker
// to continue it from ("" when complete).
func (m *Model) inventory(v *vault, j *jobState, now time.Time) ([]byte, string) {
	f := j.filter
	list := []inventoryEntry{}
	next := ""
	byKey := map[string]*archive{}
	for _, ar := range v.archives {
		byKey[ar.key] = ar
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		ar := byKey[key]
		if key < f.Marker || !f.Start.IsZero() && ar.created.Before(f.Start) || !f.End.IsZero() && !ar.created.Before(f.End) {
			continue
		}
		if f.Limit > 0 && len(list) == f.Limit {
			next = key
			break
		}
		list = append(list, inventoryEntry{ArchiveId: ar.id, ArchiveDescription: ar.desc, CreationDate: ar.created.Format("2006-01-02T15:04:05.000Z"),
			Size: int64(len(ar.data)), SHA256TreeHash: ar.hash})
	}
	if j.format == firn.FormatCSV {
		var b strings.Builder
		b.WriteString("ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash\n")
		for _, e := range list {
			b.WriteString(e.ArchiveId + `,"` + strings.ReplaceAll(e.ArchiveDescription, `"`, `\"`) + `",` + e.CreationDate + "," +
				strconv.FormatInt(e.Size, 10) + "," + e.SHA256TreeHash + "\n")
		}
		return []byte(b.String()), next
	}
	out, err := json.Marshal(struct {
		VaultARN      string
		InventoryDate string
		ArchiveList   []inventoryEntry
	}{j.vaultARN, now.Format("2006-01-02T15:04:05Z"), list})
	if err != nil {
		panic(err)
	}
	return out, next
}

// describe returns the job's description.
func (j *jobState) describe() firn.GlacierJobDescription {
	done := j.status != firn.StatusInProgress
	d := firn.GlacierJobDescription{JobId: j.id, JobDescription: j.desc, Action: j.action, VaultARN: j.vaultARN, CreationDate: j.created,
		Completed: done, StatusCode: j.status, StatusMessage: j.message, SNSTopic: j.topic, Tier: j.tier}
	if done {
		d.CompletionDate = j.completed
	}
	switch j.action {
	case firn.ActionArchiveRetrieval:
		d.ArchiveId, d.ArchiveSizeInBytes, d.ArchiveSHA256TreeHash = j.archiveID, j.archiveSize, j.archiveHash
		d.RetrievalByteRange = strconv.FormatInt(j.start, 10) + "-" + strconv.FormatInt(j.end, 10)
		if done {
			d.SHA256TreeHash = j.rangeHash
		}
	case firn.ActionInventoryRetrieval:
		d.InventoryRetrievalParameters = &firn.InventoryRetrievalJobDescription{Format: j.format, StartDate: j.params.StartDate,
			EndDate: j.params.EndDate, Limit: j.params.Limit, Marker: j.nextMarker}
		if j.status == firn.StatusSucceeded {
			d.InventorySizeInBytes = int64(len(j.output))
		}
	case firn.ActionSelect:
		d.ArchiveId = j.archiveID
		sel, loc := j.sel, j.loc
		d.SelectParameters, d.OutputLocation, d.JobOutputPath = &sel, &loc, j.outputPath
	}
	return d
}

// findJob returns job id of v unless it has expired.
func findJob(v *vault, id string) (*jobState, error) {
	if id == "" {
		return nil, missing("JobId")
	}
	j := v.jobs[id]
	if j == nil {
		return nil, notFound("The job ID was not found: %s", id)
	}
	return j, nil
}

// DescribeJob implements firn.Glacier.
func (m *Model) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	_, v, err := m.vaultOp(ctx, "DescribeJob", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	j, err := findJob(v, in.JobId)
	if err != nil {
		return nil, err
	}
	d := j.describe()
	return &d, nil
}

// ListJobs implements firn.Glacier: jobs in creation order from the marker
// (a job ID) on.
func (m *Model) ListJobs(ctx context.Context, in *firn.ListJobsInput) (*firn.ListJobsOutput, error) {
	limit, err := listLimit(in.Limit, 50, 50)
	if err != nil {
		return nil, err
	}
	switch firn.StatusCode(in.Statuscode) {
	case "", firn.StatusInProgress, firn.StatusSucceeded, firn.StatusFailed:
	default:
		return nil, invalid("statuscode: %q", in.Statuscode)
	}
	_, v, err := m.vaultOp(ctx, "ListJobs", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if in.Marker != "" && !validULID(in.Marker) {
		return nil, invalid("marker: %q is not a ListJobs marker", in.Marker)
	}
	out := &firn.ListJobsOutput{JobList: []firn.GlacierJobDescription{}}
	for _, id := range slices.Sorted(maps.Keys(v.jobs)) {
		j := v.jobs[id]
		done := j.status != firn.StatusInProgress
		if id < in.Marker || in.Statuscode != "" && string(j.status) != in.Statuscode || in.Completed != nil && *in.Completed != done {
			continue
		}
		if len(out.JobList) == limit {
			out.Marker = id
			break
		}
		out.JobList = append(out.JobList, j.describe())
	}
	return out, nil
}

// GetJobOutput implements firn.Glacier.
func (m *Model) GetJobOutput(ctx context.Context, in *firn.GetJobOutputInput) (*firn.GetJobOutputOutput, error) {
	_, v, err := m.vaultOp(ctx, "GetJobOutput", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	j, err := findJob(v, in.JobId)
	if err != nil {
		return nil, err
	}
	if j.status != firn.StatusSucceeded {
		return nil, invalid("The job is not currently available for download: %s", in.JobId)
	}
	total := int64(len(j.output))
	start, end, err := job.OutputRange(in.Range, total)
	if err != nil {
		return nil, err
	}
	out := &firn.GetJobOutputOutput{Body: io.NopCloser(bytes.NewReader(j.output[start : end+1])), ContentLength: new(end - start + 1),
		Status: 200, AcceptRanges: "bytes"}
	if in.Range != "" {
		out.Status = 206
		out.ContentRange = "bytes " + strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(end, 10) + "/" + strconv.FormatInt(total, 10)
	}
	switch {
	case j.action == firn.ActionArchiveRetrieval:
		out.ContentType = "application/octet-stream"
		out.ArchiveDescription = j.archiveDesc
		if j.rangeHash != "" && treeAligned(start, end, total) {
			out.Checksum = testkit.TreeHashHex(j.output[start : end+1])
		}
	case j.action == firn.ActionInventoryRetrieval && j.format == firn.FormatJSON:
		out.ContentType = "application/json"
	default:
		out.ContentType = "text/csv"
	}
	return out, nil
}

// admit applies the account's data retrieval policy (Standard tier) and
// provisioned capacity (Expedited tier, when limited) to a retrieval of n
// bytes at now, and records it.
func (m *Model) admit(a *account, tier string, n int64, now time.Time) error {
	switch tier {
	case firn.TierStandard:
		rule := firn.DataRetrievalRule{Strategy: firn.StrategyNone}
		if a.retrieval != nil {
			rule = a.retrieval.Rules[0]
		}
		y, mo, d := now.UTC().Date()
		day := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC) // its first instant included
		var lastHour, today int64
		for _, r := range a.standard {
			if r.at.After(now.Add(-time.Hour)) {
				lastHour += r.bytes
			}
			if !r.at.Before(day) {
				today += r.bytes
			}
		}
		switch {
		case rule.Strategy == firn.StrategyBytesPerHour && lastHour+n > *rule.BytesPerHour:
			return firn.Errorf(firn.CodePolicyEnforced, "the retrieval would exceed %d bytes per hour", *rule.BytesPerHour)
		case rule.Strategy == firn.StrategyFreeTier && today+n > m.o.FreeTierBytesPerDay:
			return firn.Errorf(firn.CodePolicyEnforced, "the retrieval would exceed the free tier")
		}
		a.standard = append(a.standard, retrieval{now, n})
	case firn.TierExpedited:
		if !m.o.LimitExpedited {
			return nil
		}
		recent := 0
		for _, at := range a.expedited {
			if at.After(now.Add(-expeditedWindow)) {
				recent++
			}
		}
		if recent >= expeditedPerUnit*len(liveUnits(a, now)) {
			return firn.Errorf(firn.CodeInsufficientCapacity, "no expedited retrieval capacity is available")
		}
		a.expedited = append(a.expedited, now)
	}
	return nil
}
