package vault

import (
	"crypto/sha256"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/firnstore/firn"
	"github.com/oklog/ulid/v2"
)

// Imported archives (firn.Importer) keep the ID they have at their source.

// MaxSourceIDLength is the longest source archive ID an import takes.
const MaxSourceIDLength = 1024

// MaxImportSize is the largest archive an import takes: the largest that
// Amazon S3 Glacier holds, 10,000 parts of 4 GiB.
const MaxImportSize = 10000 * (4 << 30)

// SourceArchiveID checks an imported archive's source ID: 1 to
// MaxSourceIDLength characters from A-Z, a-z, 0-9, '-', '_', '.' and '~'.
func SourceArchiveID(id string) error {
	if id == "" {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: ArchiveId")
	}
	if len(id) > MaxSourceIDLength {
		return firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveId: %d characters, at most %d are allowed", len(id), MaxSourceIDLength)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isIDByte(c) {
			return firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveId: invalid character 0x%02x at position %d; only A-Z, a-z, 0-9, '-', '_', '.' and '~' are allowed", c, i)
		}
	}
	return nil
}

func isIDByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// ImportDescription checks an imported archive's description, which is
// kept as the source has it: at most MaxDescriptionLength bytes of UTF-8
// without control characters other than tab.
func ImportDescription(desc string) error {
	if len(desc) > MaxDescriptionLength {
		return firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveDescription: %d bytes, at most %d are allowed", len(desc), MaxDescriptionLength)
	}
	if !utf8.ValidString(desc) {
		return firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveDescription: not valid UTF-8")
	}
	for i, r := range desc {
		if r != '\t' && unicode.IsControl(r) {
			return firn.Errorf(firn.CodeInvalidParameterValue, "ArchiveDescription: control character %U at byte %d; only tab is allowed", r, i)
		}
	}
	return nil
}

// ImportCreationDate checks an imported archive's creation date: not zero,
// not before 1970 (a ULID's time starts there) and not after now.
func ImportCreationDate(created, now time.Time) error {
	switch {
	case created.IsZero():
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: CreationDate")
	case created.Before(time.Unix(0, 0)):
		return firn.Errorf(firn.CodeInvalidParameterValue, "CreationDate: %s is before 1970", created.UTC().Format(time.RFC3339Nano))
	case created.After(now):
		return firn.Errorf(firn.CodeInvalidParameterValue, "CreationDate: %s is later than now, %s", created.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// SourceKey returns the key an archive imported with source ID id (valid
// for SourceArchiveID), created at created (valid for ImportCreationDate), is stored under, and the
// SHA-256 of id. An id in a ULID's canonical form (a Firn archive's) is the
// key itself, and indexed is false. Any other key is a ULID whose time is
// created and whose entropy is the first 10 bytes of the hash: the same
// import always lands on the same key, in creation order among the
// vault's archives; indexed is true, for the key is only found through the
// hash (store.SourceIDKey).
func SourceKey(id string, created time.Time) (key ulid.ULID, sum [32]byte, indexed bool) {
	sum = sha256.Sum256([]byte(id))
	if u, err := ulid.ParseStrict(id); err == nil && u.String() == id {
		return u, sum, false
	}
	if err := key.SetTime(ulid.Timestamp(created)); err != nil {
		panic(err) // unreachable for the dates ImportCreationDate takes
	}
	copy(key[6:], sum[:10])
	return key, sum, true
}
