package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
)

// serveEngine opens an engine in dir with eo, on a new in-memory file
// system unless eo.FS is set, and serves it with opts (quiet unless
// opts.Logger is set) over httptest until the test ends.
func serveEngine(tb testing.TB, dir string, eo engine.Options, opts Options) (*engine.Engine, *httptest.Server) {
	tb.Helper()
	if eo.FS == nil {
		eo.FS = vfs.NewMem()
	}
	e, err := engine.Open(dir, &eo)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	srv := httptest.NewServer(New(e, opts))
	tb.Cleanup(srv.Close)
	return e, srv
}

// TestEngineEndToEnd runs aws-sdk-go-v2, signing with SigV4, against the
// handler over a real in-memory engine.
func TestEngineEndToEnd(t *testing.T) {
	clock := &fixedClock{t: time.Now().UTC().Truncate(time.Millisecond)}
	e, srv := serveEngine(t, "/e2e", engine.Options{Clock: clock}, Options{Credentials: testCreds(), Clock: clock})
	c := sdkClient(srv, testKey, testSecret)
	ctx := context.Background()
	s := aws.String
	v := s("e2e")
	check := func() {
		t.Helper()
		if err := e.Check(ctx); err != nil {
			t.Fatalf("engine check: %v", err)
		}
	}

	cv, err := c.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: v})
	must(t, err)
	eq(t, "Location", aws.ToString(cv.Location), "/"+testAccount+"/vaults/e2e")
	dv, err := c.DescribeVault(ctx, &glacier.DescribeVaultInput{VaultName: v})
	must(t, err)
	eq(t, "VaultARN", aws.ToString(dv.VaultARN), "arn:aws:glacier:us-east-1:"+testAccount+":vaults/e2e")
	eq(t, "CreationDate", aws.ToString(dv.CreationDate), clock.t.Format(firn.DateLayout))

	small := testkit.Pattern(3 << 20)
	up, err := c.UploadArchive(ctx, &glacier.UploadArchiveInput{VaultName: v, ArchiveDescription: s("three MiB"), Body: bytes.NewReader(small)})
	must(t, err)
	eq(t, "Checksum", aws.ToString(up.Checksum), "2e7d51c0ffe06ce95fe74beed9a4ab35d18837f4ab2a9f4f066a60359eb999a1")
	eq(t, "Location", aws.ToString(up.Location), "/"+testAccount+"/vaults/e2e/archives/"+aws.ToString(up.ArchiveId))

	// A body that does not match its signed x-amz-content-sha256 stores
	// nothing.
	r := signedRequest(t, "POST", "/-/vaults/e2e/archives", "hello", clock.t, map[string]string{"X-Amz-Content-Sha256": sha256Hex("hello"), "X-Amz-Sha256-Tree-Hash": sha256Hex("hello")}, sha256Hex("hello"))
	r.Body = io.NopCloser(strings.NewReader("jello"))
	wantError(t, serveWith(New(e, Options{Logger: quiet, Credentials: testCreds(), Clock: clock}), r), 400, "InvalidParameterValueException", "x-amz-content-sha256")
	// So does a wrong tree hash, which the engine checks.
	r = signedRequest(t, "POST", "/-/vaults/e2e/archives", "hello", clock.t, map[string]string{"X-Amz-Content-Sha256": sha256Hex("hello"), "X-Amz-Sha256-Tree-Hash": testkit.TreeHashHex([]byte("other"))}, sha256Hex("hello"))
	wantError(t, serveWith(New(e, Options{Logger: quiet, Credentials: testCreds(), Clock: clock}), r), 400, "InvalidParameterValueException", "Checksum")
	// The SDK given a Checksum sends no x-amz-content-sha256
	// (aws/aws-sdk-go-v2#1212), which the service requires.
	_, err = c.UploadArchive(ctx, &glacier.UploadArchiveInput{VaultName: v, Checksum: s(testkit.TreeHashHex([]byte("hello"))), Body: strings.NewReader("hello")})
	var mpv *types.MissingParameterValueException
	if !errors.As(err, &mpv) || !strings.Contains(mpv.ErrorMessage(), "x-amz-content-sha256") {
		t.Fatalf("upload without x-amz-content-sha256: %v", err)
	}
	var ipv *types.InvalidParameterValueException
	check()
	dv, err = c.DescribeVault(ctx, &glacier.DescribeVaultInput{VaultName: v})
	must(t, err)
	eq(t, "NumberOfArchives", dv.NumberOfArchives, int64(1))

	// Multipart: 1 MiB parts of a 2 MiB + 123 byte archive.
	big := testkit.Pattern(2<<20 + 123)
	mu, err := c.InitiateMultipartUpload(ctx, &glacier.InitiateMultipartUploadInput{VaultName: v, PartSize: s("1048576"), ArchiveDescription: s("multi")})
	must(t, err)
	var partHashes [][32]byte
	for off := 0; off < len(big); off += 1 << 20 {
		part := big[off:min(off+1<<20, len(big))]
		out, err := c.UploadMultipartPart(ctx, &glacier.UploadMultipartPartInput{VaultName: v, UploadId: mu.UploadId,
			Range: s(fmt.Sprintf("bytes %d-%d/*", off, off+len(part)-1)), Body: bytes.NewReader(part)})
		must(t, err)
		eq(t, "part checksum", aws.ToString(out.Checksum), testkit.TreeHashHex(part))
		partHashes = append(partHashes, sha256.Sum256(part))
	}
	lp, err := c.ListParts(ctx, &glacier.ListPartsInput{VaultName: v, UploadId: mu.UploadId})
	must(t, err)
	eq(t, "parts", len(lp.Parts), 3)
	eq(t, "ArchiveDescription", aws.ToString(lp.ArchiveDescription), "multi")
	whole := testkit.TreeRoot(partHashes)
	done, err := c.CompleteMultipartUpload(ctx, &glacier.CompleteMultipartUploadInput{VaultName: v, UploadId: mu.UploadId,
		ArchiveSize: s(fmt.Sprint(len(big))), Checksum: s(hex.EncodeToString(whole[:]))})
	must(t, err)
	eq(t, "Checksum", aws.ToString(done.Checksum), testkit.TreeHashHex(big))

	// Retrieve the multipart archive, whole and a tree-hash aligned range.
	job, err := c.InitiateJob(ctx, &glacier.InitiateJobInput{VaultName: v, JobParameters: &types.JobParameters{
		Type: s("archive-retrieval"), ArchiveId: done.ArchiveId, Description: s("get it")}})
	must(t, err)
	dj, err := c.DescribeJob(ctx, &glacier.DescribeJobInput{VaultName: v, JobId: job.JobId})
	must(t, err)
	eq(t, "Completed", dj.Completed, true)
	eq(t, "ArchiveSizeInBytes", aws.ToInt64(dj.ArchiveSizeInBytes), int64(len(big)))
	eq(t, "InventorySizeInBytes", dj.InventorySizeInBytes, (*int64)(nil))
	eq(t, "JobDescription", aws.ToString(dj.JobDescription), "get it")

	out, err := c.GetJobOutput(ctx, &glacier.GetJobOutputInput{VaultName: v, JobId: job.JobId})
	must(t, err)
	data, err := io.ReadAll(out.Body)
	out.Body.Close()
	must(t, err)
	if !bytes.Equal(data, big) {
		t.Errorf("job output: %d bytes, want the %d uploaded", len(data), len(big))
	}
	eq(t, "Status", out.Status, int32(200))
	eq(t, "Checksum", aws.ToString(out.Checksum), testkit.TreeHashHex(big))
	eq(t, "ArchiveDescription", aws.ToString(out.ArchiveDescription), "multi")

	out, err = c.GetJobOutput(ctx, &glacier.GetJobOutputInput{VaultName: v, JobId: job.JobId, Range: s("bytes=1048576-2097151")})
	must(t, err)
	data, err = io.ReadAll(out.Body)
	out.Body.Close()
	must(t, err)
	eq(t, "Status", out.Status, int32(206))
	eq(t, "range bytes", bytes.Equal(data, big[1<<20:2<<20]), true)
	eq(t, "ContentRange", aws.ToString(out.ContentRange), fmt.Sprintf("bytes 1048576-2097151/%d", len(big)))
	eq(t, "range Checksum", aws.ToString(out.Checksum), testkit.TreeHashHex(big[1<<20:2<<20]))

	// Inventory.
	inv, err := c.InitiateJob(ctx, &glacier.InitiateJobInput{VaultName: v, JobParameters: &types.JobParameters{Type: s("inventory-retrieval")}})
	must(t, err)
	out, err = c.GetJobOutput(ctx, &glacier.GetJobOutputInput{VaultName: v, JobId: inv.JobId})
	must(t, err)
	var inventory struct {
		VaultARN    string
		ArchiveList []struct {
			ArchiveId, SHA256TreeHash string
			Size                      int64
		}
	}
	must(t, json.NewDecoder(out.Body).Decode(&inventory))
	out.Body.Close()
	eq(t, "ContentType", aws.ToString(out.ContentType), "application/json")
	eq(t, "inventory archives", len(inventory.ArchiveList), 2)

	jobs, err := c.ListJobs(ctx, &glacier.ListJobsInput{VaultName: v, Completed: s("true")})
	must(t, err)
	eq(t, "jobs", len(jobs.JobList), 2)

	_, err = c.DescribeVault(ctx, &glacier.DescribeVaultInput{VaultName: s("missing")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) || !strings.Contains(rnf.ErrorMessage(), "missing") {
		t.Errorf("missing vault: %v", err)
	}
	_, err = c.InitiateMultipartUpload(ctx, &glacier.InitiateMultipartUploadInput{VaultName: v, PartSize: s("3145728")})
	if !errors.As(err, &ipv) {
		t.Errorf("3 MiB part size: %v", err)
	}
	check()
}

