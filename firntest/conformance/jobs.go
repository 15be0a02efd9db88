package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/job"
)

var jobRules = []rule{
	{"Initiate/ArchiveValidation", testJobArchiveValidation},
	{"Initiate/InventoryValidation", testJobInventoryValidation},
	{"Initiate/UnknownArchive", testJobUnknownArchive},
	{"Describe/ArchiveRetrieval", testJobDescribeArchive},
	{"Describe/Unknown", testJobDescribeUnknown},
	{"Output/Whole", testJobOutputWhole},
	{"Output/Ranges", testJobOutputRanges},
	{"Output/AlignedRangeChecksums", testJobOutputAlignedChecksums},
	{"Output/RetrievalByteRange", testJobOutputRetrievalRange},
	{"Output/BadRange", testJobOutputBadRange},
	{"Timing/Tiers", testJobTiming},
	{"Timing/Reopen", testJobTimingReopen},
	{"Expiry", testJobExpiry},
	{"ArchiveDeleted/BeforeCompletion", testJobArchiveDeletedBefore},
	{"ArchiveDeleted/AfterCompletion", testJobArchiveDeletedAfter},
	{"List/OrderAndPages", testListJobsPages},
	{"List/Filters", testListJobsFilters},
	{"List/InvalidInput", testListJobsInvalid},
	{"Inventory/JSON", testInventoryJSON},
	{"Inventory/CSV", testInventoryCSV},
	{"Inventory/Range", testInventoryRange},
	{"RetrievalPolicy/GetSet", testRetrievalPolicyGetSet},
	{"RetrievalPolicy/Invalid", testRetrievalPolicyInvalid},
	{"RetrievalPolicy/BytesPerHour", testRetrievalPolicyBytesPerHour},
	{"RetrievalPolicy/FreeTier", testRetrievalPolicyFreeTier},
	{"RetrievalPolicy/FreeTierDayBoundary", testRetrievalPolicyFreeTierDayBoundary},
	{"Capacity/PurchaseList", testCapacityPurchaseList},
	{"Capacity/MonthEnd", testCapacityMonthEnd},
	{"Capacity/Expedited", testCapacityExpedited},
	{"Notifications", testJobNotifications},
}

func initiate(tg *target, account, vault string, p firn.JobParameters) (*firn.InitiateJobOutput, error) {
	return tg.g.InitiateJob(context.Background(), &firn.InitiateJobInput{AccountId: account, VaultName: vault, JobParameters: p})
}

func mustInitiate(t *testing.T, tg *target, vault string, p firn.JobParameters) *firn.InitiateJobOutput {
	t.Helper()
	out := must[firn.InitiateJobOutput](t, "InitiateJob "+p.Type)(initiate(tg, "", vault, p))
	if want := tg.vaultLocation("", vault) + "/jobs/" + out.JobId; out.Location != want {
		t.Errorf("InitiateJob Location %q, want %q", out.Location, want)
	}
	return out
}

func mustDescribeJob(t *testing.T, tg *target, vault, id string) *firn.DescribeJobOutput {
	t.Helper()
	return must[firn.DescribeJobOutput](t, "DescribeJob")(tg.g.DescribeJob(t.Context(),
		&firn.DescribeJobInput{VaultName: vault, JobId: id}))
}

// output reads a job's output (or a range of it).
func output(t *testing.T, tg *target, vault, id, rng string) ([]byte, *firn.GetJobOutputOutput) {
	t.Helper()
	out := must[firn.GetJobOutputOutput](t, "GetJobOutput "+rng)(tg.g.GetJobOutput(t.Context(),
		&firn.GetJobOutputInput{VaultName: vault, JobId: id, Range: rng}))
	body, err := io.ReadAll(out.Body)
	if cerr := out.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("GetJobOutput: reading Body: %v", err)
	}
	if out.ContentLength == nil || *out.ContentLength != int64(len(body)) {
		t.Errorf("GetJobOutput %q: ContentLength %v, want %d", rng, out.ContentLength, len(body))
	}
	return body, out
}

func archiveJob(id string) firn.JobParameters {
	return firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}
}

func testJobArchiveValidation(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(3*mib+5), "")
	cases := []struct {
		p    firn.JobParameters
		want *firn.Error
		name string
	}{
		{firn.JobParameters{}, firn.ErrMissingParameterValue, "Type"},
		{firn.JobParameters{Type: "restore"}, firn.ErrInvalidParameterValue, "Type"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval}, firn.ErrMissingParameterValue, "ArchiveId"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: "Fast"}, firn.ErrInvalidParameterValue, "Tier"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Description: strings.Repeat("d", 1025)}, firn.ErrInvalidParameterValue, "Description"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Description: "tab\t"}, firn.ErrInvalidParameterValue, "Description"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, SNSTopic: "arn:aws:sqs:us-east-1:111122223333:q"}, firn.ErrInvalidParameterValue, "SNSTopic"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Format: "CSV"}, firn.ErrInvalidParameterValue, "Format"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, InventoryRetrievalParameters: &firn.InventoryRetrievalJobInput{Limit: "1"}}, firn.ErrInvalidParameterValue, "InventoryRetrievalParameters"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "0-100"}, firn.ErrInvalidParameterValue, "RetrievalByteRange"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "1-1048576"}, firn.ErrInvalidParameterValue, "RetrievalByteRange"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "0-4194303"}, firn.ErrInvalidParameterValue, "RetrievalByteRange"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "1048576-1048575"}, firn.ErrInvalidParameterValue, "RetrievalByteRange"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "abc"}, firn.ErrInvalidParameterValue, "RetrievalByteRange"},
		{firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "-5"}, firn.ErrInvalidParameterValue, "RetrievalByteRange"},
	}
	for _, c := range cases {
		out, err := initiate(tg, "", "v", c.p)
		wantErr(t, out, err, c.want, c.name)
	}
	out, err := initiate(tg, "", "nope", archiveJob(a.ArchiveId))
	wantErr(t, out, err, firn.ErrResourceNotFound, tg.vaultNotFound("", "nope"))
	wantJobCount(t, tg, "v", 0)
}

