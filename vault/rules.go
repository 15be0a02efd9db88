package vault

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/firnstore/firn"
)

// Limits of the Glacier API.
const (
	MaxNameLength        = 255
	MaxDescriptionLength = 1024
	MaxTags              = 10
	MaxTagKeyLength      = 128
	MaxTagValueLength    = 255
	MaxPolicyBytes       = 20 * 1024
)

// ValidateName checks the vault naming rules: 1 to 255 characters of
// a-z, A-Z, 0-9, '_', '-' and '.'.
func ValidateName(name string) error {
	if name == "" {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: VaultName")
	}
	if len(name) > MaxNameLength {
		return firn.Errorf(firn.CodeInvalidParameterValue, "VaultName: %d characters, at most %d are allowed", len(name), MaxNameLength)
	}
	for i := 0; i < len(name); i++ {
		if !nameChar(name[i]) {
			return firn.Errorf(firn.CodeInvalidParameterValue, "VaultName: invalid character %q at position %d of %q; allowed are a-z, A-Z, 0-9, '_', '-' and '.'", rune(name[i]), i, name)
		}
	}
	return nil
}

func nameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// ValidateDescription checks an archive or job description: at most 1,024
// printable ASCII characters (0x20-0x7E). field names it in errors.
func ValidateDescription(field, desc string) error {
	if len(desc) > MaxDescriptionLength {
		return firn.Errorf(firn.CodeInvalidParameterValue, "%s: %d characters, at most %d are allowed", field, len(desc), MaxDescriptionLength)
	}
	for i := 0; i < len(desc); i++ {
		if c := desc[i]; c < 0x20 || c > 0x7e {
			return firn.Errorf(firn.CodeInvalidParameterValue, "%s: invalid character 0x%02x at position %d; only printable ASCII (0x20-0x7E) is allowed", field, c, i)
		}
	}
	return nil
}

// ArchiveDescription returns an archive's description as UploadArchive and
// InitiateMultipartUpload store it: desc without leading and trailing spaces
// and tabs, which must then be valid for ValidateDescription. The developer
// guide documents that InitiateMultipartUpload removes leading whitespace
// and is silent on trailing whitespace and on UploadArchive; the description
// travels in the x-amz-archive-description header of both, and HTTP drops a
// header value's leading and trailing spaces and tabs, so the service never
// sees them. Dropping them here keeps the Go API and the wire alike.
func ArchiveDescription(desc string) (string, error) {
	desc = strings.Trim(desc, " \t")
	if err := ValidateDescription("ArchiveDescription", desc); err != nil {
		return "", err
	}
	return desc, nil
}

// AddTags returns existing with add applied, or an error if a tag is
// malformed or the vault would hold more than MaxTags tags. existing is not
// modified.
//
// The rules are the developer guide's tag restrictions: a key is 1 to
// MaxTagKeyLength and a value 0 to MaxTagValueLength Unicode characters
// (not bytes), both made of Unicode letters, digits, spaces and
// _ . / = + - @ (the guide lists no ':', which other AWS services allow),
// and a key must not start with "aws:", in any case. The guide's 50 tags
// per vault is not applied: the API reference's 10 is.
func AddTags(existing, add map[string]string) (map[string]string, error) {
	if len(add) == 0 {
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Tags")
	}
	keys := make([]string, 0, len(add))
	for k := range add {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := validateTag(k, add[k]); err != nil {
			return nil, err
		}
	}
	out := make(map[string]string, len(existing)+len(add))
	for k, v := range existing {
		out[k] = v
	}
	for k, v := range add {
		out[k] = v
	}
	if len(out) > MaxTags {
		return nil, firn.Errorf(firn.CodeLimitExceeded, "Tags: the vault would have %d tags, at most %d are allowed", len(out), MaxTags)
	}
	return out, nil
}

