package engine_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// FuzzListMarkers feeds the four paged listings arbitrary markers and
// limits, the list parameters a client controls. Every call must either
// fail with InvalidParameterValueException, changing nothing, or return a
// page of at most the limit whose items come after the marker, in order;
// a returned marker must continue the listing where the page stopped.
func FuzzListMarkers(f *testing.F) {
	ctx := context.Background()
	e, err := engine.Open("fuzz", &engine.Options{FS: vfs.NewMem(), TickInterval: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	for _, name := range []string{"a", "a.b", "b", "c-1", "z"} {
		if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: name}); err != nil {
			f.Fatal(err)
		}
	}
	var jobIDs, uploadIDs []string
	for i := range 4 {
		a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "a", Body: bytes.NewReader([]byte{byte(i)})})
		if err != nil {
			f.Fatal(err)
		}
		j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "a", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId}})
		if err != nil {
			f.Fatal(err)
		}
		u, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "a", PartSize: 1 << 20})
		if err != nil {
			f.Fatal(err)
		}
		jobIDs, uploadIDs = append(jobIDs, j.JobId), append(uploadIDs, u.UploadId)
	}
	parts := uploadIDs[0]
	for i := range 3 {
		r := "bytes " + strconv.Itoa(i<<20) + "-" + strconv.Itoa(i<<20) + "/*"
		if _, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "a", UploadId: parts, Range: r, Body: bytes.NewReader([]byte{1})}); err != nil {
			f.Fatal(err)
		}
	}
	arn := "arn:aws:glacier:us-east-1:000000000000:vaults/"
	for _, s := range []string{"", arn + "a", arn + "b", arn + "zz", arn + "a b", "a", jobIDs[1], uploadIDs[2], "1048576", "2097152", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "-1", "1048577"} {
		f.Add(s, int32(2))
	}
	f.Add("", int32(0))
	f.Add("", int32(-1))
	f.Add("", int32(1001))

	f.Fuzz(func(t *testing.T, marker string, limit int32) {
		in := func(err error, what string) bool {
			t.Helper()
			if err == nil {
				return true
			}
			if !errors.Is(err, firn.ErrInvalidParameterValue) {
				t.Fatalf("%s(marker %q, limit %d): %v, want success or InvalidParameterValueException", what, marker, limit, err)
			}
			return false
		}
		page := func(n, have, byDefault int) {
			t.Helper()
			want := int(limit)
			if limit == 0 {
				want = byDefault
			}
			if n > min(want, have) {
				t.Fatalf("page of %d items for limit %d", n, limit)
			}
		}

		vs, err := e.ListVaults(ctx, &firn.ListVaultsInput{Marker: marker, Limit: limit})
		if in(err, "ListVaults") {
			page(len(vs.VaultList), 5, 10)
			after := ""
			if marker != "" {
				after = marker[len(arn):]
			}
			for _, v := range vs.VaultList {
				if v.VaultName <= after {
					t.Fatalf("ListVaults(marker %q): vault %q is not after the marker", marker, v.VaultName)
				}
				after = v.VaultName
			}
			if vs.Marker != "" && vs.Marker != arn+after {
				t.Fatalf("ListVaults(marker %q): next marker %q, want the ARN of %q", marker, vs.Marker, after)
			}
		}

		js, err := e.ListJobs(ctx, &firn.ListJobsInput{VaultName: "a", Marker: marker, Limit: limit})
		if in(err, "ListJobs") {
			page(len(js.JobList), 4, 50)
			wantIDOrder(t, "ListJobs", "job", marker, js.JobList, func(j firn.GlacierJobDescription) string { return j.JobId }, js.Marker)
		}

		us, err := e.ListMultipartUploads(ctx, &firn.ListMultipartUploadsInput{VaultName: "a", Marker: marker, Limit: limit})
		if in(err, "ListMultipartUploads") {
			page(len(us.UploadsList), 4, 50)
			wantIDOrder(t, "ListMultipartUploads", "upload", marker, us.UploadsList, func(u firn.UploadListElement) string { return u.MultipartUploadId }, us.Marker)
		}

		ps, err := e.ListParts(ctx, &firn.ListPartsInput{VaultName: "a", UploadId: parts, Marker: marker, Limit: limit})
		if in(err, "ListParts") {
			page(len(ps.Parts), 3, 50)
			from, _ := strconv.ParseInt(marker, 10, 64)
			for _, p := range ps.Parts {
				first, _, _ := strings.Cut(p.RangeInBytes, "-")
				start, _ := strconv.ParseInt(first, 10, 64)
				if start < from {
					t.Fatalf("ListParts(marker %q): part %s comes before the marker", marker, p.RangeInBytes)
				}
				from = start + 1
			}
			if ps.Marker != "" {
				next, err := strconv.ParseInt(ps.Marker, 10, 64)
				if err != nil || next < from {
					t.Fatalf("ListParts(marker %q): next marker %q does not follow the page", marker, ps.Marker)
				}
			}
		}
	})
}

// wantIDOrder fails t unless the IDs of a page of items that what listed
// after marker ascend from the marker (in upper case, as IDs are), and
// next, the page's marker if any, follows them.
func wantIDOrder[T any](t *testing.T, what, item, marker string, items []T, id func(T) string, next string) {
	t.Helper()
	prev := strings.ToUpper(marker)
	for _, it := range items {
		if id(it) < prev {
			t.Fatalf("%s(marker %q): %s %s comes before %s", what, marker, item, id(it), prev)
		}
		prev = id(it) + "\x00"
	}
	if next != "" && next < prev {
		t.Fatalf("%s(marker %q): next marker %s does not follow the page", what, marker, next)
	}
}