func testJobInventoryValidation(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", []byte("x"), "")
	inv := func(p firn.InventoryRetrievalJobInput) firn.JobParameters {
		return firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, InventoryRetrievalParameters: &p}
	}
	cases := []struct {
		p    firn.JobParameters
		name string
	}{
		{firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, ArchiveId: a.ArchiveId}, "ArchiveId"},
		{firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, RetrievalByteRange: "0-0"}, "RetrievalByteRange"},
		{firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: "XML"}, "Format"},
		{inv(firn.InventoryRetrievalJobInput{StartDate: "yesterday"}), "StartDate"},
		{inv(firn.InventoryRetrievalJobInput{EndDate: "2020-13-01T00:00:00Z"}), "EndDate"},
		{inv(firn.InventoryRetrievalJobInput{StartDate: "2020-01-02T00:00:00Z", EndDate: "2020-01-01T00:00:00Z"}), "EndDate"},
		{inv(firn.InventoryRetrievalJobInput{Limit: "0"}), "Limit"},
		{inv(firn.InventoryRetrievalJobInput{Limit: "ten"}), "Limit"},
		{inv(firn.InventoryRetrievalJobInput{Marker: "not-a-marker"}), "Marker"},
	}
	for _, c := range cases {
		out, err := initiate(tg, "", "v", c.p)
		wantErr(t, out, err, firn.ErrInvalidParameterValue, c.name)
	}
	wantJobCount(t, tg, "v", 0)
}

func testJobUnknownArchive(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	for _, id := range []string{"nope", strings.Repeat("A", 26), "01ARZ3NDEKTSV4RRFFQ69G5FAV"} {
		out, err := initiate(tg, "", "v", archiveJob(id))
		wantErr(t, out, err, firn.ErrResourceNotFound)
	}
}

func wantJobCount(t *testing.T, tg *target, vault string, n int) {
	t.Helper()
	l := must[firn.ListJobsOutput](t, "ListJobs")(tg.g.ListJobs(t.Context(), &firn.ListJobsInput{VaultName: vault}))
	if len(l.JobList) != n {
		t.Errorf("ListJobs: %d jobs, want %d", len(l.JobList), n)
	}
}

func testJobDescribeArchive(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := testkit.Pattern(5*mib + 123)
	a := upload(t, tg, "", "v", data, "five")
	created := tg.clock.Now()
	j := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId,
		Description: "my job", SNSTopic: tg.topic("t")})
	d := mustDescribeJob(t, tg, "v", j.JobId)
	want := firn.GlacierJobDescription{
		JobId:                 j.JobId,
		JobDescription:        "my job",
		Action:                firn.ActionArchiveRetrieval,
		ArchiveId:             a.ArchiveId,
		VaultARN:              tg.vaultARN("", "v"),
		CreationDate:          created,
		Completed:             true,
		StatusCode:            firn.StatusSucceeded,
		StatusMessage:         "Succeeded",
		ArchiveSizeInBytes:    int64(len(data)),
		SNSTopic:              tg.topic("t"),
		CompletionDate:        created,
		SHA256TreeHash:        testkit.TreeHashHex(data),
		ArchiveSHA256TreeHash: testkit.TreeHashHex(data),
		RetrievalByteRange:    "0-" + strconv.Itoa(len(data)-1),
		Tier:                  firn.TierStandard,
	}
	if !d.CreationDate.Equal(want.CreationDate) || !d.CompletionDate.Equal(want.CompletionDate) {
		t.Errorf("dates: created %v completed %v, want %v", d.CreationDate, d.CompletionDate, created)
	}
	d.CreationDate, d.CompletionDate = want.CreationDate, want.CompletionDate
	if fmt.Sprintf("%+v", *d) != fmt.Sprintf("%+v", want) {
		t.Errorf("DescribeJob:\n got %+v\nwant %+v", *d, want)
	}
	for _, tier := range []string{firn.TierExpedited, firn.TierBulk} {
		j := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: tier})
		if d := mustDescribeJob(t, tg, "v", j.JobId); d.Tier != tier {
			t.Errorf("Tier %q, want %q", d.Tier, tier)
		}
	}
	// An unaligned range has no tree hash; an aligned one has its own.
	j = mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "1048576-3145727"})
	if d := mustDescribeJob(t, tg, "v", j.JobId); d.SHA256TreeHash != "" || d.RetrievalByteRange != "1048576-3145727" {
		t.Errorf("unaligned range: SHA256TreeHash %q RetrievalByteRange %q", d.SHA256TreeHash, d.RetrievalByteRange)
	}
	j = mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "4194304-5243002"})
	if d := mustDescribeJob(t, tg, "v", j.JobId); d.SHA256TreeHash != testkit.TreeHashHex(data[4*mib:]) {
		t.Errorf("aligned range: SHA256TreeHash %q, want %s", d.SHA256TreeHash, testkit.TreeHashHex(data[4*mib:]))
	}
}

func testJobDescribeUnknown(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	for _, id := range []string{"nope", "01ARZ3NDEKTSV4RRFFQ69G5FAV"} {
		out, err := tg.g.DescribeJob(t.Context(), &firn.DescribeJobInput{VaultName: "v", JobId: id})
		wantErr(t, out, err, firn.ErrResourceNotFound)
		wantMessage(t, err, "The job ID was not found: "+id)
	}
	// A job of one vault is not visible through another.
	mustCreateVault(t, tg, "", "w")
	a := upload(t, tg, "", "v", []byte("x"), "")
	j := mustInitiate(t, tg, "v", archiveJob(a.ArchiveId))
	out, err := tg.g.DescribeJob(t.Context(), &firn.DescribeJobInput{VaultName: "w", JobId: j.JobId})
	wantErr(t, out, err, firn.ErrResourceNotFound)
}

