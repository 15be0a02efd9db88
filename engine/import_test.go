package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

var importStart = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// openImport opens an engine on a memory file system with a test clock and
// a vault "v", checked and closed at the end of the test.
func openImport(t *testing.T, opts engine.Options) (*engine.Engine, *testkit.Clock) {
	t.Helper()
	clock := testkit.NewClock(importStart)
	opts.Clock = clock
	if opts.FS == nil {
		opts.FS = vfs.NewMem()
	}
	e, err := engine.Open("d", &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Check(context.Background()); err != nil {
			t.Error(err)
		}
		e.Close()
	})
	if _, err := e.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	return e, clock
}

// glacierID returns a source ID shaped like Amazon S3 Glacier's: 138
// characters of the URL-safe base64 alphabet, made of seed.
func glacierID(seed string) string {
	var b strings.Builder
	for b.Len() < 138 {
		b.WriteString(seed)
		b.WriteString("-_")
	}
	return b.String()[:138]
}

// importInput returns the input importing body as id, created at created.
func importInput(id string, created time.Time, body string) *firn.ImportArchiveInput {
	return &firn.ImportArchiveInput{
		VaultName: "v", ArchiveId: id, ArchiveDescription: "desc of " + id[:min(8, len(id))],
		CreationDate: created, Checksum: testkit.TreeHashHex([]byte(body)),
		Size: int64(len(body)), Body: strings.NewReader(body),
	}
}

// unread is a body that fails the test when read.
type unread struct{ t *testing.T }

func (u unread) Read([]byte) (int, error) {
	u.t.Error("the body of an archive already in the vault was read")
	return 0, io.EOF
}

func importedCount(t *testing.T, e *engine.Engine) (int64, int64) {
	t.Helper()
	d, err := e.DescribeVault(context.Background(), &firn.DescribeVaultInput{VaultName: "v"})
	if err != nil {
		t.Fatal(err)
	}
	return d.NumberOfArchives, d.SizeInBytes
}

