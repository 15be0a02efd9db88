package job

import (
	"strconv"

	"github.com/firnstore/firn"
)

// Describe returns the job's description as DescribeJob and ListJobs show
// it; id is the job ID's text form.
func (j *Record) Describe(id string) firn.GlacierJobDescription {
	d := firn.GlacierJobDescription{
		JobId:          id,
		JobDescription: j.Description,
		Action:         j.Action,
		VaultARN:       j.VaultARN,
		CreationDate:   j.Created,
		Completed:      j.Done(),
		StatusCode:     j.Status,
		StatusMessage:  j.Message,
		SNSTopic:       j.SNSTopic,
		CompletionDate: j.Completed,
		Tier:           j.Tier,
	}
	if a := j.Archive; a != nil {
		d.ArchiveId = a.ArchiveID
		d.ArchiveSizeInBytes = a.Size
		d.ArchiveSHA256TreeHash = a.TreeHash
		d.RetrievalByteRange = strconv.FormatInt(a.Start, 10) + "-" + strconv.FormatInt(a.End, 10)
		// The tree hash of the range is known from the start, but the
		// service shows it only once the job has completed.
		if j.Done() {
			d.SHA256TreeHash = a.RangeTreeHash
		}
	}
	if inv := j.Inventory; inv != nil {
		d.InventoryRetrievalParameters = &firn.InventoryRetrievalJobDescription{
			Format:    inv.Format,
			StartDate: inv.Params.StartDate,
			EndDate:   inv.Params.EndDate,
			Limit:     inv.Params.Limit,
			Marker:    inv.NextMarker,
		}
		if j.Status == firn.StatusSucceeded {
			d.InventorySizeInBytes = j.OutputSize
		}
	}
	if s := j.Select; s != nil {
		// DescribeJob documents ArchiveSizeInBytes and ArchiveSHA256TreeHash
		// as null for select jobs: only the archive's ID is shown.
		d.ArchiveId = s.ArchiveID
		p := s.Parameters
		d.SelectParameters = &p
		loc := s.OutputLocation
		d.OutputLocation = &loc
		d.JobOutputPath = s.OutputPath
	}
	return d
}

// ContentType is the media type of the job's output.
func (j *Record) ContentType() string {
	switch {
	case j.Inventory != nil && j.Inventory.Format == firn.FormatCSV:
		return "text/csv"
	case j.Inventory != nil:
		return "application/json"
	case j.Select != nil:
		return "text/csv"
	}
	return "application/octet-stream"
}
