package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
)

const benchSize = 64 << 20

// benchEngine serves an in-memory engine holding one benchSize archive and
// a completed retrieval job for it.
func benchEngine(b *testing.B) (srv *httptest.Server, jobPath string) {
	_, srv = serveEngine(b, "/bench", engine.Options{}, Options{})
	c := sdkClient(srv, testKey, testSecret)
	ctx := context.Background()
	v := aws.String("bench")
	if _, err := c.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: v}); err != nil {
		b.Fatal(err)
	}
	up, err := c.UploadArchive(ctx, &glacier.UploadArchiveInput{VaultName: v, Body: bytes.NewReader(testkit.Pattern(benchSize))})
	if err != nil {
		b.Fatal(err)
	}
	job, err := c.InitiateJob(ctx, &glacier.InitiateJobInput{VaultName: v, JobParameters: &types.JobParameters{
		Type: aws.String("archive-retrieval"), ArchiveId: up.ArchiveId}})
	if err != nil {
		b.Fatal(err)
	}
	return srv, "/-/vaults/bench/jobs/" + aws.ToString(job.JobId) + "/output"
}

// BenchmarkGetJobOutput measures downloading a 64 MiB job output from an
// in-memory engine over loopback HTTP.
func BenchmarkGetJobOutput(b *testing.B) {
	srv, path := benchEngine(b)
	b.SetBytes(benchSize)
	for b.Loop() {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("X-Amz-Glacier-Version", APIVersion)
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != benchSize {
			b.Fatalf("read %d bytes: %v", n, err)
		}
	}
}

// BenchmarkUploadArchive measures the handler's upload path (hashing the
// body against x-amz-content-sha256) into a Glacier that discards it.
func BenchmarkUploadArchive(b *testing.B) {
	data := testkit.Pattern(benchSize)
	sum, tree := sha256Hex(string(data)), testkit.TreeHashHex(data)
	srv := httptest.NewServer(New(discardGlacier{newFake()}, Options{Logger: quiet}))
	b.Cleanup(srv.Close)
	b.SetBytes(benchSize)
	for b.Loop() {
		req, _ := http.NewRequest("POST", srv.URL+"/-/vaults/v/archives", bytes.NewReader(data))
		req.Header.Set("X-Amz-Glacier-Version", APIVersion)
		req.Header.Set("X-Amz-Content-Sha256", sum)
		req.Header.Set("X-Amz-Sha256-Tree-Hash", tree)
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

type discardGlacier struct{ *fake }

func (discardGlacier) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	if _, err := io.Copy(io.Discard, in.Body); err != nil {
		return nil, err
	}
	return &firn.UploadArchiveOutput{ArchiveId: "A"}, nil
}
