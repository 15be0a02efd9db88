package conformance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

var archiveRules = []rule{
	{"Upload/Output", testUploadOutput},
	{"Upload/TreeHashVectors", testUploadTreeHashVectors},
	{"Upload/DistinctIDs", testUploadDistinctIDs},
	{"Upload/Counts", testUploadCounts},
	{"Upload/OtherAccount", testUploadOtherAccount},
	{"Upload/ChecksumOptional", testUploadChecksumOptional},
	{"Upload/ChecksumMismatch", testUploadChecksumMismatch},
	{"Upload/Descriptions", testUploadDescriptions},
	{"Upload/InvalidDescriptions", testUploadInvalidDescriptions},
	{"Upload/EmptyBody", testUploadEmptyBody},
	{"Upload/SizeLimit", testUploadSizeLimit},
	{"Upload/BodyReadError", testUploadBodyReadError},
	{"ReadBack", testReadBack},
	{"DeleteArchive/Basic", testDeleteArchive},
	{"DeleteArchive/Unknown", testDeleteArchiveUnknown},
	{"Concurrency", testArchiveConcurrency},
}

const mib = 1 << 20

// wantNoArchive checks that an archive cannot be retrieved.
func wantNoArchive(t *testing.T, tg *target, account, vault, archiveID string) {
	t.Helper()
	out, err := tg.g.InitiateJob(t.Context(), &firn.InitiateJobInput{AccountId: account, VaultName: vault,
		JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: archiveID}})
	wantErr(t, out, err, firn.ErrResourceNotFound)
}

func mustDeleteArchive(t *testing.T, tg *target, account, vault, archiveID string) {
	t.Helper()
	must[firn.DeleteArchiveOutput](t, "DeleteArchive")(tg.g.DeleteArchive(t.Context(),
		&firn.DeleteArchiveInput{AccountId: account, VaultName: vault, ArchiveId: archiveID}))
}

func testUploadOutput(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := []byte("hello world")
	for _, account := range []string{"", "-", tg.account} {
		out := upload(t, tg, account, "v", data, "greeting")
		if want := "/" + tg.account + "/vaults/v/archives/" + out.ArchiveId; out.Location != want {
			t.Errorf("Location %q, want %q", out.Location, want)
		}
		if out.Checksum != "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9" {
			t.Errorf("Checksum %q", out.Checksum)
		}
		wantArchive(t, tg, account, "v", out.ArchiveId, data, "greeting")
	}
	wantCounts(t, tg, "", "v", 3, 33)
}

func testUploadTreeHashVectors(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	var count, size int64
	for _, c := range []struct {
		what     string
		data     []byte
		treeHash string
		readBack bool
	}{
		{"1 byte", testkit.Pattern(1), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", true},
		{"abcde", []byte("abcde"), "36bbe50ed96841d10443bcb670d6554f0a34b761be67ec9c4a8ad2c0c44ca42c", false},
		{"1 MiB - 1", testkit.Pattern(mib - 1), "8b55c6a2d3444092a316985030e00c1e6f8608eaf912c896dee7c374d440ed11", false},
		{"1 MiB", testkit.Pattern(mib), "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769", true},
		{"1 MiB + 1", testkit.Pattern(mib + 1), "a9c574ce937d2371daf87cdd0e75396b096d7f74a66c764e4c656bd12b2e7bf9", true},
		{"2 MiB", testkit.Pattern(2 * mib), "bf4dff263ae686b64403208c35a3767e38453d6477e841947588d13d04e1d816", false},
		{"3 MiB", testkit.Pattern(3 * mib), "2e7d51c0ffe06ce95fe74beed9a4ab35d18837f4ab2a9f4f066a60359eb999a1", false},
		{"4 MiB", testkit.Pattern(4 * mib), "c7d749cd55cefa8ed8fbc208202e18d019b7701f29886f7c5d662d77b3903833", false},
		{"5 MiB + 123", testkit.Pattern(5*mib + 123), "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182", true},
		{"5.5 MiB of '0'", bytes.Repeat([]byte("0"), 5*mib+mib/2), "154e26c78fd74d0c2c9b3cc4644191619dc4f2cd539ae2a74d5fd07957a3ee6a", false},
		{"8 MiB + 1", testkit.Pattern(8*mib + 1), "0fddee2110ee2a152f3994e21e69cb39d22b4a43a0d05074b7a774310dd56d23", true},
	} {
		t.Run(c.what, func(t *testing.T) {
			if got := testkit.TreeHashHex(c.data); got != c.treeHash {
				t.Fatalf("the suite's own tree hash is %s, want %s", got, c.treeHash)
			}
			out := upload(t, tg, "", "v", c.data, c.what)
			if out.Checksum != c.treeHash {
				t.Errorf("Checksum %s, want %s", out.Checksum, c.treeHash)
			}
			count++
			size += int64(len(c.data))
			if c.readBack {
				wantArchive(t, tg, "", "v", out.ArchiveId, c.data, c.what)
			}
		})
	}
	wantCounts(t, tg, "", "v", count, size)
}

func testUploadDistinctIDs(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, "", "w")
	data := testkit.Pattern(4096)
	seen := map[string]bool{}
	for i := range 10 {
		out := upload(t, tg, "", []string{"v", "w"}[i%2], data, "same bytes")
		if seen[out.ArchiveId] {
			t.Errorf("upload %d: ArchiveId %q reused", i, out.ArchiveId)
		}
		seen[out.ArchiveId] = true
	}
	wantCounts(t, tg, "", "v", 5, 5*4096)
	wantCounts(t, tg, "", "w", 5, 5*4096)
}

