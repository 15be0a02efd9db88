package conformance

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

var multipartRules = []rule{
	{"Initiate/Output", testMPInitiateOutput},
	{"Initiate/PartSizes", testMPInitiatePartSizes},
	{"Initiate/InvalidPartSizes", testMPInitiateInvalidPartSizes},
	{"Initiate/Descriptions", testMPInitiateDescriptions},
	{"MissingVault", testMPMissingVault},
	{"UnknownUpload", testMPUnknownUpload},
	{"UploadPart/Checksum", testMPUploadPartChecksum},
	{"UploadPart/InvalidRange", testMPUploadPartInvalidRange},
	{"UploadPart/RangeRules", testMPUploadPartRangeRules},
	{"UploadPart/BodyLength", testMPUploadPartBodyLength},
	{"UploadPart/Replace", testMPUploadPartReplace},
	{"UploadPart/ShortPartNotLast", testMPShortPartNotLast},
	{"UploadPart/Concurrent", testMPConcurrentParts},
	{"Complete/Archive", testMPCompleteArchive},
	{"Complete/SinglePart", testMPCompleteSinglePart},
	{"Complete/Idempotent", testMPCompleteIdempotent},
	{"Complete/Invalid", testMPCompleteInvalid},
	{"Abort", testMPAbort},
	{"ListParts/Fields", testMPListPartsFields},
	{"ListParts/Pages", testMPListPartsPages},
	{"ListParts/InvalidPaging", testMPListPartsInvalidPaging},
	{"ListMultipartUploads/Fields", testMPListUploadsFields},
	{"ListMultipartUploads/Pages", testMPListUploadsPages},
	{"ListMultipartUploads/InvalidPaging", testMPListUploadsInvalidPaging},
	{"Expiry", testMPExpiry},
	{"OtherAccount", testMPOtherAccount},
	{"DeleteVault", testMPDeleteVault},
	{"Reopen", testMPReopen},
	{"AccessPolicy", testMPAccessPolicy},
}

// Steps.

func mpInitiate(t *testing.T, tg *target, account, vault string, partSize int64, desc string) string {
	t.Helper()
	out := must[firn.InitiateMultipartUploadOutput](t, "InitiateMultipartUpload")(tg.g.InitiateMultipartUpload(t.Context(),
		&firn.InitiateMultipartUploadInput{AccountId: account, VaultName: vault, PartSize: partSize, ArchiveDescription: desc}))
	if out.UploadId == "" {
		t.Fatal("InitiateMultipartUpload: empty UploadId")
	}
	if want := tg.vaultLocation(account, vault) + "/multipart-uploads/" + out.UploadId; out.Location != want {
		t.Errorf("InitiateMultipartUpload: Location %q, want %q", out.Location, want)
	}
	return out.UploadId
}

// mpRange is the Range of the part of data at start.
func mpRange(start int64, data []byte) string {
	return fmt.Sprintf("bytes %d-%d/*", start, start+int64(len(data))-1)
}

func mpUploadPartE(t *testing.T, tg *target, account, vault, id string, start int64, data []byte) (*firn.UploadMultipartPartOutput, error) {
	return tg.g.UploadMultipartPart(t.Context(), &firn.UploadMultipartPartInput{
		AccountId: account, VaultName: vault, UploadId: id,
		Range: mpRange(start, data), Checksum: testkit.TreeHashHex(data), Body: bytes.NewReader(data),
	})
}

func mpUploadPart(t *testing.T, tg *target, account, vault, id string, start int64, data []byte) {
	t.Helper()
	out, err := mpUploadPartE(t, tg, account, vault, id, start, data)
	if err != nil {
		t.Fatalf("UploadMultipartPart %s: %v", mpRange(start, data), err)
	}
	if out.Checksum != testkit.TreeHashHex(data) {
		t.Errorf("UploadMultipartPart %s: Checksum %q, want %s", mpRange(start, data), out.Checksum, testkit.TreeHashHex(data))
	}
}

// mpUploadAll uploads data in parts of partSize, last part first.
func mpUploadAll(t *testing.T, tg *target, account, vault, id string, data []byte, partSize int) {
	t.Helper()
	for off := (len(data) - 1) / partSize * partSize; off >= 0; off -= partSize {
		mpUploadPart(t, tg, account, vault, id, int64(off), data[off:min(off+partSize, len(data))])
	}
}

func mpCompleteE(t *testing.T, tg *target, account, vault, id string, size int64, checksum string) (*firn.CompleteMultipartUploadOutput, error) {
	return tg.g.CompleteMultipartUpload(t.Context(), &firn.CompleteMultipartUploadInput{
		AccountId: account, VaultName: vault, UploadId: id, ArchiveSize: size, Checksum: checksum,
	})
}

