package conformance

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// The Importer rules run when the Target's Glacier implements
// firn.Importer, and are skipped otherwise.
var importerRules = []rule{
	{"Import/Output", testImportOutput},
	{"Import/Validation", testImportValidation},
	{"Import/Repeat", testImportRepeat},
	{"Import/Conflict", testImportConflict},
	{"Import/Inventory", testImportInventory},
	{"Import/Delete", testImportDelete},
	{"DescribeArchive/Uploaded", testDescribeUploaded},
}

// importer returns the target's firn.Importer, or skips the rule.
func importer(t *testing.T, tg *target) firn.Importer {
	t.Helper()
	im, ok := tg.g.(firn.Importer)
	if !ok {
		t.Skip("the target's Glacier does not implement firn.Importer")
	}
	return im
}

// sourceID is an archive ID shaped like Amazon S3 Glacier's: 138
// characters of the URL-safe base64 alphabet.
func sourceID(seed string) string {
	return (seed + strings.Repeat("xQ3-_7kZ", 18))[:138]
}

// importIn is the input importing data as id, created at created.
func importIn(vault, id string, created time.Time, data []byte, desc string) *firn.ImportArchiveInput {
	return &firn.ImportArchiveInput{VaultName: vault, ArchiveId: id, ArchiveDescription: desc, CreationDate: created,
		Checksum: testkit.TreeHashHex(data), Size: int64(len(data)), Body: strings.NewReader(string(data))}
}

func mustImport(t *testing.T, tg *target, in *firn.ImportArchiveInput) *firn.ImportArchiveOutput {
	t.Helper()
	return must[firn.ImportArchiveOutput](t, "ImportArchive "+in.ArchiveId[:min(16, len(in.ArchiveId))])(importer(t, tg).ImportArchive(t.Context(), in))
}

func mustDescribeArchive(t *testing.T, tg *target, vault, id string) *firn.DescribeArchiveOutput {
	t.Helper()
	return must[firn.DescribeArchiveOutput](t, "DescribeArchive")(importer(t, tg).DescribeArchive(t.Context(),
		&firn.DescribeArchiveInput{VaultName: vault, ArchiveId: id}))
}

func testImportOutput(t *testing.T, tg *target) {
	importer(t, tg)
	mustCreateVault(t, tg, "", "v")
	id := sourceID("out")
	created := Start.Add(-400 * 24 * time.Hour).Add(123 * time.Millisecond)
	data := testkit.Pattern(mib + 5)
	out := mustImport(t, tg, importIn("v", id, created, data, " kept\tas is "))
	if !out.Imported || out.ArchiveId != id || out.Checksum != testkit.TreeHashHex(data) || out.Location != tg.vaultLocation("", "v")+"/archives/"+id {
		t.Errorf("ImportArchive = %+v", *out)
	}
	d := mustDescribeArchive(t, tg, "v", id)
	if d.ArchiveId != id || d.ArchiveDescription != " kept\tas is " || !d.CreationDate.Equal(created) || d.Size != int64(len(data)) || d.SHA256TreeHash != out.Checksum {
		t.Errorf("DescribeArchive = %+v", *d)
	}
	wantCounts(t, tg, "", "v", 1, int64(len(data)))
	got, jo := readArchive(t, tg, "", "v", id)
	if !bytes.Equal(got, data) || jo.Checksum != out.Checksum {
		t.Errorf("the imported archive read back: %s, Checksum %q", diffBytes(got, data), jo.Checksum)
	}
	// GetJobOutput carries the description in an HTTP header, which loses
	// leading and trailing spaces and tabs on the way.
	if jo.ArchiveDescription != " kept\tas is " && jo.ArchiveDescription != "kept\tas is" {
		t.Errorf("GetJobOutput ArchiveDescription %q, want %q", jo.ArchiveDescription, " kept\tas is ")
	}
}

