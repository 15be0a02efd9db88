package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/minio/minio-go/v7"
)

// s3OutEnv is a MinIO cluster shared by the subtests of TestS3Output, an
// engine whose select output goes there, and the headers of the requests
// that created the objects.
type s3OutEnv struct {
	c   *miniotest.Cluster
	e   *Engine
	rec *recorder
}

// recorder is a transport that keeps the headers of the first PUT or
// POST it carries for each object: the one that sends the object's
// properties (a single PUT, or the start of a multipart upload).
type recorder struct {
	rt http.RoundTripper
	mu sync.Mutex
	h  map[string]http.Header
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut || req.Method == http.MethodPost {
		r.mu.Lock()
		if _, ok := r.h[req.URL.Path]; !ok {
			r.h[req.URL.Path] = req.Header.Clone()
		}
		r.mu.Unlock()
	}
	return r.rt.RoundTrip(req)
}

func (r *recorder) put(path string) http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.h[path]
}

const selectCSV = "name,age\nann,34\nbob,70\ncid,abc\n"

// selectJob runs a select job of expr over an archive of selectCSV with
// the results to loc, and returns the job's description once done.
func (env *s3OutEnv) selectJob(t *testing.T, expr string, loc *firn.S3Location) *firn.GlacierJobDescription {
	t.Helper()
	ctx := context.Background()
	vaultName := strings.ReplaceAll(t.Name(), "/", "-")
	if _, err := env.e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: vaultName}); err != nil {
		t.Fatal(err)
	}
	a, err := env.e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: vaultName, Body: strings.NewReader(selectCSV)})
	if err != nil {
		t.Fatal(err)
	}
	j, err := env.e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: vaultName, JobParameters: firn.JobParameters{
		Type:      firn.JobTypeSelect,
		ArchiveId: a.ArchiveId,
		SelectParameters: &firn.SelectParameters{
			ExpressionType:      firn.ExpressionTypeSQL,
			Expression:          expr,
			InputSerialization:  &firn.InputSerialization{CSV: &firn.CSVInput{FileHeaderInfo: firn.FileHeaderInfoUse}},
			OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{}},
		},
		OutputLocation: &firn.OutputLocation{S3: loc},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "s3://" + loc.BucketName + "/" + loc.Prefix + "/" + j.JobId + "/"; j.JobOutputPath != want {
		t.Errorf("JobOutputPath %q, want %q", j.JobOutputPath, want)
	}
	d, err := env.e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: vaultName, JobId: j.JobId})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Completed {
		t.Fatalf("job %s not completed: %+v", j.JobId, d)
	}
	return d
}

// objects returns the objects of bucket under prefix, by name.
func (env *s3OutEnv) objects(t *testing.T, bucket, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	cl := env.c.Client()
	got := map[string]string{}
	for o := range cl.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		r, err := cl.GetObject(ctx, bucket, o.Key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatalf("reading %s: %v", o.Key, err)
		}
		got[o.Key] = string(b)
	}
	return got
}

