package store

import (
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/job"
)

// jobRecord is the stored form of a job.Record (key JobKey).
type jobRecord struct {
	ID          [16]byte                `json:"id"`
	VaultID     [16]byte                `json:"vaultId"`
	VaultARN    string                  `json:"vaultArn"`
	Action      firn.ActionCode         `json:"action"`
	Description string                  `json:"description,omitempty"`
	SNSTopic    string                  `json:"snsTopic,omitempty"`
	Tier        string                  `json:"tier,omitempty"`
	Created     time.Time               `json:"created"`
	Due         time.Time               `json:"due"`
	Status      firn.StatusCode         `json:"status"`
	Message     string                  `json:"message,omitempty"`
	Completed   time.Time               `json:"completed"`
	Expires     time.Time               `json:"expires,omitzero"`
	Archive     *archiveRetrievalRecord `json:"archive,omitempty"`
	Inventory   *jobInventoryRecord     `json:"inventory,omitempty"`
	Select      *selectRecord           `json:"select,omitempty"`
	Segments    []segmentRecord         `json:"segments"`
	SegmentSize int64                   `json:"segmentSize,omitempty"`
	OutputSize  int64                   `json:"outputSize,omitempty"`
	Notify      []string                `json:"notify,omitempty"`
}

type archiveRetrievalRecord struct {
	ArchiveID     string   `json:"archiveId"`
	ArchiveKey    [16]byte `json:"archiveKey"`
	Size          int64    `json:"size"`
	TreeHash      string   `json:"treeHash"`
	Description   string   `json:"description,omitempty"`
	Start         int64    `json:"start"`
	End           int64    `json:"end"`
	RangeTreeHash string   `json:"rangeTreeHash,omitempty"`
}

type jobInventoryRecord struct {
	Format     string                `json:"format"`
	Params     inventoryParamsRecord `json:"params"`
	Filter     filterRecord          `json:"filter"`
	NextMarker string                `json:"nextMarker,omitempty"`
}

// inventoryParamsRecord is the stored form of a
// firn.InventoryRetrievalJobInput.
type inventoryParamsRecord struct {
	StartDate string `json:"StartDate"`
	EndDate   string `json:"EndDate"`
	Limit     string `json:"Limit"`
	Marker    string `json:"Marker"`
}

type filterRecord struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Limit  int       `json:"limit,omitempty"`
	Marker string    `json:"marker,omitempty"`
}

type selectRecord struct {
	ArchiveID      string                 `json:"archiveId"`
	ArchiveKey     [16]byte               `json:"archiveKey"`
	Size           int64                  `json:"size"`
	TreeHash       string                 `json:"treeHash"`
	Parameters     selectParametersRecord `json:"parameters"`
	OutputLocation outputLocationRecord   `json:"outputLocation"`
	OutputPath     string                 `json:"outputPath"`
}