func testJobOutputWhole(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := random(3*mib + 17)
	a := upload(t, tg, "", "v", data, "desc")
	j := mustInitiate(t, tg, "v", archiveJob(a.ArchiveId))
	got, out := output(t, tg, "v", j.JobId, "")
	if !bytes.Equal(got, data) {
		t.Errorf("output: %s", diffBytes(got, data))
	}
	if out.Status != 200 || out.ContentRange != "" || out.AcceptRanges != "bytes" ||
		out.ContentType != "application/octet-stream" || out.Checksum != testkit.TreeHashHex(data) || out.ArchiveDescription != "desc" {
		t.Errorf("GetJobOutput = %+v", *out)
	}
}

func testJobOutputRanges(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := testkit.Pattern(3*mib + 100)
	a := upload(t, tg, "", "v", data, "")
	j := mustInitiate(t, tg, "v", archiveJob(a.ArchiveId))
	n := len(data)
	cases := []struct {
		rng        string
		start, end int
		checksum   bool
	}{
		{"bytes=0-0", 0, 0, false},
		{"bytes=10-2000000", 10, 2000000, false},
		{"bytes=0-1048575", 0, mib - 1, true},
		{"bytes=1048576-2097151", mib, 2*mib - 1, true},
		{"bytes=0-2097151", 0, 2*mib - 1, true},
		{"bytes=2097152-" + strconv.Itoa(n-1), 2 * mib, n - 1, true},
		{"bytes=2097152-", 2 * mib, n - 1, true},
		{"bytes=3145728-99999999", 3 * mib, n - 1, true},
		{"bytes=1048576-3145727", mib, 3*mib - 1, false},
		{"bytes=0-" + strconv.Itoa(n-1), 0, n - 1, true},
	}
	for _, c := range cases {
		got, out := output(t, tg, "v", j.JobId, c.rng)
		want := data[c.start : c.end+1]
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %s", c.rng, diffBytes(got, want))
		}
		if out.Status != 206 {
			t.Errorf("%s: Status %d, want 206", c.rng, out.Status)
		}
		if wantCR := fmt.Sprintf("bytes %d-%d/%d", c.start, c.end, n); out.ContentRange != wantCR {
			t.Errorf("%s: ContentRange %q, want %q", c.rng, out.ContentRange, wantCR)
		}
		wantSum := ""
		if c.checksum {
			wantSum = testkit.TreeHashHex(want)
		}
		if out.Checksum != wantSum {
			t.Errorf("%s: Checksum %q, want %q", c.rng, out.Checksum, wantSum)
		}
	}
}

// testJobOutputAlignedChecksums checks, for every megabyte-aligned range of
// a 5 MiB + 123-byte archive, that GetJobOutput's checksum is the tree hash
// of exactly those bytes when the range is tree-hash aligned, and absent
// otherwise.
func testJobOutputAlignedChecksums(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := testkit.Pattern(5*mib + 123)
	a := upload(t, tg, "", "v", data, "")
	j := mustInitiate(t, tg, "v", archiveJob(a.ArchiveId))
	size := len(data)
	aligned := 0
	for start := 0; start < size; start += mib {
		for end := start + mib; ; end += mib {
			end = min(end, size)
			_, out := output(t, tg, "v", j.JobId, fmt.Sprintf("bytes=%d-%d", start, end-1))
			wantSum := ""
			if isTreeAligned(start, end, size) {
				wantSum = testkit.TreeHashHex(data[start:end])
				aligned++
			}
			if out.Checksum != wantSum {
				t.Errorf("range %d-%d: Checksum %q, want %q", start, end-1, out.Checksum, wantSum)
			}
			if end == size {
				break
			}
		}
	}
	if aligned < 10 {
		t.Errorf("only %d aligned ranges checked", aligned)
	}
}

// isTreeAligned says whether a range is a node of the archive's tree hash:
// its length in MiB, rounded up, is a power of two n (or it ends the
// archive and n is the next one) and it starts at a multiple of n MiB.
func isTreeAligned(start, end, size int) bool {
	blocks := (end - start + mib - 1) / mib
	span := 1
	for span < blocks {
		span <<= 1
	}
	return (start/mib)%span == 0 && (blocks == span || end == size)
}

func testJobOutputRetrievalRange(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := testkit.Pattern(5*mib + 123)
	a := upload(t, tg, "", "v", data, "")
	j := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "2097152-5243002"})
	got, out := output(t, tg, "v", j.JobId, "")
	if want := data[2*mib:]; !bytes.Equal(got, want) {
		t.Errorf("ranged job output: %s", diffBytes(got, want))
	}
	// 2 MiB..end is not a node of the 6-leaf tree.
	if out.Checksum != "" {
		t.Errorf("Checksum %q for an unaligned job range", out.Checksum)
	}
	j = mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "0-4194303"})
	got, out = output(t, tg, "v", j.JobId, "bytes=2097152-4194303")
	if want := data[2*mib : 4*mib]; !bytes.Equal(got, want) || out.Checksum != testkit.TreeHashHex(want) {
		t.Errorf("range of a ranged job: %s, Checksum %q want %q", diffBytes(got, want), out.Checksum, testkit.TreeHashHex(want))
	}
	if out.ContentRange != "bytes 2097152-4194303/4194304" {
		t.Errorf("ContentRange %q", out.ContentRange)
	}
}