// TestS3Output runs select jobs whose results S3Output writes to MinIO.
func TestS3Output(t *testing.T) {
	c := miniotest.Start(t)
	rec := &recorder{rt: c.Transport(), h: map[string]http.Header{}}
	out, err := NewS3Output(S3OutputConfig{
		Endpoint:        c.Endpoint(0),
		AccessKeyID:     miniotest.AccessKey,
		SecretAccessKey: miniotest.SecretKey,
		Transport:       rec,
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(t.TempDir(), &Options{SelectOutput: out, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeChecked(t, e) })
	env := &s3OutEnv{c: c, e: e, rec: rec}
	ctx := context.Background()

	t.Run("Results", func(t *testing.T) {
		bucket := c.NewBucket()
		loc := &firn.S3Location{
			BucketName: bucket,
			Prefix:     "queries/q1",
			CannedACL:  "bucket-owner-full-control",
			AccessControlList: []firn.Grant{
				{Grantee: &firn.Grantee{Type: "CanonicalUser", ID: "abc"}, Permission: "READ"},
				{Grantee: &firn.Grantee{Type: "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers"}, Permission: "READ"},
				{Grantee: &firn.Grantee{Type: "AmazonCustomerByEmail", EmailAddress: "ann@example.com"}, Permission: "WRITE_ACP"},
			},
			StorageClass: "STANDARD",
			Tagging:      map[string]string{"project": "firn", "kind": "select"},
			UserMetadata: map[string]string{"owner": "ann", "x-amz-acl": "public-read"},
		}
		d := env.selectJob(t, "SELECT s.name FROM archive s WHERE s.age = '70' OR s.name = 'ann'", loc)
		if d.StatusCode != firn.StatusSucceeded {
			t.Fatalf("job %s: %s", d.StatusCode, d.StatusMessage)
		}
		p := "queries/q1/" + d.JobId + "/"
		got := env.objects(t, bucket, p)
		want := map[string]string{
			p + "results/part-00000.csv": "ann\nbob\n",
			p + "result_manifest.txt":    p + "results/part-00000.csv\n",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("object %s holds %q, want %q", k, got[k], v)
			}
		}
		var desc firn.GlacierJobDescription
		if err := json.Unmarshal([]byte(got[p+"job.txt"]), &desc); err != nil {
			t.Fatalf("job.txt %q: %v", got[p+"job.txt"], err)
		}
		if desc.JobId != d.JobId || desc.Action != firn.ActionSelect || desc.SelectParameters == nil || desc.SelectParameters.Expression != d.SelectParameters.Expression {
			t.Errorf("job.txt describes %+v, want job %s", desc, d.JobId)
		}
		if names := slices.Sorted(maps.Keys(got)); len(names) != 3 {
			t.Errorf("objects under %s: %v, want results, manifest and job.txt", p, names)
		}

		cl := env.c.Client()
		for k := range got {
			info, err := cl.StatObject(ctx, bucket, k, minio.StatObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v := info.Metadata.Get("X-Amz-Meta-Owner"); v != "ann" {
				t.Errorf("%s: metadata owner %q, want ann (all: %v)", k, v, info.Metadata)
			}
			if v := info.Metadata.Get("X-Amz-Meta-X-Amz-Acl"); v != "public-read" {
				t.Errorf("%s: the metadata named x-amz-acl is %q, want public-read", k, v)
			}
			tags, err := cl.GetObjectTagging(ctx, bucket, k, minio.GetObjectTaggingOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if m := tags.ToMap(); len(m) != 2 || m["project"] != "firn" || m["kind"] != "select" {
				t.Errorf("%s: tags %v, want %v", k, m, loc.Tagging)
			}
			h := env.rec.put("/" + bucket + "/" + k)
			// MinIO takes ACLs without keeping them: what was sent is
			// what can be checked.
			for name, want := range map[string]string{
				"X-Amz-Acl":             "bucket-owner-full-control",
				"X-Amz-Grant-Read":      `id="abc", uri="http://acs.amazonaws.com/groups/global/AllUsers"`,
				"X-Amz-Grant-Write-Acp": `emailAddress="ann@example.com"`,
				"X-Amz-Storage-Class":   "STANDARD",
			} {
				if v := h.Get(name); v != want {
					t.Errorf("%s: the request sent %s %q, want %q", k, name, v, want)
				}
			}
		}

		// The extension: GetJobOutput serves the results too.
		o, err := env.e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: strings.ReplaceAll(t.Name(), "/", "-"), JobId: d.JobId})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(o.Body)
		o.Body.Close()
		if string(b) != "ann\nbob\n" {
			t.Errorf("GetJobOutput: %q", b)
		}
	})

	t.Run("RuntimeError", func(t *testing.T) {
		bucket := c.NewBucket()
		loc := &firn.S3Location{BucketName: bucket, Prefix: "bad", Tagging: map[string]string{"k": "v"}}
		d := env.selectJob(t, "SELECT CAST(s.age AS INT) FROM archive s", loc)
		if d.StatusCode != firn.StatusFailed || !strings.Contains(d.StatusMessage, "abc") {
			t.Fatalf("job %s: %q, want Failed on abc", d.StatusCode, d.StatusMessage)
		}
		p := "bad/" + d.JobId + "/"
		got := env.objects(t, bucket, p)
		if got[p+"errors/error.txt"] != d.StatusMessage+"\n" || got[p+"error_manifest.txt"] != p+"errors/error.txt\n" {
			t.Errorf("error objects: %q", got)
		}
		if _, ok := got[p+"result_manifest.txt"]; ok || len(got) != 2 {
			t.Errorf("objects of a failed job: %v, want the error and its manifest only", slices.Sorted(maps.Keys(got)))
		}
	})

	// The store's refusals fail the job, naming what it refused; nothing
	// is written.
	for _, tc := range []struct {
		name string
		loc  firn.S3Location
		want []string
	}{
		{"StorageClass", firn.S3Location{StorageClass: "STANDARD_IA"}, []string{"storage class STANDARD_IA", "InvalidStorageClass"}},
		{"NoBucket", firn.S3Location{BucketName: "firn-missing"}, []string{"s3://firn-missing/", "NoSuchBucket"}},
		// MinIO without a KMS encrypts nothing: the results are not
		// stored in the clear instead.
		{"SSE-S3", firn.S3Location{Encryption: &firn.Encryption{EncryptionType: "AES256"}}, []string{"encryption AES256"}},
		{"SSE-KMS", firn.S3Location{Encryption: &firn.Encryption{EncryptionType: "aws:kms", KMSKeyId: "key-1", KMSContext: `{"dept":"ops"}`}}, []string{"encryption aws:kms"}},
	} {
		t.Run("Refused/"+tc.name, func(t *testing.T) {
			loc := tc.loc
			if loc.BucketName == "" {
				loc.BucketName = c.NewBucket()
			}
			loc.Prefix = "r"
			d := env.selectJob(t, "SELECT * FROM archive", &loc)
			if d.StatusCode != firn.StatusFailed {
				t.Fatalf("job %s, want Failed", d.StatusCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(d.StatusMessage, w) {
					t.Errorf("StatusMessage %q lacks %q", d.StatusMessage, w)
				}
			}
			if loc.BucketName != "firn-missing" {
				if got := env.objects(t, loc.BucketName, ""); len(got) != 0 {
					t.Errorf("a refused job wrote %v", slices.Sorted(maps.Keys(got)))
				}
			}
			h := env.rec.put("/" + loc.BucketName + "/r/" + d.JobId + "/results/part-00000.csv")
			if e := loc.Encryption; e != nil {
				if h.Get("X-Amz-Server-Side-Encryption") != e.EncryptionType {
					t.Errorf("PUT sent x-amz-server-side-encryption %q, want %q", h.Get("X-Amz-Server-Side-Encryption"), e.EncryptionType)
				}
				if e.KMSKeyId != "" && h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != e.KMSKeyId {
					t.Errorf("PUT sent key id %q, want %q", h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"), e.KMSKeyId)
				}
				if e.KMSContext != "" {
					b, _ := base64.StdEncoding.DecodeString(h.Get("X-Amz-Server-Side-Encryption-Context"))
					if string(b) != e.KMSContext {
						t.Errorf("PUT sent encryption context %q, want %q", b, e.KMSContext)
					}
				}
			}
		})
	}
}

// TestS3OutputEncrypted writes select results to a MinIO that encrypts:
// SSE-S3 and SSE-KMS with its key are applied; SSE-KMS with a key it lacks
// fails the job.
func TestS3OutputEncrypted(t *testing.T) {
	c := miniotest.StartKMS(t)
	out, err := NewS3Output(S3OutputConfig{Endpoint: c.Endpoint(0), AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey, Transport: c.Transport()})
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(t.TempDir(), &Options{SelectOutput: out, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeChecked(t, e) })
	env := &s3OutEnv{c: c, e: e}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		enc  firn.Encryption
		ok   bool
	}{
		{"SSE-S3", firn.Encryption{EncryptionType: "AES256"}, true},
		{"SSE-KMS", firn.Encryption{EncryptionType: "aws:kms", KMSKeyId: miniotest.KMSKeyID, KMSContext: `{"dept":"ops"}`}, true},
		{"SSE-KMS/UnknownKey", firn.Encryption{EncryptionType: "aws:kms", KMSKeyId: "no-such-key"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := c.NewBucket()
			d := env.selectJob(t, "SELECT s.name FROM archive s", &firn.S3Location{BucketName: bucket, Prefix: "enc", Encryption: &tc.enc})
			if !tc.ok {
				if d.StatusCode != firn.StatusFailed || !strings.Contains(d.StatusMessage, "encryption aws:kms") {
					t.Fatalf("job %s: %q, want Failed naming the encryption", d.StatusCode, d.StatusMessage)
				}
				return
			}
			if d.StatusCode != firn.StatusSucceeded {
				t.Fatalf("job %s: %s", d.StatusCode, d.StatusMessage)
			}
			got := env.objects(t, bucket, "enc/")
			if len(got) != 3 || got["enc/"+d.JobId+"/results/part-00000.csv"] != "ann\nbob\ncid\n" {
				t.Errorf("objects %v", got)
			}
			for k := range got {
				info, err := c.Client().StatObject(ctx, bucket, k, minio.StatObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if v := info.Metadata.Get("X-Amz-Server-Side-Encryption"); v != tc.enc.EncryptionType {
					t.Errorf("%s: stored with encryption %q, want %q", k, v, tc.enc.EncryptionType)
				}
				if tc.enc.KMSKeyId != "" {
					if v := info.Metadata.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"); !strings.HasSuffix(v, tc.enc.KMSKeyId) {
						t.Errorf("%s: stored with KMS key %q, want %q", k, v, tc.enc.KMSKeyId)
					}
				}
			}
		})
	}
}
