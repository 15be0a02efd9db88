package awsglacier

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/glacier"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// uploaded is what an UploadArchive answer looks like.
var uploaded = response{status: 201, header: map[string]string{
	"Location":         "/111122223333/vaults/v/archives/a",
	"x-amz-archive-id": "a",
}}

// privateTemp points os.TempDir at a new directory and returns it, so that
// a test can check that spooled bodies are removed.
func privateTemp(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	return dir
}

func wantEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// wantUpload checks that r carries exactly data, with its tree hash (or
// treeHash when not "") and SHA-256, both signed.
func wantUpload(t *testing.T, r request, data []byte, treeHash string) {
	t.Helper()
	if !bytes.Equal(r.Body, data) {
		t.Errorf("body: got %d bytes, want %d bytes", len(r.Body), len(data))
	}
	if treeHash == "" {
		treeHash = testkit.TreeHashHex(data)
	}
	for h, want := range map[string]string{
		"X-Amz-Sha256-Tree-Hash": treeHash,
		"X-Amz-Content-Sha256":   sha256Hex(data),
		"Content-Type":           "application/octet-stream",
	} {
		if got := r.Header.Values(h); len(got) != 1 || got[0] != want {
			t.Errorf("%s: got %q, want %q", h, got, want)
		}
	}
	if len(data) > 0 {
		if got := r.Header.Get("Content-Length"); got != strconv.Itoa(len(data)) {
			t.Errorf("Content-Length: got %q, want %d", got, len(data))
		}
	}
	signed := signedHeaders(r.Header.Get("Authorization"))
	for _, h := range []string{"x-amz-content-sha256", "x-amz-sha256-tree-hash"} {
		if !slices.Contains(signed, h) {
			t.Errorf("%s is not signed: %v", h, signed)
		}
	}
}

// TestUploadBodies checks the checksum headers and bytes sent for every
// kind of body, against the tree-hash vectors and an independent
// computation.
func TestUploadBodies(t *testing.T) {
	const (
		vectorTree   = "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182"
		vectorSHA256 = "0628356cd8d3d1f66cdf957c650b16d574aa59c556037ab29cd9c4acdce89278"
		wrongTree    = "0000000000000000000000000000000000000000000000000000000000000000"
	)
	data := testkit.Pattern(5<<20 + 123)
	if testkit.TreeHashHex(data) != vectorTree || sha256Hex(data) != vectorSHA256 {
		t.Fatal("the test's own tree hash disagrees with the vectors")
	}
	pipe := func(data []byte) io.Reader {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			w.Write(data)
			w.Close()
		}()
		t.Cleanup(func() { r.Close() })
		return r
	}
	offset := func(data []byte, n int64) io.Reader {
		r := bytes.NewReader(data)
		r.Seek(n, io.SeekStart)
		return r
	}
	cases := []struct {
		name     string
		body     io.Reader
		checksum string
		want     []byte
		wantTree string
	}{
		{"non-seekable", chunks(data), "", data, ""},
		{"non-seekable/checksum", chunks(data), wrongTree, data, wrongTree},
		{"seekable", bytes.NewReader(data), "", data, ""},
		{"seekable/checksum", bytes.NewReader(data), wrongTree, data, wrongTree},
		{"seekable/offset", offset(data, 3<<20+5), "", data[3<<20+5:], ""},
		{"section", io.NewSectionReader(bytes.NewReader(data), 1<<20, 2<<20), "", data[1<<20 : 3<<20], ""},
		{"pipe", pipe(data), "", data, ""},
		{"empty", bytes.NewReader(nil), "", nil, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"empty/non-seekable", onlyReader{bytes.NewReader(nil)}, "", nil, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"one byte", onlyReader{bytes.NewReader([]byte{1})}, "", []byte{1}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := privateTemp(t)
			f, c := newFake(t, uploaded)
			out, err := c.UploadArchive(t.Context(), &firn.UploadArchiveInput{VaultName: "v", Checksum: tc.checksum, Body: tc.body})
			if err != nil {
				t.Fatal(err)
			}
			if out.ArchiveId != "a" {
				t.Errorf("ArchiveId %q", out.ArchiveId)
			}
			wantUpload(t, f.only(t), tc.want, tc.wantTree)
			wantEmptyDir(t, tmp)
		})
	}
}

func TestUploadRewindsSeekableBody(t *testing.T) {
	_, c := newFake(t, uploaded)
	r := bytes.NewReader(testkit.Pattern(3000))
	r.Seek(1000, io.SeekStart)
	if _, err := c.UploadArchive(t.Context(), &firn.UploadArchiveInput{VaultName: "v", Body: r}); err != nil {
		t.Fatal(err)
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes of the body were not sent", r.Len())
	}
}

