package job

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/firnstore/firn"
)

// The parsers of this package read InitiateJob parameters and GetJobOutput
// ranges as clients send them. Their fuzz targets check that nothing panics,
// that every rejection is a *firn.Error of the documented code, and that
// what is accepted obeys the documented rules.

const fuzzMiB = 1 << 20

// wantParamError fails unless err is an InvalidParameterValueException, or
// a MissingParameterValueException when missingOK.
func wantParamError(t *testing.T, what string, err error, missingOK bool) {
	t.Helper()
	var fe *firn.Error
	if !errors.As(err, &fe) {
		t.Fatalf("%s: error %v (%T) is not a *firn.Error", what, err, err)
	}
	if fe.Code != firn.CodeInvalidParameterValue && !(missingOK && fe.Code == firn.CodeMissingParameterValue) {
		t.Fatalf("%s: error code %s", what, fe.Code)
	}
	if fe.Message == "" {
		t.Fatalf("%s: error without a message", what)
	}
}

// FuzzArchiveRange checks that an accepted RetrievalByteRange lies within
// the archive and is megabyte aligned, and that its canonical form parses
// to the same range.
func FuzzArchiveRange(f *testing.F) {
	for _, c := range []struct {
		s    string
		size int64
	}{
		{"", 1}, {"0-0", 1}, {"0-1048575", 3 * fuzzMiB}, {"1048576-2097151", 3 * fuzzMiB},
		{"0-122", 123}, {"1048576-1048700", 1048701}, {"+0-1", 2}, {"0-+1", 2}, {"-1-5", 9},
		{"5-4", 9}, {"0-", 9}, {"-", 9}, {"0-9223372036854775807", 1 << 62}, {"00-01", 2},
	} {
		f.Add(c.s, c.size)
	}
	f.Fuzz(func(t *testing.T, s string, size int64) {
		if size < 1 {
			size = 1 - size%(1<<40) // archives hold at least one byte
		}
		start, end, err := ArchiveRange(s, size)
		if err != nil {
			wantParamError(t, "ArchiveRange("+strconv.Quote(s)+")", err, false)
			return
		}
		if start < 0 || end < start || end >= size {
			t.Fatalf("ArchiveRange(%q, %d) = %d-%d: not within the archive", s, size, start, end)
		}
		if start%fuzzMiB != 0 || (end+1)%fuzzMiB != 0 && end != size-1 {
			t.Fatalf("ArchiveRange(%q, %d) = %d-%d: not megabyte aligned", s, size, start, end)
		}
		canon := strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(end, 10)
		if s2, e2, err := ArchiveRange(canon, size); err != nil || s2 != start || e2 != end {
			t.Fatalf("ArchiveRange(%q, %d) = %d-%d, but its canonical form %q gives %d-%d, %v", s, size, start, end, canon, s2, e2, err)
		}
	})
}

// FuzzOutputRange checks that an accepted GetJobOutput Range lies within the
// output and that END beyond the output is clamped.
func FuzzOutputRange(f *testing.F) {
	for _, c := range []struct {
		s     string
		total int64
	}{
		{"", 1}, {"bytes=0-0", 1}, {"bytes=0-", 10}, {"bytes=5-100", 10}, {"bytes=10-", 10},
		{"bytes=-5", 10}, {"bytes=+1-2", 10}, {"bytes=1-+2", 10}, {"bytes=1 -2", 10}, {"bytes=1-2,4-5", 10},
		{"items=0-1", 10}, {"bytes=3-2", 10}, {"bytes=0-9223372036854775807", 10},
	} {
		f.Add(c.s, c.total)
	}
	f.Fuzz(func(t *testing.T, s string, total int64) {
		if total < 1 {
			total = 1 - total%(1<<40) // outputs of a succeeded job are never empty
		}
		start, end, err := OutputRange(s, total)
		if err != nil {
			wantParamError(t, "OutputRange("+strconv.Quote(s)+")", err, false)
			return
		}
		if start < 0 || end < start || end >= total {
			t.Fatalf("OutputRange(%q, %d) = %d-%d: not within the output", s, total, start, end)
		}
		if s == "" && (start != 0 || end != total-1) {
			t.Fatalf("OutputRange(\"\", %d) = %d-%d, want the whole output", total, start, end)
		}
	})
}

// FuzzParseDate checks that an accepted date is in UTC and that its RFC
// 3339 form parses back to the same instant.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2013-12-04T21:25:42Z", "2013-12-04T21:25:42.123Z", "2013-12-04T21:25:42+01:00", "2013-12-04T21:25:42-0130",
		"2013-12-04T21:25:42.5+0000", "2013-12-04", "2013-12-04 21:25:42Z", "2013-13-04T21:25:42Z", "", "Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate("StartDate", s)
		if err != nil {
			wantParamError(t, "ParseDate("+strconv.Quote(s)+")", err, false)
			return
		}
		if d.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) = %v: not in UTC", s, d)
		}
		back := d.Format(time.RFC3339Nano)
		if d2, err := ParseDate("StartDate", back); err != nil || !d2.Equal(d) {
			t.Fatalf("ParseDate(%q) = %v, but its RFC 3339 form %q gives %v, %v", s, d, back, d2, err)
		}
	})
}