func mpComplete(t *testing.T, tg *target, account, vault, id string, data []byte) *firn.CompleteMultipartUploadOutput {
	t.Helper()
	out := must[firn.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(mpCompleteE(t, tg, account, vault, id, int64(len(data)), testkit.TreeHashHex(data)))
	if out.ArchiveId == "" {
		t.Error("CompleteMultipartUpload: empty ArchiveId")
	}
	if out.Checksum != testkit.TreeHashHex(data) {
		t.Errorf("CompleteMultipartUpload: Checksum %q, want %s", out.Checksum, testkit.TreeHashHex(data))
	}
	if want := tg.vaultLocation(account, vault) + "/archives/" + out.ArchiveId; out.Location != want {
		t.Errorf("CompleteMultipartUpload: Location %q, want %q", out.Location, want)
	}
	return out
}

func mpAbort(t *testing.T, tg *target, account, vault, id string) {
	t.Helper()
	must[firn.AbortMultipartUploadOutput](t, "AbortMultipartUpload")(tg.g.AbortMultipartUpload(t.Context(),
		&firn.AbortMultipartUploadInput{AccountId: account, VaultName: vault, UploadId: id}))
}

// mpParts lists every part of an upload with the paginator.
func mpParts(t *testing.T, tg *target, account, vault, id string, limit int32) []firn.PartListElement {
	t.Helper()
	var parts []firn.PartListElement
	for p, err := range firn.AllParts(t.Context(), tg.g, firn.ListPartsInput{AccountId: account, VaultName: vault, UploadId: id, Limit: limit}) {
		if err != nil {
			t.Fatalf("ListParts: %v", err)
		}
		parts = append(parts, p)
	}
	return parts
}

// mpUploads lists the IDs of every upload in progress with the paginator.
func mpUploads(t *testing.T, tg *target, account, vault string, limit int32) []string {
	t.Helper()
	var ids []string
	for u, err := range firn.AllMultipartUploads(t.Context(), tg.g, firn.ListMultipartUploadsInput{AccountId: account, VaultName: vault, Limit: limit}) {
		if err != nil {
			t.Fatalf("ListMultipartUploads: %v", err)
		}
		ids = append(ids, u.MultipartUploadId)
	}
	return ids
}

// wantParts checks an upload's parts: ranges START-END and the tree hashes
// of the given bytes, in order.
func wantParts(t *testing.T, tg *target, account, vault, id string, want map[int64][]byte) {
	t.Helper()
	starts := make([]int64, 0, len(want))
	for s := range want {
		starts = append(starts, s)
	}
	slices.Sort(starts)
	var exp []firn.PartListElement
	for _, s := range starts {
		exp = append(exp, firn.PartListElement{RangeInBytes: fmt.Sprintf("%d-%d", s, s+int64(len(want[s]))-1), SHA256TreeHash: testkit.TreeHashHex(want[s])})
	}
	if got := mpParts(t, tg, account, vault, id, 0); !reflect.DeepEqual(got, exp) {
		t.Errorf("parts of %.16s…: %+v, want %+v", id, got, exp)
	}
}

// wantListPartsFails checks that an upload's parts cannot be listed.
func wantListPartsFails(t *testing.T, tg *target, account, vault, id string, want *firn.Error, mentions ...string) {
	t.Helper()
	out, err := tg.g.ListParts(t.Context(), &firn.ListPartsInput{AccountId: account, VaultName: vault, UploadId: id})
	wantErr(t, out, err, want, mentions...)
}

// Cases.

func testMPInitiateOutput(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	ids := map[string]bool{}
	for _, account := range []string{"", "-", tg.account} {
		id := mpInitiate(t, tg, account, "v", mib, "")
		if ids[id] {
			t.Errorf("UploadId %s returned twice", id)
		}
		ids[id] = true
	}
	if got := mpUploads(t, tg, "", "v", 0); len(got) != 3 {
		t.Errorf("ListMultipartUploads: %d uploads, want 3", len(got))
	}
}

func testMPInitiatePartSizes(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	want := map[string]int64{}
	for n := int64(mib); n <= 4<<30; n *= 2 {
		want[mpInitiate(t, tg, "", "v", n, "")] = n
	}
	got := map[string]int64{}
	for u, err := range firn.AllMultipartUploads(t.Context(), tg.g, firn.ListMultipartUploadsInput{VaultName: "v"}) {
		if err != nil {
			t.Fatal(err)
		}
		got[u.MultipartUploadId] = u.PartSizeInBytes
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("part sizes listed: %v, want %v", got, want)
	}
}

func testMPInitiateInvalidPartSizes(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	out, err := tg.g.InitiateMultipartUpload(t.Context(), &firn.InitiateMultipartUploadInput{VaultName: "v"})
	wantErr(t, out, err, firn.ErrMissingParameterValue, "PartSize")
	for _, n := range []int64{-mib, 1, mib - 1, mib + 1, 3 * mib, 5 * mib, 1000000, 8 << 30, 1 << 40} {
		out, err := tg.g.InitiateMultipartUpload(t.Context(), &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: n})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "PartSize")
	}
	if got := mpUploads(t, tg, "", "v", 0); len(got) != 0 {
		t.Errorf("rejected initiations created uploads %v", got)
	}
}

