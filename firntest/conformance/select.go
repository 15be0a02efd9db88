package conformance

import (
	"strings"
	"testing"

	"github.com/firnstore/firn"
)

var selectRules = []rule{
	{"Results", testSelectResults},
	{"Invalid", testSelectInvalid},
	{"RuntimeError", testSelectRuntimeError},
}

const selectCSV = "name,city,age\nann,Oslo,34\nbob,\"Rio, BR\",701\ncid,Lima,900\n"

func selectJob(archive, expr string) firn.JobParameters {
	return firn.JobParameters{
		Type:      firn.JobTypeSelect,
		ArchiveId: archive,
		SelectParameters: &firn.SelectParameters{
			ExpressionType:      firn.ExpressionTypeSQL,
			Expression:          expr,
			InputSerialization:  &firn.InputSerialization{CSV: &firn.CSVInput{FileHeaderInfo: firn.FileHeaderInfoUse}},
			OutputSerialization: &firn.OutputSerialization{CSV: &firn.CSVOutput{}},
		},
		OutputLocation: &firn.OutputLocation{S3: &firn.S3Location{BucketName: "results", Prefix: "queries/q1"}},
	}
}

func testSelectResults(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", []byte(selectCSV), "")
	cases := []struct{ expr, want string }{
		{"SELECT s.name FROM archive s WHERE CAST(s.age AS INT) > 500", "bob\ncid\n"},
		{"SELECT s.city FROM archive s WHERE s.name = 'bob'", "\"Rio, BR\"\n"},
		{"SELECT UPPER(s.name), s._3 FROM archive s WHERE s.city = 'Oslo'", "ANN,34\n"},
	}
	for _, c := range cases {
		j := mustInitiate(t, tg, "v", selectJob(a.ArchiveId, c.expr))
		if !strings.HasPrefix(j.JobOutputPath, "s3://results/queries/q1/") || !strings.Contains(j.JobOutputPath, j.JobId) {
			t.Errorf("JobOutputPath %q", j.JobOutputPath)
		}
		d := mustDescribeJob(t, tg, "v", j.JobId)
		if d.Action != firn.ActionSelect || d.StatusCode != firn.StatusSucceeded || d.ArchiveId != a.ArchiveId ||
			d.SelectParameters == nil || d.SelectParameters.Expression != c.expr || d.OutputLocation == nil ||
			d.OutputLocation.S3.BucketName != "results" || d.JobOutputPath != j.JobOutputPath {
			t.Errorf("DescribeJob %s = %+v", c.expr, *d)
		}
		// DescribeJob documents ArchiveSizeInBytes and ArchiveSHA256TreeHash
		// as null for select jobs.
		if d.ArchiveSizeInBytes != 0 || d.ArchiveSHA256TreeHash != "" {
			t.Errorf("DescribeJob %s: ArchiveSizeInBytes %d, ArchiveSHA256TreeHash %q; want null", c.expr, d.ArchiveSizeInBytes, d.ArchiveSHA256TreeHash)
		}
		got, out := output(t, tg, "v", j.JobId, "")
		if string(got) != c.want || out.ContentType != "text/csv" {
			t.Errorf("%s: output %q (%s), want %q", c.expr, got, out.ContentType, c.want)
		}
	}
}

