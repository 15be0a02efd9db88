package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/minio/minio-go/v7"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/internal/miniotest"
)

// TestServeSelectOutput runs select jobs through serve, with the AWS SDK,
// whose results go to MinIO: through the archive bytes' store, and through
// a store of the --select-s3-* settings alone.
func TestServeSelectOutput(t *testing.T) {
	mc := miniotest.Start(t)
	endpoint := "http://" + mc.Endpoint(0)
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"ArchiveStore", []string{"--s3-endpoint", endpoint, "--s3-bucket", mc.NewBucket(),
			"--s3-access-key-id", miniotest.AccessKey, "--s3-secret-access-key", miniotest.SecretKey}},
		{"OwnStore", []string{"--select-s3-endpoint", endpoint,
			"--select-s3-access-key-id", miniotest.AccessKey, "--select-s3-secret-access-key", miniotest.SecretKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, stop := startServe(t, append([]string{"--data", filepath.Join(t.TempDir(), "data")}, tc.flags...)...)
			ctx := context.Background()
			g := awsglacier.NewFromConfig(aws.Config{}, url)
			if _, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
				t.Fatal(err)
			}
			a, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("name,age\nann,34\nbob,70\n")})
			if err != nil {
				t.Fatal(err)
			}
			results := mc.NewBucket()
			j, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
				Type:      firn.JobTypeSelect,
				ArchiveId: a.ArchiveId,
				SelectParameters: &firn.SelectParameters{
					ExpressionType:      firn.ExpressionTypeSQL,
					Expression:          "SELECT s.name FROM archive s WHERE s.age > '50'",
					InputSerialization:  &firn.InputSerialization{CSV: &firn.CSVInput{FileHeaderInfo: firn.FileHeaderInfoUse}},
					OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{}},
				},
				OutputLocation: &firn.OutputLocation{S3: &firn.S3Location{BucketName: results, Prefix: "out",
					UserMetadata: map[string]string{"team": "ops"}}},
			}})
			if err != nil {
				t.Fatal(err)
			}
			d, err := g.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j.JobId})
			if err != nil {
				t.Fatal(err)
			}
			if d.StatusCode != firn.StatusSucceeded {
				t.Fatalf("job %s: %s", d.StatusCode, d.StatusMessage)
			}

			cl := mc.Client()
			key := "out/" + j.JobId + "/results/part-00000.csv"
			for name, want := range map[string]string{
				key: "bob\n",
				"out/" + j.JobId + "/result_manifest.txt": key + "\n",
			} {
				o, err := cl.GetObject(ctx, results, name, minio.GetObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(o)
				o.Close()
				if err != nil || string(b) != want {
					t.Errorf("%s holds %q (%v), want %q", name, b, err, want)
				}
			}
			info, err := cl.StatObject(ctx, results, key, minio.StatObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v := info.Metadata.Get("X-Amz-Meta-Team"); v != "ops" {
				t.Errorf("%s: metadata team %q, want ops", key, v)
			}

			out, err := g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(out.Body)
			out.Body.Close()
			if string(b) != "bob\n" {
				t.Errorf("GetJobOutput: %q, want the results", b)
			}
			if r := stop(); r.code != exitOK || !strings.Contains(r.stdout, "select results in the buckets jobs name at "+endpoint) {
				t.Errorf("serve: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestServeSelectOutputFlags(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--select-s3-access-key-id", "k"}, "need --select-s3-endpoint"},
		{[]string{"serve", "--select-s3-endpoint", "s3.example.com"}, "give http://host[:port]"},
		{[]string{"serve", "--select-s3-endpoint", "http://h", "--select-s3-ca-file", "x.pem"}, "needs an https://"},
	} {
		if r := c.fails(exitUsage, tc.args...); !strings.Contains(r.stderr, tc.want) {
			t.Errorf("firn %s: %s, want it to mention %q", strings.Join(tc.args, " "), r.stderr, tc.want)
		}
	}
}