func testJobOutputBadRange(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(100), "")
	j := mustInitiate(t, tg, "v", archiveJob(a.ArchiveId))
	for _, r := range []string{"0-10", "bytes=10-5", "bytes=100-200", "bytes=a-b", "bytes=-5", "items=0-1"} {
		out, err := tg.g.GetJobOutput(t.Context(), &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId, Range: r})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "Range")
	}
	out, err := tg.g.GetJobOutput(t.Context(), &firn.GetJobOutputInput{VaultName: "v", JobId: "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
	wantErr(t, out, err, firn.ErrResourceNotFound)
}

// timed returns a target whose jobs take the service's published times.
func timed(t *testing.T, tg *target) *target {
	t.Helper()
	if tg.withLimits == nil {
		t.Skip("the target's job timing cannot be configured")
	}
	return tg.withLimits(t, Limits{JobTiming: job.RealisticTiming})
}

func testJobTiming(t *testing.T, tg *target) {
	tg = timed(t, tg)
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(mib), "")
	start := tg.clock.Now()
	type tier struct {
		name     string
		min, max time.Duration
	}
	tiers := []tier{{firn.TierExpedited, time.Minute, 5 * time.Minute}, {firn.TierStandard, 3 * time.Hour, 5 * time.Hour}, {firn.TierBulk, 5 * time.Hour, 12 * time.Hour}}
	ids := map[string][]string{}
	for _, tr := range tiers {
		for range 4 {
			j := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: tr.name})
			ids[tr.name] = append(ids[tr.name], j.JobId)
		}
	}
	inv := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeInventoryRetrieval})
	for _, id := range ids[firn.TierExpedited] {
		d := mustDescribeJob(t, tg, "v", id)
		if d.Completed || d.StatusCode != firn.StatusInProgress || !d.CompletionDate.IsZero() || d.SHA256TreeHash != "" {
			t.Errorf("new job: %+v", *d)
		}
		out, err := tg.g.GetJobOutput(t.Context(), &firn.GetJobOutputInput{VaultName: "v", JobId: id})
		wantErr(t, out, err, firn.ErrInvalidParameterValue)
		wantMessage(t, err, "The job is not currently available for download: "+id)
	}
	// Step through 12 hours a minute at a time: each job completes within
	// its tier's window, and stays completed.
	done := map[string]time.Duration{}
	for step := time.Duration(0); step <= 12*time.Hour; step += time.Minute {
		for _, tr := range tiers {
			for _, id := range ids[tr.name] {
				if _, ok := done[id]; ok {
					continue
				}
				if d := mustDescribeJob(t, tg, "v", id); d.Completed {
					done[id] = step
					if step < tr.min || step > tr.max {
						t.Errorf("%s job completed after %v, want %v to %v", tr.name, step, tr.min, tr.max)
					}
					if got := d.CompletionDate.Sub(start); got > step || got < step-time.Minute {
						t.Errorf("%s job: CompletionDate %v after start, observed at %v", tr.name, got, step)
					}
				}
			}
		}
		tg.clock.Advance(time.Minute)
	}
	if len(done) != 12 {
		t.Errorf("%d of 12 jobs completed in 12 hours", len(done))
	}
	if d := mustDescribeJob(t, tg, "v", inv.JobId); !d.Completed {
		t.Errorf("inventory job not completed after 12 hours")
	}
}

func testJobTimingReopen(t *testing.T, tg *target) {
	tg = timed(t, tg)
	skipWithoutReopen(t, tg)
	mustCreateVault(t, tg, "", "v")
	data := testkit.Pattern(2 * mib)
	a := upload(t, tg, "", "v", data, "")
	j := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierBulk})
	tg.reopen(t)
	if d := mustDescribeJob(t, tg, "v", j.JobId); d.Completed {
		t.Fatalf("job completed before its time")
	}
	tg.clock.Advance(13 * time.Hour)
	tg.reopen(t)
	d := mustDescribeJob(t, tg, "v", j.JobId)
	if !d.Completed || d.StatusCode != firn.StatusSucceeded {
		t.Fatalf("after reopen past the due time: %+v", *d)
	}
	got, _ := output(t, tg, "v", j.JobId, "")
	if !bytes.Equal(got, data) {
		t.Errorf("output after reopen: %s", diffBytes(got, data))
	}
}

func testJobExpiry(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(100), "")
	j := mustInitiate(t, tg, "v", archiveJob(a.ArchiveId))
	tg.clock.Advance(24*time.Hour - time.Second)
	output(t, tg, "v", j.JobId, "")
	tg.clock.Advance(time.Second)
	out, err := tg.g.GetJobOutput(t.Context(), &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
	wantErr(t, out, err, firn.ErrResourceNotFound)
	d, err := tg.g.DescribeJob(t.Context(), &firn.DescribeJobInput{VaultName: "v", JobId: j.JobId})
	wantErr(t, d, err, firn.ErrResourceNotFound, j.JobId)
	wantJobCount(t, tg, "v", 0)
	// The archive itself is untouched.
	wantArchive(t, tg, "", "v", a.ArchiveId, testkit.Pattern(100), "")
}

func testJobArchiveDeletedBefore(t *testing.T, tg *target) {
	tg = timed(t, tg)
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(100), "")
	j := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierExpedited})
	mustDeleteArchive(t, tg, "", "v", a.ArchiveId)
	tg.clock.Advance(time.Hour)
	d := mustDescribeJob(t, tg, "v", j.JobId)
	if !d.Completed || d.StatusCode != firn.StatusFailed || !strings.Contains(d.StatusMessage, "deleted") {
		t.Errorf("job of a deleted archive: Completed %v StatusCode %s StatusMessage %q", d.Completed, d.StatusCode, d.StatusMessage)
	}
	out, err := tg.g.GetJobOutput(t.Context(), &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
	wantErr(t, out, err, firn.ErrInvalidParameterValue)
}

func testJobArchiveDeletedAfter(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := testkit.Pattern(2*mib + 1)
	a := upload(t, tg, "", "v", data, "")
	j := mustInitiate(t, tg, "v", archiveJob(a.ArchiveId))
	mustDeleteArchive(t, tg, "", "v", a.ArchiveId)
	got, _ := output(t, tg, "v", j.JobId, "")
	if !bytes.Equal(got, data) {
		t.Errorf("output after the archive was deleted: %s", diffBytes(got, data))
	}
	wantCounts(t, tg, "", "v", 0, 0)
	if tg.reopen != nil {
		tg.reopen(t)
		got, _ = output(t, tg, "v", j.JobId, "")
		if !bytes.Equal(got, data) {
			t.Errorf("output after reopen: %s", diffBytes(got, data))
		}
	}
}