func testImportValidation(t *testing.T, tg *target) {
	im := importer(t, tg)
	mustCreateVault(t, tg, "", "v")
	data := []byte("bytes")
	for _, c := range []struct {
		edit    func(*firn.ImportArchiveInput)
		want    *firn.Error
		mention string
	}{
		{func(in *firn.ImportArchiveInput) { in.ArchiveId = "" }, firn.ErrMissingParameterValue, "ArchiveId"},
		{func(in *firn.ImportArchiveInput) { in.ArchiveId = "a/b" }, firn.ErrInvalidParameterValue, "ArchiveId"},
		{func(in *firn.ImportArchiveInput) { in.ArchiveId = strings.Repeat("a", 1025) }, firn.ErrInvalidParameterValue, "ArchiveId"},
		{func(in *firn.ImportArchiveInput) { in.ArchiveDescription = "a\nb" }, firn.ErrInvalidParameterValue, "ArchiveDescription"},
		{func(in *firn.ImportArchiveInput) { in.ArchiveDescription = "\xff" }, firn.ErrInvalidParameterValue, "ArchiveDescription"},
		{func(in *firn.ImportArchiveInput) { in.CreationDate = time.Time{} }, firn.ErrMissingParameterValue, "CreationDate"},
		{func(in *firn.ImportArchiveInput) { in.CreationDate = Start.Add(time.Hour) }, firn.ErrInvalidParameterValue, "CreationDate"},
		{func(in *firn.ImportArchiveInput) { in.Checksum = "" }, firn.ErrMissingParameterValue, "Checksum"},
		{func(in *firn.ImportArchiveInput) { in.Checksum = "xyz" }, firn.ErrInvalidParameterValue, "Checksum"},
		{func(in *firn.ImportArchiveInput) { in.Size = 0 }, firn.ErrInvalidParameterValue, "Size"},
		{func(in *firn.ImportArchiveInput) { in.Body = nil }, firn.ErrMissingParameterValue, "Body"},
		{func(in *firn.ImportArchiveInput) { in.Size++ }, firn.ErrInvalidParameterValue, "Size"},
		{func(in *firn.ImportArchiveInput) { in.Size-- }, firn.ErrInvalidParameterValue, "Size"},
		{func(in *firn.ImportArchiveInput) { in.Checksum = testkit.TreeHashHex([]byte("other")) }, firn.ErrInvalidParameterValue, "Checksum"},
		{func(in *firn.ImportArchiveInput) { in.VaultName = "none" }, firn.ErrResourceNotFound, ""},
	} {
		in := importIn("v", sourceID("bad"), Start.Add(-time.Hour), data, "")
		c.edit(in)
		out, err := im.ImportArchive(t.Context(), in)
		wantErr(t, out, err, c.want, c.mention)
	}
	wantCounts(t, tg, "", "v", 0, 0)
	out, err := im.DescribeArchive(t.Context(), &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: sourceID("bad")})
	wantErr(t, out, err, firn.ErrResourceNotFound)
	out, err = im.DescribeArchive(t.Context(), &firn.DescribeArchiveInput{VaultName: "v"})
	wantErr(t, out, err, firn.ErrMissingParameterValue, "ArchiveId")
}

func testImportRepeat(t *testing.T, tg *target) {
	importer(t, tg)
	mustCreateVault(t, tg, "", "v")
	id := sourceID("again")
	created := Start.Add(-time.Hour)
	mustImport(t, tg, importIn("v", id, created, []byte("once"), "d"))
	tg.clock.Advance(time.Minute)
	if out := mustImport(t, tg, importIn("v", id, created, []byte("once"), "d")); out.Imported || out.ArchiveId != id {
		t.Errorf("ImportArchive again = %+v, want Imported false", *out)
	}
	wantCounts(t, tg, "", "v", 1, 4)
}