// TestImportRules checks that each bad input fails with its code and a
// message naming the field, and changes nothing.
func TestImportRules(t *testing.T) {
	ctx := context.Background()
	e, _ := openImport(t, engine.Options{})
	id := glacierID("rules")
	body := "the archive's bytes"
	for _, c := range []struct {
		name    string
		edit    func(in *firn.ImportArchiveInput)
		want    *firn.Error
		mention string
	}{
		{"no id", func(in *firn.ImportArchiveInput) { in.ArchiveId = "" }, firn.ErrMissingParameterValue, "ArchiveId"},
		{"long id", func(in *firn.ImportArchiveInput) { in.ArchiveId = strings.Repeat("a", 1025) }, firn.ErrInvalidParameterValue, "ArchiveId"},
		{"slash in id", func(in *firn.ImportArchiveInput) { in.ArchiveId = "a/b" }, firn.ErrInvalidParameterValue, "ArchiveId"},
		{"space in id", func(in *firn.ImportArchiveInput) { in.ArchiveId = "a b" }, firn.ErrInvalidParameterValue, "ArchiveId"},
		{"description not utf-8", func(in *firn.ImportArchiveInput) { in.ArchiveDescription = "a\xffb" }, firn.ErrInvalidParameterValue, "ArchiveDescription"},
		{"description too long", func(in *firn.ImportArchiveInput) { in.ArchiveDescription = strings.Repeat("é", 513) }, firn.ErrInvalidParameterValue, "ArchiveDescription"},
		{"description with newline", func(in *firn.ImportArchiveInput) { in.ArchiveDescription = "a\nb" }, firn.ErrInvalidParameterValue, "ArchiveDescription"},
		{"description with C1 control", func(in *firn.ImportArchiveInput) { in.ArchiveDescription = "a\u0085b" }, firn.ErrInvalidParameterValue, "ArchiveDescription"},
		{"no date", func(in *firn.ImportArchiveInput) { in.CreationDate = time.Time{} }, firn.ErrMissingParameterValue, "CreationDate"},
		{"future date", func(in *firn.ImportArchiveInput) { in.CreationDate = importStart.Add(time.Millisecond) }, firn.ErrInvalidParameterValue, "CreationDate"},
		{"date before 1970", func(in *firn.ImportArchiveInput) { in.CreationDate = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }, firn.ErrInvalidParameterValue, "CreationDate"},
		{"no checksum", func(in *firn.ImportArchiveInput) { in.Checksum = "" }, firn.ErrMissingParameterValue, "Checksum"},
		{"malformed checksum", func(in *firn.ImportArchiveInput) { in.Checksum = "abc" }, firn.ErrInvalidParameterValue, "Checksum"},
		{"zero size", func(in *firn.ImportArchiveInput) { in.Size = 0 }, firn.ErrInvalidParameterValue, "Size"},
		{"size beyond Glacier's", func(in *firn.ImportArchiveInput) { in.Size = vault.MaxImportSize + 1 }, firn.ErrInvalidParameterValue, "Size"},
		{"no body", func(in *firn.ImportArchiveInput) { in.Body = nil }, firn.ErrMissingParameterValue, "Body"},
		{"short body", func(in *firn.ImportArchiveInput) { in.Size++ }, firn.ErrInvalidParameterValue, "Size"},
		{"long body", func(in *firn.ImportArchiveInput) { in.Size-- }, firn.ErrInvalidParameterValue, "Size"},
		{"checksum mismatch", func(in *firn.ImportArchiveInput) { in.Checksum = testkit.TreeHashHex([]byte("other")) }, firn.ErrInvalidParameterValue, "Checksum"},
		{"no vault", func(in *firn.ImportArchiveInput) { in.VaultName = "none" }, firn.ErrResourceNotFound, "none"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := importInput(id, importStart.Add(-time.Hour), body)
			c.edit(in)
			_, err := e.ImportArchive(ctx, in)
			testkit.WantError(t, err, c.want, c.mention)
			if n, size := importedCount(t, e); n != 0 || size != 0 {
				t.Errorf("the vault holds %d archives, %d bytes after a failed import", n, size)
			}
			_, err = e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id})
			testkit.WantError(t, err, firn.ErrResourceNotFound)
		})
	}
	// A description is kept as it is, tab, spaces and non-ASCII included.
	in := importInput(id, importStart, body)
	in.ArchiveDescription = " \tété, 日本 "
	if _, err := e.ImportArchive(ctx, in); err != nil {
		t.Fatal(err)
	}
	d, err := e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id})
	if err != nil || d.ArchiveDescription != in.ArchiveDescription {
		t.Fatalf("DescribeArchive = %+v, %v", d, err)
	}
	_, err = e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v"})
	testkit.WantError(t, err, firn.ErrMissingParameterValue, "ArchiveId")
}

