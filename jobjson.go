package firn

import (
	"encoding/json"
	"time"
)

// DateLayout is the wire form of Glacier dates: ISO 8601 in UTC with
// milliseconds, as in "2012-03-20T17:03:43.221Z".
const DateLayout = "2006-01-02T15:04:05.000Z"

// jobJSON is the wire form of a job description: every member present, null
// when it does not apply.
type jobJSON struct {
	Action                       ActionCode                        `json:"Action"`
	ArchiveId                    *string                           `json:"ArchiveId"`
	ArchiveSHA256TreeHash        *string                           `json:"ArchiveSHA256TreeHash"`
	ArchiveSizeInBytes           *int64                            `json:"ArchiveSizeInBytes"`
	Completed                    bool                              `json:"Completed"`
	CompletionDate               *string                           `json:"CompletionDate"`
	CreationDate                 *string                           `json:"CreationDate"`
	InventoryRetrievalParameters *InventoryRetrievalJobDescription `json:"InventoryRetrievalParameters"`
	InventorySizeInBytes         *int64                            `json:"InventorySizeInBytes"`
	JobDescription               *string                           `json:"JobDescription"`
	JobId                        string                            `json:"JobId"`
	JobOutputPath                *string                           `json:"JobOutputPath"`
	OutputLocation               *OutputLocation                   `json:"OutputLocation"`
	RetrievalByteRange           *string                           `json:"RetrievalByteRange"`
	SHA256TreeHash               *string                           `json:"SHA256TreeHash"`
	SNSTopic                     *string                           `json:"SNSTopic"`
	SelectParameters             *SelectParameters                 `json:"SelectParameters"`
	StatusCode                   StatusCode                        `json:"StatusCode"`
	StatusMessage                *string                           `json:"StatusMessage"`
	Tier                         *string                           `json:"Tier"`
	VaultARN                     string                            `json:"VaultARN"`
}

func strOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func intOrNull(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func dateOrNull(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(DateLayout)
	return &s
}

// MarshalJSON encodes the description as the service does in DescribeJob,
// ListJobs and job-completion notifications: every member present, null
// where it does not apply, dates as DateLayout.
func (d GlacierJobDescription) MarshalJSON() ([]byte, error) {
	return json.Marshal(jobJSON{
		Action:                       d.Action,
		ArchiveId:                    strOrNull(d.ArchiveId),
		ArchiveSHA256TreeHash:        strOrNull(d.ArchiveSHA256TreeHash),
		ArchiveSizeInBytes:           intOrNull(d.ArchiveSizeInBytes),
		Completed:                    d.Completed,
		CompletionDate:               dateOrNull(d.CompletionDate),
		CreationDate:                 dateOrNull(d.CreationDate),
		InventoryRetrievalParameters: d.InventoryRetrievalParameters,
		InventorySizeInBytes:         intOrNull(d.InventorySizeInBytes),
		JobDescription:               strOrNull(d.JobDescription),
		JobId:                        d.JobId,
		JobOutputPath:                strOrNull(d.JobOutputPath),
		OutputLocation:               d.OutputLocation,
		RetrievalByteRange:           strOrNull(d.RetrievalByteRange),
		SHA256TreeHash:               strOrNull(d.SHA256TreeHash),
		SNSTopic:                     strOrNull(d.SNSTopic),
		SelectParameters:             d.SelectParameters,
		StatusCode:                   d.StatusCode,
		StatusMessage:                strOrNull(d.StatusMessage),
		Tier:                         strOrNull(d.Tier),
		VaultARN:                     d.VaultARN,
	})
}