func testUploadCounts(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, "", "empty")
	var n, size int64
	for _, sz := range []int{1, 2, 1000, mib - 1, mib, mib + 1, 3*mib + 17} {
		upload(t, tg, "", "v", random(sz), "")
		n++
		size += int64(sz)
		wantCounts(t, tg, "", "v", n, size)
	}
	wantCounts(t, tg, "", "empty", 0, 0)
	st := snapshot(t, tg, "")
	if len(st) != 2 || st[1].Vault.NumberOfArchives != n || st[1].Vault.SizeInBytes != size {
		t.Errorf("ListVaults: %+v, want v with %d archives of %d bytes", st, n, size)
	}
}

func testUploadOtherAccount(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, tenantA, "v")
	data := testkit.Pattern(2*mib + 5)
	out := upload(t, tg, tenantA, "v", data, "tenant")
	if want := "/" + tenantA + "/vaults/v/archives/" + out.ArchiveId; out.Location != want {
		t.Errorf("Location %q, want %q", out.Location, want)
	}
	wantCounts(t, tg, tenantA, "v", 1, int64(len(data)))
	wantCounts(t, tg, "", "v", 0, 0)
	wantArchive(t, tg, tenantA, "v", out.ArchiveId, data, "tenant")
	wantNoArchive(t, tg, "", "v", out.ArchiveId)
}

func testUploadChecksumOptional(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := random(mib + 100)
	out := must[firn.UploadArchiveOutput](t, "UploadArchive")(tg.g.UploadArchive(t.Context(),
		&firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)}))
	if msg := checkUploadOutput(tg, "", "v", data, out); msg != "" {
		t.Error(msg)
	}
	wantArchive(t, tg, "", "v", out.ArchiveId, data, "")
}

func testUploadChecksumMismatch(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	upload(t, tg, "", "v", testkit.Pattern(10), "")
	data := testkit.Pattern(2*mib + 1)
	linear := sha256.Sum256(data)
	before := snapshot(t, tg, "")
	good := testkit.TreeHashHex(data)
	offByOne := good[:63] + "0"
	if good[63] == '0' {
		offByOne = good[:63] + "1"
	}
	for _, c := range []struct{ what, checksum string }{
		{"other data", testkit.TreeHashHex(testkit.Pattern(2 * mib))},
		{"linear SHA-256", hex.EncodeToString(linear[:])},
		{"last digit off", offByOne},
		{"not hex", strings.Repeat("z", 64)},
		{"short", good[:10]},
		{"63 digits", good[:63]},
		{"65 digits", good + "0"},
	} {
		t.Run(c.what, func(t *testing.T) {
			out, err := tg.g.UploadArchive(t.Context(), &firn.UploadArchiveInput{VaultName: "v", Checksum: c.checksum, Body: bytes.NewReader(data)})
			wantErr(t, out, err, firn.ErrInvalidParameterValue, "checksum")
		})
	}
	wantUnchanged(t, tg, "", before)
}