// TestImportKeepsIdentity checks an import and its repetitions: the same
// archive again changes nothing without reading the body; any difference
// is refused, naming the field.
func TestImportKeepsIdentity(t *testing.T) {
	ctx := context.Background()
	e, clock := openImport(t, engine.Options{})
	id := glacierID("keep")
	created := time.Date(2019, 3, 4, 5, 6, 7, 891000000, time.UTC)
	in := importInput(id, created, "imported bytes")
	out, err := e.ImportArchive(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Imported || out.ArchiveId != id || out.Checksum != in.Checksum || out.Location != "/"+engine.DefaultAccountID+"/vaults/v/archives/"+id {
		t.Fatalf("ImportArchive = %+v", out)
	}
	d, err := e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id})
	if err != nil {
		t.Fatal(err)
	}
	want := firn.DescribeArchiveOutput{ArchiveId: id, ArchiveDescription: in.ArchiveDescription, CreationDate: created, Size: in.Size, SHA256TreeHash: in.Checksum}
	if *d != want {
		t.Fatalf("DescribeArchive = %+v, want %+v", d, want)
	}
	if n, size := importedCount(t, e); n != 1 || size != in.Size {
		t.Fatalf("DescribeVault: %d archives, %d bytes", n, size)
	}
	clock.Advance(time.Hour)
	again := importInput(id, created, "imported bytes")
	again.Body = unread{t}
	out, err = e.ImportArchive(ctx, again)
	if err != nil || out.Imported || out.ArchiveId != id {
		t.Fatalf("ImportArchive again = %+v, %v", out, err)
	}
	for field, edit := range map[string]func(*firn.ImportArchiveInput){
		"Checksum": func(in *firn.ImportArchiveInput) {
			in.Checksum, in.Body = testkit.TreeHashHex([]byte("imported BYTES")), strings.NewReader("imported BYTES")
		},
		"Size":               func(in *firn.ImportArchiveInput) { in.Size = 15 },
		"CreationDate":       func(in *firn.ImportArchiveInput) { in.CreationDate = created.Add(time.Millisecond) },
		"ArchiveDescription": func(in *firn.ImportArchiveInput) { in.ArchiveDescription += " " },
	} {
		in := importInput(id, created, "imported bytes")
		edit(in)
		_, err := e.ImportArchive(ctx, in)
		testkit.WantError(t, err, firn.ErrInvalidParameterValue, field, id)
	}
	if n, _ := importedCount(t, e); n != 1 {
		t.Fatalf("DescribeVault: %d archives", n)
	}
	// The archive's key, which is a ULID, is not its ID.
	key := importKey(id, created)
	_, err = e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: key.String()})
	testkit.WantError(t, err, firn.ErrResourceNotFound)
	_, err = e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: key.String()})
	testkit.WantError(t, err, firn.ErrResourceNotFound)
	// Nor can the key be imported as an ID of its own.
	_, err = e.ImportArchive(ctx, importInput(key.String(), created, "x"))
	testkit.WantError(t, err, firn.ErrInvalidParameterValue, "ArchiveId", id)
}

// importKey is the key vault.SourceKey gives.
func importKey(id string, created time.Time) ulid.ULID {
	k, _, _ := vault.SourceKey(id, created)
	return k
}

// TestImportFirnID checks that a Firn archive ID (a ULID) is kept as the
// key itself, and that importing a native archive's ID finds it.
func TestImportFirnID(t *testing.T) {
	ctx := context.Background()
	e, _ := openImport(t, engine.Options{})
	src := ulid.MustNew(ulid.Timestamp(importStart.Add(-48*time.Hour)), bytes.NewReader(make([]byte, 10))).String()
	created := importStart.Add(-47 * time.Hour)
	out, err := e.ImportArchive(ctx, importInput(src, created, "firn to firn"))
	if err != nil || !out.Imported || out.ArchiveId != src {
		t.Fatalf("ImportArchive = %+v, %v", out, err)
	}
	if k, _, indexed := vault.SourceKey(src, created); indexed || k.String() != src {
		t.Fatalf("SourceKey(%s) = %s, %v", src, k, indexed)
	}
	if d, err := e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: src}); err != nil || d.ArchiveId != src || !d.CreationDate.Equal(created) {
		t.Fatalf("DescribeArchive = %+v, %v", d, err)
	}
	up, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: "up", Body: strings.NewReader("native")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: up.ArchiveId})
	if err != nil {
		t.Fatal(err)
	}
	in := importInput(up.ArchiveId, d.CreationDate, "native")
	in.ArchiveDescription, in.Body = "up", unread{t}
	if out, err := e.ImportArchive(ctx, in); err != nil || out.Imported {
		t.Fatalf("ImportArchive of the native archive = %+v, %v", out, err)
	}
	in = importInput(up.ArchiveId, d.CreationDate, "native")
	_, err = e.ImportArchive(ctx, in)
	testkit.WantError(t, err, firn.ErrInvalidParameterValue, "ArchiveDescription")
}

