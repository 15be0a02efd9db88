package firn

// Select serialization enums.
const (
	FileHeaderInfoUse    = "USE"
	FileHeaderInfoIgnore = "IGNORE"
	FileHeaderInfoNone   = "NONE"

	QuoteFieldsAlways   = "ALWAYS"
	QuoteFieldsAsNeeded = "ASNEEDED"

	ExpressionTypeSQL = "SQL"
)

// SelectParameters describes a select job's query.
type SelectParameters struct {
	InputSerialization  *InputSerialization  `json:"InputSerialization,omitempty"`
	ExpressionType      string               `json:"ExpressionType,omitempty"`
	Expression          string               `json:"Expression,omitempty"`
	OutputSerialization *OutputSerialization `json:"OutputSerialization,omitempty"`
}

// InputSerialization says how the archive is read.
type InputSerialization struct {
	CSV *CSVInput `json:"csv,omitempty"`
}

// CSVInput describes a CSV archive.
type CSVInput struct {
	FileHeaderInfo       string `json:"FileHeaderInfo,omitempty"`
	Comments             string `json:"Comments,omitempty"`
	QuoteEscapeCharacter string `json:"QuoteEscapeCharacter,omitempty"`
	RecordDelimiter      string `json:"RecordDelimiter,omitempty"`
	FieldDelimiter       string `json:"FieldDelimiter,omitempty"`
	QuoteCharacter       string `json:"QuoteCharacter,omitempty"`
}

// OutputSerialization says how results are written.
type OutputSerialization struct {
	CSV *CSVOutput `json:"csv,omitempty"`
}

// CSVOutput describes the CSV results.
type CSVOutput struct {
	QuoteFields          string `json:"QuoteFields,omitempty"`
	QuoteEscapeCharacter string `json:"QuoteEscapeCharacter,omitempty"`
	RecordDelimiter      string `json:"RecordDelimiter,omitempty"`
	FieldDelimiter       string `json:"FieldDelimiter,omitempty"`
	QuoteCharacter       string `json:"QuoteCharacter,omitempty"`
}

// OutputLocation is where a select job stores its results.
type OutputLocation struct {
	S3 *S3Location `json:"S3,omitempty"`
}

// S3Location is an S3 bucket and prefix with the properties of the objects
// written there.
type S3Location struct {
	BucketName        string            `json:"BucketName,omitempty"`
	Prefix            string            `json:"Prefix,omitempty"`
	Encryption        *Encryption       `json:"Encryption,omitempty"`
	CannedACL         string            `json:"CannedACL,omitempty"`
	AccessControlList []Grant           `json:"AccessControlList,omitempty"`
	Tagging           map[string]string `json:"Tagging,omitempty"`
	UserMetadata      map[string]string `json:"UserMetadata,omitempty"`
	StorageClass      string            `json:"StorageClass,omitempty"`
}

// Encryption describes server-side encryption of select results.
type Encryption struct {
	// EncryptionType is "aws:kms" or "AES256".
	EncryptionType string `json:"EncryptionType,omitempty"`
	KMSKeyId       string `json:"KMSKeyId,omitempty"`
	KMSContext     string `json:"KMSContext,omitempty"`
}

// Grant gives a grantee a permission on the results.
type Grant struct {
	Grantee *Grantee `json:"Grantee,omitempty"`
	// Permission is FULL_CONTROL, WRITE, WRITE_ACP, READ or READ_ACP.
	Permission string `json:"Permission,omitempty"`
}

// Grantee is the subject of a Grant.
type Grantee struct {
	// Type is AmazonCustomerByEmail, CanonicalUser or Group.
	Type         string `json:"Type,omitempty"`
	DisplayName  string `json:"DisplayName,omitempty"`
	URI          string `json:"URI,omitempty"`
	ID           string `json:"ID,omitempty"`
	EmailAddress string `json:"EmailAddress,omitempty"`
}
