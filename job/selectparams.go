package job

import (
	"strings"

	"github.com/firnstore/firn"
)

// Limits of select output locations.
const maxPrefixBytes = 512

// ValidateSelect checks the parts of a select job's parameters that are not
// the CSV settings or the expression (package csvselect checks those): the
// expression type, that both serializations are CSV, and the S3 output
// location.
func ValidateSelect(p *firn.SelectParameters, loc *firn.OutputLocation) error {
	switch p.ExpressionType {
	case "":
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: SelectParameters.ExpressionType")
	case firn.ExpressionTypeSQL:
	default:
		return invalid("SelectParameters.ExpressionType: %q is not supported; the only type is SQL", p.ExpressionType)
	}
	if p.InputSerialization == nil || p.InputSerialization.CSV == nil {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: SelectParameters.InputSerialization.csv")
	}
	if p.OutputSerialization == nil || p.OutputSerialization.CSV == nil {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: SelectParameters.OutputSerialization.csv")
	}
	return validateS3(loc.S3)
}

func validateS3(s *firn.S3Location) error {
	if s.BucketName == "" {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: OutputLocation.S3.BucketName")
	}
	if err := validateBucket(s.BucketName); err != nil {
		return err
	}
	if s.Prefix == "" {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: OutputLocation.S3.Prefix")
	}
	if len(s.Prefix) > maxPrefixBytes {
		return invalid("OutputLocation.S3.Prefix: %d bytes, at most %d are allowed", len(s.Prefix), maxPrefixBytes)
	}
	for _, seg := range strings.Split(s.Prefix, "/") {
		if seg == "." || seg == ".." {
			return invalid("OutputLocation.S3.Prefix: %q must not contain . or .. segments", s.Prefix)
		}
	}
	if e := s.Encryption; e != nil {
		switch e.EncryptionType {
		case "", "AES256":
			if e.KMSKeyId != "" || e.KMSContext != "" {
				return invalid("OutputLocation.S3.Encryption.KMSKeyId: only EncryptionType aws:kms takes a KMS key")
			}
		case "aws:kms":
		default:
			return invalid("OutputLocation.S3.Encryption.EncryptionType: %q is not aws:kms or AES256", e.EncryptionType)
		}
	}
	if !oneOf(s.CannedACL, "", "private", "public-read", "public-read-write", "aws-exec-read", "authenticated-read", "bucket-owner-read", "bucket-owner-full-control") {
		return invalid("OutputLocation.S3.CannedACL: %q is not a canned ACL", s.CannedACL)
	}
	if !oneOf(s.StorageClass, "", "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA") {
		return invalid("OutputLocation.S3.StorageClass: %q is not STANDARD, REDUCED_REDUNDANCY or STANDARD_IA", s.StorageClass)
	}
	for i, g := range s.AccessControlList {
		if g.Grantee == nil {
			return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: OutputLocation.S3.AccessControlList[%d].Grantee", i)
		}
		switch g.Grantee.Type {
		case "CanonicalUser":
			if g.Grantee.ID == "" {
				return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: OutputLocation.S3.AccessControlList[%d].Grantee.ID", i)
			}
		case "AmazonCustomerByEmail":
			if g.Grantee.EmailAddress == "" {
				return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: OutputLocation.S3.AccessControlList[%d].Grantee.EmailAddress", i)
			}
		case "Group":
			if g.Grantee.URI == "" {
				return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: OutputLocation.S3.AccessControlList[%d].Grantee.URI", i)
			}
		default:
			return invalid("OutputLocation.S3.AccessControlList[%d].Grantee.Type: %q is not CanonicalUser, AmazonCustomerByEmail or Group", i, g.Grantee.Type)
		}
		if !oneOf(g.Permission, "FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP") {
			return invalid("OutputLocation.S3.AccessControlList[%d].Permission: %q is not FULL_CONTROL, WRITE, WRITE_ACP, READ or READ_ACP", i, g.Permission)
		}
	}
	return nil
}

// validateBucket checks the S3 bucket naming rules: 3 to 63 characters of
// lower-case letters, digits, '.' and '-', starting and ending with a letter
// or digit.
func validateBucket(b string) error {
	bad := func(why string) error {
		return invalid("OutputLocation.S3.BucketName: %q %s", b, why)
	}
	if len(b) < 3 || len(b) > 63 {
		return bad("must be 3 to 63 characters")
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad("may hold only lower-case letters, digits, '.' and '-'")
		}
	}
	if !alnum(b[0]) || !alnum(b[len(b)-1]) {
		return bad("must start and end with a letter or digit")
	}
	if strings.Contains(b, "..") {
		return bad("must not contain two adjacent periods")
	}
	return nil
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func oneOf(s string, set ...string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// OutputPrefix is the key prefix under which a select job writes its
// results: the location's prefix, then the job ID.
func OutputPrefix(loc *firn.OutputLocation, jobID string) string {
	return strings.TrimSuffix(loc.S3.Prefix, "/") + "/" + jobID
}
