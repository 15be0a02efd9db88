package awsglacier

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
)

// request is what the fake service received.
type request struct {
	Method string
	Host   string
	Path   string // escaped, as sent
	Query  url.Values
	Header http.Header
	Body   []byte
}

// response is a canned answer of the fake service.
type response struct {
	status int
	header map[string]string
	body   string
}

// fakeService is an HTTP server standing in for Glacier: it records every
// request and answers each with the same canned response.
type fakeService struct {
	resp response

	mu   sync.Mutex
	reqs []request
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, request{
		Method: r.Method,
		Host:   r.Host,
		Path:   r.URL.EscapedPath(),
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Body:   body,
	})
	f.mu.Unlock()
	for k, v := range f.resp.header {
		w.Header().Set(k, v)
	}
	if f.resp.body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(f.resp.status)
	io.WriteString(w, f.resp.body)
}

// requests returns a copy of the requests received so far.
func (f *fakeService) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// only returns the single request received, failing the test otherwise.
func (f *fakeService) only(t *testing.T) request {
	t.Helper()
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("service got %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// testCredentials signs requests, so that tests also see the signed headers.
var testCredentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", Source: "test"}, nil
})

// newFake starts a fake service answering resp and returns it with a Client
// aimed at it. The client makes one attempt per call.
func newFake(t *testing.T, resp response) (*fakeService, *Client) {
	t.Helper()
	f := &fakeService{resp: resp}
	return f, newClient(t, f, func(o *glacier.Options) { o.RetryMaxAttempts = 1 })
}

// newClient serves h on a test server and returns a Client aimed at it.
func newClient(t *testing.T, h http.Handler, optFns ...func(*glacier.Options)) *Client {
	t.Helper()
	return NewFromConfig(aws.Config{Credentials: testCredentials}, newServerURL(t, h), optFns...)
}

// newServerURL serves h on a test server for the rest of the test.
func newServerURL(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// sha256Hex is the x-amz-content-sha256 of data.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// onlyReader hides every method of a reader but Read, so that it cannot
// seek.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// chunks returns data as a non-seekable reader made of several readers of
// uneven sizes, so that reads end off the leaf boundaries.
func chunks(data []byte) io.Reader {
	var rs []io.Reader
	for len(data) > 0 {
		n := min(len(data), 777_777)
		rs = append(rs, onlyReader{bytes.NewReader(data[:n])})
		data = data[n:]
	}
	return io.MultiReader(rs...)
}

// signedHeaders returns the SignedHeaders list of a SigV4 Authorization.
func signedHeaders(auth string) []string {
	_, rest, ok := strings.Cut(auth, "SignedHeaders=")
	if !ok {
		return nil
	}
	list, _, _ := strings.Cut(rest, ",")
	return strings.Split(list, ";")
}

// allSet reports the path of the first zero-valued field reachable from v
// (through pointers, structs, slices and maps), or "" if every field is set.
func allSet(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return path
		}
		return allSet(v.Elem(), path)
	case reflect.Struct:
		if v.IsZero() {
			return path
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if p := allSet(v.Field(i), path+"."+v.Type().Field(i).Name); p != "" {
					return p
				}
			}
		}
		return ""
	case reflect.Slice, reflect.Map:
		if v.Len() == 0 {
			return path
		}
		if v.Kind() == reflect.Slice {
			for i := range v.Len() {
				if p := allSet(v.Index(i), path+"[]"); p != "" {
					return p
				}
			}
		}
		return ""
	default:
		if v.IsZero() {
			return path
		}
		return ""
	}
}