func testListJobsPages(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "")
	var want []string
	for i := range 7 {
		j := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Description: strconv.Itoa(i)})
		want = append(want, j.JobId)
		tg.clock.Advance(time.Second)
	}
	var got []string
	marker := ""
	for {
		l := must[firn.ListJobsOutput](t, "ListJobs")(tg.g.ListJobs(t.Context(), &firn.ListJobsInput{VaultName: "v", Limit: 3, Marker: marker}))
		if len(l.JobList) > 3 {
			t.Fatalf("page of %d jobs with limit 3", len(l.JobList))
		}
		for _, d := range l.JobList {
			got = append(got, d.JobId)
		}
		if l.Marker == "" {
			break
		}
		marker = l.Marker
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged jobs %v, want %v (creation order)", got, want)
	}
	var all []string
	for d, err := range firn.AllJobs(t.Context(), tg.g, firn.ListJobsInput{VaultName: "v", Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, d.JobId)
	}
	if !slices.Equal(all, want) {
		t.Errorf("AllJobs %v, want %v", all, want)
	}
	l := must[firn.ListJobsOutput](t, "ListJobs")(tg.g.ListJobs(t.Context(), &firn.ListJobsInput{VaultName: "v"}))
	if len(l.JobList) != 7 || l.Marker != "" {
		t.Errorf("default limit: %d jobs, marker %q", len(l.JobList), l.Marker)
	}
}

func testListJobsFilters(t *testing.T, tg *target) {
	tg = timed(t, tg)
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "")
	b := upload(t, tg, "", "v", testkit.Pattern(11), "")
	done := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierExpedited})
	failed := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: b.ArchiveId, Tier: firn.TierExpedited})
	mustDeleteArchive(t, tg, "", "v", b.ArchiveId)
	tg.clock.Advance(time.Hour)
	running := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierBulk})
	yes, no := true, false
	cases := []struct {
		in   firn.ListJobsInput
		want []string
	}{
		{firn.ListJobsInput{}, []string{done.JobId, failed.JobId, running.JobId}},
		{firn.ListJobsInput{Statuscode: "Succeeded"}, []string{done.JobId}},
		{firn.ListJobsInput{Statuscode: "Failed"}, []string{failed.JobId}},
		{firn.ListJobsInput{Statuscode: "InProgress"}, []string{running.JobId}},
		{firn.ListJobsInput{Completed: &yes}, []string{done.JobId, failed.JobId}},
		{firn.ListJobsInput{Completed: &no}, []string{running.JobId}},
		{firn.ListJobsInput{Completed: &yes, Statuscode: "Failed"}, []string{failed.JobId}},
		{firn.ListJobsInput{Completed: &no, Statuscode: "Failed"}, nil},
	}
	for _, c := range cases {
		c.in.VaultName = "v"
		var got []string
		for d, err := range firn.AllJobs(t.Context(), tg.g, c.in) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, d.JobId)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ListJobs %+v: %v, want %v", c.in, got, c.want)
		}
	}
}

func testListJobsInvalid(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	for _, in := range []firn.ListJobsInput{{Limit: -1}, {Limit: 51}} {
		in.VaultName = "v"
		out, err := tg.g.ListJobs(t.Context(), &in)
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "limit")
	}
	out, err := tg.g.ListJobs(t.Context(), &firn.ListJobsInput{VaultName: "v", Statuscode: "finished"})
	wantErr(t, out, err, firn.ErrInvalidParameterValue)
	wantMessage(t, err, "The job status code is not valid: finished")
	out, err = tg.g.ListJobs(t.Context(), &firn.ListJobsInput{VaultName: "v", Marker: "bogus"})
	wantErr(t, out, err, firn.ErrInvalidParameterValue, "marker")
	out, err = tg.g.ListJobs(t.Context(), &firn.ListJobsInput{VaultName: "nope"})
	wantErr(t, out, err, firn.ErrResourceNotFound)
}

type inventoryJSON struct {
	VaultARN      string
	InventoryDate string
	ArchiveList   []struct {
		ArchiveId          string
		ArchiveDescription string
		CreationDate       string
		Size               int64
		SHA256TreeHash     string
	}
}

// inventory runs an inventory job and returns its output and description.
func inventory(t *testing.T, tg *target, vault, format string, p *firn.InventoryRetrievalJobInput) ([]byte, *firn.DescribeJobOutput, *firn.GetJobOutputOutput) {
	t.Helper()
	j := mustInitiate(t, tg, vault, firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: format, InventoryRetrievalParameters: p})
	d := mustDescribeJob(t, tg, vault, j.JobId)
	body, out := output(t, tg, vault, j.JobId, "")
	return body, d, out
}

func testInventoryJSON(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	body, d, out := inventory(t, tg, "v", "", nil)
	var inv inventoryJSON
	if err := json.Unmarshal(body, &inv); err != nil {
		t.Fatalf("empty inventory %q: %v", body, err)
	}
	if inv.VaultARN != tg.vaultARN("", "v") || len(inv.ArchiveList) != 0 || !strings.Contains(string(body), `"ArchiveList":[]`) {
		t.Errorf("empty inventory %s", body)
	}
	datas := [][]byte{testkit.Pattern(10), testkit.Pattern(mib + 1), []byte("third")}
	descs := []string{"first", `with "quotes", commas`, ""}
	var ids []string
	created := map[string]time.Time{}
	for i, data := range datas {
		a := upload(t, tg, "", "v", data, descs[i])
		ids = append(ids, a.ArchiveId)
		created[a.ArchiveId] = tg.clock.Now()
		tg.clock.Advance(time.Minute)
	}
	deleted := upload(t, tg, "", "v", []byte("gone"), "")
	mustDeleteArchive(t, tg, "", "v", deleted.ArchiveId)
	body, d, out = inventory(t, tg, "v", firn.FormatJSON, nil)
	if out.ContentType != "application/json" || out.Checksum != "" || out.Status != 200 {
		t.Errorf("GetJobOutput = %+v", *out)
	}
	if d.Action != firn.ActionInventoryRetrieval || d.InventorySizeInBytes != int64(len(body)) || d.ArchiveId != "" ||
		d.RetrievalByteRange != "" || d.Tier != "" || d.InventoryRetrievalParameters == nil || d.InventoryRetrievalParameters.Format != "JSON" {
		t.Errorf("DescribeJob = %+v", *d)
	}
	inv = inventoryJSON{}
	if err := json.Unmarshal(body, &inv); err != nil {
		t.Fatalf("inventory %q: %v", body, err)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", inv.InventoryDate); err != nil {
		t.Errorf("InventoryDate %q: %v", inv.InventoryDate, err)
	}
	if len(inv.ArchiveList) != len(datas) {
		t.Fatalf("inventory lists %d archives, want %d: %s", len(inv.ArchiveList), len(datas), body)
	}
	for i, e := range inv.ArchiveList {
		if e.ArchiveId != ids[i] || e.ArchiveDescription != descs[i] || e.Size != int64(len(datas[i])) || e.SHA256TreeHash != testkit.TreeHashHex(datas[i]) ||
			e.CreationDate != created[ids[i]].UTC().Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("inventory entry %d = %+v", i, e)
		}
	}
	if !strings.HasPrefix(string(body), `{"VaultARN":`) || !strings.Contains(string(body), `{"ArchiveId":"`+ids[0]+`","ArchiveDescription":"first","CreationDate":`) {
		t.Errorf("inventory key order differs from the service's: %s", body)
	}
}

