package firn

import (
	"io"
	"time"
)

// Job types, the JobParameters.Type values.
const (
	JobTypeArchiveRetrieval   = "archive-retrieval"
	JobTypeInventoryRetrieval = "inventory-retrieval"
	JobTypeSelect             = "select"
)

// Retrieval tiers.
const (
	TierExpedited = "Expedited"
	TierStandard  = "Standard"
	TierBulk      = "Bulk"
)

// Inventory formats.
const (
	FormatJSON = "JSON"
	FormatCSV  = "CSV"
)

// ActionCode is a job's action.
type ActionCode string

// Job actions.
const (
	ActionArchiveRetrieval   ActionCode = "ArchiveRetrieval"
	ActionInventoryRetrieval ActionCode = "InventoryRetrieval"
	ActionSelect             ActionCode = "Select"
)

// StatusCode is a job's status.
type StatusCode string

// Job statuses.
const (
	StatusInProgress StatusCode = "InProgress"
	StatusSucceeded  StatusCode = "Succeeded"
	StatusFailed     StatusCode = "Failed"
)

// InitiateJobInput starts a retrieval, inventory or select job.
type InitiateJobInput struct {
	AccountId     string
	VaultName     string
	JobParameters JobParameters
}

// JobParameters describes the job to start.
type JobParameters struct {
	// Type is JobTypeArchiveRetrieval, JobTypeInventoryRetrieval or
	// JobTypeSelect.
	Type string
	// Format of an inventory: FormatJSON (default) or FormatCSV.
	Format string
	// ArchiveId is required for archive retrieval and select jobs.
	ArchiveId string
	// Description is at most 1,024 printable ASCII characters.
	Description string
	// SNSTopic receives the completion notification.
	SNSTopic string
	// RetrievalByteRange is "START-END" (inclusive), megabyte aligned.
	RetrievalByteRange string
	// Tier is TierExpedited, TierStandard (default) or TierBulk.
	Tier                         string
	InventoryRetrievalParameters *InventoryRetrievalJobInput
	SelectParameters             *SelectParameters
	OutputLocation               *OutputLocation
}

// InventoryRetrievalJobInput restricts an inventory to a range of creation
// dates and pages through it. Dates are ISO 8601 (YYYY-MM-DDThh:mm:ssTZD);
// Limit is a decimal integer >= 1; Marker continues a previous inventory.
type InventoryRetrievalJobInput struct {
	StartDate string
	EndDate   string
	Limit     string
	Marker    string
}

// InitiateJobOutput identifies the job.
type InitiateJobOutput struct {
	JobId string
	// Location is /ACCOUNT/vaults/NAME/jobs/JOBID.
	Location string
	// JobOutputPath is where a select job writes its results.
	JobOutputPath string
}

// DescribeJobInput names a job.
type DescribeJobInput struct {
	AccountId string
	VaultName string
	JobId     string
}

// GlacierJobDescription describes a job. Fields that do not apply to the
// job's action are zero.
type GlacierJobDescription struct {
	JobId          string
	JobDescription string
	Action         ActionCode
	ArchiveId      string
	VaultARN       string
	CreationDate   time.Time
	Completed      bool
	StatusCode     StatusCode
	StatusMessage  string
	// ArchiveSizeInBytes is set for archive retrieval jobs only; it is null
	// (zero) for inventory and select jobs, as DescribeJob documents.
	ArchiveSizeInBytes int64
	// InventorySizeInBytes is set for completed inventory jobs.
	InventorySizeInBytes int64
	SNSTopic             string
	// CompletionDate is zero while the job is in progress.
	CompletionDate time.Time
	// SHA256TreeHash is the tree hash of the retrieved range when that range
	// is tree-hash aligned, else "".
	SHA256TreeHash string
	// ArchiveSHA256TreeHash is set for archive retrieval jobs only, like
	// ArchiveSizeInBytes.
	ArchiveSHA256TreeHash        string
	RetrievalByteRange           string
	Tier                         string
	InventoryRetrievalParameters *InventoryRetrievalJobDescription
	JobOutputPath                string
	SelectParameters             *SelectParameters
	OutputLocation               *OutputLocation
}

// DescribeJobOutput is the description of one job.
type DescribeJobOutput = GlacierJobDescription

// InventoryRetrievalJobDescription echoes an inventory job's parameters.
type InventoryRetrievalJobDescription struct {
	Format    string `json:"Format,omitempty"`
	StartDate string `json:"StartDate,omitempty"`
	EndDate   string `json:"EndDate,omitempty"`
	Limit     string `json:"Limit,omitempty"`
	Marker    string `json:"Marker,omitempty"`
}

// ListJobsInput pages through a vault's jobs in creation order.
type ListJobsInput struct {
	AccountId string
	VaultName string
	// Limit is 1 to 50; 0 means the default, 50.
	Limit  int32
	Marker string
	// Statuscode filters by status: "InProgress", "Succeeded" or "Failed".
	Statuscode string
	// Completed, when set, filters by completion.
	Completed *bool
}

// ListJobsOutput is one page of jobs.
type ListJobsOutput struct {
	JobList []GlacierJobDescription
	Marker  string
}

// GetJobOutputInput names a completed job and optionally a byte range of its
// output.
type GetJobOutputInput struct {
	AccountId string
	VaultName string
	JobId     string
	// Range is "bytes=START-END" (inclusive), "" for the whole output.
	Range string
}

// GetJobOutputOutput streams a job's output. The caller must close Body.
type GetJobOutputOutput struct {
	Body io.ReadCloser
	// ContentLength is the number of bytes Body yields (those of the range
	// for a ranged response), or nil when it is not known. The REST
	// endpoint sends it as Content-Length, and reports an output that ends
	// early as a broken download.
	ContentLength *int64
	// Checksum is the tree hash of the returned bytes when the returned
	// range is tree-hash aligned, else "".
	Checksum string
	// Status is 200 for the whole output and 206 for a range.
	Status int32
	// ContentRange is "bytes START-END/TOTAL" for a ranged response.
	ContentRange       string
	AcceptRanges       string
	ContentType        string
	ArchiveDescription string
}
