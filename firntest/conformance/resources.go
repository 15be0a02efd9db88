package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/client"
	"github.com/firnstore/firn/internal/testkit"
)

// The resource handles and uploader of package client and the waiters of
// package firn, over any firn.Glacier.

var resourceRules = []rule{
	{"Account/Vaults", testResAccountVaults},
	{"Account/VaultsLazy", testResAccountVaultsLazy},
	{"Vault/LoadCreateDelete", testResVaultLoadCreateDelete},
	{"Vault/UploadArchive", testResVaultUploadArchive},
	{"Vault/InventoryRetrieval", testResVaultInventoryRetrieval},
	{"Archive/Retrieval", testResArchiveRetrieval},
	{"Archive/RetrievalParameters", testResArchiveRetrievalParameters},
	{"Archive/Delete", testResArchiveDelete},
	{"Job/Collections", testResJobCollections},
	{"MultipartUpload/Lifecycle", testResMultipartLifecycle},
	{"MultipartUpload/Abort", testResMultipartAbort},
	{"MultipartUpload/Collections", testResMultipartCollections},
	{"Notification", testResNotification},
	{"Waiter/VaultExists", testResWaitVaultExists},
	{"Waiter/VaultNotExists", testResWaitVaultNotExists},
	{"Waiter/Defaults", testResWaitDefaults},
	{"Waiter/JobComplete", testResWaitJobComplete},
	{"Waiter/Cancel", testResWaitCancel},
	{"Waiter/BadOptions", testResWaitBadOptions},
	{"Uploader/Sizes", testResUploaderSizes},
	{"Uploader/Offset", testResUploaderOffset},
	{"Uploader/Threshold", testResUploaderThreshold},
	{"Uploader/Retry", testResUploaderRetry},
	{"Uploader/GiveUp", testResUploaderGiveUp},
	{"Uploader/NotRetried", testResUploaderNotRetried},
	{"Uploader/Cancel", testResUploaderCancel},
	{"Uploader/ReadError", testResUploaderReadError},
	{"Uploader/BoundedBuffers", testResUploaderBoundedBuffers},
	{"Uploader/BadOptions", testResUploaderBadOptions},
}

// noSleep fails the test if a waiter or uploader pauses.
func noSleep(t *testing.T) func(context.Context, time.Duration) error {
	return func(context.Context, time.Duration) error {
		t.Errorf("unexpected pause")
		return nil
	}
}

func vaultNames(vs []*client.Vault) []string {
	var names []string
	for _, v := range vs {
		names = append(names, v.Name())
	}
	return names
}

func jobIDs(js []*client.Job) []string {
	ids := []string{}
	for _, j := range js {
		ids = append(ids, j.ID())
	}
	return ids
}

// wantHandleErr checks an error of a handle action, as checkErr does.
func wantHandleErr(t *testing.T, err error, want *firn.Error, mentions ...string) {
	t.Helper()
	checkErr(t, true, err, want, mentions...)
}

// completeJob waits for a job, advancing the target's clock instead of
// sleeping, and checks that it succeeded.
func completeJob(t *testing.T, tg *target, j *client.Job) {
	t.Helper()
	s := &testkit.Sleeper{OnSleep: func(d time.Duration) { tg.clock.Advance(d) }}
	if err := j.WaitUntilComplete(t.Context(), &firn.WaiterOptions{Sleep: s.Sleep}); err != nil {
		t.Fatalf("WaitUntilComplete %s: %v", j.ID(), err)
	}
	if j.Attrs == nil || !j.Attrs.Completed || j.Attrs.StatusCode != firn.StatusSucceeded {
		t.Fatalf("job %s after WaitUntilComplete: %+v, want a succeeded job", j.ID(), j.Attrs)
	}
}

// jobOutput reads a job's output.
func jobOutput(t *testing.T, j *client.Job, byteRange string) ([]byte, *firn.GetJobOutputOutput) {
	t.Helper()
	out, err := j.GetOutput(t.Context(), byteRange)
	if err != nil {
		t.Fatalf("GetOutput %q of job %s: %v", byteRange, j.ID(), err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetOutput %q of job %s: reading Body: %v", byteRange, j.ID(), err)
	}
	return body, out
}

// Account.

func testResAccountVaults(t *testing.T, tg *target) {
	ctx := t.Context()
	acct := client.NewAccount(tg.g, "")
	if acct.ID() != "" {
		t.Errorf("ID %q, want the one given", acct.ID())
	}
	names := []string{"a", "b", "c", "d", "e"}
	for _, n := range slices.Backward(names) {
		v, err := acct.CreateVault(ctx, n)
		if err != nil {
			t.Fatalf("CreateVault %s: %v", n, err)
		}
		if v.Name() != n || v.AccountID() != "" || v.Attrs != nil {
			t.Errorf("CreateVault %s: handle on %q of %q with Attrs %+v", n, v.Name(), v.AccountID(), v.Attrs)
		}
	}
	for _, opts := range []*client.ListOptions{nil, {PageSize: 2}, {PageSize: 1000}} {
		vs := testkit.Collect(t, "Vaults", acct.Vaults(ctx, opts))
		if got := vaultNames(vs); !slices.Equal(got, names) {
			t.Errorf("Vaults(%+v): %v, want %v", opts, got, names)
		}
		for _, v := range vs {
			if want := mustDescribeVault(t, tg, "", v.Name()); v.Attrs == nil || !sameVault(*v.Attrs, *want) {
				t.Errorf("Vaults: %s has Attrs %+v, want %+v", v.Name(), v.Attrs, want)
			}
			if v.AccountID() != "" || v.Account().ID() != "" {
				t.Errorf("Vaults: %s of account %q", v.Name(), v.AccountID())
			}
		}
	}
	// Resume where a page of ListVaults ended; other names of the account
	// list the same vaults.
	page := must[firn.ListVaultsOutput](t, "ListVaults")(tg.g.ListVaults(ctx, &firn.ListVaultsInput{Limit: 2}))
	if got := vaultNames(testkit.Collect(t, "Vaults", acct.Vaults(ctx, &client.ListOptions{Marker: page.Marker}))); !slices.Equal(got, names[2:]) {
		t.Errorf("Vaults from marker %q: %v, want %v", page.Marker, got, names[2:])
	}
	for _, id := range []string{"-", tg.account} {
		if got := vaultNames(testkit.Collect(t, "Vaults", client.NewAccount(tg.g, id).Vaults(ctx, nil))); !slices.Equal(got, names) {
			t.Errorf("Vaults of account %q: %v, want %v", id, got, names)
		}
	}
	if got := testkit.Collect(t, "Vaults", client.NewAccount(tg.g, "111122223333").Vaults(ctx, nil)); len(got) != 0 {
		t.Errorf("Vaults of another account: %v, want none", vaultNames(got))
	}
	// A bad page size is the service's error, yielded once.
	var errs int
	for v, err := range acct.Vaults(ctx, &client.ListOptions{PageSize: 1001}) {
		if v != nil {
			t.Errorf("Vaults with page size 1001 yielded %s", v.Name())
		}
		if err != nil {
			errs++
			checkErr(t, true, err, firn.ErrInvalidParameterValue)
		}
	}
	if errs != 1 {
		t.Errorf("Vaults with page size 1001: %d errors, want 1", errs)
	}
}

// sameVault compares descriptions, ignoring the location of their dates.
func sameVault(a, b firn.DescribeVaultOutput) bool {
	return a.VaultARN == b.VaultARN && a.VaultName == b.VaultName && a.CreationDate.Equal(b.CreationDate) &&
		a.LastInventoryDate.Equal(b.LastInventoryDate) && a.NumberOfArchives == b.NumberOfArchives && a.SizeInBytes == b.SizeInBytes
}

func testResAccountVaultsLazy(t *testing.T, tg *target) {
	ctx := t.Context()
	for i := range 7 {
		mustCreateVault(t, tg, "", fmt.Sprintf("v%d", i))
	}
	s := newSpy(tg.g)
	acct := client.NewAccount(s, "-")
	seq := acct.Vaults(ctx, &client.ListOptions{PageSize: 2})
	if s.n("ListVaults") != 0 {
		t.Errorf("making the collection called ListVaults")
	}
	var got []string
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if got = append(got, v.Name()); len(got) == 3 {
			break
		}
	}
	if want := []string{"v0", "v1", "v2"}; !slices.Equal(got, want) {
		t.Errorf("first 3 vaults %v, want %v", got, want)
	}
	if n := s.n("ListVaults"); n != 2 {
		t.Errorf("breaking after 3 vaults in pages of 2 made %d ListVaults calls, want 2", n)
	}
	for _, in := range inputsOf[firn.ListVaultsInput](s, "ListVaults") {
		if in.AccountId != "-" || in.Limit != 2 {
			t.Errorf("ListVaults input %+v, want account - and limit 2", in)
		}
	}
	// Ranging again lists from the start.
	if got := testkit.Collect(t, "Vaults", seq); len(got) != 7 || got[0].Name() != "v0" {
		t.Errorf("second range: %v", vaultNames(got))
	}
	if n := s.n("ListVaults"); n != 2+4 {
		t.Errorf("%d ListVaults calls in all, want 6", n)
	}
	// A cancelled context ends the listing before the next request.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var errs []error
	for _, err := range acct.Vaults(cctx, &client.ListOptions{PageSize: 2}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cancel()
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("listing with a cancelled context: errors %v, want one context.Canceled", errs)
	}
	if n := s.n("ListVaults"); n != 7 {
		t.Errorf("%d ListVaults calls in all, want 7", n)
	}
}