func testSelectInvalid(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", []byte(selectCSV), "")
	mod := func(f func(p *firn.JobParameters)) firn.JobParameters {
		p := selectJob(a.ArchiveId, "SELECT * FROM archive")
		f(&p)
		return p
	}
	cases := []struct {
		p    firn.JobParameters
		want *firn.Error
		name string
	}{
		{mod(func(p *firn.JobParameters) { p.SelectParameters.Expression = "SELECT * FORM archive" }), firn.ErrInvalidParameterValue, "column"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.Expression = "" }), firn.ErrInvalidParameterValue, "Expression"},
		// The Glacier Select SQL reference: no aggregate functions, no LIMIT,
		// and the table is ARCHIVE or OBJECT (S3Object is S3 Select's).
		{mod(func(p *firn.JobParameters) { p.SelectParameters.Expression = "SELECT COUNT(*) FROM archive" }), firn.ErrInvalidParameterValue, "Expression"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.Expression = "SELECT SUM(s._3) FROM archive s" }), firn.ErrInvalidParameterValue, "Expression"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.Expression = "SELECT AVG(s._3) FROM archive s" }), firn.ErrInvalidParameterValue, "Expression"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.Expression = "SELECT MAX(s._3) FROM archive s" }), firn.ErrInvalidParameterValue, "Expression"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.Expression = "SELECT * FROM archive LIMIT 1" }), firn.ErrInvalidParameterValue, "LIMIT"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.Expression = "SELECT * FROM S3Object" }), firn.ErrInvalidParameterValue, "S3Object"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.ExpressionType = "XPATH" }), firn.ErrInvalidParameterValue, "ExpressionType"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.InputSerialization.CSV.FieldDelimiter = ";;" }), firn.ErrInvalidParameterValue, "FieldDelimiter"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.OutputSerialization.CSV.QuoteFields = "SOMETIMES" }), firn.ErrInvalidParameterValue, "QuoteFields"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters.InputSerialization.CSV.FileHeaderInfo = "MAYBE" }), firn.ErrInvalidParameterValue, "FileHeaderInfo"},
		{mod(func(p *firn.JobParameters) { p.SelectParameters = nil }), firn.ErrMissingParameterValue, "SelectParameters"},
		{mod(func(p *firn.JobParameters) { p.OutputLocation = nil }), firn.ErrMissingParameterValue, "OutputLocation"},
		{mod(func(p *firn.JobParameters) { p.OutputLocation.S3.BucketName = "Bad_Bucket" }), firn.ErrInvalidParameterValue, "BucketName"},
		{mod(func(p *firn.JobParameters) { p.OutputLocation.S3.Prefix = strings.Repeat("p", 513) }), firn.ErrInvalidParameterValue, "Prefix"},
		{mod(func(p *firn.JobParameters) { p.OutputLocation.S3.StorageClass = "GLACIER" }), firn.ErrInvalidParameterValue, "StorageClass"},
		{mod(func(p *firn.JobParameters) { p.OutputLocation.S3.CannedACL = "everyone" }), firn.ErrInvalidParameterValue, "CannedACL"},
		{mod(func(p *firn.JobParameters) {
			p.OutputLocation.S3.Encryption = &firn.Encryption{EncryptionType: "rot13"}
		}), firn.ErrInvalidParameterValue, "EncryptionType"},
		{mod(func(p *firn.JobParameters) {
			p.OutputLocation.S3.AccessControlList = []firn.Grant{{Grantee: &firn.Grantee{Type: "Group", URI: "u"}, Permission: "OWN"}}
		}), firn.ErrInvalidParameterValue, "Permission"},
		{mod(func(p *firn.JobParameters) { p.RetrievalByteRange = "0-1048575" }), firn.ErrInvalidParameterValue, "RetrievalByteRange"},
	}
	for _, c := range cases {
		out, err := initiate(tg, "", "v", c.p)
		wantErr(t, out, err, c.want, c.name)
	}
	wantJobCount(t, tg, "v", 0)
}

func testSelectRuntimeError(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", []byte(selectCSV), "")
	j := mustInitiate(t, tg, "v", selectJob(a.ArchiveId, "SELECT CAST(s.city AS INT) FROM archive s"))
	d := mustDescribeJob(t, tg, "v", j.JobId)
	if d.StatusCode != firn.StatusFailed || !strings.Contains(d.StatusMessage, "CastFailed") {
		t.Errorf("select with a bad cast: %s %q", d.StatusCode, d.StatusMessage)
	}
	out, err := tg.g.GetJobOutput(t.Context(), &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
	wantErr(t, out, err, firn.ErrInvalidParameterValue)
}
