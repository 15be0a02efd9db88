package engine_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// TestCompression checks that every compression setting stores archives
// that read back, also after a reopen with another setting, and that an
// unknown setting is refused.
func TestCompression(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	data := bytes.Repeat([]byte("compressible log line\n"), 200000)
	var ids []string
	for _, c := range []engine.Compression{engine.CompressionS2, engine.CompressionNone, engine.CompressionZstd} {
		e, err := engine.Open("d", &engine.Options{FS: fs, Compression: c})
		if err != nil {
			t.Fatal(err)
		}
		e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
		up, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, up.ArchiveId)
		for _, id := range ids {
			j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
			if err != nil {
				t.Fatal(err)
			}
			out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("compression %d: archive %s read back wrong: %v", c, id, err)
			}
		}
		if err := e.Check(ctx); err != nil {
			t.Fatal(err)
		}
		e.Close()
	}
	if _, err := engine.Open("d", &engine.Options{FS: fs, Compression: 9}); err == nil {
		t.Error("Open with an unknown compression succeeded")
	}
}