func testImportConflict(t *testing.T, tg *target) {
	im := importer(t, tg)
	mustCreateVault(t, tg, "", "v")
	id := sourceID("conflict")
	created := Start.Add(-time.Hour)
	mustImport(t, tg, importIn("v", id, created, []byte("once"), "d"))
	for field, in := range map[string]*firn.ImportArchiveInput{
		"Checksum":           importIn("v", id, created, []byte("twice"), "d"),
		"CreationDate":       importIn("v", id, created.Add(time.Second), []byte("once"), "d"),
		"ArchiveDescription": importIn("v", id, created, []byte("once"), "e"),
	} {
		out, err := im.ImportArchive(t.Context(), in)
		wantErr(t, out, err, firn.ErrInvalidParameterValue, field)
	}
	wantCounts(t, tg, "", "v", 1, 4)
}

func testImportInventory(t *testing.T, tg *target) {
	importer(t, tg)
	mustCreateVault(t, tg, "", "v")
	var want []string
	for i, seed := range []string{"zz", "aa", "mm"} {
		id := sourceID(seed)
		mustImport(t, tg, importIn("v", id, Start.Add(time.Duration(i-10)*time.Hour), []byte(seed), ""))
		want = append(want, id)
	}
	tg.clock.Advance(time.Second)
	want = append(want, upload(t, tg, "", "v", []byte("up"), "").ArchiveId)
	body, _, _ := inventory(t, tg, "v", firn.FormatJSON, nil)
	var inv inventoryJSON
	if err := json.Unmarshal(body, &inv); err != nil {
		t.Fatalf("inventory %q: %v", body, err)
	}
	var got []string
	for _, e := range inv.ArchiveList {
		got = append(got, e.ArchiveId)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("inventory lists %v, want %v in creation order", got, want)
	}
	// Pages of one, by the markers the inventory gives.
	got, marker := nil, ""
	for range len(want) + 1 {
		body, d, _ := inventory(t, tg, "v", firn.FormatJSON, &firn.InventoryRetrievalJobInput{Limit: "1", Marker: marker})
		inv = inventoryJSON{}
		if err := json.Unmarshal(body, &inv); err != nil {
			t.Fatalf("inventory %q: %v", body, err)
		}
		for _, e := range inv.ArchiveList {
			got = append(got, e.ArchiveId)
		}
		if marker = d.InventoryRetrievalParameters.Marker; marker == "" {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("pages of one list %v, want %v", got, want)
	}
}

func testImportDelete(t *testing.T, tg *target) {
	im := importer(t, tg)
	mustCreateVault(t, tg, "", "v")
	id := sourceID("gone")
	mustImport(t, tg, importIn("v", id, Start.Add(-time.Hour), []byte("gone"), ""))
	mustDeleteArchive(t, tg, "", "v", id)
	mustDeleteArchive(t, tg, "", "v", id)
	out, err := im.DescribeArchive(t.Context(), &firn.DescribeArchiveInput{VaultName: "v", ArchiveId: id})
	wantErr(t, out, err, firn.ErrResourceNotFound)
	wantNoArchive(t, tg, "", "v", id)
	wantCounts(t, tg, "", "v", 0, 0)
	if again := mustImport(t, tg, importIn("v", id, Start.Add(-2*time.Hour), []byte("back"), "")); !again.Imported {
		t.Errorf("ImportArchive of a deleted ID = %+v, want Imported", *again)
	}
	wantArchive(t, tg, "", "v", id, []byte("back"), "")
}

func testDescribeUploaded(t *testing.T, tg *target) {
	importer(t, tg)
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", []byte("native"), "up")
	d := mustDescribeArchive(t, tg, "v", a.ArchiveId)
	if d.ArchiveId != a.ArchiveId || d.ArchiveDescription != "up" || !d.CreationDate.Equal(Start) || d.Size != 6 || d.SHA256TreeHash != a.Checksum {
		t.Errorf("DescribeArchive = %+v", *d)
	}
	// Importing it under its own ID and metadata finds it there.
	in := importIn("v", a.ArchiveId, d.CreationDate, []byte("native"), "up")
	if out := mustImport(t, tg, in); out.Imported {
		t.Errorf("ImportArchive of an uploaded archive = %+v, want Imported false", *out)
	}
}