// printable is every printable ASCII character, starting and ending with a
// non-space so that no transport trims it.
var printable = func() string {
	var b strings.Builder
	for c := byte('!'); c <= '~'; c++ {
		b.WriteByte(c)
		if c == 'M' {
			b.WriteByte(' ')
		}
	}
	return b.String()
}()

func testUploadDescriptions(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	long := strings.Repeat(printable, 11)[:1024]
	for _, desc := range []string{"", "a", "my archive: 2026-01-02 (v1)", printable, long} {
		data := testkit.Pattern(len(desc) + 1)
		out := upload(t, tg, "", "v", data, desc)
		wantArchive(t, tg, "", "v", out.ArchiveId, data, desc)
	}
	// Leading and trailing spaces and tabs are dropped, as the HTTP header
	// that carries the description drops them; inner ones are kept.
	for _, c := range []struct{ desc, want string }{
		{"  leading", "leading"},
		{"trailing  ", "trailing"},
		{"  inner  spaces  ", "inner  spaces"},
		{"   ", ""},
		{"\tx\t", "x"},
		{" " + long + " ", long},
	} {
		data := testkit.Pattern(len(c.desc) + 2)
		out := upload(t, tg, "", "v", data, c.desc)
		wantArchive(t, tg, "", "v", out.ArchiveId, data, c.want)
	}
}

func testUploadInvalidDescriptions(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	upload(t, tg, "", "v", testkit.Pattern(10), "")
	before := snapshot(t, tg, "")
	for _, c := range []struct{ what, desc string }{
		{"1025 chars", strings.Repeat("d", 1025)},
		{"4096 chars", strings.Repeat("d", 4096)},
		{"tab", "a\tb"},
		{"newline", "a\nb"},
		{"carriage return", "a\rb"},
		{"NUL", "a\x00b"},
		{"DEL", "a\x7fb"},
		{"latin-1", "café"},
		{"CJK", "日本語"},
		{"byte 0x80", "a\x80b"},
		{"byte 0xff", "a\xffb"},
		{"1024 chars ending in DEL", strings.Repeat("d", 1023) + "\x7f"},
	} {
		t.Run(c.what, func(t *testing.T) {
			out, err := uploadE(t.Context(), tg, "", "v", testkit.Pattern(100), c.desc)
			wantErr(t, out, err, firn.ErrInvalidParameterValue, "description")
		})
	}
	wantUnchanged(t, tg, "", before)
}

func testUploadEmptyBody(t *testing.T, tg *target) {
	ctx := t.Context()
	mustCreateVault(t, tg, "", "v")
	before := snapshot(t, tg, "")
	for _, checksum := range []string{"", testkit.TreeHashHex(nil)} {
		out, err := tg.g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Checksum: checksum, Body: bytes.NewReader(nil)})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "archive")
	}
	out, err := tg.g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v"})
	if c := firn.CodeOf(err); c != firn.CodeInvalidParameterValue && c != firn.CodeMissingParameterValue {
		t.Errorf("UploadArchive with a nil Body: %v, want %s or %s", err, firn.CodeInvalidParameterValue, firn.CodeMissingParameterValue)
	}
	if out != nil {
		t.Errorf("UploadArchive with a nil Body returned %+v", out)
	}
	wantUnchanged(t, tg, "", before)
}

func testUploadSizeLimit(t *testing.T, tg *target) {
	if tg.withLimits == nil {
		t.Skip("target's limits are fixed")
	}
	const limit = 2 * mib
	tg = tg.withLimits(t, Limits{MaxArchiveSize: limit})
	mustCreateVault(t, tg, "", "v")
	data := random(limit)
	at := upload(t, tg, "", "v", data, "at the limit")
	before := snapshot(t, tg, "")
	for _, n := range []int{limit + 1, limit + mib} {
		out, err := uploadE(t.Context(), tg, "", "v", random(n), "over")
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "archive")
		out, err = tg.g.UploadArchive(t.Context(), &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(random(n))})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "archive")
	}
	wantUnchanged(t, tg, "", before)
	wantArchive(t, tg, "", "v", at.ArchiveId, data, "at the limit")
}

