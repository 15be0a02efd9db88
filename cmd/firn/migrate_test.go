package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/migrate"
	"github.com/firnstore/firn/server"
	"github.com/firnstore/firn/treehash"
)

// glacierSource is a Glacier endpoint standing in for Amazon S3 Glacier:
// a REST server over an engine with instant jobs, holding the vault
// "photos" with tags and archives of many sizes and odd descriptions.
type glacierSource struct {
	url  string
	e    *engine.Engine
	data map[string][]byte // by archive ID
}

const sourceVault = "photos"

// newGlacierSource starts a source holding archives of 1 byte and 64 KiB +
// 1, and with full also of 5 MiB + 3 and a multipart one of 20 MiB. wrap,
// if not nil, stands between the server and the engine.
func newGlacierSource(t *testing.T, full bool, wrap func(firn.Glacier) firn.Glacier) *glacierSource {
	t.Helper()
	return newGlacierSourceWith(t, nil, full, wrap)
}

// newGlacierSourceWith is newGlacierSource with the source engine opened
// with opts.
func newGlacierSourceWith(t *testing.T, opts *engine.Options, full bool, wrap func(firn.Glacier) firn.Glacier) *glacierSource {
	t.Helper()
	e, err := engine.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var g firn.Glacier = e
	if wrap != nil {
		g = wrap(e)
	}
	srv := httptest.NewServer(server.New(g, server.Options{Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(func() {
		srv.Close()
		if err := e.Check(context.Background()); err != nil {
			t.Error(err)
		}
		e.Close()
	})
	s := &glacierSource{url: srv.URL, e: e, data: map[string][]byte{}}
	ctx := t.Context()
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: sourceVault}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: sourceVault, Tags: map[string]string{"team": "family", "year": "2026"}}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	body := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	small := []struct {
		size int
		desc string
	}{
		{1, ""},
		{64<<10 + 1, `quotes " and, commas \ backslash`},
	}
	if full {
		small = append(small, struct {
			size int
			desc string
		}{5<<20 + 3, `100% <odd> {chars} / ~ ` + "`"})
	}
	for _, a := range small {
		b := body(a.size)
		out, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: sourceVault, ArchiveDescription: a.desc, Body: bytes.NewReader(b)})
		if err != nil {
			t.Fatal(err)
		}
		s.data[out.ArchiveId] = b
	}
	if !full {
		return s
	}
	b := body(20 << 20)
	const part = 4 << 20
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: sourceVault, ArchiveDescription: "multi part, 20 MiB", PartSize: part})
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(b); off += part {
		if _, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: sourceVault, UploadId: up.UploadId,
			Range: fmt.Sprintf("bytes %d-%d/*", off, off+part-1), Body: bytes.NewReader(b[off : off+part])}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: sourceVault, UploadId: up.UploadId,
		ArchiveSize: int64(len(b)), Checksum: treehash.Hex(treehash.Sum(b))})
	if err != nil {
		t.Fatal(err)
	}
	s.data[out.ArchiveId] = b
	return s
}

// sourceEnv makes the AWS SDK's default chain find static credentials in
// the environment, and nothing of the user's configuration: no instance
// metadata lookup slows the tests down.
func sourceEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDMIGRATE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "migrate-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "no-such-config"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// migrateFlags are the flags of a quick migration from s.
func (s *glacierSource) migrateFlags(c *cli) []string {
	return []string{"migrate", "--vault", sourceVault, "--from-endpoint-url", s.url,
		"--poll-min", "1ms", "--poll-max", "10ms", "--range-size", "1MiB", "--report", filepath.Join(c.dir, "report.csv")}
}

// inventoryArchive is an archive of an inventory job's output.
type inventoryArchive struct {
	ArchiveId, ArchiveDescription, CreationDate, SHA256TreeHash string
	Size                                                        int64
}

// inventoryOf returns the archive list of an inventory job of g's vault.
func inventoryOf(t *testing.T, g firn.Glacier, vault string) []inventoryArchive {
	t.Helper()
	ctx := t.Context()
	job, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: vault, JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: firn.FormatJSON}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: vault, JobId: job.JobId})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	var inv struct{ ArchiveList []inventoryArchive }
	if err := json.NewDecoder(out.Body).Decode(&inv); err != nil {
		t.Fatal(err)
	}
	return inv.ArchiveList
}

// readReport parses a report CSV into rows by archive ID, checking its
// header.
func readReport(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ArchiveId", "ArchiveDescription", "CreationDate", "Size", "SHA256TreeHash", "Status", "Location", "Error"}
	if len(rows) == 0 || !reflect.DeepEqual(rows[0], want) {
		t.Fatalf("report %s header: %v", path, rows)
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[0]] = r
	}
	return byID
}