// TestBoto3Interop runs testdata/boto3_smoke.py, boto3 signing with SigV4,
// against the handler over an engine. boto3 is required (.ci/run installs
// Debian's python3-boto3): its absence fails the test.
func TestBoto3Interop(t *testing.T) {
	if out, err := exec.Command("python3", "-c", "import boto3").CombinedOutput(); err != nil {
		t.Fatalf("python3 with boto3 is required (apt-get install python3-boto3): %v\n%s", err, out)
	}
	_, srv := serveEngine(t, "/boto3", engine.Options{}, Options{Credentials: testCreds()})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	out, err := exec.Command("python3", "testdata/boto3_smoke.py", port).CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
}

// TestEngineJobOutputReadFault: when the engine cannot read an archive's
// segments, GetJobOutput answers 500 ServiceUnavailableException before any
// output header, and serves the output once the reads work again.
func TestEngineJobOutputReadFault(t *testing.T) {
	ctx := context.Background()
	var fail atomic.Bool
	fs := errorfs.Wrap(vfs.NewMem(), errorfs.InjectorFunc(func(op errorfs.Op) error {
		if fail.Load() && strings.HasPrefix(op.Path, "/fault/blobs/") && (op.Kind == errorfs.OpOpen || op.Kind == errorfs.OpFileReadAt) {
			return errorfs.ErrInjected
		}
		return nil
	}))
	e, srv := serveEngine(t, "/fault", engine.Options{FS: fs}, Options{})
	_, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	must(t, err)
	data := testkit.Pattern(2<<20 + 5)
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)})
	must(t, err)
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId}})
	must(t, err)

	fail.Store(true)
	resp := getOutput(t, srv, j.JobId)
	eq(t, "status", resp.StatusCode, 500)
	eq(t, "X-Amz-Sha256-Tree-Hash", resp.Header.Get("X-Amz-Sha256-Tree-Hash"), "")
	eq(t, "code", decodeError(t, resp).Code, string(firn.CodeServiceUnavailable))

	fail.Store(false)
	resp = getOutput(t, srv, j.JobId)
	eq(t, "status", resp.StatusCode, 200)
	got, err := io.ReadAll(resp.Body)
	must(t, err)
	eq(t, "output", bytes.Equal(got, data), true)
}