// Vault.

func testResVaultLoadCreateDelete(t *testing.T, tg *target) {
	ctx := t.Context()
	acct := client.NewAccount(tg.g, tg.account)
	v := acct.Vault("v")
	if v.Name() != "v" || v.AccountID() != tg.account || v.Account().ID() != tg.account {
		t.Errorf("handle on %q of %q", v.Name(), v.AccountID())
	}
	wantHandleErr(t, v.Load(ctx), firn.ErrResourceNotFound)
	if v.Attrs != nil {
		t.Errorf("failed Load set Attrs %+v", v.Attrs)
	}
	for range 2 {
		if err := v.Create(ctx); err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
	if err := v.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := mustDescribeVault(t, tg, "", "v")
	if v.Attrs == nil || !sameVault(*v.Attrs, *want) || v.Attrs.VaultARN != tg.vaultARN("", "v") {
		t.Errorf("Attrs %+v, want %+v", v.Attrs, want)
	}
	if err := v.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	loaded := v.Attrs
	wantHandleErr(t, v.Load(ctx), firn.ErrResourceNotFound)
	if v.Attrs != loaded {
		t.Errorf("failed Load changed Attrs")
	}
	wantHandleErr(t, acct.Vault("bad name").Create(ctx), firn.ErrInvalidParameterValue)
	if _, err := acct.CreateVault(ctx, ""); err == nil {
		t.Errorf("CreateVault with no name succeeded")
	}
	wantUnchanged(t, tg, "", nil)
}

func testResVaultUploadArchive(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	data := random(mib + 17)
	a, err := v.UploadArchive(ctx, bytes.NewReader(data), "photos")
	if err != nil {
		t.Fatalf("UploadArchive: %v", err)
	}
	if a.ID() == "" || a.Checksum != testkit.TreeHashHex(data) || a.VaultName() != "v" || a.AccountID() != "" || a.Vault().Name() != "v" {
		t.Errorf("UploadArchive: archive %q of %q/%q with checksum %q, want checksum %s", a.ID(), a.AccountID(), a.VaultName(), a.Checksum, testkit.TreeHashHex(data))
	}
	wantArchive(t, tg, "", "v", a.ID(), data, "photos")
	wantCounts(t, tg, "", "v", 1, int64(len(data)))

	before := snapshot(t, tg, "")
	_, err = v.UploadArchive(ctx, strings.NewReader("x"), "bad\x01description")
	wantHandleErr(t, err, firn.ErrInvalidParameterValue)
	_, err = client.NewAccount(tg.g, "").Vault("missing").UploadArchive(ctx, strings.NewReader("x"), "")
	wantHandleErr(t, err, firn.ErrResourceNotFound)
	wantUnchanged(t, tg, "", before)
}

func testResVaultInventoryRetrieval(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.UploadArchive(ctx, bytes.NewReader(testkit.Pattern(100)), "inventoried")
	if err != nil {
		t.Fatal(err)
	}
	tg.clock.Advance(25 * time.Hour)
	params := &firn.JobParameters{Format: firn.FormatCSV, Description: "weekly"}
	j, err := v.InitiateInventoryRetrieval(ctx, params)
	if err != nil {
		t.Fatalf("InitiateInventoryRetrieval: %v", err)
	}
	if params.Type != "" {
		t.Errorf("InitiateInventoryRetrieval modified its parameters: %+v", params)
	}
	if j.ID() == "" || j.VaultName() != "v" || j.Vault().Name() != "v" || j.Attrs != nil {
		t.Errorf("job %q of %q, Attrs %+v", j.ID(), j.VaultName(), j.Attrs)
	}
	if err := j.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if j.Attrs.JobId != j.ID() || j.Attrs.Action != firn.ActionInventoryRetrieval || j.Attrs.JobDescription != "weekly" {
		t.Errorf("Attrs %+v, want an inventory retrieval described weekly", j.Attrs)
	}
	completeJob(t, tg, j)
	body, out := jobOutput(t, j, "")
	if !strings.Contains(string(body), a.ID()) || !strings.Contains(string(body), "inventoried") {
		t.Errorf("inventory %q does not list archive %s", body, a.ID())
	}
	if !strings.HasPrefix(out.ContentType, "text/csv") {
		t.Errorf("inventory Content-Type %q, want text/csv", out.ContentType)
	}

	jobs := len(testkit.Collect(t, "Jobs", v.Jobs(ctx, nil)))
	_, err = v.InitiateInventoryRetrieval(ctx, &firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ID()})
	wantHandleErr(t, err, firn.ErrInvalidParameterValue, "Type")
	if n := len(testkit.Collect(t, "Jobs", v.Jobs(ctx, nil))); n != jobs {
		t.Errorf("a rejected InitiateInventoryRetrieval made a job")
	}
}

// Archive.

func testResArchiveRetrieval(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	data := random(3*mib + 5)
	a, err := v.UploadArchive(ctx, bytes.NewReader(data), "d")
	if err != nil {
		t.Fatal(err)
	}
	// A handle made from the ID alone works the same.
	b := v.Archive(a.ID())
	if b.Checksum != "" || b.ID() != a.ID() {
		t.Errorf("Vault.Archive: %+v", b)
	}
	j, err := b.InitiateArchiveRetrieval(ctx, nil)
	if err != nil {
		t.Fatalf("InitiateArchiveRetrieval: %v", err)
	}
	completeJob(t, tg, j)
	d := j.Attrs
	if d.Action != firn.ActionArchiveRetrieval || d.ArchiveId != a.ID() || d.ArchiveSizeInBytes != int64(len(data)) ||
		d.ArchiveSHA256TreeHash != testkit.TreeHashHex(data) || d.VaultARN != tg.vaultARN("", "v") {
		t.Errorf("job description %+v", d)
	}
	got, out := jobOutput(t, j, "")
	if !bytes.Equal(got, data) || out.Checksum != testkit.TreeHashHex(data) || out.ArchiveDescription != "d" {
		t.Errorf("GetOutput: %s, checksum %q, description %q", diffBytes(got, data), out.Checksum, out.ArchiveDescription)
	}
	got, out = jobOutput(t, j, fmt.Sprintf("bytes=%d-%d", mib, 2*mib-1))
	if !bytes.Equal(got, data[mib:2*mib]) || out.Checksum != testkit.TreeHashHex(data[mib:2*mib]) || out.Status != 206 {
		t.Errorf("GetOutput of the second MiB: %s, checksum %q, status %d", diffBytes(got, data[mib:2*mib]), out.Checksum, out.Status)
	}
	_, err = j.GetOutput(ctx, "bytes=5-1")
	wantHandleErr(t, err, firn.ErrInvalidParameterValue)

	// A job handle made from the ID alone loads the same description.
	k := v.Job(j.ID())
	if err := k.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if k.Attrs.JobId != j.ID() || k.Attrs.StatusCode != firn.StatusSucceeded {
		t.Errorf("Load: %+v", k.Attrs)
	}
	wantHandleErr(t, v.Job("no-such-job").Load(ctx), firn.ErrResourceNotFound)
	_, err = v.Job("no-such-job").GetOutput(ctx, "")
	wantHandleErr(t, err, firn.ErrResourceNotFound)
}