// TestMigrate copies a vault from a Glacier endpoint into a data directory:
// the plan, the copy, its report, and a rerun that copies nothing.
func TestMigrate(t *testing.T) {
	sourceEnv(t)
	src := newGlacierSource(t, true, nil)
	c := newCLI(t)
	flags := src.migrateFlags(c)

	out := c.ok(append(flags, "--dry-run", "--max-bytes-per-hour", "10MiB")...)
	for _, want := range []string{"vault photos: 4 archives, 25.1 MiB", "to retrieve (Bulk tier): 4 archives, 25.1 MiB",
		"wave 1 at +0h: 3 archives, 5.1 MiB", "wave 2 at +1h: 1 archives, 20.0 MiB", "estimated time: 6h0m0s to 13h0m0s"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run: no %q in\n%s", want, out)
		}
	}
	if out := c.ok("vault", "list"); strings.Contains(out, sourceVault) {
		t.Errorf("a dry run created the destination vault:\n%s", out)
	}

	var rep migrate.Report
	c.okJSON(&rep, flags...)
	if rep.Copied != 4 || rep.Failed != 0 || rep.Present != 0 || rep.BytesCopied != 25<<20+3+1+64<<10+1 {
		t.Errorf("report: copied %d, failed %d, present %d, %d bytes", rep.Copied, rep.Failed, rep.Present, rep.BytesCopied)
	}
	rows := readReport(t, filepath.Join(c.dir, "report.csv"))
	if len(rows) != 4 {
		t.Errorf("report CSV has %d archives, want 4", len(rows))
	}
	for id := range src.data {
		if r := rows[id]; r == nil || r[5] != string(migrate.Copied) || r[6] != id {
			t.Errorf("report CSV row of %s: %q", id, r)
		}
	}

	for id, want := range src.data {
		if got := c.retrieve(sourceVault, id); !bytes.Equal(got, want) {
			t.Errorf("archive %s: %d bytes differ from the source's %d", id, len(got), len(want))
		}
	}
	var tags firn.ListTagsForVaultOutput
	c.okJSON(&tags, "tags", "list", sourceVault)
	if want := map[string]string{"team": "family", "year": "2026"}; !reflect.DeepEqual(tags.Tags, want) {
		t.Errorf("destination tags %v, want %v", tags.Tags, want)
	}

	var again migrate.Report
	c.okJSON(&again, flags...)
	if again.Copied != 0 || again.Present != 4 || again.JobsRequested != 0 {
		t.Errorf("rerun: copied %d, present %d, %d jobs requested; want 0, 4, 0", again.Copied, again.Present, again.JobsRequested)
	}
	out = c.ok(flags...)
	if !strings.Contains(out, "copied 0 (0 B), present 4, deleted at the source 0, failed 0") {
		t.Errorf("rerun summary:\n%s", out)
	}

	want := inventoryOf(t, src.e, sourceVault)
	dest, err := engine.Open(filepath.Join(c.dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dest.Close()
	if got := inventoryOf(t, dest, sourceVault); !reflect.DeepEqual(got, want) {
		t.Errorf("destination inventory\n%+v\nwant the source's\n%+v", got, want)
	}
}

// failingJobs fails the retrieval jobs of one archive.
type failingJobs struct {
	firn.Glacier
	archiveID string
}

func (f *failingJobs) InitiateJob(ctx context.Context, in *firn.InitiateJobInput) (*firn.InitiateJobOutput, error) {
	if in.JobParameters.ArchiveId == f.archiveID {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "injected failure of archive %s", f.archiveID)
	}
	return f.Glacier.InitiateJob(ctx, in)
}

// TestMigrateFailedArchive: an archive that cannot be retrieved fails
// alone, with exit status 4 and its reason in the report.
func TestMigrateFailedArchive(t *testing.T) {
	sourceEnv(t)
	fail := &failingJobs{}
	src := newGlacierSource(t, false, func(g firn.Glacier) firn.Glacier { fail.Glacier = g; return fail })
	for id, b := range src.data {
		if len(b) == 1 {
			fail.archiveID = id
		}
	}
	c := newCLI(t)
	r := c.fails(exitFailed, src.migrateFlags(c)...)
	if !strings.Contains(r.stderr, "1 of 2 archives failed") || !strings.Contains(r.stderr, filepath.Join(c.dir, "report.csv")) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "copied 1 (64.0 KiB), present 0, deleted at the source 0, failed 1") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	rows := readReport(t, filepath.Join(c.dir, "report.csv"))
	if row := rows[fail.archiveID]; row == nil || row[5] != string(migrate.Failed) || !strings.Contains(row[7], "injected failure") {
		t.Errorf("report row of the failing archive: %q", row)
	}
}

// notImporter hides the destination's firn.Importer.
type notImporter struct{ firn.Glacier }

