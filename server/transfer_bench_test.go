package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/server"
)

// BenchmarkTransfer uploads and downloads one archive in-process and
// through the REST endpoint with aws-sdk-go-v2 (SigV4 on), on an engine on
// the real disk, so the overhead of the endpoint shows as the ratio of the
// http and inprocess throughputs. FIRN_BENCH_SIZE sets the archive size in
// MiB (default 256; the figure is for 1024).
func BenchmarkTransfer(b *testing.B) {
	mib := 256
	if s := os.Getenv("FIRN_BENCH_SIZE"); s != "" {
		fmt.Sscan(s, &mib)
	}
	size := int64(mib) << 20
	data := make([]byte, size)
	rand.Read(data)
	e, err := engine.Open(b.TempDir(), &engine.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	srv := httptest.NewServer(server.New(e, server.Options{Logger: slog.New(slog.DiscardHandler), CredentialLookup: lookupPrincipal}))
	defer srv.Close()
	creds := aws.Credentials{AccessKeyID: accessKey("arn:aws:iam::000000000000:root"), SecretAccessKey: testSecret}
	client := awsglacier.NewFromConfig(aws.Config{Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })}, srv.URL)
	ctx := context.Background()
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "bench"}); err != nil {
		b.Fatal(err)
	}
	for _, t := range []struct {
		name string
		g    firn.Glacier
	}{{"inprocess", e}, {"http", client}} {
		var archive string
		b.Run("upload/"+t.name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				out, err := t.g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "bench", Body: bytes.NewReader(data)})
				if err != nil {
					b.Fatal(err)
				}
				archive = out.ArchiveId
			}
		})
		b.Run("download/"+t.name, func(b *testing.B) {
			j, err := t.g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "bench", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: archive}})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			for b.Loop() {
				out, err := t.g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "bench", JobId: j.JobId})
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, out.Body); err != nil || n != size {
					b.Fatalf("downloaded %d bytes: %v", n, err)
				}
				out.Body.Close()
			}
		})
	}
}