// FuzzParseFilter checks the inventory retrieval parameters: an accepted
// filter has StartDate before EndDate, a Limit of at least 1 when given, and
// the Marker as given.
func FuzzParseFilter(f *testing.F) {
	f.Add("2013-12-04T21:25:42Z", "2013-12-05T00:00:00Z", "10", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
	f.Add("2013-12-05T00:00:00Z", "2013-12-04T21:25:42Z", "0", "nope")
	f.Add("", "", "", "")
	f.Add("", "2013-12-05T00:00:00+05:00", "-1", "81ARZ3NDEKTSV4RRFFQ69G5FAV")
	f.Add("x", "", "9999999999999999999999", "")
	f.Fuzz(func(t *testing.T, start, end, limit, marker string) {
		in := firn.InventoryRetrievalJobInput{StartDate: start, EndDate: end, Limit: limit, Marker: marker}
		flt, err := ParseFilter(in)
		if err != nil {
			wantParamError(t, "ParseFilter", err, false)
			return
		}
		if (start == "") != flt.Start.IsZero() || (end == "") != flt.End.IsZero() {
			t.Fatalf("ParseFilter(%+v) = %+v: dates not as given", in, flt)
		}
		if !flt.Start.IsZero() && !flt.End.IsZero() && !flt.Start.Before(flt.End) {
			t.Fatalf("ParseFilter(%+v) = %+v: StartDate not before EndDate", in, flt)
		}
		if limit != "" && flt.Limit < 1 || limit == "" && flt.Limit != 0 {
			t.Fatalf("ParseFilter(%+v) = %+v: bad Limit", in, flt)
		}
		if flt.Marker != marker {
			t.Fatalf("ParseFilter(%+v) = %+v: Marker not as given", in, flt)
		}
	})
}

// FuzzValidate checks InitiateJob's parameter validation: rejections are
// InvalidParameterValue or MissingParameterValue exceptions, and an accepted
// request has a known action and tier, and the fields of its type only.
func FuzzValidate(f *testing.F) {
	f.Add(firn.JobTypeArchiveRetrieval, "", "", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "", "", "", "0-1048575", false, false)
	f.Add(firn.JobTypeInventoryRetrieval, firn.TierBulk, firn.FormatCSV, "", "d", "arn:aws:sns:us-east-1:111122223333:t", "", "", true, false)
	f.Add(firn.JobTypeSelect, firn.TierExpedited, "", "a", "", "", "", "", false, true)
	f.Add("", "Fast", "XML", "", "tab\there", "arn:aws:sns::1:t", "2013-12-04T21:25:42Z", "x", true, true)
	f.Fuzz(func(t *testing.T, typ, tier, format, archiveID, desc, topic, date, rng string, inventory, sel bool) {
		p := firn.JobParameters{Type: typ, Tier: tier, Format: format, ArchiveId: archiveID, Description: desc, SNSTopic: topic, RetrievalByteRange: rng}
		if inventory {
			p.InventoryRetrievalParameters = &firn.InventoryRetrievalJobInput{StartDate: date}
		}
		if sel {
			p.SelectParameters = &firn.SelectParameters{ExpressionType: firn.ExpressionTypeSQL, Expression: "select * from archive"}
			p.OutputLocation = &firn.OutputLocation{S3: &firn.S3Location{BucketName: "bucket", Prefix: date}}
		}
		r, err := Validate(&p)
		if err != nil {
			wantParamError(t, "Validate", err, true)
			return
		}
		switch r.Action {
		case firn.ActionInventoryRetrieval:
			if r.Tier != "" || r.ArchiveID != "" || r.Range != "" || r.Format != firn.FormatJSON && r.Format != firn.FormatCSV {
				t.Fatalf("Validate(%+v) = %+v: not an inventory request", p, r)
			}
		case firn.ActionArchiveRetrieval, firn.ActionSelect:
			if r.ArchiveID == "" || r.Format != "" || r.Tier != firn.TierStandard && r.Tier != firn.TierExpedited && r.Tier != firn.TierBulk {
				t.Fatalf("Validate(%+v) = %+v: not an archive request", p, r)
			}
			if r.Action == firn.ActionSelect && (r.Range != "" || r.Select == nil || r.OutputLocation == nil) {
				t.Fatalf("Validate(%+v) = %+v: not a select request", p, r)
			}
		default:
			t.Fatalf("Validate(%+v) = %+v: unknown action", p, r)
		}
	})
}

// FuzzValidateRetrievalPolicy checks that a data retrieval rule is accepted
// exactly when it is one of the three documented strategies with a
// positive BytesPerHour for BytesPerHour and none otherwise.
func FuzzValidateRetrievalPolicy(f *testing.F) {
	f.Add(firn.StrategyBytesPerHour, int64(1), true, 1)
	f.Add(firn.StrategyFreeTier, int64(0), false, 1)
	f.Add(firn.StrategyNone, int64(5), true, 2)
	f.Add("", int64(-1), true, 0)
	f.Fuzz(func(t *testing.T, strategy string, bytesPerHour int64, hasBytes bool, rules int) {
		rule := firn.DataRetrievalRule{Strategy: strategy}
		if hasBytes {
			rule.BytesPerHour = &bytesPerHour
		}
		p := &firn.DataRetrievalPolicy{}
		for range min(max(rules, 0), 3) {
			p.Rules = append(p.Rules, rule)
		}
		err := ValidateRetrievalPolicy(p)
		valid := len(p.Rules) == 1 && (strategy == firn.StrategyBytesPerHour && hasBytes && bytesPerHour > 0 ||
			(strategy == firn.StrategyFreeTier || strategy == firn.StrategyNone) && !hasBytes)
		if valid != (err == nil) {
			t.Fatalf("ValidateRetrievalPolicy(%+v) = %v, want valid=%v", rule, err, valid)
		}
		if err != nil {
			wantParamError(t, "ValidateRetrievalPolicy", err, true)
		}
	})
}
