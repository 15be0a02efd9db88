package firn

import (
	"encoding/json"
	"time"
)

// DateLayout is the wire form of Glacier dates: ISO 8601 in UTC with
// milliseconds, as in "2012-03-20T17:03:43.221Z".
const DateLayout = "2006-01-02T15:04:05.000Z"

// jobJSON is the wire form of a job description: every member present, null
// when it does not apply, members in the service's (alphabetical) order.
type jobJSON struct {
	Action                       *string        `json:"Action"`
	ArchiveId                    *string        `json:"ArchiveId"`
	ArchiveSHA256TreeHash        *string        `json:"ArchiveSHA256TreeHash"`
	ArchiveSizeInBytes           *int64         `json:"ArchiveSizeInBytes"`
	Completed                    bool           `json:"Completed"`
	CompletionDate               *string        `json:"CompletionDate"`
	CreationDate                 *string        `json:"CreationDate"`
	InventoryRetrievalParameters *inventoryJSON `json:"InventoryRetrievalParameters"`
	InventorySizeInBytes         *int64         `json:"InventorySizeInBytes"`
	JobDescription               *string        `json:"JobDescription"`
	JobId                        *string        `json:"JobId"`
	JobOutputPath                *string        `json:"JobOutputPath"`
	OutputLocation               *locationJSON  `json:"OutputLocation"`
	RetrievalByteRange           *string        `json:"RetrievalByteRange"`
	SHA256TreeHash               *string        `json:"SHA256TreeHash"`
	SNSTopic                     *string        `json:"SNSTopic"`
	SelectParameters             *selectJSON    `json:"SelectParameters"`
	StatusCode                   *string        `json:"StatusCode"`
	StatusMessage                *string        `json:"StatusMessage"`
	Tier                         *string        `json:"Tier"`
	VaultARN                     *string        `json:"VaultARN"`
}

// inventoryJSON is InventoryRetrievalJobDescription on the wire: every
// member present, null when empty.
type inventoryJSON struct {
	EndDate   *string `json:"EndDate"`
	Format    *string `json:"Format"`
	Limit     *string `json:"Limit"`
	Marker    *string `json:"Marker"`
	StartDate *string `json:"StartDate"`
}

// selectJSON and s3JSON are SelectParameters and S3Location with their
// members in the service's order; absent members are left out.
type selectJSON struct {
	Expression          string               `json:"Expression,omitempty"`
	ExpressionType      string               `json:"ExpressionType,omitempty"`
	InputSerialization  *InputSerialization  `json:"InputSerialization,omitempty"`
	OutputSerialization *OutputSerialization `json:"OutputSerialization,omitempty"`
}

type locationJSON struct {
	S3 *s3JSON `json:"S3,omitempty"`
}

type s3JSON struct {
	AccessControlList []Grant           `json:"AccessControlList,omitempty"`
	BucketName        string            `json:"BucketName,omitempty"`
	CannedACL         string            `json:"CannedACL,omitempty"`
	Encryption        *Encryption       `json:"Encryption,omitempty"`
	Prefix            string            `json:"Prefix,omitempty"`
	StorageClass      string            `json:"StorageClass,omitempty"`
	Tagging           map[string]string `json:"Tagging,omitempty"`
	UserMetadata      map[string]string `json:"UserMetadata,omitempty"`
}

func strOrNull[T ~string](s T) *string {
	if s == "" {
		return nil
	}
	return new(string(s))
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
// ListJobs, job-completion notifications and a select job's job.txt: every
// member present, null where it does not apply, dates as DateLayout.
func (d GlacierJobDescription) MarshalJSON() ([]byte, error) {
	j := jobJSON{
		Action:                strOrNull(d.Action),
		ArchiveId:             strOrNull(d.ArchiveId),
		ArchiveSHA256TreeHash: strOrNull(d.ArchiveSHA256TreeHash),
		ArchiveSizeInBytes:    intOrNull(d.ArchiveSizeInBytes),
		Completed:             d.Completed,
		CompletionDate:        dateOrNull(d.CompletionDate),
		CreationDate:          dateOrNull(d.CreationDate),
		InventorySizeInBytes:  intOrNull(d.InventorySizeInBytes),
		JobDescription:        strOrNull(d.JobDescription),
		JobId:                 strOrNull(d.JobId),
		JobOutputPath:         strOrNull(d.JobOutputPath),
		RetrievalByteRange:    strOrNull(d.RetrievalByteRange),
		SHA256TreeHash:        strOrNull(d.SHA256TreeHash),
		SNSTopic:              strOrNull(d.SNSTopic),
		StatusCode:            strOrNull(d.StatusCode),
		StatusMessage:         strOrNull(d.StatusMessage),
		Tier:                  strOrNull(d.Tier),
		VaultARN:              strOrNull(d.VaultARN),
	}
	if p := d.InventoryRetrievalParameters; p != nil {
		j.InventoryRetrievalParameters = &inventoryJSON{
			EndDate:   strOrNull(p.EndDate),
			Format:    strOrNull(p.Format),
			Limit:     strOrNull(p.Limit),
			Marker:    strOrNull(p.Marker),
			StartDate: strOrNull(p.StartDate),
		}
	}
	if p := d.SelectParameters; p != nil {
		j.SelectParameters = &selectJSON{Expression: p.Expression, ExpressionType: p.ExpressionType,
			InputSerialization: p.InputSerialization, OutputSerialization: p.OutputSerialization}
	}
	if l := d.OutputLocation; l != nil {
		j.OutputLocation = &locationJSON{}
		if s := l.S3; s != nil {
			j.OutputLocation.S3 = &s3JSON{AccessControlList: s.AccessControlList, BucketName: s.BucketName,
				CannedACL: s.CannedACL, Encryption: s.Encryption, Prefix: s.Prefix, StorageClass: s.StorageClass,
				Tagging: s.Tagging, UserMetadata: s.UserMetadata}
		}
	}
	return json.Marshal(j)
}
