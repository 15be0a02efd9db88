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
	InputSerialization  *InputSerialization
	ExpressionType      string
	Expression          string
	OutputSerialization *OutputSerialization
}

// InputSerialization says how the archive is read.
type InputSerialization struct {
	CSV *CSVInput
}

// CSVInput describes a CSV archive.
type CSVInput struct {
	FileHeaderInfo       string
	Comments             string
	QuoteEscapeCharacter string
	RecordDelimiter      string
	FieldDelimiter       string
	QuoteCharacter       string
}

// OutputSerialization says how results are written.
type OutputSerialization struct {
	CSV *CSVOutput
}

// CSVOutput describes the CSV results.
type CSVOutput struct {
	QuoteFields          string
	QuoteEscapeCharacter string
	RecordDelimiter      string
	FieldDelimiter       string
	QuoteCharacter       string
}

// OutputLocation is where a select job stores its results.
type OutputLocation struct {
	S3 *S3Location
}

// S3Location is an S3 bucket and prefix with the properties of the objects
// written there.
type S3Location struct {
	BucketName        string
	Prefix            string
	Encryption        *Encryption
	CannedACL         string
	AccessControlList []Grant
	Tagging           map[string]string
	UserMetadata      map[string]string
	StorageClass      string
}

// Encryption describes server-side encryption of select results.
type Encryption struct {
	// EncryptionType is "aws:kms" or "AES256".
	EncryptionType string
	KMSKeyId       string
	KMSContext     string
}

// Grant gives a grantee a permission on the results.
type Grant struct {
	Grantee *Grantee
	// Permission is FULL_CONTROL, WRITE, WRITE_ACP, READ or READ_ACP.
	Permission string
}

// Grantee is the subject of a Grant.
type Grantee struct {
	// Type is AmazonCustomerByEmail, CanonicalUser or Group.
	Type         string
	DisplayName  string
	URI          string
	ID           string
	EmailAddress string
}