func testUploadBodyReadError(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	upload(t, tg, "", "v", testkit.Pattern(10), "")
	before := snapshot(t, tg, "")
	for _, n := range []int{0, 1000, mib + mib/2} {
		out, err := tg.g.UploadArchive(t.Context(), &firn.UploadArchiveInput{VaultName: "v",
			Body: io.MultiReader(bytes.NewReader(testkit.Pattern(n)), iotest.ErrReader(errors.New("connection reset")))})
		var fe *firn.Error
		if !errors.As(err, &fe) {
			t.Errorf("UploadArchive with a failing body after %d bytes: %v, want a *firn.Error", n, err)
		}
		if out != nil {
			t.Errorf("UploadArchive with a failing body returned %+v", out)
		}
	}
	// A truncated body with the checksum of the whole is a mismatch.
	data := testkit.Pattern(mib + 10)
	out, err := tg.g.UploadArchive(t.Context(), &firn.UploadArchiveInput{VaultName: "v", Checksum: testkit.TreeHashHex(data),
		Body: io.LimitReader(bytes.NewReader(data), mib)})
	wantErr(t, out, err, firn.ErrInvalidParameterValue)
	wantUnchanged(t, tg, "", before)
}

func testReadBack(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	type archive struct {
		id, desc string
		data     []byte
	}
	var archives []archive
	for i, data := range [][]byte{testkit.Pattern(1), random(1), random(777), random(mib), testkit.Pattern(5*mib + 123), random(3*mib + 7),
		bytes.Repeat([]byte{0}, 2*mib+1)} {
		desc := fmt.Sprintf("archive %d", i)
		archives = append(archives, archive{upload(t, tg, "", "v", data, desc).ArchiveId, desc, data})
	}
	// Read in reverse order, and one twice.
	for _, a := range slices.Backward(archives) {
		wantArchive(t, tg, "", "v", a.id, a.data, a.desc)
	}
	wantArchive(t, tg, "", "v", archives[4].id, archives[4].data, archives[4].desc)
}

func testDeleteArchive(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	a := upload(t, tg, "", "v", testkit.Pattern(10), "a")
	b := upload(t, tg, "", "v", testkit.Pattern(2*mib), "b")
	c := upload(t, tg, "", "v", testkit.Pattern(30), "c")
	wantCounts(t, tg, "", "v", 3, 2*mib+40)

	mustDeleteArchive(t, tg, "", "v", b.ArchiveId)
	wantCounts(t, tg, "", "v", 2, 40)
	wantNoArchive(t, tg, "", "v", b.ArchiveId)
	before := snapshot(t, tg, "")
	for _, account := range []string{"", "-", tg.account} {
		mustDeleteArchive(t, tg, account, "v", b.ArchiveId) // idempotent
	}
	wantUnchanged(t, tg, "", before)
	wantArchive(t, tg, "", "v", a.ArchiveId, testkit.Pattern(10), "a")
	wantArchive(t, tg, "", "v", c.ArchiveId, testkit.Pattern(30), "c")

	mustDeleteArchive(t, tg, "-", "v", a.ArchiveId)
	mustDeleteArchive(t, tg, tg.account, "v", c.ArchiveId)
	wantCounts(t, tg, "", "v", 0, 0)
	wantNoArchive(t, tg, "", "v", a.ArchiveId)
	mustDeleteArchive(t, tg, "", "v", c.ArchiveId)
	must[firn.DeleteVaultOutput](t, "DeleteVault")(tg.g.DeleteVault(t.Context(), &firn.DeleteVaultInput{VaultName: "v"}))
}

