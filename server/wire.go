package server

import (
	"time"

	"github.com/firnstore/firn"
)

// JSON shapes of the service model. Output members that the model can leave
// out are pointers, written as null when absent; keys are in the service's
// (alphabetical) order. Leaf structs repeat the field order of their firn
// counterparts so that the two convert directly.

// dateLayout is the service's date format: ISO 8601, UTC, milliseconds.
const dateLayout = "2006-01-02T15:04:05.000Z"

func wireDate(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return new(t.UTC().Format(dateLayout))
}

// opt is s, or null when s is empty.
func opt[T ~string](s T) *string {
	if s == "" {
		return nil
	}
	return new(string(s))
}

// optSize is n, or null when n is zero (a size that does not apply).
func optSize(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

type vaultJSON struct {
	CreationDate      *string `json:"CreationDate"`
	LastInventoryDate *string `json:"LastInventoryDate"`
	NumberOfArchives  int64   `json:"NumberOfArchives"`
	SizeInBytes       int64   `json:"SizeInBytes"`
	VaultARN          *string `json:"VaultARN"`
	VaultName         *string `json:"VaultName"`
}

func vaultToWire(v *firn.DescribeVaultOutput) vaultJSON {
	return vaultJSON{
		CreationDate:      wireDate(v.CreationDate),
		LastInventoryDate: wireDate(v.LastInventoryDate),
		NumberOfArchives:  v.NumberOfArchives,
		SizeInBytes:       v.SizeInBytes,
		VaultARN:          opt(v.VaultARN),
		VaultName:         opt(v.VaultName),
	}
}

type jobJSON struct {
	Action                       *string               `json:"Action"`
	ArchiveId                    *string               `json:"ArchiveId"`
	ArchiveSHA256TreeHash        *string               `json:"ArchiveSHA256TreeHash"`
	ArchiveSizeInBytes           *int64                `json:"ArchiveSizeInBytes"`
	Completed                    bool                  `json:"Completed"`
	CompletionDate               *string               `json:"CompletionDate"`
	CreationDate                 *string               `json:"CreationDate"`
	InventoryRetrievalParameters *inventoryJobJSON     `json:"InventoryRetrievalParameters"`
	InventorySizeInBytes         *int64                `json:"InventorySizeInBytes"`
	JobDescription               *string               `json:"JobDescription"`
	JobId                        *string               `json:"JobId"`
	JobOutputPath                *string               `json:"JobOutputPath"`
	OutputLocation               *outputLocationJSON   `json:"OutputLocation"`
	RetrievalByteRange           *string               `json:"RetrievalByteRange"`
	SHA256TreeHash               *string               `json:"SHA256TreeHash"`
	SNSTopic                     *string               `json:"SNSTopic"`
	SelectParameters             *selectParametersJSON `json:"SelectParameters"`
	StatusCode                   *string               `json:"StatusCode"`
	StatusMessage                *string               `json:"StatusMessage"`
	Tier                         *string               `json:"Tier"`
	VaultARN                     *string               `json:"VaultARN"`
}

type inventoryJobJSON struct {
	EndDate   *string `json:"EndDate"`
	Format    *string `json:"Format"`
	Limit     *string `json:"Limit"`
	Marker    *string `json:"Marker"`
	StartDate *string `json:"StartDate"`
}

func jobToWire(j *firn.GlacierJobDescription) jobJSON {
	w := jobJSON{
		Action:                opt(j.Action),
		ArchiveId:             opt(j.ArchiveId),
		ArchiveSHA256TreeHash: opt(j.ArchiveSHA256TreeHash),
		ArchiveSizeInBytes:    optSize(j.ArchiveSizeInBytes),
		Completed:             j.Completed,
		CompletionDate:        wireDate(j.CompletionDate),
		CreationDate:          wireDate(j.CreationDate),
		InventorySizeInBytes:  optSize(j.InventorySizeInBytes),
		JobDescription:        opt(j.JobDescription),
		JobId:                 opt(j.JobId),
		JobOutputPath:         opt(j.JobOutputPath),
		OutputLocation:        locationToWire(j.OutputLocation),
		RetrievalByteRange:    opt(j.RetrievalByteRange),
		SHA256TreeHash:        opt(j.SHA256TreeHash),
		SNSTopic:              opt(j.SNSTopic),
		SelectParameters:      selectToWire(j.SelectParameters),
		StatusCode:            opt(j.StatusCode),
		StatusMessage:         opt(j.StatusMessage),
		Tier:                  opt(j.Tier),
		VaultARN:              opt(j.VaultARN),
	}
	if p := j.InventoryRetrievalParameters; p != nil {
		w.InventoryRetrievalParameters = &inventoryJobJSON{
			EndDate:   opt(p.EndDate),
			Format:    opt(p.Format),
			Limit:     opt(p.Limit),
			Marker:    opt(p.Marker),
			StartDate: opt(p.StartDate),
		}
	}
	return w
}

// jobParametersJSON is InitiateJob's body.
type jobParametersJSON struct {
	ArchiveId                    string                `json:"ArchiveId"`
	Description                  string                `json:"Description"`
	Format                       string                `json:"Format"`
	InventoryRetrievalParameters *inventoryInputJSON   `json:"InventoryRetrievalParameters"`
	OutputLocation               *outputLocationJSON   `json:"OutputLocation"`
	RetrievalByteRange           string                `json:"RetrievalByteRange"`
	SNSTopic                     string                `json:"SNSTopic"`
	SelectParameters             *selectParametersJSON `json:"SelectParameters"`
	Tier                         string                `json:"Tier"`
	Type                         string                `json:"Type"`
}

// inventoryInputJSON converts to firn.InventoryRetrievalJobInput.
type inventoryInputJSON struct {
	StartDate string `json:"StartDate"`
	EndDate   string `json:"EndDate"`
	Limit     string `json:"Limit"`
	Marker    string `json:"Marker"`
}

func (p *jobParametersJSON) firn() firn.JobParameters {
	out := firn.JobParameters{
		Type:               p.Type,
		Format:             p.Format,
		ArchiveId:          p.ArchiveId,
		Description:        p.Description,
		SNSTopic:           p.SNSTopic,
		RetrievalByteRange: p.RetrievalByteRange,
		Tier:               p.Tier,
		SelectParameters:   selectFromWire(p.SelectParameters),
		OutputLocation:     locationFromWire(p.OutputLocation),
	}
	if p.InventoryRetrievalParameters != nil {
		out.InventoryRetrievalParameters = new(firn.InventoryRetrievalJobInput(*p.InventoryRetrievalParameters))
	}
	return out
}

// Select and output-location shapes serve both directions; absent members
// are omitted.

type selectParametersJSON struct {
	Expression          string                   `json:"Expression,omitempty"`
	ExpressionType      string                   `json:"ExpressionType,omitempty"`
	InputSerialization  *inputSerializationJSON  `json:"InputSerialization,omitempty"`
	OutputSerialization *outputSerializationJSON `json:"OutputSerialization,omitempty"`
}

type inputSerializationJSON struct {
	CSV *csvInputJSON `json:"csv,omitempty"`
}

type outputSerializationJSON struct {
	CSV *csvOutputJSON `json:"csv,omitempty"`
}

// csvInputJSON converts to firn.CSVInput.
type csvInputJSON struct {
	FileHeaderInfo       string `json:"FileHeaderInfo,omitempty"`
	Comments             string `json:"Comments,omitempty"`
	QuoteEscapeCharacter string `json:"QuoteEscapeCharacter,omitempty"`
	RecordDelimiter      string `json:"RecordDelimiter,omitempty"`
	FieldDelimiter       string `json:"FieldDelimiter,omitempty"`
	QuoteCharacter       string `json:"QuoteCharacter,omitempty"`
}

// csvOutputJSON converts to firn.CSVOutput.
type csvOutputJSON struct {
	QuoteFields          string `json:"QuoteFields,omitempty"`
	QuoteEscapeCharacter string `json:"QuoteEscapeCharacter,omitempty"`
	RecordDelimiter      string `json:"RecordDelimiter,omitempty"`
	FieldDelimiter       string `json:"FieldDelimiter,omitempty"`
	QuoteCharacter       string `json:"QuoteCharacter,omitempty"`
}

type outputLocationJSON struct {
	S3 *s3LocationJSON `json:"S3,omitempty"`
}

type s3LocationJSON struct {
	AccessControlList []grantJSON       `json:"AccessControlList,omitempty"`
	BucketName        string            `json:"BucketName,omitempty"`
	CannedACL         string            `json:"CannedACL,omitempty"`
	Encryption        *encryptionJSON   `json:"Encryption,omitempty"`
	Prefix            string            `json:"Prefix,omitempty"`
	StorageClass      string            `json:"StorageClass,omitempty"`
	Tagging           map[string]string `json:"Tagging,omitempty"`
	UserMetadata      map[string]string `json:"UserMetadata,omitempty"`
}

// encryptionJSON converts to firn.Encryption.
type encryptionJSON struct {
	EncryptionType string `json:"EncryptionType,omitempty"`
	KMSKeyId       string `json:"KMSKeyId,omitempty"`
	KMSContext     string `json:"KMSContext,omitempty"`
}

type grantJSON struct {
	Grantee    *granteeJSON `json:"Grantee,omitempty"`
	Permission string       `json:"Permission,omitempty"`
}

// granteeJSON converts to firn.Grantee.
type granteeJSON struct {
	Type         string `json:"Type,omitempty"`
	DisplayName  string `json:"DisplayName,omitempty"`
	URI          string `json:"URI,omitempty"`
	ID           string `json:"ID,omitempty"`
	EmailAddress string `json:"EmailAddress,omitempty"`
}

func selectToWire(p *firn.SelectParameters) *selectParametersJSON {
	if p == nil {
		return nil
	}
	w := &selectParametersJSON{Expression: p.Expression, ExpressionType: p.ExpressionType}
	if s := p.InputSerialization; s != nil {
		w.InputSerialization = &inputSerializationJSON{}
		if s.CSV != nil {
			w.InputSerialization.CSV = new(csvInputJSON(*s.CSV))
		}
	}
	if s := p.OutputSerialization; s != nil {
		w.OutputSerialization = &outputSerializationJSON{}
		if s.CSV != nil {
			w.OutputSerialization.CSV = new(csvOutputJSON(*s.CSV))
		}
	}
	return w
}

func selectFromWire(w *selectParametersJSON) *firn.SelectParameters {
	if w == nil {
		return nil
	}
	p := &firn.SelectParameters{Expression: w.Expression, ExpressionType: w.ExpressionType}
	if s := w.InputSerialization; s != nil {
		p.InputSerialization = &firn.InputSerialization{}
		if s.CSV != nil {
			p.InputSerialization.CSV = new(firn.CSVInput(*s.CSV))
		}
	}
	if s := w.OutputSerialization; s != nil {
		p.OutputSerialization = &firn.OutputSerialization{}
		if s.CSV != nil {
			p.OutputSerialization.CSV = new(firn.CSVOutput(*s.CSV))
		}
	}
	return p
}

func locationToWire(l *firn.OutputLocation) *outputLocationJSON {
	if l == nil {
		return nil
	}
	w := &outputLocationJSON{}
	if s := l.S3; s != nil {
		w.S3 = &s3LocationJSON{
			BucketName:   s.BucketName,
			Prefix:       s.Prefix,
			CannedACL:    s.CannedACL,
			Tagging:      s.Tagging,
			UserMetadata: s.UserMetadata,
			StorageClass: s.StorageClass,
		}
		if s.Encryption != nil {
			w.S3.Encryption = new(encryptionJSON(*s.Encryption))
		}
		for _, g := range s.AccessControlList {
			wg := grantJSON{Permission: g.Permission}
			if g.Grantee != nil {
				wg.Grantee = new(granteeJSON(*g.Grantee))
			}
			w.S3.AccessControlList = append(w.S3.AccessControlList, wg)
		}
	}
	return w
}

func locationFromWire(w *outputLocationJSON) *firn.OutputLocation {
	if w == nil {
		return nil
	}
	l := &firn.OutputLocation{}
	if s := w.S3; s != nil {
		l.S3 = &firn.S3Location{
			BucketName:   s.BucketName,
			Prefix:       s.Prefix,
			CannedACL:    s.CannedACL,
			Tagging:      s.Tagging,
			UserMetadata: s.UserMetadata,
			StorageClass: s.StorageClass,
		}
		if s.Encryption != nil {
			l.S3.Encryption = new(firn.Encryption(*s.Encryption))
		}
		for _, g := range s.AccessControlList {
			fg := firn.Grant{Permission: g.Permission}
			if g.Grantee != nil {
				fg.Grantee = new(firn.Grantee(*g.Grantee))
			}
			l.S3.AccessControlList = append(l.S3.AccessControlList, fg)
		}
	}
	return l
}

type uploadJSON struct {
	ArchiveDescription *string `json:"ArchiveDescription"`
	CreationDate       *string `json:"CreationDate"`
	MultipartUploadId  *string `json:"MultipartUploadId"`
	PartSizeInBytes    int64   `json:"PartSizeInBytes"`
	VaultARN           *string `json:"VaultARN"`
}

type listPartsJSON struct {
	ArchiveDescription *string    `json:"ArchiveDescription"`
	CreationDate       *string    `json:"CreationDate"`
	Marker             *string    `json:"Marker"`
	MultipartUploadId  *string    `json:"MultipartUploadId"`
	PartSizeInBytes    int64      `json:"PartSizeInBytes"`
	Parts              []partJSON `json:"Parts"`
	VaultARN           *string    `json:"VaultARN"`
}

type partJSON struct {
	RangeInBytes   *string `json:"RangeInBytes"`
	SHA256TreeHash *string `json:"SHA256TreeHash"`
}

type policyJSON struct {
	Policy *string `json:"Policy"`
}

type notificationJSON struct {
	Events   []string `json:"Events"`
	SNSTopic *string  `json:"SNSTopic"`
}

type vaultLockJSON struct {
	CreationDate   *string `json:"CreationDate"`
	ExpirationDate *string `json:"ExpirationDate"`
	Policy         *string `json:"Policy"`
	State          *string `json:"State"`
}

type retrievalPolicyJSON struct {
	Policy *retrievalRulesJSON `json:"Policy"`
}

type retrievalRulesJSON struct {
	Rules []retrievalRuleJSON `json:"Rules"`
}

// retrievalRuleJSON converts to firn.DataRetrievalRule.
type retrievalRuleJSON struct {
	Strategy     string `json:"Strategy,omitempty"`
	BytesPerHour *int64 `json:"BytesPerHour,omitempty"`
}

type capacityJSON struct {
	CapacityId     *string `json:"CapacityId"`
	ExpirationDate *string `json:"ExpirationDate"`
	StartDate      *string `json:"StartDate"`
}