func TestUploadMultipartPartBody(t *testing.T) {
	tmp := privateTemp(t)
	data := testkit.Pattern(2 << 20)
	f, c := newFake(t, response{status: 204, header: map[string]string{"x-amz-sha256-tree-hash": testkit.TreeHashHex(data)}})
	out, err := c.UploadMultipartPart(t.Context(), &firn.UploadMultipartPartInput{VaultName: "v", UploadId: "u",
		Range: "bytes 2097152-4194303/*", Body: chunks(data)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Checksum != testkit.TreeHashHex(data) {
		t.Errorf("Checksum %q", out.Checksum)
	}
	r := f.only(t)
	wantUpload(t, r, data, "")
	if got := r.Header.Get("Content-Range"); got != "bytes 2097152-4194303/*" {
		t.Errorf("Content-Range %q", got)
	}
	if r.Method != http.MethodPut || r.Path != "/-/vaults/v/multipart-uploads/u" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	wantEmptyDir(t, tmp)
}

// TestUploadBodyFailure checks that a body that fails to read, or a context
// that ends while it is read, fails the upload with RequestTimeoutException
// before anything is sent, and leaves no temporary file.
func TestUploadBodyFailure(t *testing.T) {
	reset := errors.New("connection reset")
	for _, n := range []int{0, 1000, 3 << 19} {
		tmp := privateTemp(t)
		f, c := newFake(t, uploaded)
		out, err := c.UploadArchive(t.Context(), &firn.UploadArchiveInput{VaultName: "v",
			Body: io.MultiReader(bytes.NewReader(testkit.Pattern(n)), iotest.ErrReader(reset))})
		if out != nil || firn.CodeOf(err) != firn.CodeRequestTimeout || !errors.Is(err, reset) {
			t.Errorf("after %d bytes: got %+v, %v; want a RequestTimeoutException wrapping the reader's error", n, out, err)
		}
		if len(f.requests()) != 0 {
			t.Errorf("after %d bytes: a request was sent", n)
		}
		wantEmptyDir(t, tmp)
	}

	tmp := privateTemp(t)
	f, c := newFake(t, uploaded)
	ctx, cancel := context.WithCancel(t.Context())
	// The body cancels the upload after its first MiB.
	body := io.MultiReader(bytes.NewReader(testkit.Pattern(1<<20)), readerFunc(func(p []byte) (int, error) {
		cancel()
		return copy(p, "more"), nil
	}), bytes.NewReader(testkit.Pattern(1<<20)))
	_, err := c.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: "u", Body: body})
	if firn.CodeOf(err) != firn.CodeRequestTimeout || !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want a RequestTimeoutException wrapping context.Canceled", err)
	}
	if len(f.requests()) != 0 {
		t.Error("a request was sent")
	}
	wantEmptyDir(t, tmp)
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// flaky fails the first request with a 500 and answers the others with
// resp.
type flaky struct {
	fakeService
	calls atomic.Int32
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.calls.Add(1) == 1 {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, errorBody("ServiceUnavailableException", "try again", "Server"))
		return
	}
	f.fakeService.ServeHTTP(w, r)
}

// TestUploadRetry checks that a retried upload sends the same bytes and
// checksums again, from the spooled file.
func TestUploadRetry(t *testing.T) {
	tmp := privateTemp(t)
	f := &flaky{fakeService: fakeService{resp: uploaded}}
	c := newClient(t, f, func(o *glacier.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
	data := testkit.Pattern(3<<20 + 1)
	if _, err := c.UploadArchive(t.Context(), &firn.UploadArchiveInput{VaultName: "v", Body: chunks(data)}); err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	wantUpload(t, f.only(t), data, "")
	wantEmptyDir(t, tmp)
}

// discard answers every upload without keeping its body.
type discard struct{}

func (discard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("x-amz-archive-id", "a")
	w.WriteHeader(http.StatusCreated)
}

// BenchmarkUploadArchive measures signed uploads of 16 MiB over loopback,
// from a seekable body (hashed, rewound, sent) and from a plain reader
// (spooled to a temporary file while hashed, then sent).
func BenchmarkUploadArchive(b *testing.B) {
	data := testkit.Pattern(16 << 20)
	c := NewFromConfig(aws.Config{Credentials: testCredentials}, newServerURL(b, discard{}))
	for _, bc := range []struct {
		name string
		body func() io.Reader
	}{
		{"seekable", func() io.Reader { return bytes.NewReader(data) }},
		{"reader", func() io.Reader { return onlyReader{bytes.NewReader(data)} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := c.UploadArchive(b.Context(), &firn.UploadArchiveInput{VaultName: "v", Body: bc.body()}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestUploadSignature checks that the signature of an upload, whose payload
// hash the client hands to the signer, is the one the SDK's signer computes
// for the bytes that were sent.
func TestUploadSignature(t *testing.T) {
	f, c := newFake(t, uploaded)
	data := testkit.Pattern(1<<20 + 3)
	if _, err := c.UploadArchive(t.Context(), &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: "d", Body: chunks(data)}); err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	signed := signedHeaders(r.Header.Get("Authorization"))
	req, err := http.NewRequest(r.Method, "http://"+r.Host+r.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(r.Body))
	for k, v := range r.Header {
		if k != "Content-Length" && slices.Contains(signed, strings.ToLower(k)) {
			req.Header[k] = v
		}
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		t.Fatal(err)
	}
	creds, _ := testCredentials.Retrieve(t.Context())
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, sha256Hex(r.Body), "glacier", "us-east-1", when); err != nil {
		t.Fatal(err)
	}
	if got, want := r.Header.Get("Authorization"), req.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization:\n got %s\nwant %s", got, want)
	}
}