func testMPInitiateDescriptions(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	descs := []string{"", "x", "my archive: 2026-01-02 (v1) ~!@#$%^&*()_+", strings.Repeat("d", 1024), printable}
	for _, d := range descs {
		id := mpInitiate(t, tg, "", "v", mib, d)
		lp := must[firn.ListPartsOutput](t, "ListParts")(tg.g.ListParts(t.Context(), &firn.ListPartsInput{VaultName: "v", UploadId: id}))
		if lp.ArchiveDescription != d {
			t.Errorf("ListParts ArchiveDescription %q, want %q", lp.ArchiveDescription, d)
		}
	}
	// The developer guide: leading whitespace is removed. Trailing spaces
	// and tabs go too, as the HTTP header that carries the description
	// drops them; the description is then that of the archive.
	trimmed := []struct{ desc, want string }{
		{"  leading", "leading"},
		{"trailing  ", "trailing"},
		{" \t inner  spaces \t ", "inner  spaces"},
		{"   ", ""},
		{" " + strings.Repeat("d", 1024) + " ", strings.Repeat("d", 1024)},
	}
	for _, c := range trimmed {
		id := mpInitiate(t, tg, "", "v", mib, c.desc)
		lp := must[firn.ListPartsOutput](t, "ListParts")(tg.g.ListParts(t.Context(), &firn.ListPartsInput{VaultName: "v", UploadId: id}))
		if lp.ArchiveDescription != c.want {
			t.Errorf("initiated with %q: ListParts ArchiveDescription %q, want %q", c.desc, lp.ArchiveDescription, c.want)
		}
		for u, err := range firn.AllMultipartUploads(t.Context(), tg.g, firn.ListMultipartUploadsInput{VaultName: "v"}) {
			if err != nil {
				t.Fatalf("ListMultipartUploads: %v", err)
			}
			if u.MultipartUploadId == id && u.ArchiveDescription != c.want {
				t.Errorf("initiated with %q: ListMultipartUploads ArchiveDescription %q, want %q", c.desc, u.ArchiveDescription, c.want)
			}
		}
	}
	for _, d := range []string{strings.Repeat("d", 1025), "tab\there", "new\nline", "caf\u00e9", "\x7f", " \x7f "} {
		out, err := tg.g.InitiateMultipartUpload(t.Context(), &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: mib, ArchiveDescription: d})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "ArchiveDescription")
	}
	if got := mpUploads(t, tg, "", "v", 0); len(got) != len(descs)+len(trimmed) {
		t.Errorf("%d uploads in progress, want %d", len(got), len(descs)+len(trimmed))
	}
}

func testMPMissingVault(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "")
	ctx := t.Context()
	msg := tg.vaultNotFound("", "w")
	{
		out, err := tg.g.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "w", PartSize: mib})
		wantErr(t, out, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
	}
	{
		out, err := mpUploadPartE(t, tg, "", "w", id, 0, []byte("x"))
		wantErr(t, out, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
	}
	{
		out, err := mpCompleteE(t, tg, "", "w", id, 1, testkit.TreeHashHex([]byte("x")))
		wantErr(t, out, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
	}
	{
		out, err := tg.g.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "w", UploadId: id})
		wantErr(t, out, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
	}
	{
		out, err := tg.g.ListParts(ctx, &firn.ListPartsInput{VaultName: "w", UploadId: id})
		wantErr(t, out, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
	}
	{
		out, err := tg.g.ListMultipartUploads(ctx, &firn.ListMultipartUploadsInput{VaultName: "w"})
		wantErr(t, out, err, firn.ErrResourceNotFound)
		wantMessage(t, err, msg)
	}
	{
		out, err := tg.g.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "bad/name", PartSize: mib})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "VaultName")
	}
}

// testMPUnknownUpload checks every upload operation with upload IDs that
// name no upload of the vault.
func testMPUnknownUpload(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, "", "w")
	other := mpInitiate(t, tg, "", "w", mib, "")
	ctx := t.Context()
	for _, id := range []string{"01JGQ7Z3J4B8X6Y5W4V3T2S1R0", "no-such-upload", other} {
		{
			out, err := mpUploadPartE(t, tg, "", "v", id, 0, []byte("x"))
			wantErr(t, out, err, firn.ErrResourceNotFound, id)
		}
		{
			out, err := mpCompleteE(t, tg, "", "v", id, 1, testkit.TreeHashHex([]byte("x")))
			wantErr(t, out, err, firn.ErrResourceNotFound, id)
		}
		{
			out, err := tg.g.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: id})
			wantErr(t, out, err, firn.ErrResourceNotFound, id)
		}
		wantListPartsFails(t, tg, "", "v", id, firn.ErrResourceNotFound, id)
	}
	{
		out, err := tg.g.ListParts(ctx, &firn.ListPartsInput{VaultName: "v"})
		wantErr(t, out, err, firn.ErrMissingParameterValue, "UploadId")
	}
	{
		out, err := tg.g.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v"})
		wantErr(t, out, err, firn.ErrMissingParameterValue, "UploadId")
	}
	// The upload of the other vault is untouched.
	wantParts(t, tg, "", "w", other, nil)
}

func testMPUploadPartChecksum(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "")
	data := random(mib)
	wrong := testkit.TreeHashHex(data[1:])
	out, err := tg.g.UploadMultipartPart(t.Context(), &firn.UploadMultipartPartInput{
		VaultName: "v", UploadId: id, Range: mpRange(0, data), Checksum: wrong, Body: bytes.NewReader(data)})
	wantErr(t, out, err, firn.ErrInvalidParameterValue, "Checksum", wrong, testkit.TreeHashHex(data))
	out, err = tg.g.UploadMultipartPart(t.Context(), &firn.UploadMultipartPartInput{
		VaultName: "v", UploadId: id, Range: mpRange(0, data), Checksum: "abc", Body: bytes.NewReader(data)})
	wantErr(t, out, err, firn.ErrInvalidParameterValue, "Checksum")
	wantParts(t, tg, "", "v", id, nil)
	// Without a checksum the part is stored and its tree hash returned.
	ok := must[firn.UploadMultipartPartOutput](t, "UploadMultipartPart")(tg.g.UploadMultipartPart(t.Context(),
		&firn.UploadMultipartPartInput{VaultName: "v", UploadId: id, Range: mpRange(0, data), Body: bytes.NewReader(data)}))
	if ok.Checksum != testkit.TreeHashHex(data) {
		t.Errorf("Checksum %q, want %s", ok.Checksum, testkit.TreeHashHex(data))
	}
	mpUploadPart(t, tg, "", "v", id, 0, data)
	wantParts(t, tg, "", "v", id, map[int64][]byte{0: data})
}