// TestEngineJobOutputContentLength: every job output, whole or ranged, is
// sent with a Content-Length equal to its bytes, not chunked.
func TestEngineJobOutputContentLength(t *testing.T) {
	ctx := context.Background()
	e, srv := serveEngine(t, "/length", engine.Options{}, Options{})
	_, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	must(t, err)
	data := testkit.Pattern(3<<20 + 7)
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)})
	must(t, err)
	csv, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("name,age\nann,34\nbob,701\n")})
	must(t, err)
	initiate := func(p firn.JobParameters) string {
		t.Helper()
		j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: p})
		must(t, err)
		return j.JobId
	}
	archive := initiate(firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId})
	cases := []struct {
		name, job, rng string
		want           int64 // -1: the whole output, whatever its size
	}{
		{"archive", archive, "", int64(len(data))},
		{"archive range", archive, "bytes=1048576-2097151", 1 << 20},
		{"archive tail", archive, "bytes=3145728-", 7},
		{"retrieval range", initiate(firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId,
			RetrievalByteRange: "1048576-3145734"}), "", 2<<20 + 7},
		{"inventory JSON", initiate(firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}), "", -1},
		{"inventory CSV", initiate(firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: firn.FormatCSV}), "", -1},
		{"inventory range", initiate(firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}), "bytes=0-9", 10},
		{"select", initiate(firn.JobParameters{Type: firn.JobTypeSelect, ArchiveId: csv.ArchiveId,
			SelectParameters: &firn.SelectParameters{
				ExpressionType:      firn.ExpressionTypeSQL,
				Expression:          "SELECT s.name FROM archive s",
				InputSerialization:  &firn.InputSerialization{CSV: &firn.CSVInput{FileHeaderInfo: firn.FileHeaderInfoUse}},
				OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{}},
			},
			OutputLocation: &firn.OutputLocation{S3: &firn.S3Location{BucketName: "results", Prefix: "q"}}}), "", 8},
	}
	for _, c := range cases {
		req, err := http.NewRequest("GET", srv.URL+"/-/vaults/v/jobs/"+c.job+"/output", nil)
		must(t, err)
		req.Header.Set("X-Amz-Glacier-Version", APIVersion)
		if c.rng != "" {
			req.Header.Set("Range", c.rng)
		}
		resp, err := srv.Client().Do(req)
		must(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		must(t, err)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s: status %d: %s", c.name, resp.StatusCode, body)
		}
		if resp.Header.Get("Content-Length") != fmt.Sprint(len(body)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s: Content-Length %q, Transfer-Encoding %q; want Content-Length %d", c.name,
				resp.Header.Get("Content-Length"), resp.TransferEncoding, len(body))
		}
		if c.want >= 0 && int64(len(body)) != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, len(body), c.want)
		}
	}
}