func TestMigrateUsage(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate"}, "--vault NAME"},
		{[]string{"migrate", "--vault", "v", "--max-bytes-per-hour", "10XB"}, `"10XB" is not a size`},
		{[]string{"migrate", "--vault", "v", "--range-size", "3MiB"}, "power-of-two number of MiB"},
		{[]string{"migrate", "--vault", "v", "--tier", "Fast"}, `--tier "Fast"`},
		{[]string{"migrate", "--vault", "v", "--concurrency", "0"}, "--concurrency 0"},
		{[]string{"migrate", "--vault", "v", "--from-endpoint-url", "localhost:9000"}, "must start with http://"},
		{[]string{"migrate", "--vault", "v", "--sns-queue-url", "sqs.us-east-1.amazonaws.com/1/q"}, "--sns-queue-url"},
		{[]string{"migrate", "--vault", "v", "--sns-queue-url", "https://sqs.us-east-1.amazonaws.com/"}, "give a queue URL"},
		{[]string{"export", "v", "s3://bucket/prefix", "--sns-queue-url", "https://sqs.us-east-1.amazonaws.com/1/q"}, "reads the notifications of a --from-endpoint-url"},
		{[]string{"export", "v", "bucket/prefix"}, "s3://BUCKET"},
		{[]string{"export", "v"}, "takes 2 argument(s)"},
	} {
		if r := c.fails(exitUsage, tc.args...); !strings.Contains(r.stderr, tc.want) {
			t.Errorf("firn %s: stderr lacks %q:\n%s", strings.Join(tc.args, " "), tc.want, r.stderr)
		}
	}
	c.wrap = func(g firn.Glacier) firn.Glacier { return notImporter{g} }
	if r := c.fails(exitUsage, "migrate", "--vault", "v", "--from-endpoint-url", "http://127.0.0.1:1"); !strings.Contains(r.stderr, "cannot import archives") {
		t.Errorf("a destination without import: %s", r.stderr)
	}
}

// TestMigrateIntoEndpoint migrates into a firn serve that allows the
// caller to import, and is refused by one that does not.
func TestMigrateIntoEndpoint(t *testing.T) {
	sourceEnv(t)
	src := newGlacierSource(t, false, nil)
	dataDir := filepath.Join(t.TempDir(), "data")

	closed, stop := startServe(t, "--data", filepath.Join(t.TempDir(), "closed"))
	c := newCLI(t)
	c.global = []string{"--endpoint-url", closed}
	if r := c.fails(exitGlacier, src.migrateFlags(c)...); !strings.Contains(r.stderr, "--import-principal") {
		t.Errorf("into a server without --import-principal: %s", r.stderr)
	}
	stop()

	url, _ := startServe(t, "--data", dataDir, "--import-principal", "arn:aws:iam::"+engine.DefaultAccountID+":root")
	c.global = []string{"--endpoint-url", url}
	var rep migrate.Report
	c.okJSON(&rep, append(src.migrateFlags(c), "--to-vault", "moved")...)
	if rep.Copied != 2 || rep.Failed != 0 {
		t.Fatalf("report: copied %d, failed %d", rep.Copied, rep.Failed)
	}
	for id, want := range src.data {
		if got := c.retrieve("moved", id); !bytes.Equal(got, want) {
			t.Errorf("archive %s differs from the source's", id)
		}
	}
}

// cancelingJobs cancels the command's context at the first DescribeJob of
// an archive's retrieval, as Ctrl-C does.
type cancelingJobs struct {
	firn.Glacier
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelingJobs) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	out, err := c.Glacier.DescribeJob(ctx, in)
	if err == nil && out.Action == firn.ActionArchiveRetrieval {
		c.once.Do(c.cancel)
	}
	return out, err
}

// TestMigrateInterrupted: a canceled run stops, says how to resume, and
// the same command then finishes with the jobs already requested.
func TestMigrateInterrupted(t *testing.T) {
	sourceEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	src := newGlacierSource(t, false, func(g firn.Glacier) firn.Glacier { return &cancelingJobs{Glacier: g, cancel: cancel} })
	c := newCLI(t)
	flags := src.migrateFlags(c)
	r := c.runCtx(ctx, flags...)
	if r.code != exitLocal || !strings.Contains(r.stderr, "interrupted") || !strings.Contains(r.stderr, "run the same command again to resume") {
		t.Fatalf("canceled run: exit %d\n%s", r.code, r.stderr)
	}
	var rep migrate.Report
	c.okJSON(&rep, flags...)
	if rep.Copied != 2 || rep.JobsRequested != 0 || rep.JobsAdopted != 2 {
		t.Errorf("resumed run: copied %d, %d jobs requested, %d adopted; want 2, 0, 2", rep.Copied, rep.JobsRequested, rep.JobsAdopted)
	}
}