func testMPUploadPartInvalidRange(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "")
	data := []byte("0123456789")
	out, err := tg.g.UploadMultipartPart(t.Context(), &firn.UploadMultipartPartInput{VaultName: "v", UploadId: id, Body: bytes.NewReader(data)})
	wantErr(t, out, err, firn.ErrMissingParameterValue, "Range")
	for _, r := range []string{
		"0-9", "bytes=0-9", "bytes 0-9", "bytes 0-9/10", "bytes 9-0/*", "bytes -9/*", "bytes 0-/*", "bytes a-9/*",
		"bytes 0-9/*/*", "bytes 00-9/*", "bytes +0-9/*", "bytes  0-9/*", "bytes 0 - 9/*",
	} {
		out, err := tg.g.UploadMultipartPart(t.Context(), &firn.UploadMultipartPartInput{
			VaultName: "v", UploadId: id, Range: r, Checksum: testkit.TreeHashHex(data), Body: bytes.NewReader(data)})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "Range")
	}
	wantParts(t, tg, "", "v", id, nil)
}

func testMPUploadPartRangeRules(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", 2*mib, "")
	for _, c := range []struct {
		start int64
		n     int
	}{
		{1, 10},                // not on a part boundary
		{mib, 10},              // on a MiB, not on a part boundary
		{0, 2*mib + 1},         // longer than a part
		{2 * mib, 4 * mib},     // two parts at once
		{10000 * 2 * mib, 1},   // part 10,001
		{20000 * 2 * mib, 100}, // far beyond
	} {
		out, err := mpUploadPartE(t, tg, "", "v", id, c.start, testkit.Pattern(c.n))
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "Range")
	}
	wantParts(t, tg, "", "v", id, nil)
	// Part 10,000, a short one: accepted, as any part may be the last.
	last := []byte("the end")
	mpUploadPart(t, tg, "", "v", id, 9999*2*mib, last)
	wantParts(t, tg, "", "v", id, map[int64][]byte{9999 * 2 * mib: last})
}

func testMPUploadPartBodyLength(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "")
	data := random(1000)
	for _, c := range []struct {
		name  string
		rng   string
		body  []byte
		label string
	}{
		{"shorter body", "bytes 0-1000/*", data, "Range"},
		{"longer body", "bytes 0-998/*", data, "Range"},
		{"much longer body", "bytes 0-9/*", random(mib + 1), "Range"},
		{"empty body", "bytes 0-9/*", nil, ""},
	} {
		out, err := tg.g.UploadMultipartPart(t.Context(), &firn.UploadMultipartPartInput{
			VaultName: "v", UploadId: id, Range: c.rng, Body: bytes.NewReader(c.body)})
		if c.label == "" {
			wantErr(t, out, err, firn.ErrInvalidParameterValue)
		} else {
			wantErr(t, out, err, firn.ErrInvalidParameterValue, c.label)
		}
	}
	wantParts(t, tg, "", "v", id, nil)
}

func testMPUploadPartReplace(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "replaced")
	a, b := random(mib), random(mib)
	tail, tail2 := random(100), random(200)
	mpUploadPart(t, tg, "", "v", id, 0, a)
	mpUploadPart(t, tg, "", "v", id, mib, tail)
	mpUploadPart(t, tg, "", "v", id, 0, b)
	mpUploadPart(t, tg, "", "v", id, 0, b)
	mpUploadPart(t, tg, "", "v", id, mib, tail2)
	wantParts(t, tg, "", "v", id, map[int64][]byte{0: b, mib: tail2})
	data := append(append([]byte(nil), b...), tail2...)
	out := mpComplete(t, tg, "", "v", id, data)
	wantArchive(t, tg, "", "v", out.ArchiveId, data, "replaced")
}

func testMPShortPartNotLast(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "")
	data := random(2*mib + 10)
	short := data[:mib-1]
	mpUploadPart(t, tg, "", "v", id, 0, short)
	mpUploadPart(t, tg, "", "v", id, mib, data[mib:2*mib])
	mpUploadPart(t, tg, "", "v", id, 2*mib, data[2*mib:])
	size := int64(len(short) + mib + 10)
	out, err := mpCompleteE(t, tg, "", "v", id, size, testkit.TreeHashHex(data))
	wantErr(t, out, err, firn.ErrInvalidParameterValue, "Range", fmt.Sprintf("0-%d", mib-2))
	// The upload stays open: replacing the short part fixes it.
	mpUploadPart(t, tg, "", "v", id, 0, data[:mib])
	done := mpComplete(t, tg, "", "v", id, data)
	wantArchive(t, tg, "", "v", done.ArchiveId, data, "")
}