// TestImportDelete checks DeleteArchive by source ID, twice, and an import
// of the deleted ID again, at another date.
func TestImportDelete(t *testing.T) {
	ctx := context.Background()
	e, clock := openImport(t, engine.Options{})
	id := glacierID("delete")
	if _, err := e.ImportArchive(ctx, importInput(id, importStart.Add(-time.Hour), "first")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: id}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id})
	testkit.WantError(t, err, firn.ErrResourceNotFound)
	_, err = e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: glacierID("never")})
	testkit.WantError(t, err, firn.ErrResourceNotFound)
	if n, size := importedCount(t, e); n != 0 || size != 0 {
		t.Fatalf("DescribeVault: %d archives, %d bytes", n, size)
	}
	clock.Advance(time.Minute)
	for _, created := range []time.Time{importStart.Add(-2 * time.Hour), importStart.Add(-time.Hour)} {
		out, err := e.ImportArchive(ctx, importInput(id, created, "second"))
		if err != nil || !out.Imported {
			t.Fatalf("ImportArchive after the delete = %+v, %v", out, err)
		}
		if d, err := e.DescribeArchive(ctx, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id}); err != nil || !d.CreationDate.Equal(created) || d.Size != 6 {
			t.Fatalf("DescribeArchive = %+v, %v", d, err)
		}
		if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: id}); err != nil {
			t.Fatal(err)
		}
	}
	// The vault is empty: with its index, it can be deleted.
	if _, err := e.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
}

// TestImportBeyondMaxArchiveSize checks that imports are bounded by the
// largest archive Glacier holds, not by Options.MaxArchiveSize.
func TestImportBeyondMaxArchiveSize(t *testing.T) {
	ctx := context.Background()
	e, _ := openImport(t, engine.Options{MaxArchiveSize: 1 << 10})
	body := string(testkit.Pattern(4 << 10))
	if _, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader(body)}); err == nil {
		t.Fatal("the upload beyond MaxArchiveSize succeeded")
	}
	id := glacierID("big")
	if out, err := e.ImportArchive(ctx, importInput(id, importStart, body)); err != nil || !out.Imported {
		t.Fatalf("ImportArchive = %+v, %v", out, err)
	}
	if got := retrieve(t, e, id, ""); got != body {
		t.Fatalf("retrieved %d bytes, want %d", len(got), len(body))
	}
	// The largest size is taken: the body is then read, and short.
	in := importInput(glacierID("largest"), importStart, "x")
	in.Size = vault.MaxImportSize
	_, err := e.ImportArchive(ctx, in)
	testkit.WantError(t, err, firn.ErrInvalidParameterValue, "shorter than Size")
	if vault.MaxImportSize != 10000*4*1<<30 {
		t.Fatalf("MaxImportSize = %d", int64(vault.MaxImportSize))
	}
}

// retrieve runs an archive retrieval job of id (range rng, "" for all)
// and returns the output, checking the job's description.
func retrieve(t *testing.T, e *engine.Engine, id, rng string) string {
	t.Helper()
	ctx := context.Background()
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id, RetrievalByteRange: rng}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j.JobId})
	if err != nil || d.ArchiveId != id || d.StatusCode != firn.StatusSucceeded {
		t.Fatalf("DescribeJob = %+v, %v", d, err)
	}
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// inventory runs an inventory job and returns its output and marker.
func inventory(t *testing.T, e *engine.Engine, format string, limit int, marker string) (string, string) {
	t.Helper()
	ctx := context.Background()
	p := firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: format}
	if limit > 0 || marker != "" {
		p.InventoryRetrievalParameters = &firn.InventoryRetrievalJobInput{Marker: marker}
		if limit > 0 {
			p.InventoryRetrievalParameters.Limit = strconv.Itoa(limit)
		}
	}
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: p})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j.JobId})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	next := ""
	if d.InventoryRetrievalParameters != nil {
		next = d.InventoryRetrievalParameters.Marker
	}
	return string(b), next
}