func testResArchiveRetrievalParameters(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	data := testkit.Pattern(2*mib + 1)
	a, err := v.UploadArchive(ctx, bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	p := &firn.JobParameters{Tier: firn.TierExpedited, Description: "first MiB", RetrievalByteRange: fmt.Sprintf("0-%d", mib-1)}
	j, err := a.InitiateArchiveRetrieval(ctx, p)
	if err != nil {
		t.Fatalf("InitiateArchiveRetrieval: %v", err)
	}
	if p.Type != "" || p.ArchiveId != "" {
		t.Errorf("InitiateArchiveRetrieval modified its parameters: %+v", p)
	}
	completeJob(t, tg, j)
	if d := j.Attrs; d.Tier != firn.TierExpedited || d.JobDescription != "first MiB" || d.RetrievalByteRange != p.RetrievalByteRange {
		t.Errorf("job description %+v", d)
	}
	if got, _ := jobOutput(t, j, ""); !bytes.Equal(got, data[:mib]) {
		t.Errorf("GetOutput: %s", diffBytes(got, data[:mib]))
	}
	// Explicit Type and ArchiveId are fine when they match.
	if _, err := a.InitiateArchiveRetrieval(ctx, &firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ID()}); err != nil {
		t.Errorf("InitiateArchiveRetrieval with matching Type and ArchiveId: %v", err)
	}

	jobs := testkit.Collect(t, "Jobs", v.Jobs(ctx, nil))
	for _, tc := range []struct {
		p       firn.JobParameters
		mention string
	}{
		{firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}, "Type"},
		{firn.JobParameters{Type: firn.JobTypeSelect}, "Type"},
		{firn.JobParameters{ArchiveId: "another"}, "ArchiveId"},
	} {
		_, err := a.InitiateArchiveRetrieval(ctx, &tc.p)
		wantHandleErr(t, err, firn.ErrInvalidParameterValue, tc.mention)
	}
	_, err = a.InitiateArchiveRetrieval(ctx, &firn.JobParameters{RetrievalByteRange: "1-2"})
	wantHandleErr(t, err, firn.ErrInvalidParameterValue)
	_, err = v.Archive("no-such-archive").InitiateArchiveRetrieval(ctx, nil)
	wantHandleErr(t, err, firn.ErrResourceNotFound)
	if got := testkit.Collect(t, "Jobs", v.Jobs(ctx, nil)); len(got) != len(jobs) {
		t.Errorf("rejected retrievals made jobs: %d, want %d", len(got), len(jobs))
	}
}

func testResArchiveDelete(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.UploadArchive(ctx, strings.NewReader("bytes"), "")
	if err != nil {
		t.Fatal(err)
	}
	keep := upload(t, tg, "", "v", testkit.Pattern(10), "")
	if err := v.Archive(a.ID()).Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNoArchive(t, tg, "", "v", a.ID())
	wantCounts(t, tg, "", "v", 1, 10)
	_, err = a.InitiateArchiveRetrieval(ctx, nil)
	wantHandleErr(t, err, firn.ErrResourceNotFound)
	wantHandleErr(t, client.NewAccount(tg.g, "").Vault("missing").Archive(keep.ArchiveId).Delete(ctx), firn.ErrResourceNotFound)
	wantCounts(t, tg, "", "v", 1, 10)
}

// Jobs.