func testMPConcurrentParts(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "concurrent")
	const parts, workers = 16, 4
	data := random(parts*mib - 3)
	var wg sync.WaitGroup
	errs := make(chan error, parts)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < parts; i += workers {
				p := data[i*mib : min((i+1)*mib, len(data))]
				if _, err := mpUploadPartE(t, tg, "", "v", id, int64(i)*mib, p); err != nil {
					errs <- fmt.Errorf("part %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	out := mpComplete(t, tg, "", "v", id, data)
	wantArchive(t, tg, "", "v", out.ArchiveId, data, "concurrent")
}

func testMPCompleteArchive(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	for _, c := range []struct {
		partSize int
		size     int
	}{
		{mib, 3*mib + 5},
		{2 * mib, 4 * mib},
		{4 * mib, 9*mib + 1},
	} {
		desc := fmt.Sprintf("%d in parts of %d", c.size, c.partSize)
		data := random(c.size)
		id := mpInitiate(t, tg, "", "v", int64(c.partSize), desc)
		mpUploadAll(t, tg, "", "v", id, data, c.partSize)
		out := mpComplete(t, tg, "", "v", id, data)
		wantArchive(t, tg, "", "v", out.ArchiveId, data, desc)
		wantListPartsFails(t, tg, "", "v", id, firn.ErrResourceNotFound, id)
	}
	wantCounts(t, tg, "", "v", 3, 3*mib+5+4*mib+9*mib+1)
	if got := mpUploads(t, tg, "", "v", 0); len(got) != 0 {
		t.Errorf("completed uploads still listed: %v", got)
	}
}

func testMPCompleteSinglePart(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	for _, n := range []int{1, 1000, mib} {
		data := random(n)
		id := mpInitiate(t, tg, "", "v", mib, "")
		mpUploadPart(t, tg, "", "v", id, 0, data)
		out := mpComplete(t, tg, "", "v", id, data)
		wantArchive(t, tg, "", "v", out.ArchiveId, data, "")
	}
}

func testMPCompleteIdempotent(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := random(mib + 77)
	id := mpInitiate(t, tg, "", "v", mib, "once")
	mpUploadAll(t, tg, "", "v", id, data, mib)
	first := mpComplete(t, tg, "", "v", id, data)
	tg.clock.Advance(time.Hour)
	again := mpComplete(t, tg, "", "v", id, data)
	if *again != *first {
		t.Errorf("repeated completion returned %+v, want %+v", again, first)
	}
	out, err := mpCompleteE(t, tg, "", "v", id, int64(len(data))+1, testkit.TreeHashHex(data))
	wantErr(t, out, err, firn.ErrInvalidParameterValue, "ArchiveSize")
	out, err = mpCompleteE(t, tg, "", "v", id, int64(len(data)), testkit.TreeHashHex(data[1:]))
	wantErr(t, out, err, firn.ErrInvalidParameterValue, "Checksum")
	wantCounts(t, tg, "", "v", 1, int64(len(data)))
	wantArchive(t, tg, "", "v", first.ArchiveId, data, "once")
}

func testMPCompleteInvalid(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	data := random(3*mib + 10)
	id := mpInitiate(t, tg, "", "v", mib, "")
	size, sum := int64(len(data)), testkit.TreeHashHex(data)
	try := func(size int64, checksum string, want *firn.Error, mentions ...string) {
		t.Helper()
		out, err := mpCompleteE(t, tg, "", "v", id, size, checksum)
		wantErr(t, out, err, want, mentions...)
	}
	try(size, sum, firn.ErrInvalidParameterValue) // no parts yet
	mpUploadPart(t, tg, "", "v", id, 0, data[:mib])
	mpUploadPart(t, tg, "", "v", id, 2*mib, data[2*mib:3*mib])
	mpUploadPart(t, tg, "", "v", id, 3*mib, data[3*mib:])
	try(size, sum, firn.ErrInvalidParameterValue, "ArchiveSize")                  // a part is missing: the sizes differ
	try(size-mib, sum, firn.ErrInvalidParameterValue, "Range", "1048576-2097151") // the sizes agree; the gap remains
	mpUploadPart(t, tg, "", "v", id, mib, data[mib:2*mib])
	try(size+1, sum, firn.ErrInvalidParameterValue, "ArchiveSize")
	try(size-1, sum, firn.ErrInvalidParameterValue, "ArchiveSize")
	try(-5, sum, firn.ErrInvalidParameterValue, "ArchiveSize")
	try(0, sum, firn.ErrMissingParameterValue, "ArchiveSize")
	try(size, testkit.TreeHashHex(data[:size-1]), firn.ErrInvalidParameterValue, "Checksum")
	try(size, "not a hash", firn.ErrInvalidParameterValue, "Checksum")
	try(size, "", firn.ErrMissingParameterValue, "Checksum")
	wantCounts(t, tg, "", "v", 0, 0)
	// Every failure left the upload open and whole.
	wantParts(t, tg, "", "v", id, map[int64][]byte{0: data[:mib], mib: data[mib : 2*mib], 2 * mib: data[2*mib : 3*mib], 3 * mib: data[3*mib:]})
	out := mpComplete(t, tg, "", "v", id, data)
	wantArchive(t, tg, "", "v", out.ArchiveId, data, "")
}

func testMPAbort(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	ctx := t.Context()
	data := random(mib + 1)
	keep := mpInitiate(t, tg, "", "v", mib, "kept")
	id := mpInitiate(t, tg, "", "v", mib, "aborted")
	mpUploadAll(t, tg, "", "v", id, data, mib)
	mpUploadPart(t, tg, "", "v", keep, 0, data[:mib])
	mpAbort(t, tg, "", "v", id)
	mpAbort(t, tg, "-", "v", id)
	wantListPartsFails(t, tg, "", "v", id, firn.ErrResourceNotFound, id)
	{
		out, err := mpUploadPartE(t, tg, "", "v", id, 0, data[:mib])
		wantErr(t, out, err, firn.ErrResourceNotFound, id)
	}
	{
		out, err := mpCompleteE(t, tg, "", "v", id, int64(len(data)), testkit.TreeHashHex(data))
		wantErr(t, out, err, firn.ErrResourceNotFound, id)
	}
	if got := mpUploads(t, tg, "", "v", 0); !reflect.DeepEqual(got, []string{keep}) {
		t.Errorf("uploads in progress: %v, want only %s", got, keep)
	}
	wantParts(t, tg, "", "v", keep, map[int64][]byte{0: data[:mib]})

	// A completed upload cannot be aborted; its archive stays.
	done := mpInitiate(t, tg, "", "v", mib, "")
	mpUploadAll(t, tg, "", "v", done, data, mib)
	arch := mpComplete(t, tg, "", "v", done, data)
	out, err := tg.g.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: done})
	wantErr(t, out, err, firn.ErrInvalidParameterValue, "UploadId")
	wantArchive(t, tg, "", "v", arch.ArchiveId, data, "")
	wantCounts(t, tg, "", "v", 1, int64(len(data)))
}