// TestImportInventories checks that inventories list imported and uploaded
// archives together in creation order under their IDs, in JSON and CSV,
// and that ranged inventories page through them, with and without
// inventory snapshots.
func TestImportInventories(t *testing.T) {
	for _, interval := range []time.Duration{0, 24 * time.Hour} {
		t.Run(interval.String(), func(t *testing.T) {
			ctx := context.Background()
			e, clock := openImport(t, engine.Options{InventoryInterval: interval})
			var want []string
			for i := range 6 {
				if i%2 == 0 {
					// Imports dated earlier than every upload but in
					// the order of i.
					id := glacierID(string(rune('a' + i)))
					if i == 4 {
						id = ulid.MustNew(ulid.Timestamp(importStart.Add(-time.Hour)), bytes.NewReader(make([]byte, 10))).String()
					}
					if _, err := e.ImportArchive(ctx, importInput(id, importStart.Add(time.Duration(i-10)*time.Hour), "imp")); err != nil {
						t.Fatal(err)
					}
					want = append(want, id)
				}
			}
			for range 3 {
				clock.Advance(time.Second)
				a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("up")})
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, a.ArchiveId)
			}
			if interval > 0 {
				clock.Advance(interval)
				if n, _ := importedCount(t, e); n != int64(len(want)) {
					t.Fatalf("DescribeVault after the inventory: %d archives, want %d", n, len(want))
				}
			}
			js, _ := inventory(t, e, firn.FormatJSON, 0, "")
			var inv struct{ ArchiveList []struct{ ArchiveId string } }
			if err := json.Unmarshal([]byte(js), &inv); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range inv.ArchiveList {
				got = append(got, a.ArchiveId)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("JSON inventory lists %v, want %v", got, want)
			}
			csv, _ := inventory(t, e, firn.FormatCSV, 0, "")
			lines := strings.Split(strings.TrimSpace(csv), "\n")[1:]
			got = got[:0]
			for _, l := range lines {
				got = append(got, l[:strings.IndexByte(l, ',')])
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("CSV inventory lists %v, want %v", got, want)
			}
			for limit := 1; limit <= 4; limit++ {
				got, marker := got[:0], ""
				for page := 0; ; page++ {
					if page > len(want) {
						t.Fatal("the pages do not end")
					}
					out, next := inventory(t, e, firn.FormatCSV, limit, marker)
					for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
						got = append(got, l[:strings.IndexByte(l, ',')])
					}
					if next == "" {
						break
					}
					marker = next
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Fatalf("pages of %d list %v, want %v", limit, got, want)
				}
			}
		})
	}
}