func testResJobCollections(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.UploadArchive(ctx, bytes.NewReader(testkit.Pattern(3000)), "")
	if err != nil {
		t.Fatal(err)
	}
	var started []string
	for range 4 {
		j, err := a.InitiateArchiveRetrieval(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		started = append(started, j.ID())
	}
	j, err := v.InitiateInventoryRetrieval(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	started = append(started, j.ID())

	// The expected members of each collection follow from the raw listing,
	// whatever the target's job timing.
	raw := map[string]firn.GlacierJobDescription{}
	var all []string
	for d, err := range firn.AllJobs(ctx, tg.g, firn.ListJobsInput{VaultName: "v"}) {
		if err != nil {
			t.Fatal(err)
		}
		raw[d.JobId] = d
		all = append(all, d.JobId)
	}
	if !slices.Equal(all, started) {
		t.Fatalf("ListJobs lists %v, want %v", all, started)
	}
	where := func(keep func(firn.GlacierJobDescription) bool) []string {
		ids := []string{}
		for _, id := range all {
			if keep(raw[id]) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	yes, no := true, false
	s := newSpy(tg.g)
	sv := client.NewAccount(s, "").Vault("v")
	for _, tc := range []struct {
		name      string
		seq       func(*client.ListOptions) iter.Seq2[*client.Job, error]
		status    string
		completed *bool
		keep      func(firn.GlacierJobDescription) bool
	}{
		{"Jobs", func(o *client.ListOptions) iter.Seq2[*client.Job, error] {
			if o == nil {
				return sv.Jobs(ctx, nil)
			}
			return sv.Jobs(ctx, &client.JobListOptions{PageSize: o.PageSize, Marker: o.Marker})
		}, "", nil, func(firn.GlacierJobDescription) bool { return true }},
		{"SucceededJobs", func(o *client.ListOptions) iter.Seq2[*client.Job, error] { return sv.SucceededJobs(ctx, o) },
			"Succeeded", nil, func(d firn.GlacierJobDescription) bool { return d.StatusCode == firn.StatusSucceeded }},
		{"FailedJobs", func(o *client.ListOptions) iter.Seq2[*client.Job, error] { return sv.FailedJobs(ctx, o) },
			"Failed", nil, func(d firn.GlacierJobDescription) bool { return d.StatusCode == firn.StatusFailed }},
		{"JobsInProgress", func(o *client.ListOptions) iter.Seq2[*client.Job, error] { return sv.JobsInProgress(ctx, o) },
			"InProgress", nil, func(d firn.GlacierJobDescription) bool { return d.StatusCode == firn.StatusInProgress }},
		{"CompletedJobs", func(o *client.ListOptions) iter.Seq2[*client.Job, error] { return sv.CompletedJobs(ctx, o) },
			"", &yes, func(d firn.GlacierJobDescription) bool { return d.Completed }},
	} {
		for _, opts := range []*client.ListOptions{nil, {PageSize: 2}} {
			before := len(inputsOf[firn.ListJobsInput](s, "ListJobs"))
			js := testkit.Collect(t, tc.name, tc.seq(opts))
			if got, want := jobIDs(js), where(tc.keep); !slices.Equal(got, want) {
				t.Errorf("%s(%+v): %v, want %v", tc.name, opts, got, want)
			}
			for _, j := range js {
				if j.Attrs == nil || !reflect.DeepEqual(*j.Attrs, raw[j.ID()]) || j.VaultName() != "v" {
					t.Errorf("%s: job %s has Attrs %+v, want %+v", tc.name, j.ID(), j.Attrs, raw[j.ID()])
				}
			}
			for _, in := range inputsOf[firn.ListJobsInput](s, "ListJobs")[before:] {
				if in.VaultName != "v" || in.Statuscode != tc.status || !reflect.DeepEqual(in.Completed, tc.completed) ||
					(opts != nil && in.Limit != opts.PageSize) {
					t.Errorf("%s(%+v) sent ListJobs %+v", tc.name, opts, in)
				}
			}
		}
	}
	in := testkit.Collect(t, "Jobs", sv.Jobs(ctx, &client.JobListOptions{Completed: &no, StatusCode: firn.StatusInProgress}))
	if got, want := jobIDs(in), where(func(d firn.GlacierJobDescription) bool { return !d.Completed }); !slices.Equal(got, want) {
		t.Errorf("Jobs not completed: %v, want %v", got, want)
	}

	// Pages are fetched lazily.
	before := s.n("ListJobs")
	for range sv.Jobs(ctx, &client.JobListOptions{PageSize: 1}) {
		break
	}
	if n := s.n("ListJobs") - before; n != 1 {
		t.Errorf("taking one job in pages of 1 made %d ListJobs calls, want 1", n)
	}
	// A bad filter is the service's error.
	for j, err := range sv.Jobs(ctx, &client.JobListOptions{StatusCode: "Done"}) {
		if j != nil {
			t.Errorf("Jobs with a bad status code yielded %s", j.ID())
		}
		checkErr(t, true, err, firn.ErrInvalidParameterValue)
	}
}

// Multipart uploads.

func testResMultipartLifecycle(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	u, err := v.InitiateMultipartUpload(ctx, mib, "in parts")
	if err != nil {
		t.Fatalf("InitiateMultipartUpload: %v", err)
	}
	if u.ID() == "" || u.VaultName() != "v" || u.Vault().Name() != "v" || u.AccountID() != "" || u.Attrs != nil {
		t.Errorf("upload %q of %q: Attrs %+v", u.ID(), u.VaultName(), u.Attrs)
	}
	if err := u.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if d := u.Attrs; d.MultipartUploadId != u.ID() || d.PartSizeInBytes != mib || d.ArchiveDescription != "in parts" ||
		d.VaultARN != tg.vaultARN("", "v") || d.CreationDate.IsZero() {
		t.Errorf("Attrs %+v", d)
	}
	data := random(2*mib + mib/2)
	// Parts in any order.
	for _, off := range []int{2 * mib, 0, mib} {
		sum, err := u.UploadPart(ctx, int64(off), data[off:min(off+mib, len(data))])
		if err != nil {
			t.Fatalf("UploadPart at %d: %v", off, err)
		}
		if want := testkit.TreeHashHex(data[off:min(off+mib, len(data))]); sum != want {
			t.Errorf("UploadPart at %d: checksum %s, want %s", off, sum, want)
		}
	}
	for _, opts := range []*client.ListOptions{nil, {PageSize: 1}} {
		parts := testkit.Collect(t, "Parts", u.Parts(ctx, opts))
		var want []firn.PartListElement
		for off := 0; off < len(data); off += mib {
			end := min(off+mib, len(data))
			want = append(want, firn.PartListElement{RangeInBytes: fmt.Sprintf("%d-%d", off, end-1), SHA256TreeHash: testkit.TreeHashHex(data[off:end])})
		}
		if !reflect.DeepEqual(parts, want) {
			t.Errorf("Parts(%+v): %+v, want %+v", opts, parts, want)
		}
	}
	_, err = u.UploadPart(ctx, 3, data[:mib])
	wantHandleErr(t, err, firn.ErrInvalidParameterValue)
	_, err = u.Complete(ctx, int64(len(data)), testkit.TreeHashHex(data[1:]))
	wantHandleErr(t, err, firn.ErrInvalidParameterValue)

	a, err := u.Complete(ctx, int64(len(data)), testkit.TreeHashHex(data))
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if a.ID() == "" || a.Checksum != testkit.TreeHashHex(data) || a.VaultName() != "v" {
		t.Errorf("Complete: archive %q with checksum %q", a.ID(), a.Checksum)
	}
	wantArchive(t, tg, "", "v", a.ID(), data, "in parts")
	wantHandleErr(t, u.Load(ctx), firn.ErrResourceNotFound)
	for p, err := range u.Parts(ctx, nil) {
		if p != (firn.PartListElement{}) {
			t.Errorf("Parts of a completed upload yielded %+v", p)
		}
		checkErr(t, true, err, firn.ErrResourceNotFound)
	}
}

func testResMultipartAbort(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	u, err := v.InitiateMultipartUpload(ctx, 2*mib, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.UploadPart(ctx, 0, testkit.Pattern(100)); err != nil {
		t.Fatal(err)
	}
	if err := v.MultipartUpload(u.ID()).Abort(ctx); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	wantHandleErr(t, u.Load(ctx), firn.ErrResourceNotFound)
	_, err = u.UploadPart(ctx, 0, testkit.Pattern(100))
	wantHandleErr(t, err, firn.ErrResourceNotFound)
	_, err = u.Complete(ctx, 100, testkit.TreeHashHex(testkit.Pattern(100)))
	wantHandleErr(t, err, firn.ErrResourceNotFound)
	wantCounts(t, tg, "", "v", 0, 0)
	_, err = v.InitiateMultipartUpload(ctx, 3*mib, "")
	wantHandleErr(t, err, firn.ErrInvalidParameterValue)
	if got := testkit.Collect(t, "MultipartUploads", v.MultipartUploads(ctx, nil)); len(got) != 0 {
		t.Errorf("uploads after Abort and a rejected initiation: %d", len(got))
	}
}

func testResMultipartCollections(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 5 {
		u, err := v.InitiateMultipartUpload(ctx, mib<<i, fmt.Sprint("upload ", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID())
	}
	raw := map[string]firn.UploadListElement{}
	var want []string
	for d, err := range firn.AllMultipartUploads(ctx, tg.g, firn.ListMultipartUploadsInput{VaultName: "v"}) {
		if err != nil {
			t.Fatal(err)
		}
		raw[d.MultipartUploadId] = d
		want = append(want, d.MultipartUploadId)
	}
	if !slices.Equal(slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(ids))) {
		t.Fatalf("ListMultipartUploads lists %v, want %v", want, ids)
	}
	s := newSpy(tg.g)
	sv := client.NewAccount(s, "").Vault("v")
	for _, opts := range []*client.ListOptions{nil, {PageSize: 2}} {
		us := testkit.Collect(t, "MultipartUploads", sv.MultipartUploads(ctx, opts))
		var got []string
		for _, u := range us {
			got = append(got, u.ID())
			if u.Attrs == nil || !reflect.DeepEqual(*u.Attrs, raw[u.ID()]) {
				t.Errorf("MultipartUploads: %s has Attrs %+v, want %+v", u.ID(), u.Attrs, raw[u.ID()])
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("MultipartUploads(%+v): %v, want %v", opts, got, want)
		}
	}
	before := s.n("ListMultipartUploads")
	for range sv.MultipartUploads(ctx, &client.ListOptions{PageSize: 2}) {
		break
	}
	if n := s.n("ListMultipartUploads") - before; n != 1 {
		t.Errorf("taking one upload made %d ListMultipartUploads calls, want 1", n)
	}
	// Parts page lazily too.
	u := sv.MultipartUpload(ids[0])
	for i := range 3 {
		if _, err := u.UploadPart(ctx, int64(i*mib), testkit.Pattern(mib)); err != nil {
			t.Fatal(err)
		}
	}
	before = s.n("ListParts")
	n := 0
	for _, err := range u.Parts(ctx, &client.ListOptions{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	if n := s.n("ListParts") - before; n != 2 {
		t.Errorf("taking two parts in pages of 1 made %d ListParts calls, want 2", n)
	}
}

// Notification.

func testResNotification(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	n := v.Notification()
	if n.VaultName() != "v" || n.AccountID() != "" || n.Vault().Name() != "v" {
		t.Errorf("handle on %q of %q", n.VaultName(), n.AccountID())
	}
	wantHandleErr(t, n.Load(ctx), firn.ErrResourceNotFound)
	if n.Attrs != nil {
		t.Errorf("failed Load set Attrs %+v", n.Attrs)
	}
	cfg := firn.VaultNotificationConfig{SNSTopic: tg.topic("t"), Events: []string{firn.EventArchiveRetrievalCompleted}}
	if err := n.Set(ctx, cfg); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if n.Attrs != nil {
		t.Errorf("Set changed Attrs")
	}
	if err := n.Load(ctx); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(*n.Attrs, cfg) {
		t.Errorf("Attrs %+v, want %+v", n.Attrs, cfg)
	}
	wantNotifications(t, tg, "", "v", cfg.SNSTopic, cfg.Events...)
	wantHandleErr(t, n.Set(ctx, firn.VaultNotificationConfig{SNSTopic: "not a topic", Events: cfg.Events}), firn.ErrInvalidParameterValue)
	wantNotifications(t, tg, "", "v", cfg.SNSTopic, cfg.Events...)
	if err := n.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNoNotifications(t, tg, "", "v")
	loaded := n.Attrs
	wantHandleErr(t, n.Load(ctx), firn.ErrResourceNotFound)
	if n.Attrs != loaded {
		t.Errorf("failed Load changed Attrs")
	}
	wantHandleErr(t, client.NewAccount(tg.g, "").Vault("missing").Notification().Set(ctx, cfg), firn.ErrResourceNotFound)
}

// Waiters.

func testResWaitVaultExists(t *testing.T, tg *target) {
	ctx := t.Context()
	mustCreateVault(t, tg, "", "v")
	s := newSpy(tg.g)
	acct := client.NewAccount(s, "")
	if err := acct.Vault("v").WaitUntilExists(ctx, &firn.WaiterOptions{Sleep: noSleep(t)}); err != nil {
		t.Errorf("WaitUntilExists on an existing vault: %v", err)
	}
	if n := s.n("DescribeVault"); n != 1 {
		t.Errorf("%d DescribeVault calls, want 1", n)
	}

	// Gives up after MaxAttempts checks, pausing Delay in between.
	sl := &testkit.Sleeper{}
	err := acct.Vault("w").WaitUntilExists(ctx, &firn.WaiterOptions{Delay: 5 * time.Second, MaxAttempts: 3, Sleep: sl.Sleep})
	if !errors.Is(err, firn.ErrMaxAttemptsExceeded) || !errors.Is(err, firn.ErrResourceNotFound) {
		t.Errorf("WaitUntilExists on a missing vault: %v, want ErrMaxAttemptsExceeded and ResourceNotFoundException", err)
	}
	if got, want := sl.Pauses(), []time.Duration{5 * time.Second, 5 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
	if n := s.n("DescribeVault"); n != 1+3 {
		t.Errorf("%d DescribeVault calls, want 4", n)
	}

	// Succeeds once the vault appears.
	sl = &testkit.Sleeper{}
	sl.OnSleep = func(time.Duration) {
		if len(sl.Pauses()) == 2 {
			mustCreateVault(t, tg, "", "w")
		}
	}
	if err := firn.WaitUntilVaultExists(ctx, s, &firn.DescribeVaultInput{VaultName: "w"}, &firn.WaiterOptions{Sleep: sl.Sleep}); err != nil {
		t.Errorf("WaitUntilVaultExists on a vault created while waiting: %v", err)
	}
	if n := len(sl.Pauses()); n != 2 {
		t.Errorf("%d pauses, want 2", n)
	}

	// Other errors end the wait at once.
	err = acct.Vault("bad name").WaitUntilExists(ctx, &firn.WaiterOptions{Sleep: noSleep(t)})
	checkErr(t, true, err, firn.ErrInvalidParameterValue)
}

func testResWaitVaultNotExists(t *testing.T, tg *target) {
	ctx := t.Context()
	s := newSpy(tg.g)
	v := client.NewAccount(s, "").Vault("v")
	if err := v.WaitUntilNotExists(ctx, &firn.WaiterOptions{Sleep: noSleep(t)}); err != nil {
		t.Errorf("WaitUntilNotExists on a missing vault: %v", err)
	}
	mustCreateVault(t, tg, "", "v")
	sl := &testkit.Sleeper{}
	err := v.WaitUntilNotExists(ctx, &firn.WaiterOptions{MaxAttempts: 2, Sleep: sl.Sleep})
	if !errors.Is(err, firn.ErrMaxAttemptsExceeded) || errors.Is(err, firn.ErrResourceNotFound) {
		t.Errorf("WaitUntilNotExists on an existing vault: %v, want ErrMaxAttemptsExceeded alone", err)
	}
	if got, want := sl.Pauses(), []time.Duration{3 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
	sl = &testkit.Sleeper{}
	sl.OnSleep = func(time.Duration) {
		if err := v.Delete(ctx); err != nil {
			t.Errorf("Delete: %v", err)
		}
	}
	if err := firn.WaitUntilVaultNotExists(ctx, s, &firn.DescribeVaultInput{AccountId: "-", VaultName: "v"}, &firn.WaiterOptions{Sleep: sl.Sleep}); err != nil {
		t.Errorf("WaitUntilVaultNotExists on a vault deleted while waiting: %v", err)
	}
	if n := len(sl.Pauses()); n != 1 {
		t.Errorf("%d pauses, want 1", n)
	}
	err = client.NewAccount(s, "").Vault("bad name").WaitUntilNotExists(ctx, &firn.WaiterOptions{Sleep: noSleep(t)})
	checkErr(t, true, err, firn.ErrInvalidParameterValue)
}

// testResWaitDefaults checks the reference's defaults: a check every 3 s,
// 15 checks.
func testResWaitDefaults(t *testing.T, tg *target) {
	s := newSpy(tg.g)
	sl := &testkit.Sleeper{}
	err := firn.WaitUntilVaultExists(t.Context(), s, &firn.DescribeVaultInput{VaultName: "v"}, &firn.WaiterOptions{Sleep: sl.Sleep})
	if !errors.Is(err, firn.ErrMaxAttemptsExceeded) {
		t.Errorf("WaitUntilVaultExists: %v, want ErrMaxAttemptsExceeded", err)
	}
	if got, want := sl.Pauses(), slices.Repeat([]time.Duration{3 * time.Second}, 14); !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
	if n := s.n("DescribeVault"); n != 15 {
		t.Errorf("%d DescribeVault calls, want 15", n)
	}
}

func testResWaitJobComplete(t *testing.T, tg *target) {
	ctx := t.Context()
	v, err := client.NewAccount(tg.g, "").CreateVault(ctx, "v")
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.UploadArchive(ctx, strings.NewReader("data"), "")
	if err != nil {
		t.Fatal(err)
	}
	j, err := a.InitiateArchiveRetrieval(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	sl := &testkit.Sleeper{OnSleep: func(d time.Duration) { tg.clock.Advance(d) }}
	d, err := firn.WaitUntilJobComplete(ctx, tg.g, &firn.DescribeJobInput{VaultName: "v", JobId: j.ID()}, &firn.WaiterOptions{Sleep: sl.Sleep})
	if err != nil {
		t.Fatalf("WaitUntilJobComplete: %v", err)
	}
	if !d.Completed || d.StatusCode != firn.StatusSucceeded || d.JobId != j.ID() {
		t.Errorf("description %+v, want a succeeded job", d)
	}
	for _, p := range sl.Pauses() {
		if p != time.Minute {
			t.Errorf("pause %v, want the default of 1m", p)
		}
	}
	if got, _ := jobOutput(t, j, ""); string(got) != "data" {
		t.Errorf("output %q", got)
	}
	// A completed job needs one check.
	s := newSpy(tg.g)
	if err := client.NewAccount(s, "").Vault("v").Job(j.ID()).WaitUntilComplete(ctx, &firn.WaiterOptions{Sleep: noSleep(t)}); err != nil {
		t.Errorf("WaitUntilComplete on a completed job: %v", err)
	}
	if n := s.n("DescribeJob"); n != 1 {
		t.Errorf("%d DescribeJob calls, want 1", n)
	}
	// Errors of DescribeJob end the wait at once.
	k := v.Job("no-such-job")
	wantHandleErr(t, k.WaitUntilComplete(ctx, &firn.WaiterOptions{Sleep: noSleep(t)}), firn.ErrResourceNotFound)
	if k.Attrs != nil {
		t.Errorf("failed wait set Attrs")
	}
}

func testResWaitCancel(t *testing.T, tg *target) {
	s := newSpy(tg.g)
	v := client.NewAccount(s, "").Vault("v")

	// Cancelled while pausing: no further check.
	ctx, cancel := context.WithCancel(t.Context())
	sl := &testkit.Sleeper{OnSleep: func(time.Duration) { cancel() }}
	err := v.WaitUntilExists(ctx, &firn.WaiterOptions{Sleep: sl.Sleep})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WaitUntilExists cancelled while pausing: %v, want context.Canceled", err)
	}
	if n := s.n("DescribeVault"); n != 1 {
		t.Errorf("%d DescribeVault calls, want 1", n)
	}
	// Already cancelled: no check at all.
	err = v.WaitUntilExists(ctx, &firn.WaiterOptions{Sleep: noSleep(t)})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WaitUntilExists with a cancelled context: %v, want context.Canceled", err)
	}
	_, err = firn.WaitUntilJobComplete(ctx, s, &firn.DescribeJobInput{VaultName: "v", JobId: "j"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WaitUntilJobComplete with a cancelled context: %v, want context.Canceled", err)
	}
	if n := s.n("DescribeVault") + s.n("DescribeJob"); n != 1 {
		t.Errorf("%d Describe calls in all, want 1", n)
	}
	// The default pause is a real timer that gives way to the context.
	ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err = v.WaitUntilExists(ctx, &firn.WaiterOptions{Delay: time.Hour})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitUntilExists past its deadline: %v, want context.DeadlineExceeded", err)
	}
	// And it does pause: a short real delay is waited out.
	mustCreateVault(t, tg, "", "w")
	if err := client.NewAccount(tg.g, "").Vault("w").WaitUntilNotExists(t.Context(), &firn.WaiterOptions{Delay: time.Millisecond, MaxAttempts: 3}); !errors.Is(err, firn.ErrMaxAttemptsExceeded) {
		t.Errorf("WaitUntilNotExists with real pauses: %v, want ErrMaxAttemptsExceeded", err)
	}
}

func testResWaitBadOptions(t *testing.T, tg *target) {
	s := newSpy(tg.g)
	in := &firn.DescribeVaultInput{VaultName: "v"}
	for _, tc := range []struct {
		opts    firn.WaiterOptions
		mention string
	}{
		{firn.WaiterOptions{Delay: -time.Second}, "Delay"},
		{firn.WaiterOptions{MaxAttempts: -1}, "MaxAttempts"},
	} {
		checkErr(t, true, firn.WaitUntilVaultExists(t.Context(), s, in, &tc.opts), firn.ErrInvalidParameterValue, tc.mention)
		checkErr(t, true, firn.WaitUntilVaultNotExists(t.Context(), s, in, &tc.opts), firn.ErrInvalidParameterValue, tc.mention)
		_, err := firn.WaitUntilJobComplete(t.Context(), s, &firn.DescribeJobInput{VaultName: "v", JobId: "j"}, &tc.opts)
		checkErr(t, true, err, firn.ErrInvalidParameterValue, tc.mention)
	}
	if n := s.n("DescribeVault") + s.n("DescribeJob"); n != 0 {
		t.Errorf("bad options made %d calls", n)
	}
}

// Uploader.

// onlyReader hides every method of its reader but Read, so that the
// uploader cannot know the size.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// uploadAndCheck uploads data with u through a spy and checks the archive's
// checksum (which the service computed from the bytes it stored), and that
// it went in one request or in parts as wanted.
func uploadAndCheck(t *testing.T, tg *target, u *client.Uploader, body io.Reader, data []byte, wantParts int) *client.Archive {
	t.Helper()
	s := newSpy(tg.g)
	a, err := u.Upload(t.Context(), client.NewAccount(s, "").Vault("v"), body, "up")
	if err != nil {
		t.Fatalf("Upload of %d bytes: %v", len(data), err)
	}
	if a.Checksum != testkit.TreeHashHex(data) || a.VaultName() != "v" {
		t.Errorf("Upload of %d bytes: checksum %q, want %s", len(data), a.Checksum, testkit.TreeHashHex(data))
	}
	single, initiated, parts := s.n("UploadArchive"), s.n("InitiateMultipartUpload"), s.n("UploadMultipartPart")
	if wantParts == 0 && (single != 1 || initiated != 0) || wantParts > 0 && (single != 0 || initiated != 1 || parts != wantParts) {
		t.Errorf("Upload of %d bytes: %d UploadArchive, %d InitiateMultipartUpload and %d UploadMultipartPart calls, want %d parts",
			len(data), single, initiated, parts, wantParts)
	}
	return a
}

func testResUploaderSizes(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	u := &client.Uploader{PartSize: mib, Concurrency: 3, Sleep: noSleep(t)}
	for _, n := range []int{1, mib - 1, mib, mib + 1, 3*mib + 5, 4 * mib} {
		data := random(n)
		// Known size: single up to the threshold (the part size).
		parts := 0
		if n > mib {
			parts = (n + mib - 1) / mib
		}
		uploadAndCheck(t, tg, u, bytes.NewReader(data), data, parts)
		// Unknown size: a body that fills a part goes in parts.
		if n >= mib {
			parts = (n + mib - 1) / mib
		}
		a := uploadAndCheck(t, tg, u, onlyReader{bytes.NewReader(data)}, data, parts)
		if n == 3*mib+5 {
			wantArchive(t, tg, "", "v", a.ID(), data, "up")
		}
	}
	// The zero (and nil) Uploader: 8 MiB parts, 4 at a time.
	data := random(9 * mib)
	uploadAndCheck(t, tg, nil, onlyReader{bytes.NewReader(data)}, data, 2)
	uploadAndCheck(t, tg, &client.Uploader{}, bytes.NewReader(data), data, 2)
	uploadAndCheck(t, tg, &client.Uploader{}, bytes.NewReader(data[:8*mib]), data[:8*mib], 0)
	// The service's rules still apply: an archive holds at least a byte.
	before := snapshot(t, tg, "")
	for _, body := range []io.Reader{bytes.NewReader(nil), onlyReader{strings.NewReader("")}} {
		_, err := u.Upload(t.Context(), client.NewAccount(tg.g, "").Vault("v"), body, "")
		checkErr(t, true, err, firn.ErrInvalidParameterValue)
	}
	_, err := u.Upload(t.Context(), client.NewAccount(tg.g, "").Vault("v"), nil, "")
	checkErr(t, true, err, firn.ErrMissingParameterValue, "Body")
	wantUnchanged(t, tg, "", before)
}

func testResUploaderOffset(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := random(3 * mib)
	r := bytes.NewReader(data)
	if _, err := r.Seek(mib/2, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	a := uploadAndCheck(t, tg, &client.Uploader{PartSize: mib, Sleep: noSleep(t)}, r, data[mib/2:], 3)
	wantArchive(t, tg, "", "v", a.ID(), data[mib/2:], "up")
	if off, _ := r.Seek(0, io.SeekCurrent); off != mib/2 {
		t.Errorf("the body's offset moved to %d", off)
	}
	// A section of a larger ReaderAt.
	sec := io.NewSectionReader(bytes.NewReader(data), 100, 2*mib)
	uploadAndCheck(t, tg, &client.Uploader{PartSize: mib, Sleep: noSleep(t)}, sec, data[100:100+2*mib], 2)
}

func testResUploaderThreshold(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := random(mib + mib/2)
	u := &client.Uploader{PartSize: mib, Threshold: 2 * mib, Sleep: noSleep(t)}
	uploadAndCheck(t, tg, u, bytes.NewReader(data), data, 0)
	uploadAndCheck(t, tg, u, onlyReader{bytes.NewReader(data)}, data, 2)
	u = &client.Uploader{PartSize: 2 * mib, Threshold: mib, Sleep: noSleep(t)}
	uploadAndCheck(t, tg, u, bytes.NewReader(data), data, 1)
	uploadAndCheck(t, tg, u, onlyReader{bytes.NewReader(data)}, data, 1)
	uploadAndCheck(t, tg, u, onlyReader{bytes.NewReader(data[:mib])}, data[:mib], 0)
}

// serviceUnavailable is a failure worth retrying.
var serviceUnavailable = &firn.Error{Code: firn.CodeServiceUnavailable, Message: "injected"}

// partNumber returns the 0-based index of a part of partSize bytes from its
// Range.
func partNumber(t *testing.T, in any, partSize int64) int {
	var start int64
	if _, err := fmt.Sscanf(in.(*firn.UploadMultipartPartInput).Range, "bytes %d-", &start); err != nil {
		t.Errorf("part Range %q: %v", in.(*firn.UploadMultipartPartInput).Range, err)
	}
	return int(start / partSize)
}

// wantNoUploads checks that a vault has no multipart upload in progress.
func wantNoUploads(t *testing.T, tg *target, vault string) {
	t.Helper()
	if ids := mpUploads(t, tg, "", vault, 0); len(ids) != 0 {
		t.Errorf("uploads in progress: %v, want none", ids)
	}
}

func testResUploaderRetry(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := random(4*mib + 3)
	for _, body := range []func() io.Reader{
		func() io.Reader { return bytes.NewReader(data) },
		func() io.Reader { return onlyReader{bytes.NewReader(data)} },
	} {
		s := newSpy(tg.g)
		var mu sync.Mutex
		attempts := map[int]int{}
		s.before = func(op string, n int, in any) error {
			switch op {
			case "UploadMultipartPart":
				p := partNumber(t, in, mib)
				mu.Lock()
				attempts[p]++
				a := attempts[p]
				mu.Unlock()
				switch {
				case a == 1 && p%2 == 0:
					return serviceUnavailable
				case a == 1 && p == 1:
					// Fail after reading half the body, as a broken connection does.
					io.CopyN(io.Discard, in.(*firn.UploadMultipartPartInput).Body, mib/2)
					return errors.New("connection reset")
				case a == 2 && p == 2:
					return &firn.Error{Code: firn.CodeRequestTimeout, Message: "injected"}
				}
			case "CompleteMultipartUpload":
				if n == 1 {
					return serviceUnavailable
				}
			}
			return nil
		}
		sl := &testkit.Sleeper{}
		u := &client.Uploader{PartSize: mib, Concurrency: 2, RetryDelay: time.Second, Sleep: sl.Sleep}
		a, err := u.Upload(t.Context(), client.NewAccount(s, "").Vault("v"), body(), "retried")
		if err != nil {
			t.Fatalf("Upload: %v", err)
		}
		if a.Checksum != testkit.TreeHashHex(data) {
			t.Errorf("checksum %q, want %s", a.Checksum, testkit.TreeHashHex(data))
		}
		wantArchive(t, tg, "", "v", a.ID(), data, "retried")
		if want := map[int]int{0: 2, 1: 2, 2: 3, 3: 1, 4: 2}; !reflect.DeepEqual(attempts, want) {
			t.Errorf("attempts per part %v, want %v", attempts, want)
		}
		if n := s.n("CompleteMultipartUpload"); n != 2 {
			t.Errorf("%d CompleteMultipartUpload calls, want 2", n)
		}
		// One pause before each first retry, a doubled one before part 2's second.
		got := sl.Pauses()
		slices.Sort(got)
		want := append(slices.Repeat([]time.Duration{time.Second}, 5), 2*time.Second)
		if !slices.Equal(got, want) {
			t.Errorf("pauses %v, want %v", got, want)
		}
		// Every attempt sent the checksum of the part's bytes.
		for _, in := range inputsOf[firn.UploadMultipartPartInput](s, "UploadMultipartPart") {
			var start, end int64
			fmt.Sscanf(in.Range, "bytes %d-%d/*", &start, &end)
			if in.Checksum != testkit.TreeHashHex(data[start:end+1]) {
				t.Errorf("part %s sent with checksum %s", in.Range, in.Checksum)
			}
		}
	}
	wantNoUploads(t, tg, "v")

	// A single upload is retried too.
	s := newSpy(tg.g)
	s.before = func(op string, n int, in any) error {
		if op == "UploadArchive" && n < 3 {
			io.CopyN(io.Discard, in.(*firn.UploadArchiveInput).Body, 10)
			return serviceUnavailable
		}
		return nil
	}
	sl := &testkit.Sleeper{}
	a, err := (&client.Uploader{Sleep: sl.Sleep}).Upload(t.Context(), client.NewAccount(s, "").Vault("v"), strings.NewReader("a small archive"), "")
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if got, want := sl.Pauses(), []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
	wantArchive(t, tg, "", "v", a.ID(), []byte("a small archive"), "")
}

func testResUploaderGiveUp(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	upload(t, tg, "", "v", testkit.Pattern(10), "")
	before := snapshot(t, tg, "")
	data := random(5 * mib)
	for _, body := range []io.Reader{bytes.NewReader(data), onlyReader{bytes.NewReader(data)}} {
		s := newSpy(tg.g)
		var mu sync.Mutex
		failed := 0
		s.before = func(op string, n int, in any) error {
			if op == "UploadMultipartPart" && partNumber(t, in, mib) == 3 {
				mu.Lock()
				failed++
				mu.Unlock()
				return serviceUnavailable
			}
			return nil
		}
		sl := &testkit.Sleeper{}
		u := &client.Uploader{PartSize: mib, Concurrency: 2, MaxAttempts: 4, RetryDelay: 10 * time.Millisecond, Sleep: sl.Sleep}
		a, err := u.Upload(t.Context(), client.NewAccount(s, "").Vault("v"), body, "")
		if a != nil || !errors.Is(err, firn.ErrServiceUnavailable) || !strings.Contains(err.Error(), "part 4") {
			t.Errorf("Upload with a failing part: %v, %v; want ServiceUnavailableException naming part 4", a, err)
		}
		if failed != 4 {
			t.Errorf("the failing part was tried %d times, want 4", failed)
		}
		if got, want := sl.Pauses(), []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}; !slices.Equal(got, want) {
			t.Errorf("pauses %v, want %v", got, want)
		}
		if s.n("AbortMultipartUpload") != 1 || s.n("CompleteMultipartUpload") != 0 {
			t.Errorf("%d aborts and %d completions, want 1 and 0", s.n("AbortMultipartUpload"), s.n("CompleteMultipartUpload"))
		}
	}
	wantNoUploads(t, tg, "v")
	wantUnchanged(t, tg, "", before)

	// A completion that keeps failing aborts the upload too.
	s := newSpy(tg.g)
	s.before = func(op string, n int, in any) error {
		if op == "CompleteMultipartUpload" {
			return serviceUnavailable
		}
		return nil
	}
	_, err := (&client.Uploader{PartSize: mib, Sleep: (&testkit.Sleeper{}).Sleep}).Upload(t.Context(), client.NewAccount(s, "").Vault("v"), bytes.NewReader(data), "")
	if !errors.Is(err, firn.ErrServiceUnavailable) || s.n("CompleteMultipartUpload") != 3 || s.n("AbortMultipartUpload") != 1 {
		t.Errorf("Upload with a failing completion: %v after %d completions and %d aborts, want 3 and 1",
			err, s.n("CompleteMultipartUpload"), s.n("AbortMultipartUpload"))
	}
	wantNoUploads(t, tg, "v")
	wantUnchanged(t, tg, "", before)
}

func testResUploaderNotRetried(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	before := snapshot(t, tg, "")
	data := random(3 * mib)
	s := newSpy(tg.g)
	s.before = func(op string, n int, in any) error {
		if op == "UploadMultipartPart" && partNumber(t, in, mib) == 1 {
			// A corrupted part: the service's checksum check fails.
			in.(*firn.UploadMultipartPartInput).Checksum = testkit.TreeHashHex(nil)
		}
		return nil
	}
	u := &client.Uploader{PartSize: mib, Concurrency: 1, Sleep: noSleep(t)}
	_, err := u.Upload(t.Context(), client.NewAccount(s, "").Vault("v"), bytes.NewReader(data), "")
	checkErr(t, true, err, firn.ErrInvalidParameterValue)
	if s.n("UploadMultipartPart") != 2 || s.n("AbortMultipartUpload") != 1 {
		t.Errorf("%d part uploads and %d aborts, want 2 and 1", s.n("UploadMultipartPart"), s.n("AbortMultipartUpload"))
	}
	wantNoUploads(t, tg, "v")
	wantUnchanged(t, tg, "", before)
}

func testResUploaderCancel(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	before := snapshot(t, tg, "")
	data := random(6 * mib)
	for _, body := range []io.Reader{bytes.NewReader(data), onlyReader{bytes.NewReader(data)}} {
		ctx, cancel := context.WithCancel(t.Context())
		s := newSpy(tg.g)
		s.before = func(op string, n int, in any) error {
			if op == "UploadMultipartPart" && n == 2 {
				cancel()
				return context.Canceled
			}
			return nil
		}
		u := &client.Uploader{PartSize: mib, Concurrency: 1, Sleep: noSleep(t)}
		_, err := u.Upload(ctx, client.NewAccount(s, "").Vault("v"), body, "")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Upload: %v, want context.Canceled", err)
		}
		if n := s.n("UploadMultipartPart"); n != 2 {
			t.Errorf("%d part uploads, want 2", n)
		}
		if s.n("AbortMultipartUpload") != 1 {
			t.Errorf("the cancelled upload was not aborted")
		}
	}
	wantNoUploads(t, tg, "v")
	wantUnchanged(t, tg, "", before)
}

// failingReaderAt fails ReadAt beyond limit.
type failingReaderAt struct {
	*bytes.Reader
	limit int64
}

func (r failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.limit {
		return 0, errors.New("bad sector")
	}
	return r.Reader.ReadAt(p, off)
}

func testResUploaderReadError(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	before := snapshot(t, tg, "")
	data := random(4 * mib)
	for _, body := range []io.Reader{
		io.MultiReader(bytes.NewReader(data[:mib+mib/2]), iotest.ErrReader(errors.New("bad sector"))),
		failingReaderAt{bytes.NewReader(data), 2 * mib},
	} {
		s := newSpy(tg.g)
		u := &client.Uploader{PartSize: mib, Concurrency: 1, Sleep: noSleep(t)}
		_, err := u.Upload(t.Context(), client.NewAccount(s, "").Vault("v"), body, "")
		if err == nil || !strings.Contains(err.Error(), "bad sector") {
			t.Errorf("Upload of a failing body (%T): %v, want the read error", body, err)
		}
		if s.n("AbortMultipartUpload") != 1 || s.n("CompleteMultipartUpload") != 0 {
			t.Errorf("%T: %d aborts and %d completions, want 1 and 0", body, s.n("AbortMultipartUpload"), s.n("CompleteMultipartUpload"))
		}
	}
	// A body that fails before its first part is complete uploads nothing.
	s := newSpy(tg.g)
	_, err := (&client.Uploader{PartSize: mib}).Upload(t.Context(), client.NewAccount(s, "").Vault("v"), io.MultiReader(bytes.NewReader(data[:10]), iotest.ErrReader(errors.New("bad sector"))), "")
	if err == nil || !strings.Contains(err.Error(), "bad sector") || s.n("InitiateMultipartUpload")+s.n("UploadArchive") != 0 {
		t.Errorf("Upload of a body failing at once: %v after %d calls", err, s.n("InitiateMultipartUpload")+s.n("UploadArchive"))
	}
	wantNoUploads(t, tg, "v")
	wantUnchanged(t, tg, "", before)
}

// aheadReader checks, at every Read, that it is read less than max bytes
// ahead of the parts that the spy has seen uploaded: with max the bytes of
// Concurrency parts, that the buffer being filled and those of the parts
// in flight are at most Concurrency.
type aheadReader struct {
	t    *testing.T
	r    io.Reader
	max  int64
	read int64
	mu   *sync.Mutex
	done *int64
}

func (a *aheadReader) Read(p []byte) (int, error) {
	a.mu.Lock()
	if ahead := a.read - *a.done; ahead >= a.max {
		a.t.Errorf("read %d bytes ahead of the uploaded parts, want less than %d", ahead, a.max)
	}
	a.mu.Unlock()
	n, err := a.r.Read(p)
	a.read += int64(n)
	return n, err
}

func testResUploaderBoundedBuffers(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := random(12 * mib)
	const concurrency = 3
	var (
		mu   sync.Mutex
		done int64
	)
	s := newSpy(tg.g)
	s.before = func(op string, n int, in any) error {
		if op == "UploadMultipartPart" {
			// Let the parts pile up so that the reader could run ahead.
			time.Sleep(time.Millisecond)
		}
		return nil
	}
	s.after = func(op string, in any) {
		if op == "UploadMultipartPart" {
			mu.Lock()
			done += mib
			mu.Unlock()
		}
	}
	body := &aheadReader{t: t, r: bytes.NewReader(data), max: concurrency * mib, mu: &mu, done: &done}
	u := &client.Uploader{PartSize: mib, Concurrency: concurrency, Sleep: noSleep(t)}
	a, err := u.Upload(t.Context(), client.NewAccount(s, "").Vault("v"), onlyReader{body}, "")
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if p := s.peakInflight("UploadMultipartPart"); p > concurrency {
		t.Errorf("%d parts in flight at once, want at most %d", p, concurrency)
	}
	wantArchive(t, tg, "", "v", a.ID(), data, "")
}

func testResUploaderBadOptions(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	before := snapshot(t, tg, "")
	s := newSpy(tg.g)
	v := client.NewAccount(s, "").Vault("v")
	for _, tc := range []struct {
		u       client.Uploader
		mention string
	}{
		{client.Uploader{PartSize: 3 * mib}, "PartSize"},
		{client.Uploader{PartSize: mib / 2}, "PartSize"},
		{client.Uploader{PartSize: 8 << 30}, "PartSize"},
		{client.Uploader{PartSize: -mib}, "PartSize"},
		{client.Uploader{Threshold: -1}, "Threshold"},
		{client.Uploader{Threshold: 4<<30 + 1}, "Threshold"},
		{client.Uploader{Concurrency: -1}, "Concurrency"},
		{client.Uploader{MaxAttempts: -1}, "MaxAttempts"},
		{client.Uploader{RetryDelay: -time.Second}, "RetryDelay"},
	} {
		_, err := tc.u.Upload(t.Context(), v, bytes.NewReader(testkit.Pattern(10)), "")
		checkErr(t, true, err, firn.ErrInvalidParameterValue, tc.mention)
	}
	if n := s.n("UploadArchive") + s.n("InitiateMultipartUpload"); n != 0 {
		t.Errorf("bad options made %d calls", n)
	}
	wantUnchanged(t, tg, "", before)
}