func testMPListPartsFields(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	tg.clock.Advance(90 * time.Minute)
	created := tg.clock.Now()
	id := mpInitiate(t, tg, "", "v", 4*mib, "fields")
	tg.clock.Advance(time.Hour)
	a, b := random(4*mib), random(12345)
	mpUploadPart(t, tg, "", "v", id, 4*mib, b)
	mpUploadPart(t, tg, "", "v", id, 0, a)
	out := must[firn.ListPartsOutput](t, "ListParts")(tg.g.ListParts(t.Context(), &firn.ListPartsInput{VaultName: "v", UploadId: id}))
	want := firn.ListPartsOutput{
		MultipartUploadId:  id,
		VaultARN:           tg.vaultARN("", "v"),
		ArchiveDescription: "fields",
		PartSizeInBytes:    4 * mib,
		CreationDate:       created,
		Parts: []firn.PartListElement{
			{RangeInBytes: fmt.Sprintf("0-%d", 4*mib-1), SHA256TreeHash: testkit.TreeHashHex(a)},
			{RangeInBytes: fmt.Sprintf("%d-%d", 4*mib, 4*mib+12345-1), SHA256TreeHash: testkit.TreeHashHex(b)},
		},
	}
	if !out.CreationDate.Equal(created) {
		t.Errorf("CreationDate %v, want %v", out.CreationDate, created)
	}
	out.CreationDate = created
	if !reflect.DeepEqual(*out, want) {
		t.Errorf("ListParts = %+v,\nwant %+v", *out, want)
	}
	empty := mpInitiate(t, tg, "", "v", mib, "")
	e := must[firn.ListPartsOutput](t, "ListParts")(tg.g.ListParts(t.Context(), &firn.ListPartsInput{VaultName: "v", UploadId: empty}))
	if e.Parts == nil || len(e.Parts) != 0 || e.Marker != "" {
		t.Errorf("ListParts of an upload without parts: Parts %#v, Marker %q; want an empty list and no marker", e.Parts, e.Marker)
	}
}

// testMPListPartsPages pages through 120 short parts (a short part is
// accepted at upload, as any part could be the last).
func testMPListPartsPages(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "")
	const n = 120
	want := map[int64][]byte{}
	for i := n - 1; i >= 0; i-- {
		p := []byte(fmt.Sprintf("part %d", i))
		mpUploadPart(t, tg, "", "v", id, int64(i)*mib, p)
		want[int64(i)*mib] = p
	}
	wantParts(t, tg, "", "v", id, want)
	ctx := t.Context()
	first := must[firn.ListPartsOutput](t, "ListParts")(tg.g.ListParts(ctx, &firn.ListPartsInput{VaultName: "v", UploadId: id}))
	if len(first.Parts) != 50 || first.Marker == "" {
		t.Fatalf("default page: %d parts, Marker %q; want 50 and a marker", len(first.Parts), first.Marker)
	}
	for _, limit := range []int32{1, 7, 50, 119, 120, 1000} {
		var got []string
		marker := ""
		for pages := 0; ; pages++ {
			out := must[firn.ListPartsOutput](t, "ListParts")(tg.g.ListParts(ctx, &firn.ListPartsInput{VaultName: "v", UploadId: id, Limit: limit, Marker: marker}))
			if len(out.Parts) > int(limit) {
				t.Fatalf("limit %d: page of %d parts", limit, len(out.Parts))
			}
			for _, p := range out.Parts {
				got = append(got, p.RangeInBytes)
			}
			if out.Marker == "" {
				break
			}
			if len(out.Parts) != int(limit) {
				t.Errorf("limit %d: a page of %d parts with a marker", limit, len(out.Parts))
			}
			marker = out.Marker
		}
		if len(got) != n {
			t.Fatalf("limit %d: %d parts listed, want %d", limit, len(got), n)
		}
		for i, r := range got {
			if want := fmt.Sprintf("%d-%d", int64(i)*mib, int64(i)*mib+int64(len(fmt.Sprintf("part %d", i)))-1); r != want {
				t.Fatalf("limit %d: part %d has range %s, want %s", limit, i, r, want)
			}
		}
	}
}

func testMPListPartsInvalidPaging(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "")
	mpUploadPart(t, tg, "", "v", id, 0, []byte("a"))
	mpUploadPart(t, tg, "", "v", id, mib, []byte("b"))
	for _, limit := range []int32{-1, 1001} {
		out, err := tg.g.ListParts(t.Context(), &firn.ListPartsInput{VaultName: "v", UploadId: id, Limit: limit})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "limit")
	}
	for _, m := range []string{"bogus", "-1", "1", "12345678901234567890", "01JGQ7Z3J4B8X6Y5W4V3T2S1R0"} {
		out, err := tg.g.ListParts(t.Context(), &firn.ListPartsInput{VaultName: "v", UploadId: id, Marker: m})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "marker")
	}
}