func testInventoryCSV(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", []byte("one"), `a "b", c`)
	created := tg.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	b := upload(t, tg, "", "v", []byte("two"), "")
	body, _, out := inventory(t, tg, "v", firn.FormatCSV, nil)
	want := "ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash\n" +
		a.ArchiveId + `,"a \"b\", c",` + created + ",3," + testkit.TreeHashHex([]byte("one")) + "\n" +
		b.ArchiveId + `,"",` + created + ",3," + testkit.TreeHashHex([]byte("two")) + "\n"
	if string(body) != want {
		t.Errorf("CSV inventory:\n%s\nwant\n%s", body, want)
	}
	if out.ContentType != "text/csv" {
		t.Errorf("ContentType %q", out.ContentType)
	}
}

func testInventoryRange(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	var ids []string
	var dates []time.Time
	for i := range 10 {
		ids = append(ids, upload(t, tg, "", "v", []byte{byte(i)}, "").ArchiveId)
		dates = append(dates, tg.clock.Now())
		tg.clock.Advance(time.Hour)
	}
	list := func(p *firn.InventoryRetrievalJobInput) ([]string, string) {
		body, d, _ := inventory(t, tg, "v", "", p)
		var inv inventoryJSON
		if err := json.Unmarshal(body, &inv); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range inv.ArchiveList {
			got = append(got, e.ArchiveId)
		}
		return got, d.InventoryRetrievalParameters.Marker
	}
	iso := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	got, marker := list(&firn.InventoryRetrievalJobInput{StartDate: iso(dates[2]), EndDate: iso(dates[6])})
	if !slices.Equal(got, ids[2:6]) || marker != "" {
		t.Errorf("date range: %v marker %q, want %v", got, marker, ids[2:6])
	}
	// Page through with a limit, following the markers.
	var paged []string
	p := &firn.InventoryRetrievalJobInput{Limit: "4"}
	for range 5 {
		got, marker := list(p)
		if len(got) > 4 {
			t.Fatalf("page of %d with limit 4", len(got))
		}
		paged = append(paged, got...)
		if marker == "" {
			break
		}
		p = &firn.InventoryRetrievalJobInput{Limit: "4", Marker: marker}
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("paged inventory %v, want %v", paged, ids)
	}
}

func testRetrievalPolicyGetSet(t *testing.T, tg *target) {
	ctx := t.Context()
	get := func(account string) firn.DataRetrievalPolicy {
		return must[firn.GetDataRetrievalPolicyOutput](t, "GetDataRetrievalPolicy")(tg.g.GetDataRetrievalPolicy(ctx, &firn.GetDataRetrievalPolicyInput{AccountId: account})).Policy
	}
	if p := get(""); len(p.Rules) != 1 || p.Rules[0].Strategy != "None" || p.Rules[0].BytesPerHour != nil {
		t.Errorf("default policy %+v, want one rule with Strategy None", p)
	}
	n := int64(1 << 30)
	for _, want := range []firn.DataRetrievalPolicy{
		{Rules: []firn.DataRetrievalRule{{Strategy: "BytesPerHour", BytesPerHour: &n}}},
		{Rules: []firn.DataRetrievalRule{{Strategy: "FreeTier"}}},
		{Rules: []firn.DataRetrievalRule{{Strategy: "None"}}},
	} {
		must[firn.SetDataRetrievalPolicyOutput](t, "SetDataRetrievalPolicy")(tg.g.SetDataRetrievalPolicy(ctx, &firn.SetDataRetrievalPolicyInput{Policy: &want}))
		got := get("-")
		if len(got.Rules) != 1 || got.Rules[0].Strategy != want.Rules[0].Strategy ||
			(got.Rules[0].BytesPerHour == nil) != (want.Rules[0].BytesPerHour == nil) ||
			(got.Rules[0].BytesPerHour != nil && *got.Rules[0].BytesPerHour != *want.Rules[0].BytesPerHour) {
			t.Errorf("policy %+v, want %+v", got, want)
		}
	}
	// Accounts are separate.
	must[firn.SetDataRetrievalPolicyOutput](t, "SetDataRetrievalPolicy")(tg.g.SetDataRetrievalPolicy(ctx, &firn.SetDataRetrievalPolicyInput{AccountId: "111122223333",
		Policy: &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "FreeTier"}}}}))
	if p := get(""); p.Rules[0].Strategy != "None" {
		t.Errorf("another account's policy leaked: %+v", p)
	}
}

