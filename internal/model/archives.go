package model

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// archive is one archive, bytes included. key orders it among the
// vault's archives: its id but for an imported archive's (sourceKey).
type archive struct {
	id, key, desc string
	data          []byte
	hash          string
	created       time.Time
}

// treeAligned reports whether the bytes [start, end] of size bytes are
// tree-hash aligned: their leaves are exactly those of one subtree of the
// archive's tree hash, so that the range has a tree hash of its own.
func treeAligned(start, end, size int64) bool {
	endExcl := end + 1
	if start < 0 || start >= endExcl || endExcl > size || start%mib != 0 || endExcl != size && endExcl%mib != 0 {
		return false
	}
	blocks := (endExcl - start + mib - 1) / mib
	span := int64(1)
	for span < blocks {
		span <<= 1
	}
	return (start/mib)%span == 0 && (blocks == span || endExcl == size)
}

// parseChecksum checks an optional hex tree hash and returns it in lower
// case; "" when absent.
func parseChecksum(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != sha256.Size {
		return "", invalid("Checksum: %q is not a hex SHA-256 tree hash", s)
	}
	return hex.EncodeToString(b), nil
}

// readBody reads a request body of at most limit bytes (the read stops
// after limit+1): a failing body is the client's RequestTimeoutException.
func readBody(body io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		var fe *firn.Error
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, &firn.Error{Code: firn.CodeRequestTimeout, Message: "the body could not be read: " + err.Error(), Err: err}
	}
	return data, nil
}

// UploadArchive implements firn.Glacier.
func (m *Model) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := validateName(in.VaultName); err != nil {
		return nil, err
	}
	desc := archiveDescription(in.ArchiveDescription)
	if err := validateDescription("ArchiveDescription", desc); err != nil {
		return nil, err
	}
	want, err := parseChecksum(in.Checksum)
	if err != nil {
		return nil, err
	}
	if in.Body == nil {
		return nil, missing("Body")
	}
	v, err := m.authorizedVault(ctx, "UploadArchive", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	data, err := readBody(in.Body, m.o.MaxArchiveSize)
	if err != nil {
		return nil, err
	}
	switch {
	case len(data) == 0:
		return nil, invalid("Body: the archive is empty")
	case int64(len(data)) > m.o.MaxArchiveSize:
		return nil, invalid("Body: larger than %d bytes", m.o.MaxArchiveSize)
	}
	hash := testkit.TreeHashHex(data)
	if want != "" && want != hash {
		return nil, invalid("Checksum mismatch: expected %s, computed %s", want, hash)
	}
	ar := m.addArchive(v, desc, data, hash)
	return &firn.UploadArchiveOutput{ArchiveId: ar.id, Checksum: hash, Location: location(acct, v.name) + "/archives/" + ar.id}, nil
}

// addArchive stores a new archive in v, created now.
func (m *Model) addArchive(v *vault, desc string, data []byte, hash string) *archive {
	now := m.now()
	id := m.newID()
	ar := &archive{id: id, key: id, desc: desc, data: data, hash: hash, created: now}
	v.archives[ar.id] = ar
	v.lastWrite = later(v.lastWrite, now)
	return ar
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// DeleteArchive implements firn.Glacier. Deleting a deleted archive
// succeeds; an ID that never named an archive of the vault is
// ResourceNotFoundException. The policies are consulted without the
// archive's age, then with it.
func (m *Model) DeleteArchive(ctx context.Context, in *firn.DeleteArchiveInput) (*firn.DeleteArchiveOutput, error) {
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
	if validSourceID(in.ArchiveId) != nil {
		return nil, notFound("Archive not found for ID: %s", in.ArchiveId)
	}
	v, err := m.authorizedVault(ctx, "DeleteArchive", a, acct, in.VaultName)
	if err != nil {
		return nil, err
	}
	ar := v.archives[in.ArchiveId]
	if ar == nil {
		if v.deleted[in.ArchiveId] {
			return &firn.DeleteArchiveOutput{}, nil
		}
		return nil, notFound("Archive not found for ID: %s", in.ArchiveId)
	}
	if err := m.authorize(ctx, "DeleteArchive", v, ar.created); err != nil {
		return nil, err
	}
	delete(v.archives, ar.id)
	v.deleted[ar.id] = true
	v.lastWrite = later(v.lastWrite, m.now())
	return &firn.DeleteArchiveOutput{}, nil
}