// The stored forms of the select types of package firn. Their member
// names are those of the service's JSON (csv in lower case, as there).
type (
	selectParametersRecord struct {
		InputSerialization  *inputSerializationRecord  `json:"InputSerialization,omitempty"`
		ExpressionType      string                     `json:"ExpressionType,omitempty"`
		Expression          string                     `json:"Expression,omitempty"`
		OutputSerialization *outputSerializationRecord `json:"OutputSerialization,omitempty"`
	}
	inputSerializationRecord struct {
		CSV *csvInputRecord `json:"csv,omitempty"`
	}
	outputSerializationRecord struct {
		CSV *csvOutputRecord `json:"csv,omitempty"`
	}
	csvInputRecord struct {
		FileHeaderInfo       string `json:"FileHeaderInfo,omitempty"`
		Comments             string `json:"Comments,omitempty"`
		QuoteEscapeCharacter string `json:"QuoteEscapeCharacter,omitempty"`
		RecordDelimiter      string `json:"RecordDelimiter,omitempty"`
		FieldDelimiter       string `json:"FieldDelimiter,omitempty"`
		QuoteCharacter       string `json:"QuoteCharacter,omitempty"`
	}
	csvOutputRecord struct {
		QuoteFields          string `json:"QuoteFields,omitempty"`
		QuoteEscapeCharacter string `json:"QuoteEscapeCharacter,omitempty"`
		RecordDelimiter      string `json:"RecordDelimiter,omitempty"`
		FieldDelimiter       string `json:"FieldDelimiter,omitempty"`
		QuoteCharacter       string `json:"QuoteCharacter,omitempty"`
	}
	outputLocationRecord struct {
		S3 *s3LocationRecord `json:"S3,omitempty"`
	}
	s3LocationRecord struct {
		BucketName        string            `json:"BucketName,omitempty"`
		Prefix            string            `json:"Prefix,omitempty"`
		Encryption        *encryptionRecord `json:"Encryption,omitempty"`
		CannedACL         string            `json:"CannedACL,omitempty"`
		AccessControlList []grantRecord     `json:"AccessControlList,omitempty"`
		Tagging           map[string]string `json:"Tagging,omitempty"`
		UserMetadata      map[string]string `json:"UserMetadata,omitempty"`
		StorageClass      string            `json:"StorageClass,omitempty"`
	}
	encryptionRecord struct {
		EncryptionType string `json:"EncryptionType,omitempty"`
		KMSKeyId       string `json:"KMSKeyId,omitempty"`
		KMSContext     string `json:"KMSContext,omitempty"`
	}
	grantRecord struct {
		Grantee    *granteeRecord `json:"Grantee,omitempty"`
		Permission string         `json:"Permission,omitempty"`
	}
	granteeRecord struct {
		Type         string `json:"Type,omitempty"`
		DisplayName  string `json:"DisplayName,omitempty"`
		URI          string `json:"URI,omitempty"`
		ID           string `json:"ID,omitempty"`
		EmailAddress string `json:"EmailAddress,omitempty"`
	}
)

func jobToRecord(j *job.Record) *jobRecord {
	r := &jobRecord{
		ID:          j.ID,
		VaultID:     j.VaultID,
		VaultARN:    j.VaultARN,
		Action:      j.Action,
		Description: j.Description,
		SNSTopic:    j.SNSTopic,
		Tier:        j.Tier,
		Created:     j.Created,
		Due:         j.Due,
		Status:      j.Status,
		Message:     j.Message,
		Completed:   j.Completed,
		Expires:     j.Expiry,
		Segments:    segmentsToRecord(j.Segments),
		SegmentSize: j.SegmentSize,
		OutputSize:  j.OutputSize,
		Notify:      j.Notify,
	}
	if a := j.Archive; a != nil {
		r.Archive = &archiveRetrievalRecord{
			ArchiveID:     a.ArchiveID,
			ArchiveKey:    a.ArchiveKey,
			Size:          a.Size,
			TreeHash:      a.TreeHash,
			Description:   a.Description,
			Start:         a.Start,
			End:           a.End,
			RangeTreeHash: a.RangeTreeHash,
		}
	}
	if inv := j.Inventory; inv != nil {
		r.Inventory = &jobInventoryRecord{
			Format:     inv.Format,
			Params:     inventoryParamsRecord(inv.Params),
			Filter:     filterRecord(inv.Filter),
			NextMarker: inv.NextMarker,
		}
	}
	if s := j.Select; s != nil {
		r.Select = &selectRecord{
			ArchiveID:      s.ArchiveID,
			ArchiveKey:     s.ArchiveKey,
			Size:           s.Size,
			TreeHash:       s.TreeHash,
			Parameters:     selectToRecord(&s.Parameters),
			OutputLocation: locationToRecord(&s.OutputLocation),
			OutputPath:     s.OutputPath,
		}
	}
	return r
}