func testRetrievalPolicyInvalid(t *testing.T, tg *target) {
	n, zero := int64(5), int64(0)
	cases := []struct {
		p    *firn.DataRetrievalPolicy
		code *firn.Error
		name string
	}{
		{&firn.DataRetrievalPolicy{}, firn.ErrInvalidParameterValue, "Rules"},
		{&firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "None"}, {Strategy: "FreeTier"}}}, firn.ErrInvalidParameterValue, "Rules"},
		{&firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "BytesPerHour"}}}, firn.ErrMissingParameterValue, "BytesPerHour"},
		{&firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "BytesPerHour", BytesPerHour: &zero}}}, firn.ErrInvalidParameterValue, "BytesPerHour"},
		{&firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "None", BytesPerHour: &n}}}, firn.ErrInvalidParameterValue, "BytesPerHour"},
		{&firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "FreeTier", BytesPerHour: &n}}}, firn.ErrInvalidParameterValue, "BytesPerHour"},
		{&firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "Unlimited"}}}, firn.ErrInvalidParameterValue, "Strategy"},
	}
	for _, c := range cases {
		out, err := tg.g.SetDataRetrievalPolicy(t.Context(), &firn.SetDataRetrievalPolicyInput{Policy: c.p})
		wantErr(t, out, err, c.code, c.name)
	}
	p := must[firn.GetDataRetrievalPolicyOutput](t, "GetDataRetrievalPolicy")(tg.g.GetDataRetrievalPolicy(t.Context(), &firn.GetDataRetrievalPolicyInput{}))
	if p.Policy.Rules[0].Strategy != "None" {
		t.Errorf("rejected policies changed the policy to %+v", p.Policy)
	}
}

func testRetrievalPolicyBytesPerHour(t *testing.T, tg *target) {
	tg = timed(t, tg)
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(3*mib), "")
	running := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId})
	limit := int64(4 * mib)
	must[firn.SetDataRetrievalPolicyOutput](t, "SetDataRetrievalPolicy")(tg.g.SetDataRetrievalPolicy(t.Context(), &firn.SetDataRetrievalPolicyInput{
		Policy: &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "BytesPerHour", BytesPerHour: &limit}}}}))
	// 3 MiB already retrieved this hour: 1 MiB more fits, 2 MiB do not.
	mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "0-1048575"})
	out, err := initiate(tg, "", "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "0-1048575"})
	wantErr(t, out, err, firn.ErrPolicyEnforced, "BytesPerHour")
	// Other tiers are not governed by the policy.
	mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierExpedited})
	mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierBulk})
	// The job started before the policy is unaffected.
	tg.clock.Advance(61 * time.Minute)
	if d := mustDescribeJob(t, tg, "v", running.JobId); d.StatusCode == firn.StatusFailed {
		t.Errorf("running job failed after a policy change: %+v", *d)
	}
	// An hour later the window has room again.
	mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId})
}

func testRetrievalPolicyFreeTier(t *testing.T, tg *target) {
	if tg.withLimits == nil {
		t.Skip("the target's free tier cannot be configured")
	}
	tg = tg.withLimits(t, Limits{FreeTierBytesPerDay: 2 * mib})
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(3*mib), "")
	must[firn.SetDataRetrievalPolicyOutput](t, "SetDataRetrievalPolicy")(tg.g.SetDataRetrievalPolicy(t.Context(), &firn.SetDataRetrievalPolicyInput{
		Policy: &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "FreeTier"}}}}))
	out, err := initiate(tg, "", "v", archiveJob(a.ArchiveId))
	wantErr(t, out, err, firn.ErrPolicyEnforced, "free")
	mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "0-2097151"})
	out, err = initiate(tg, "", "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "0-1048575"})
	wantErr(t, out, err, firn.ErrPolicyEnforced)
	tg.clock.Advance(24 * time.Hour)
	mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, RetrievalByteRange: "0-1048575"})
}

// testRetrievalPolicyFreeTierDayBoundary checks that the free tier's daily
// allowance holds whatever the time of day, midnight UTC included: of two
// 600 KiB retrievals against 1 MiB a day, the second is refused.
func testRetrievalPolicyFreeTierDayBoundary(t *testing.T, tg *target) {
	if tg.withLimits == nil {
		t.Skip("the target's free tier cannot be configured")
	}
	for _, at := range []time.Duration{0, time.Nanosecond, 12 * time.Hour, 24*time.Hour - time.Millisecond} {
		t.Run(at.String(), func(t *testing.T) {
			tg := tg.withLimits(t, Limits{FreeTierBytesPerDay: mib})
			mustCreateVault(t, tg, "", "v")
			a := upload(t, tg, "", "v", testkit.Pattern(600<<10), "")
			must[firn.SetDataRetrievalPolicyOutput](t, "SetDataRetrievalPolicy")(tg.g.SetDataRetrievalPolicy(t.Context(), &firn.SetDataRetrievalPolicyInput{
				Policy: &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "FreeTier"}}}}))
			now := tg.clock.Now()
			y, m, d := now.Date()
			tg.clock.Advance(time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Add(at).Sub(now))
			mustInitiate(t, tg, "v", archiveJob(a.ArchiveId))
			out, err := initiate(tg, "", "v", archiveJob(a.ArchiveId))
			wantErr(t, out, err, firn.ErrPolicyEnforced, "free")
			tg.clock.Advance(24 * time.Hour)
			mustInitiate(t, tg, "v", archiveJob(a.ArchiveId))
		})
	}
}

func testCapacityPurchaseList(t *testing.T, tg *target) {
	ctx := t.Context()
	list := func() []firn.ProvisionedCapacityDescription {
		return must[firn.ListProvisionedCapacityOutput](t, "ListProvisionedCapacity")(tg.g.ListProvisionedCapacity(ctx, &firn.ListProvisionedCapacityInput{})).ProvisionedCapacityList
	}
	if l := list(); len(l) != 0 {
		t.Errorf("new account has capacity %+v", l)
	}
	now := tg.clock.Now()
	a := must[firn.PurchaseProvisionedCapacityOutput](t, "PurchaseProvisionedCapacity")(tg.g.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{}))
	tg.clock.Advance(time.Hour)
	b := must[firn.PurchaseProvisionedCapacityOutput](t, "PurchaseProvisionedCapacity")(tg.g.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{AccountId: "-"}))
	if a.CapacityId == "" || a.CapacityId == b.CapacityId {
		t.Errorf("capacity IDs %q and %q", a.CapacityId, b.CapacityId)
	}
	out, err := tg.g.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{})
	wantErr(t, out, err, firn.ErrLimitExceeded)
	l := list()
	if len(l) != 2 || l[0].CapacityId != a.CapacityId || !l[0].StartDate.Equal(now) || !l[0].ExpirationDate.Equal(now.AddDate(0, 1, 0)) {
		t.Errorf("ListProvisionedCapacity = %+v", l)
	}
	// Other accounts have their own limit.
	must[firn.PurchaseProvisionedCapacityOutput](t, "PurchaseProvisionedCapacity")(tg.g.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{AccountId: "111122223333"}))
	// A month later the first unit has expired and another can be bought.
	tg.clock.Advance(now.AddDate(0, 1, 0).Sub(tg.clock.Now()))
	if l := list(); len(l) != 1 || l[0].CapacityId != b.CapacityId {
		t.Errorf("after a month: %+v", l)
	}
	must[firn.PurchaseProvisionedCapacityOutput](t, "PurchaseProvisionedCapacity")(tg.g.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{}))
}