func testDeleteArchiveUnknown(t *testing.T, tg *target) {
	for _, account := range []string{"", tenantA} {
		mustCreateVault(t, tg, account, "v")
	}
	mustCreateVault(t, tg, "", "w")
	kept := upload(t, tg, "", "v", testkit.Pattern(100), "kept")
	inW := upload(t, tg, "", "w", testkit.Pattern(200), "in w")
	inTenant := upload(t, tg, tenantA, "v", testkit.Pattern(300), "in tenant")
	before := snapshot(t, tg, "")
	beforeA := snapshot(t, tg, tenantA)
	for _, c := range []struct{ what, id string }{
		{"malformed", "not-an-archive-id"},
		{"short", "x"},
		{"138 A", strings.Repeat("A", 138)},
		{"mangled", kept.ArchiveId + "x"},
		{"prefix", kept.ArchiveId[:len(kept.ArchiveId)/2]},
		{"other vault", inW.ArchiveId},
		{"other account", inTenant.ArchiveId},
	} {
		t.Run(c.what, func(t *testing.T) {
			out, err := tg.g.DeleteArchive(t.Context(), &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: c.id})
			wantErr(t, out, err, firn.ErrResourceNotFound, c.id)
		})
	}
	out, err := tg.g.DeleteArchive(t.Context(), &firn.DeleteArchiveInput{VaultName: "v"})
	wantErr(t, out, err, firn.ErrMissingParameterValue, "archiveid")
	wantUnchanged(t, tg, "", before)
	wantUnchanged(t, tg, tenantA, beforeA)
	wantArchive(t, tg, "", "v", kept.ArchiveId, testkit.Pattern(100), "kept")
	wantArchive(t, tg, "", "w", inW.ArchiveId, testkit.Pattern(200), "in w")
	wantArchive(t, tg, tenantA, "v", inTenant.ArchiveId, testkit.Pattern(300), "in tenant")
}

// testArchiveConcurrency has 16 goroutines upload to one shared vault and
// to vaults of their own, deleting some, while others read.
func testArchiveConcurrency(t *testing.T, tg *target) {
	const workers, perWorker = 16, 4
	ctx := t.Context()
	vaultOf := func(w int) string {
		if w < workers/2 {
			return "shared"
		}
		return fmt.Sprintf("own-%02d", w)
	}
	for w := range workers {
		mustCreateVault(t, tg, "", vaultOf(w))
	}
	type archive struct {
		vault, id string
		data      []byte
	}
	kept := make([][]archive, workers)
	done := make(chan struct{})
	var readers, wg sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := tg.g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "shared"}); err != nil {
					t.Errorf("DescribeVault during uploads: %v", err)
					return
				}
				if _, err := tg.g.ListVaults(ctx, &firn.ListVaultsInput{Limit: 5}); err != nil {
					t.Errorf("ListVaults during uploads: %v", err)
					return
				}
			}
		})
	}
	for w := range workers {
		wg.Go(func() {
			vault := vaultOf(w)
			for j := range perWorker {
				size := w*100 + j*7 + 1
				if j == 0 {
					size += mib
				}
				data := random(size)
				out, err := uploadE(ctx, tg, "", vault, data, "")
				if err != nil {
					t.Errorf("worker %d: UploadArchive: %v", w, err)
					return
				}
				if msg := checkUploadOutput(tg, "", vault, data, out); msg != "" {
					t.Errorf("worker %d: %s", w, msg)
				}
				if j == 1 {
					if _, err := tg.g.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: vault, ArchiveId: out.ArchiveId}); err != nil {
						t.Errorf("worker %d: DeleteArchive: %v", w, err)
					}
					continue
				}
				kept[w] = append(kept[w], archive{vault, out.ArchiveId, data})
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
	if t.Failed() {
		return
	}

	counts := map[string][2]int64{}
	ids := map[string]bool{}
	for _, as := range kept {
		for _, a := range as {
			c := counts[a.vault]
			counts[a.vault] = [2]int64{c[0] + 1, c[1] + int64(len(a.data))}
			if ids[a.id] {
				t.Errorf("ArchiveId %q returned twice", a.id)
			}
			ids[a.id] = true
		}
	}
	for vault, c := range counts {
		wantCounts(t, tg, "", vault, c[0], c[1])
	}
	if n := counts["shared"][0]; n != workers/2*(perWorker-1) {
		t.Errorf("%d archives kept in shared, want %d", n, workers/2*(perWorker-1))
	}
	for _, as := range kept {
		for _, a := range as {
			wantArchive(t, tg, "", a.vault, a.id, a.data, "")
		}
	}
}