func testMPListUploadsFields(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	empty := must[firn.ListMultipartUploadsOutput](t, "ListMultipartUploads")(tg.g.ListMultipartUploads(t.Context(), &firn.ListMultipartUploadsInput{VaultName: "v"}))
	if empty.UploadsList == nil || len(empty.UploadsList) != 0 || empty.Marker != "" {
		t.Errorf("empty vault: UploadsList %#v, Marker %q", empty.UploadsList, empty.Marker)
	}
	want := map[string]firn.UploadListElement{}
	for i, size := range []int64{mib, 8 * mib, 4 << 30} {
		tg.clock.Advance(time.Minute)
		desc := fmt.Sprintf("upload %d", i)
		id := mpInitiate(t, tg, "", "v", size, desc)
		want[id] = firn.UploadListElement{MultipartUploadId: id, VaultARN: tg.vaultARN("", "v"), ArchiveDescription: desc, PartSizeInBytes: size, CreationDate: tg.clock.Now()}
	}
	out := must[firn.ListMultipartUploadsOutput](t, "ListMultipartUploads")(tg.g.ListMultipartUploads(t.Context(), &firn.ListMultipartUploadsInput{VaultName: "v"}))
	if out.Marker != "" || len(out.UploadsList) != len(want) {
		t.Fatalf("ListMultipartUploads: %d uploads, Marker %q; want %d and none", len(out.UploadsList), out.Marker, len(want))
	}
	for _, u := range out.UploadsList {
		w := want[u.MultipartUploadId]
		if !u.CreationDate.Equal(w.CreationDate) {
			t.Errorf("upload %s: CreationDate %v, want %v", u.MultipartUploadId, u.CreationDate, w.CreationDate)
		}
		u.CreationDate = w.CreationDate
		if u != w {
			t.Errorf("upload %+v, want %+v", u, w)
		}
	}
}

func testMPListUploadsPages(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	const n = 57
	var all []string
	for range n {
		all = append(all, mpInitiate(t, tg, "", "v", mib, ""))
	}
	// Ended uploads are not listed.
	done := mpInitiate(t, tg, "", "v", mib, "")
	mpUploadPart(t, tg, "", "v", done, 0, []byte("x"))
	mpComplete(t, tg, "", "v", done, []byte("x"))
	mpAbort(t, tg, "", "v", mpInitiate(t, tg, "", "v", mib, ""))

	first := must[firn.ListMultipartUploadsOutput](t, "ListMultipartUploads")(tg.g.ListMultipartUploads(t.Context(), &firn.ListMultipartUploadsInput{VaultName: "v"}))
	if len(first.UploadsList) != 50 || first.Marker == "" {
		t.Fatalf("default page: %d uploads, Marker %q; want 50 and a marker", len(first.UploadsList), first.Marker)
	}
	want := map[string]bool{}
	for _, id := range all {
		want[id] = true
	}
	for _, limit := range []int32{1, 10, 56, 57, 1000} {
		got := mpUploads(t, tg, "", "v", limit)
		seen := map[string]bool{}
		for _, id := range got {
			if !want[id] || seen[id] {
				t.Errorf("limit %d: unexpected or repeated upload %s", limit, id)
			}
			seen[id] = true
		}
		if len(seen) != n {
			t.Errorf("limit %d: %d uploads listed, want %d", limit, len(seen), n)
		}
	}
}

func testMPListUploadsInvalidPaging(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mpInitiate(t, tg, "", "v", mib, "")
	for _, limit := range []int32{-1, 1001} {
		out, err := tg.g.ListMultipartUploads(t.Context(), &firn.ListMultipartUploadsInput{VaultName: "v", Limit: limit})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "limit")
	}
	for _, m := range []string{"bogus", "12", "arn:aws:glacier:us-east-1:000000000000:vaults/v"} {
		out, err := tg.g.ListMultipartUploads(t.Context(), &firn.ListMultipartUploadsInput{VaultName: "v", Marker: m})
		wantErr(t, out, err, firn.ErrInvalidParameterValue, "marker")
	}
}

// testMPExpiry checks that an upload without a part upload for 24 hours is
// removed with its parts, by the target's clock.
func testMPExpiry(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	idle := mpInitiate(t, tg, "", "v", mib, "")
	busy := mpInitiate(t, tg, "", "v", mib, "")
	data := random(mib + 3)
	for range 3 {
		tg.clock.Advance(10 * time.Hour)
		mpUploadPart(t, tg, "", "v", busy, 0, data[:mib])
	}
	// idle: 30 h without activity; busy: its last part is fresh.
	if got := mpUploads(t, tg, "", "v", 0); !reflect.DeepEqual(got, []string{busy}) {
		t.Errorf("uploads after 30 h: %v, want only %s", got, busy)
	}
	wantListPartsFails(t, tg, "", "v", idle, firn.ErrResourceNotFound, idle)
	{
		out, err := mpUploadPartE(t, tg, "", "v", idle, 0, data[:mib])
		wantErr(t, out, err, firn.ErrResourceNotFound, idle)
	}
	tg.clock.Advance(23 * time.Hour)
	mpUploadPart(t, tg, "", "v", busy, mib, data[mib:])
	tg.clock.Advance(23 * time.Hour)
	out := mpComplete(t, tg, "", "v", busy, data)
	wantArchive(t, tg, "", "v", out.ArchiveId, data, "")

	gone := mpInitiate(t, tg, "", "v", mib, "")
	mpUploadPart(t, tg, "", "v", gone, 0, data[:mib])
	tg.clock.Advance(24 * time.Hour)
	if got := mpUploads(t, tg, "", "v", 0); len(got) != 0 {
		t.Errorf("uploads after 24 h without activity: %v", got)
	}
	{
		out, err := mpCompleteE(t, tg, "", "v", gone, mib, testkit.TreeHashHex(data[:mib]))
		wantErr(t, out, err, firn.ErrResourceNotFound, gone)
	}
	wantCounts(t, tg, "", "v", 1, int64(len(data)))
}