// testCapacityMonthEnd checks the developer guide's examples: a unit bought
// on the 31st expires on the last day of the next month (January 31 to
// February 28, August 31 to September 30), and is listed until then.
func testCapacityMonthEnd(t *testing.T, tg *target) {
	ctx := t.Context()
	list := func() []firn.ProvisionedCapacityDescription {
		return must[firn.ListProvisionedCapacityOutput](t, "ListProvisionedCapacity")(tg.g.ListProvisionedCapacity(ctx, &firn.ListProvisionedCapacityInput{})).ProvisionedCapacityList
	}
	for _, c := range []struct{ start, expires time.Time }{
		{time.Date(2026, 1, 31, 14, 26, 33, 0, time.UTC), time.Date(2026, 2, 28, 14, 26, 33, 0, time.UTC)},
		{time.Date(2026, 8, 31, 9, 0, 0, 0, time.UTC), time.Date(2026, 9, 30, 9, 0, 0, 0, time.UTC)},
		{time.Date(2028, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
	} {
		tg.clock.Advance(c.start.Sub(tg.clock.Now()))
		id := must[firn.PurchaseProvisionedCapacityOutput](t, "PurchaseProvisionedCapacity")(tg.g.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{})).CapacityId
		if l := list(); len(l) != 1 || l[0].CapacityId != id || !l[0].StartDate.Equal(c.start) || !l[0].ExpirationDate.Equal(c.expires) {
			t.Errorf("bought %s: ListProvisionedCapacity = %+v, want it to expire %s", c.start, l, c.expires)
		}
		tg.clock.Advance(c.expires.Add(-time.Millisecond).Sub(tg.clock.Now()))
		if l := list(); len(l) != 1 {
			t.Errorf("a millisecond before %s: %+v", c.expires, l)
		}
		tg.clock.Advance(time.Millisecond)
		if l := list(); len(l) != 0 {
			t.Errorf("at %s: %+v, want the unit expired", c.expires, l)
		}
	}
}

func testCapacityExpedited(t *testing.T, tg *target) {
	if tg.withLimits == nil {
		t.Skip("the target's expedited capacity cannot be configured")
	}
	// Unlimited by default.
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "")
	for range 5 {
		mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierExpedited})
	}
	tg = tg.withLimits(t, Limits{LimitExpedited: true})
	mustCreateVault(t, tg, "", "v")
	a = upload(t, tg, "", "v", testkit.Pattern(10), "")
	exp := firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierExpedited}
	out, err := initiate(tg, "", "v", exp)
	wantErr(t, out, err, firn.ErrInsufficientCapacity)
	must[firn.PurchaseProvisionedCapacityOutput](t, "PurchaseProvisionedCapacity")(tg.g.PurchaseProvisionedCapacity(t.Context(), &firn.PurchaseProvisionedCapacityInput{}))
	for range 3 {
		mustInitiate(t, tg, "v", exp)
	}
	out, err = initiate(tg, "", "v", exp)
	wantErr(t, out, err, firn.ErrInsufficientCapacity)
	mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierStandard})
	tg.clock.Advance(5 * time.Minute)
	mustInitiate(t, tg, "v", exp)
}

func testJobNotifications(t *testing.T, tg *target) {
	if tg.notifications == nil {
		t.Skip("the target's notifications cannot be observed")
	}
	tg = timed(t, tg)
	mustCreateVault(t, tg, "", "v")
	vaultTopic, jobTopic := tg.topic("vault"), tg.topic("job")
	mustSetNotifications(t, tg, "", "v", vaultTopic, firn.EventArchiveRetrievalCompleted)
	a := upload(t, tg, "", "v", testkit.Pattern(10), "")
	j := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierExpedited, SNSTopic: jobTopic})
	inv := mustInitiate(t, tg, "v", firn.JobParameters{Type: firn.JobTypeInventoryRetrieval})
	if n := tg.notifications(); len(n) != 0 {
		t.Errorf("notified before completion: %+v", n)
	}
	tg.clock.Advance(6 * time.Hour)
	mustDescribeJob(t, tg, "v", j.JobId)
	mustDescribeJob(t, tg, "v", inv.JobId)
	var topics []string
	for _, n := range tg.notifications() {
		var d struct {
			JobId      string
			Action     string
			StatusCode string
			Completed  bool
			ArchiveId  *string
		}
		if err := json.Unmarshal(n.Message, &d); err != nil {
			t.Fatalf("notification message %q: %v", n.Message, err)
		}
		if d.JobId != j.JobId || d.Action != "ArchiveRetrieval" || d.StatusCode != "Succeeded" || !d.Completed || d.ArchiveId == nil || *d.ArchiveId != a.ArchiveId {
			t.Errorf("notification to %s: %s", n.Topic, n.Message)
		}
		topics = append(topics, n.Topic)
	}
	slices.Sort(topics)
	// The inventory job is not notified: the vault lists only archive retrievals.
	if want := []string{jobTopic, vaultTopic}; !slices.Equal(topics, want) {
		t.Errorf("notified topics %v, want %v", topics, want)
	}
	tg.clock.Advance(time.Hour)
	mustDescribeJob(t, tg, "v", j.JobId)
	if n := tg.notifications(); len(n) != 2 {
		t.Errorf("%d notifications after more time passed, want exactly 2", len(n))
	}
}
