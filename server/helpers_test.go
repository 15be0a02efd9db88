package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/firnstore/firn"
)

const (
	testKey     = "AKIDEXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testAccount = "111122223333"
	testARN     = "arn:aws:iam::111122223333:user/alice"
	// testRegion is the server's default region, which signatures must be
	// scoped to.
	testRegion = "us-east-1"
)

// t0 is a date with milliseconds, "2012-03-20T17:03:43.221Z" on the wire.
var t0 = time.Date(2012, 3, 20, 17, 3, 43, 221e6, time.UTC)

const t0Wire = "2012-03-20T17:03:43.221Z"

// fixedClock is a firn.Clock that a test sets to any time, earlier ones
// included (unlike testkit.Clock): signature dates are judged against it for
// skew in both directions. Set it only between requests.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

var quiet = slog.New(slog.DiscardHandler)

// testCreds configures one access key for testAccount and testARN.
func testCreds() map[string]Credential {
	return map[string]Credential{testKey: {SecretKey: testSecret, AccountID: testAccount, PrincipalARN: testARN}}
}

// startServer serves a fake Glacier with opts over httptest.
func startServer(t *testing.T, opts Options) (*fake, *httptest.Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	f := newFake()
	srv := httptest.NewServer(New(f, opts))
	t.Cleanup(srv.Close)
	return f, srv
}

// sdkClient returns an aws-sdk-go-v2 Glacier client for srv signing with
// key and secret, without retries.
func sdkClient(srv *httptest.Server, key, secret string) *glacier.Client {
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
		}),
		RetryMaxAttempts: 1,
		HTTPClient:       srv.Client(),
	}
	return glacier.NewFromConfig(cfg, func(o *glacier.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

// wantCall checks that the last Glacier call was op with input want. Upload
// bodies are compared separately.
func wantCall(t *testing.T, f *fake, op string, want any) fakeCall {
	t.Helper()
	c := f.last()
	if c.op != op {
		t.Fatalf("last call %q, want %q", c.op, op)
	}
	got := c.in
	switch in := got.(type) {
	case *firn.UploadArchiveInput:
		cp := *in
		cp.Body = nil
		got = &cp
	case *firn.UploadMultipartPartInput:
		cp := *in
		cp.Body = nil
		got = &cp
	case *firn.ImportArchiveInput:
		cp := *in
		cp.Body = nil
		got = &cp
	}
	eq(t, op+" input", got, want)
	return c
}

// rawRequest builds a request for the handler with the API version header.
func rawRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.Header.Set("X-Amz-Glacier-Version", APIVersion)
	return r
}

// serve runs r through a handler over f without credentials.
func serve(f firn.Glacier, r *http.Request) *httptest.ResponseRecorder {
	return serveWith(New(f, Options{Logger: quiet}), r)
}

func serveWith(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// wantError checks an error response's status and JSON body; msg is a
// substring of the message.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code, msg string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status %d, want %d (body %s)", w.Code, status, w.Body)
	}
	b := decodeError(t, w.Result())
	if b.Code != code {
		t.Errorf("code %q, want %q (message %q)", b.Code, code, b.Message)
	}
	if !strings.Contains(b.Message, msg) {
		t.Errorf("message %q does not contain %q", b.Message, msg)
	}
}

// decodeError decodes and sanity-checks an error response.
func decodeError(t *testing.T, resp *http.Response) errorBody {
	t.Helper()
	var b errorBody
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	if resp.Header.Get("X-Amzn-Requestid") == "" {
		t.Error("error without x-amzn-RequestId")
	}
	data, err := io.ReadAll(resp.Body)
	must(t, err)
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatalf("error body %q: %v", data, err)
	}
	if b.Code == "" || b.Message == "" || (b.Type != "Client" && b.Type != "Server") {
		t.Errorf("incomplete error body %s", data)
	}
	return b
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
