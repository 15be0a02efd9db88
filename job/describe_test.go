package job

import (
	"testing"

	"github.com/firnstore/firn"
)

// TestDescribeSelect checks that a select job's description names its
// archive but, as DescribeJob documents for select jobs, leaves the
// archive's size and tree hash null (zero), completed or not.
func TestDescribeSelect(t *testing.T) {
	j := &Record{
		Action: firn.ActionSelect,
		Status: firn.StatusInProgress,
		Select: &Select{ArchiveID: "a1", Size: 35, TreeHash: "abc", OutputPath: "s3://b/p/j/"},
	}
	for _, status := range []firn.StatusCode{firn.StatusInProgress, firn.StatusSucceeded, firn.StatusFailed} {
		j.Status = status
		d := j.Describe("j")
		if d.ArchiveId != "a1" || d.JobOutputPath != "s3://b/p/j/" || d.SelectParameters == nil || d.OutputLocation == nil {
			t.Errorf("%s: description %+v", status, d)
		}
		if d.ArchiveSizeInBytes != 0 || d.ArchiveSHA256TreeHash != "" || d.RetrievalByteRange != "" || d.SHA256TreeHash != "" || d.InventorySizeInBytes != 0 {
			t.Errorf("%s: ArchiveSizeInBytes %d, ArchiveSHA256TreeHash %q, RetrievalByteRange %q, SHA256TreeHash %q, InventorySizeInBytes %d; want all null",
				status, d.ArchiveSizeInBytes, d.ArchiveSHA256TreeHash, d.RetrievalByteRange, d.SHA256TreeHash, d.InventorySizeInBytes)
		}
	}
}
