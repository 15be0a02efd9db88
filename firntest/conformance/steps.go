package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// Steps that rules of several areas take.

func mustCreateVault(t *testing.T, tg *target, account, vault string) *firn.CreateVaultOutput {
	t.Helper()
	return must[firn.CreateVaultOutput](t, "CreateVault "+vault)(tg.g.CreateVault(t.Context(),
		&firn.CreateVaultInput{AccountId: account, VaultName: vault}))
}

func mustDescribeVault(t *testing.T, tg *target, account, vault string) *firn.DescribeVaultOutput {
	t.Helper()
	return must[firn.DescribeVaultOutput](t, "DescribeVault "+vault)(tg.g.DescribeVault(t.Context(),
		&firn.DescribeVaultInput{AccountId: account, VaultName: vault}))
}

func mustListTags(t *testing.T, tg *target, account, vault string) map[string]string {
	t.Helper()
	out := must[firn.ListTagsForVaultOutput](t, "ListTagsForVault "+vault)(tg.g.ListTagsForVault(t.Context(),
		&firn.ListTagsForVaultInput{AccountId: account, VaultName: vault}))
	if out.Tags == nil {
		t.Errorf("ListTagsForVault %s: Tags is nil, want a (possibly empty) map", vault)
	}
	return out.Tags
}

func mustAddTags(t *testing.T, tg *target, account, vault string, tags map[string]string) {
	t.Helper()
	must[firn.AddTagsToVaultOutput](t, "AddTagsToVault "+vault)(tg.g.AddTagsToVault(t.Context(),
		&firn.AddTagsToVaultInput{AccountId: account, VaultName: vault, Tags: tags}))
}

// wantCounts checks a vault's archive count and total size.
func wantCounts(t *testing.T, tg *target, account, vault string, n, size int64) {
	t.Helper()
	d := mustDescribeVault(t, tg, account, vault)
	if d.NumberOfArchives != n || d.SizeInBytes != size {
		t.Errorf("vault %s: NumberOfArchives=%d SizeInBytes=%d, want %d and %d",
			vault, d.NumberOfArchives, d.SizeInBytes, n, size)
	}
}

// upload stores data as a new archive, passing its tree hash as the checksum
// as the SDKs do, and checks the output.
func upload(t *testing.T, tg *target, account, vault string, data []byte, desc string) *firn.UploadArchiveOutput {
	t.Helper()
	out, err := uploadE(t.Context(), tg, account, vault, data, desc)
	if err != nil {
		t.Fatalf("UploadArchive %d bytes to %s: %v", len(data), vault, err)
	}
	if msg := checkUploadOutput(tg, account, vault, data, out); msg != "" {
		t.Error(msg)
	}
	return out
}

func uploadE(ctx context.Context, tg *target, account, vault string, data []byte, desc string) (*firn.UploadArchiveOutput, error) {
	return tg.g.UploadArchive(ctx, &firn.UploadArchiveInput{
		AccountId:          account,
		VaultName:          vault,
		ArchiveDescription: desc,
		Checksum:           testkit.TreeHashHex(data),
		Body:               bytes.NewReader(data),
	})
}

// checkUploadOutput returns what is wrong with an upload's output, or "".
// It does not call t so that goroutines can use it.
func checkUploadOutput(tg *target, account, vault string, data []byte, out *firn.UploadArchiveOutput) string {
	switch {
	case out == nil:
		return "UploadArchive: nil output"
	case out.ArchiveId == "":
		return "UploadArchive: empty ArchiveId"
	case out.Checksum != testkit.TreeHashHex(data):
		return fmt.Sprintf("UploadArchive: Checksum %q, want %s", out.Checksum, testkit.TreeHashHex(data))
	case out.Location != tg.vaultLocation(account, vault)+"/archives/"+out.ArchiveId:
		return fmt.Sprintf("UploadArchive: Location %q, want %s/archives/%s", out.Location, tg.vaultLocation(account, vault), out.ArchiveId)
	}
	return ""
}

// readArchive retrieves an archive with an archive-retrieval job.
func readArchive(t *testing.T, tg *target, account, vault, archiveID string) ([]byte, *firn.GetJobOutputOutput) {
	t.Helper()
	body, out, err := readArchiveE(t.Context(), tg, account, vault, archiveID)
	if err != nil {
		t.Fatalf("reading archive %.16s… of %s: %v", archiveID, vault, err)
	}
	return body, out
}

// readArchiveE retrieves an archive with an archive-retrieval job, advancing
// the clock while the job is in progress.
func readArchiveE(ctx context.Context, tg *target, account, vault, archiveID string) ([]byte, *firn.GetJobOutputOutput, error) {
	job, err := tg.g.InitiateJob(ctx, &firn.InitiateJobInput{
		AccountId:     account,
		VaultName:     vault,
		JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: archiveID},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("InitiateJob: %w", err)
	}
	for range 48 {
		out, err := tg.g.GetJobOutput(ctx, &firn.GetJobOutputInput{AccountId: account, VaultName: vault, JobId: job.JobId})
		if errors.Is(err, firn.ErrInvalidParameterValue) { // not completed yet
			tg.clock.Advance(time.Hour)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("GetJobOutput: %w", err)
		}
		body, err := io.ReadAll(out.Body)
		if cerr := out.Body.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, nil, fmt.Errorf("GetJobOutput: reading Body: %w", err)
		}
		return body, out, nil
	}
	return nil, nil, fmt.Errorf("job %s did not complete in 48 hours", job.JobId)
}

// wantArchive reads an archive back and checks its bytes, checksum and
// description.
func wantArchive(t *testing.T, tg *target, account, vault, archiveID string, data []byte, desc string) {
	t.Helper()
	got, out := readArchive(t, tg, account, vault, archiveID)
	if !bytes.Equal(got, data) {
		t.Errorf("archive %.16s… in %s: %s", archiveID, vault, diffBytes(got, data))
	}
	if out.Checksum != testkit.TreeHashHex(data) {
		t.Errorf("GetJobOutput Checksum %q, want %s", out.Checksum, testkit.TreeHashHex(data))
	}
	if out.ArchiveDescription != desc {
		t.Errorf("GetJobOutput ArchiveDescription %q, want %q", out.ArchiveDescription, desc)
	}
	if out.Status != 200 {
		t.Errorf("GetJobOutput Status %d, want 200", out.Status)
	}
}

func diffBytes(got, want []byte) string {
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("got %d bytes, want %d; first difference at offset %d", len(got), len(want), i)
}