// TestEngineUploadRequiredHeaders: an upload or a part without one of its
// checksum headers stores nothing.
func TestEngineUploadRequiredHeaders(t *testing.T) {
	ctx := context.Background()
	e, err := engine.Open("/headers", &engine.Options{FS: vfs.NewMem()})
	must(t, err)
	t.Cleanup(func() { e.Close() })
	h := New(e, Options{Logger: quiet})
	_, err = e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	must(t, err)
	mu, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: 1 << 20})
	must(t, err)
	for _, path := range []string{"/-/vaults/v/archives", "/-/vaults/v/multipart-uploads/" + mu.UploadId} {
		for _, missing := range []string{"X-Amz-Sha256-Tree-Hash", "X-Amz-Content-Sha256"} {
			method := map[bool]string{true: "POST", false: "PUT"}[strings.HasSuffix(path, "/archives")]
			r := uploadHeaders(rawRequest(method, path, strings.NewReader("hello")), "hello")
			r.Header.Set("Content-Range", "bytes 0-4/*")
			r.Header.Del(missing)
			wantError(t, serveWith(h, r), 400, string(firn.CodeMissingParameterValue), strings.ToLower(missing))
		}
	}
	d, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	must(t, err)
	eq(t, "archives", d.NumberOfArchives, int64(0))
	eq(t, "bytes", d.SizeInBytes, int64(0))
	lp, err := e.ListParts(ctx, &firn.ListPartsInput{VaultName: "v", UploadId: mu.UploadId})
	must(t, err)
	eq(t, "parts", len(lp.Parts), 0)
	must(t, e.Check(ctx))
}