func validateTag(k, v string) error {
	if n := utf8.RuneCountInString(k); n == 0 || n > MaxTagKeyLength {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Tags: key %q must be 1 to %d characters", k, MaxTagKeyLength)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Tags: key %q must not start with \"aws:\"", k)
	}
	if err := tagChars(k); err != "" {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Tags: key %q: %s", k, err)
	}
	if n := utf8.RuneCountInString(v); n > MaxTagValueLength {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Tags: value of key %q is %d characters, at most %d are allowed", k, n, MaxTagValueLength)
	}
	if err := tagChars(v); err != "" {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Tags: value of key %q: %s", k, err)
	}
	return nil
}

// tagChars says what is wrong with the characters of a tag key or value,
// or returns "". Letters, digits and spaces are Unicode's classes L, N and
// Z, as in the pattern other AWS services document for tags.
func tagChars(s string) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			return fmt.Sprintf("not valid UTF-8 at byte %d", i)
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.In(r, unicode.Z) || strings.ContainsRune("_./=+-@", r):
		default:
			return fmt.Sprintf("invalid character %q at position %d; allowed are Unicode letters, digits, spaces and _ . / = + - @", r, utf8.RuneCountInString(s[:i]))
		}
	}
	return ""
}

// RemoveTags returns existing without keys, or an error when keys is empty:
// RemoveTagsFromVault removes one or more tags. Keys the vault does not
// have are ignored. existing is not modified.
func RemoveTags(existing map[string]string, keys []string) (map[string]string, error) {
	if len(keys) == 0 {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "TagKeys: at least 1 tag key is required")
	}
	out := make(map[string]string, len(existing))
	for k, v := range existing {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out, nil
}

// ValidateNotifications checks a notification configuration: an SNS topic
// ARN and events among the two job-completion events.
func ValidateNotifications(c *firn.VaultNotificationConfig) error {
	if c == nil {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: VaultNotificationConfig")
	}
	if c.SNSTopic == "" {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: VaultNotificationConfig.SNSTopic")
	}
	if err := ValidateSNSTopic("VaultNotificationConfig.SNSTopic", c.SNSTopic); err != nil {
		return err
	}
	if len(c.Events) == 0 {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: VaultNotificationConfig.Events")
	}
	for _, e := range c.Events {
		if e != firn.EventArchiveRetrievalCompleted && e != firn.EventInventoryRetrievalCompleted {
			return firn.Errorf(firn.CodeInvalidParameterValue, "VaultNotificationConfig.Events: invalid event %q; valid events are %s and %s", e, firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted)
		}
	}
	return nil
}

// ValidateSNSTopic checks the syntax of an SNS topic ARN,
// arn:PARTITION:sns:REGION:ACCOUNT:NAME with a 12-digit account and a name of
// 1 to 256 letters, digits, '-' and '_' (optionally ending in ".fifo").
func ValidateSNSTopic(field, arn string) error {
	bad := func(why string) error {
		return firn.Errorf(firn.CodeInvalidParameterValue, "%s: invalid SNS topic ARN %q: %s", field, arn, why)
	}
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sns" {
		return bad("expected arn:aws:sns:REGION:ACCOUNT:TOPIC")
	}
	if p[1] == "" || p[3] == "" {
		return bad("partition and region must not be empty")
	}
	if !isAccountID(p[4]) {
		return bad("account must be 12 digits")
	}
	name := strings.TrimSuffix(p[5], ".fifo")
	if name == "" || len(p[5]) > 256 {
		return bad("topic name must be 1 to 256 characters")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return bad("topic name may hold only letters, digits, '-' and '_'")
		}
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsAccountID reports whether s is a 12-digit account ID.
func IsAccountID(s string) bool { return isAccountID(s) }

// ValidatePolicyDocument checks the shape every Glacier policy document
// shares: present, at most 20 KB, and a well-formed JSON object.
func ValidatePolicyDocument(field, doc string) error {
	if doc == "" {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: %s", field)
	}
	if len(doc) > MaxPolicyBytes {
		return firn.Errorf(firn.CodeInvalidParameterValue, "%s: %d bytes, at most %d are allowed", field, len(doc), MaxPolicyBytes)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return firn.Errorf(firn.CodeInvalidParameterValue, "%s: not a well-formed JSON policy document: %v", field, err)
	}
	return nil
}