func (r *jobRecord) job() job.Record {
	j := job.Record{
		ID:          r.ID,
		VaultID:     r.VaultID,
		VaultARN:    r.VaultARN,
		Action:      r.Action,
		Description: r.Description,
		SNSTopic:    r.SNSTopic,
		Tier:        r.Tier,
		Created:     r.Created,
		Due:         r.Due,
		Status:      r.Status,
		Message:     r.Message,
		Completed:   r.Completed,
		Expiry:      r.Expires,
		Segments:    segmentsFromRecord(r.Segments),
		SegmentSize: r.SegmentSize,
		OutputSize:  r.OutputSize,
		Notify:      r.Notify,
	}
	if a := r.Archive; a != nil {
		j.Archive = &job.ArchiveRetrieval{
			ArchiveID:     a.ArchiveID,
			ArchiveKey:    a.ArchiveKey,
			Size:          a.Size,
			TreeHash:      a.TreeHash,
			Description:   a.Description,
			Start:         a.Start,
			End:           a.End,
			RangeTreeHash: a.RangeTreeHash,
		}
	}
	if inv := r.Inventory; inv != nil {
		j.Inventory = &job.Inventory{
			Format:     inv.Format,
			Params:     firn.InventoryRetrievalJobInput(inv.Params),
			Filter:     job.Filter(inv.Filter),
			NextMarker: inv.NextMarker,
		}
	}
	if s := r.Select; s != nil {
		j.Select = &job.Select{
			ArchiveID:      s.ArchiveID,
			ArchiveKey:     s.ArchiveKey,
			Size:           s.Size,
			TreeHash:       s.TreeHash,
			Parameters:     s.Parameters.params(),
			OutputLocation: s.OutputLocation.location(),
			OutputPath:     s.OutputPath,
		}
	}
	return j
}

func selectToRecord(p *firn.SelectParameters) selectParametersRecord {
	r := selectParametersRecord{ExpressionType: p.ExpressionType, Expression: p.Expression}
	if in := p.InputSerialization; in != nil {
		r.InputSerialization = &inputSerializationRecord{CSV: (*csvInputRecord)(in.CSV)}
	}
	if out := p.OutputSerialization; out != nil {
		r.OutputSerialization = &outputSerializationRecord{CSV: (*csvOutputRecord)(out.CSV)}
	}
	return r
}

func (r *selectParametersRecord) params() firn.SelectParameters {
	p := firn.SelectParameters{ExpressionType: r.ExpressionType, Expression: r.Expression}
	if in := r.InputSerialization; in != nil {
		p.InputSerialization = &firn.InputSerialization{CSV: (*firn.CSVInput)(in.CSV)}
	}
	if out := r.OutputSerialization; out != nil {
		p.OutputSerialization = &firn.OutputSerialization{CSV: (*firn.CSVOutput)(out.CSV)}
	}
	return p
}

func locationToRecord(l *firn.OutputLocation) outputLocationRecord {
	s3 := l.S3
	if s3 == nil {
		return outputLocationRecord{}
	}
	r := &s3LocationRecord{
		BucketName:   s3.BucketName,
		Prefix:       s3.Prefix,
		Encryption:   (*encryptionRecord)(s3.Encryption),
		CannedACL:    s3.CannedACL,
		Tagging:      s3.Tagging,
		UserMetadata: s3.UserMetadata,
		StorageClass: s3.StorageClass,
	}
	if s3.AccessControlList != nil {
		r.AccessControlList = make([]grantRecord, len(s3.AccessControlList))
		for i, g := range s3.AccessControlList {
			r.AccessControlList[i] = grantRecord{Grantee: (*granteeRecord)(g.Grantee), Permission: g.Permission}
		}
	}
	return outputLocationRecord{S3: r}
}

func (r *outputLocationRecord) location() firn.OutputLocation {
	s3 := r.S3
	if s3 == nil {
		return firn.OutputLocation{}
	}
	l := &firn.S3Location{
		BucketName:   s3.BucketName,
		Prefix:       s3.Prefix,
		Encryption:   (*firn.Encryption)(s3.Encryption),
		CannedACL:    s3.CannedACL,
		Tagging:      s3.Tagging,
		UserMetadata: s3.UserMetadata,
		StorageClass: s3.StorageClass,
	}
	if s3.AccessControlList != nil {
		l.AccessControlList = make([]firn.Grant, len(s3.AccessControlList))
		for i, g := range s3.AccessControlList {
			l.AccessControlList[i] = firn.Grant{Grantee: (*firn.Grantee)(g.Grantee), Permission: g.Permission}
		}
	}
	return firn.OutputLocation{S3: l}
}
