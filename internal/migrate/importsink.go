package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/firnstore/firn"
)

// ImportSink copies archives into a vault of a firn.Importer (a Firn engine,
// or a Firn endpoint through awsglacier), keeping their identity: the
// archive's location is its ID. The vault must exist.
type ImportSink struct {
	Importer  firn.Importer
	AccountID string
	VaultName string
}

var _ Sink = (*ImportSink)(nil)

// Begin implements Sink; archives keep their IDs, so there is nothing to fix.
func (s *ImportSink) Begin(context.Context, []Archive) error { return nil }

// Has implements Sink with DescribeArchive: an archive under a's ID is a
// when its size and tree hash are a's, and an error otherwise.
func (s *ImportSink) Has(ctx context.Context, a *Archive) (string, bool, error) {
	d, err := s.Importer.DescribeArchive(ctx, &firn.DescribeArchiveInput{AccountId: s.AccountID, VaultName: s.VaultName, ArchiveId: a.ID})
	if errors.Is(err, firn.ErrResourceNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if d.Size != a.Size || d.SHA256TreeHash != a.TreeHash {
		return "", false, fmt.Errorf("migrate: vault %s already has archive %s with size %d and tree hash %s, not %d and %s",
			s.VaultName, a.ID, d.Size, d.SHA256TreeHash, a.Size, a.TreeHash)
	}
	return a.ID, true, nil
}

// Put implements Sink with ImportArchive.
func (s *ImportSink) Put(ctx context.Context, a *Archive, body io.Reader) (string, error) {
	out, err := s.Importer.ImportArchive(ctx, &firn.ImportArchiveInput{
		AccountId:          s.AccountID,
		VaultName:          s.VaultName,
		ArchiveId:          a.ID,
		ArchiveDescription: a.Description,
		CreationDate:       a.CreationDate,
		Checksum:           a.TreeHash,
		Size:               a.Size,
		Body:               body,
	})
	if err != nil {
		return "", err
	}
	return out.ArchiveId, nil
}

// Finish implements Sink; a vault keeps no summary.
func (s *ImportSink) Finish(context.Context, []Result) error { return nil }
