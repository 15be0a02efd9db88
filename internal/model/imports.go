package model

import (
	"context"
	"crypto/sha256"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/oklog/ulid/v2"
)

var _ firn.Importer = (*Model)(nil)

// maxImportSize is the largest archive an import takes: 10,000 parts of
// 4 GiB.
const maxImportSize = 10000 * (4 << 30)

// validSourceID checks a source archive ID: 1 to 1,024 of A-Z a-z 0-9 - _ . ~.
func validSourceID(id string) error {
	if id == "" {
		return missing("ArchiveId")
	}
	if len(id) > 1024 {
		return invalid("ArchiveId: longer than 1024 characters")
	}
	for _, c := range []byte(id) {
		ok := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
		if !ok {
			return invalid("ArchiveId: invalid character %q", c)
		}
	}
	return nil
}

// sourceKey is where an imported archive sorts among the vault's: a
// canonical ULID is its own key; any other ID a ULID of its creation
// millisecond and the first 10 bytes of its SHA-256.
func sourceKey(id string, created time.Time) string {
	if u, err := ulid.ParseStrict(id); err == nil && u.String() == id {
		return id
	}
	var k ulid.ULID
	if err := k.SetTime(ulid.Timestamp(created)); err != nil {
		panic(err)
	}
	sum := sha256.Sum256([]byte(id))
	copy(k[6:], sum[:10])
	return k.String()
}

// ImportArchive implements firn.Importer, authorized as UploadArchive.
func (m *Model) ImportArchive(ctx context.Context, in *firn.ImportArchiveInput) (*firn.ImportArchiveOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	if err := validSourceID(in.ArchiveId); err != nil {
		return nil, err
	}
	desc := in.ArchiveDescription
	if len(desc) > 1024 || !utf8.ValidString(desc) {
		return nil, invalid("ArchiveDescription: more than 1024 bytes or not UTF-8")
	}
	for _, r := range desc {
		if r != '\t' && unicode.IsControl(r) {
			return nil, invalid("ArchiveDescription: a control character")
		}
	}
	created := in.CreationDate.UTC()
	switch {
	case created.IsZero():
		return nil, missing("CreationDate")
	case created.Before(time.Unix(0, 0)) || created.After(m.now()):
		return nil, invalid("CreationDate: before 1970 or after now")
	case in.Checksum == "":
		return nil, missing("Checksum")
	}
	want, err := parseChecksum(in.Checksum)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Size < 1 || in.Size > maxImportSize:
		return nil, invalid("Size: %d", in.Size)
	case in.Body == nil:
		return nil, missing("Body")
	}
	v, err := m.authorizedVault(ctx, "UploadArchive", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	out := &firn.ImportArchiveOutput{ArchiveId: in.ArchiveId, Checksum: want, Location: location(acct, v.name) + "/archives/" + in.ArchiveId}
	key := sourceKey(in.ArchiveId, created)
	if ar := v.archives[in.ArchiveId]; ar != nil {
		switch {
		case ar.hash != want:
			return nil, invalid("Checksum differs")
		case int64(len(ar.data)) != in.Size:
			return nil, invalid("Size differs")
		case !ar.created.Equal(created):
			return nil, invalid("CreationDate differs")
		case ar.desc != desc:
			return nil, invalid("ArchiveDescription differs")
		}
		return out, nil
	}
	for _, ar := range v.archives {
		if ar.key == key {
			return nil, invalid("ArchiveId: its key is another archive's")
		}
	}
	data, err := readBody(in.Body, in.Size)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != in.Size {
		return nil, invalid("Body: not Size bytes long")
	}
	if hash := testkit.TreeHashHex(data); hash != want {
		return nil, invalid("Checksum mismatch: expected %s, computed %s", want, hash)
	}
	v.archives[in.ArchiveId] = &archive{id: in.ArchiveId, key: key, desc: desc, data: data, hash: want, created: created}
	v.lastWrite = later(v.lastWrite, m.now())
	out.Imported = true
	return out, nil
}

// DescribeArchive implements firn.Importer, authorized as DescribeVault.
func (m *Model) DescribeArchive(ctx context.Context, in *firn.DescribeArchiveInput) (*firn.DescribeArchiveOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	if in.ArchiveId == "" {
		return nil, missing("ArchiveId")
	}
	v, err := m.authorizedVault(ctx, "DescribeVault", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	ar := v.archives[in.ArchiveId]
	if ar == nil {
		return nil, notFound("Archive not found for ID: %s", in.ArchiveId)
	}
	return &firn.DescribeArchiveOutput{ArchiveId: ar.id, ArchiveDescription: ar.desc, CreationDate: ar.created,
		Size: int64(len(ar.data)), SHA256TreeHash: ar.hash}, nil
}