func testMPOtherAccount(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, tenantA, "v")
	data := random(mib + 9)
	id := mpInitiate(t, tg, tenantA, "v", mib, "tenant")
	mpUploadAll(t, tg, tenantA, "v", id, data, mib)
	if got := mpUploads(t, tg, "", "v", 0); len(got) != 0 {
		t.Errorf("own vault lists the other account's uploads: %v", got)
	}
	wantListPartsFails(t, tg, "", "v", id, firn.ErrResourceNotFound, id)
	out := mpComplete(t, tg, tenantA, "v", id, data)
	if want := "/" + tenantA + "/vaults/v/archives/" + out.ArchiveId; out.Location != want {
		t.Errorf("Location %q, want %q", out.Location, want)
	}
	wantCounts(t, tg, tenantA, "v", 1, int64(len(data)))
	wantCounts(t, tg, "", "v", 0, 0)
	wantArchive(t, tg, tenantA, "v", out.ArchiveId, data, "tenant")
}

// testMPDeleteVault deletes a vault with an upload in progress: the upload
// goes with it.
func testMPDeleteVault(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	id := mpInitiate(t, tg, "", "v", mib, "")
	mpUploadPart(t, tg, "", "v", id, 0, random(mib))
	must[firn.DeleteVaultOutput](t, "DeleteVault")(tg.g.DeleteVault(t.Context(), &firn.DeleteVaultInput{VaultName: "v"}))
	mustCreateVault(t, tg, "", "v")
	wantListPartsFails(t, tg, "", "v", id, firn.ErrResourceNotFound, id)
	if got := mpUploads(t, tg, "", "v", 0); len(got) != 0 {
		t.Errorf("uploads of the re-created vault: %v", got)
	}
}

func testMPReopen(t *testing.T, tg *target) {
	skipWithoutReopen(t, tg)
	mustCreateVault(t, tg, "", "v")
	data := random(2*mib + 1)
	id := mpInitiate(t, tg, "", "v", mib, "durable")
	aborted := mpInitiate(t, tg, "", "v", mib, "")
	mpUploadPart(t, tg, "", "v", id, 2*mib, data[2*mib:])
	mpUploadPart(t, tg, "", "v", id, 0, data[:mib])
	mpAbort(t, tg, "", "v", aborted)
	tg.reopen(t)
	if got := mpUploads(t, tg, "", "v", 0); !reflect.DeepEqual(got, []string{id}) {
		t.Errorf("uploads after reopen: %v, want %s", got, id)
	}
	wantParts(t, tg, "", "v", id, map[int64][]byte{0: data[:mib], 2 * mib: data[2*mib:]})
	mpAbort(t, tg, "", "v", aborted)
	mpUploadPart(t, tg, "", "v", id, mib, data[mib:2*mib])
	out := mpComplete(t, tg, "", "v", id, data)
	tg.reopen(t)
	if again := mpComplete(t, tg, "", "v", id, data); *again != *out {
		t.Errorf("completion repeated after reopen: %+v, want %+v", again, out)
	}
	wantArchive(t, tg, "", "v", out.ArchiveId, data, "durable")
}

// testMPAccessPolicy checks that a vault's access policy governs every
// multipart operation: an explicit Deny wins even for the owner.
func testMPAccessPolicy(t *testing.T, tg *target) {
	mustCreateVault(t, tg, "", "v")
	mustCreateVault(t, tg, "", "w")
	id := mpInitiate(t, tg, "", "v", mib, "")
	mpUploadPart(t, tg, "", "v", id, 0, []byte("allowed"))
	mustSetPolicy(t, tg, "", "v", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":[
		"glacier:InitiateMultipartUpload","glacier:UploadMultipartPart","glacier:CompleteMultipartUpload",
		"glacier:AbortMultipartUpload","glacier:ListParts","glacier:ListMultipartUploads"],"Resource":"*"}]}`)
	ctx := t.Context()
	{
		out, err := tg.g.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: mib})
		wantErr(t, out, err, firn.ErrAccessDenied, "InitiateMultipartUpload")
	}
	{
		out, err := mpUploadPartE(t, tg, "", "v", id, mib, []byte("denied"))
		wantErr(t, out, err, firn.ErrAccessDenied, "UploadMultipartPart")
	}
	{
		out, err := mpCompleteE(t, tg, "", "v", id, 7, testkit.TreeHashHex([]byte("allowed")))
		wantErr(t, out, err, firn.ErrAccessDenied, "CompleteMultipartUpload")
	}
	{
		out, err := tg.g.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: id})
		wantErr(t, out, err, firn.ErrAccessDenied, "AbortMultipartUpload")
	}
	{
		out, err := tg.g.ListParts(ctx, &firn.ListPartsInput{VaultName: "v", UploadId: id})
		wantErr(t, out, err, firn.ErrAccessDenied, "ListParts")
	}
	{
		out, err := tg.g.ListMultipartUploads(ctx, &firn.ListMultipartUploadsInput{VaultName: "v"})
		wantErr(t, out, err, firn.ErrAccessDenied, "ListMultipartUploads")
	}
	// Other vaults are not governed by v's policy; v's upload is intact.
	mpInitiate(t, tg, "", "w", mib, "")
	must[firn.DeleteVaultAccessPolicyOutput](t, "DeleteVaultAccessPolicy")(tg.g.DeleteVaultAccessPolicy(ctx, &firn.DeleteVaultAccessPolicyInput{VaultName: "v"}))
	wantParts(t, tg, "", "v", id, map[int64][]byte{0: []byte("allowed")})
	out := mpComplete(t, tg, "", "v", id, []byte("allowed"))
	wantArchive(t, tg, "", "v", out.ArchiveId, []byte("allowed"), "")
}