// TestImportJobs checks archive retrieval and select jobs by source ID,
// and the failure of a job whose archive is deleted, which names it.
func TestImportJobs(t *testing.T) {
	ctx := context.Background()
	e, clock := openImport(t, engine.Options{JobTiming: fixedTiming, TickInterval: time.Hour})
	id := glacierID("jobs")
	body := "name,age\nann,34\nbob,70\n"
	if _, err := e.ImportArchive(ctx, importInput(id, importStart.Add(-time.Hour), body)); err != nil {
		t.Fatal(err)
	}
	retrieval, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id, RetrievalByteRange: "0-1048575"}})
	if err == nil {
		t.Fatalf("a range beyond the archive was taken: %+v", retrieval)
	}
	retrieval, err = e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
	if err != nil {
		t.Fatal(err)
	}
	sel, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeSelect, ArchiveId: id,
		SelectParameters: &firn.SelectParameters{
			ExpressionType:      firn.ExpressionTypeSQL,
			Expression:          "SELECT s.name FROM archive s",
			InputSerialization:  &firn.InputSerialization{CSV: &firn.CSVInput{FileHeaderInfo: firn.FileHeaderInfoUse}},
			OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{}},
		},
		OutputLocation: &firn.OutputLocation{S3: &firn.S3Location{BucketName: "results", Prefix: "q"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.ListJobs(ctx, &firn.ListJobsInput{VaultName: "v"})
	if err != nil || len(list.JobList) != 2 {
		t.Fatalf("ListJobs = %+v, %v", list, err)
	}
	for _, j := range list.JobList {
		if j.ArchiveId != id {
			t.Errorf("ListJobs: job %s has ArchiveId %q", j.JobId, j.ArchiveId)
		}
	}
	clock.Advance(8 * time.Hour)
	for _, jid := range []string{retrieval.JobId, sel.JobId} {
		d, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: jid})
		if err != nil || d.StatusCode != firn.StatusSucceeded || d.ArchiveId != id {
			t.Fatalf("DescribeJob = %+v, %v", d, err)
		}
	}
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: retrieval.JobId})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(got) != body || out.Checksum != testkit.TreeHashHex([]byte(body)) {
		t.Fatalf("job output %q, checksum %s", got, out.Checksum)
	}

	late, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: id}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(8 * time.Hour)
	d, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: late.JobId})
	if err != nil || d.StatusCode != firn.StatusFailed || !strings.Contains(d.StatusMessage, id) {
		t.Fatalf("DescribeJob of the deleted archive's job = %+v, %v", d, err)
	}
	_, err = e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
	testkit.WantError(t, err, firn.ErrResourceNotFound, id)
}

// TestImportAuthorization checks that ImportArchive is decided as
// glacier:UploadArchive and DescribeArchive as glacier:DescribeVault.
func TestImportAuthorization(t *testing.T) {
	ctx := context.Background()
	e, _ := openImport(t, engine.Options{})
	id := glacierID("auth")
	if _, err := e.ImportArchive(ctx, importInput(id, importStart, "x")); err != nil {
		t.Fatal(err)
	}
	deny := func(action string) {
		t.Helper()
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"` + action + `","Resource":"*"}]}`
		if _, err := e.SetVaultAccessPolicy(ctx, &firn.SetVaultAccessPolicyInput{VaultName: "v", Policy: &firn.VaultAccessPolicy{Policy: doc}}); err != nil {
			t.Fatal(err)
		}
	}
	other := firn.WithPrincipal(ctx, "arn:aws:iam::"+engine.DefaultAccountID+":user/migrator")
	deny("glacier:UploadArchive")
	_, err := e.ImportArchive(other, importInput(glacierID("auth2"), importStart, "y"))
	testkit.WantError(t, err, firn.ErrAccessDenied, "glacier:UploadArchive")
	if _, err := e.DescribeArchive(other, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id}); err != nil {
		t.Fatal(err)
	}
	deny("glacier:DescribeVault")
	_, err = e.DescribeArchive(other, &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id})
	testkit.WantError(t, err, firn.ErrAccessDenied, "glacier:DescribeVault")
	if out, err := e.ImportArchive(other, importInput(glacierID("auth2"), importStart, "y")); err != nil || !out.Imported {
		t.Fatalf("ImportArchive = %+v, %v", out, err)
	}
}

// TestImportScrub checks that Scrub names a damaged imported archive by
// its source ID.
func TestImportScrub(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openFixedVault(t, dir, vfs.Default)
	defer e.Close()
	id := glacierID("scrub")
	data := string(wbytes(3, 200<<10))
	file := newSegFile(t, dir, func() {
		if _, err := e.ImportArchive(ctx, importInput(id, crashClock{}.Now().Add(-time.Hour), data)); err != nil {
			t.Fatal(err)
		}
	})
	flip(t, file, frameHeader+100)
	r, err := e.Scrub(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Damaged) != 1 || r.Damaged[0].Kind != "archive" || r.Damaged[0].ID != id {
		t.Fatalf("Scrub found %+v, want the archive %s", r.Damaged, id)
	}
}
