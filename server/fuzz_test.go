package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// fuzzGlacier is a fake whose outputs are full of values and whose every
// operation fails with mode 1 (a firn error) or 2 (an internal error).
func fuzzGlacier(mode byte) *fake {
	f := newFake()
	for _, op := range append(testkit.Operations(), "ImportArchive", "DescribeArchive") {
		switch mode % 3 {
		case 1:
			f.respond(op, nil, firn.Errorf(firn.Code(op+"Exception"), "fuzz \x00\xff"))
		case 2:
			f.respond(op, nil, errors.New("internal"))
		}
	}
	if mode%3 != 0 {
		return f
	}
	f.respond("DescribeJob", &firn.DescribeJobOutput{JobId: "J", Action: firn.ActionSelect, CreationDate: t0,
		SelectParameters: &firn.SelectParameters{InputSerialization: &firn.InputSerialization{CSV: &firn.CSVInput{}}},
		OutputLocation:   &firn.OutputLocation{S3: &firn.S3Location{AccessControlList: []firn.Grant{{}}}}}, nil)
	f.respond("DescribeArchive", &firn.DescribeArchiveOutput{ArchiveId: "A", ArchiveDescription: "\xff\t<&>", CreationDate: t0, Size: 1}, nil)
	f.respond("ListVaults", &firn.ListVaultsOutput{VaultList: []firn.DescribeVaultOutput{{VaultName: "\xff<&>"}}, Marker: "m"}, nil)
	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: io.NopCloser(strings.NewReader("output")), Status: 206, ContentRange: "bytes 0-5/6"}, nil)
	f.respond("GetDataRetrievalPolicy", &firn.GetDataRetrievalPolicyOutput{Policy: firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: "BytesPerHour", BytesPerHour: new(int64(1))}}}}, nil)
	return f
}

// FuzzHandler feeds arbitrary requests to the handler, with and without
// SigV4 verification. It must never panic, and must always answer with a
// known status, a request ID, and for errors the service's JSON error body.
func FuzzHandler(f *testing.F) {
	seeds := []struct {
		method, target, headers, body string
	}{
		{"PUT", "/-/vaults/v1", "", ""},
		{"GET", "/-/vaults?limit=10&marker=arn%3Aa", "", ""},
		{"POST", "/-/vaults/v1/archives", "X-Amz-Archive-Description: d\nX-Amz-Sha256-Tree-Hash: ab\nX-Amz-Content-Sha256: b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", "hello world"},
		{"PUT", "/-/vaults/v1/multipart-uploads/U%2F1", "Content-Range: bytes 0-4/*\nX-Amz-Sha256-Tree-Hash: 36bbe50ed96841d10443bcb670d6554f0a34b761be67ec9c4a8ad2c0c44ca42c\nX-Amz-Content-Sha256: 36bbe50ed96841d10443bcb670d6554f0a34b761be67ec9c4a8ad2c0c44ca42c", "abcde"},
		{"POST", "/-/vaults/v1/multipart-uploads", "X-Amz-Part-Size: 1048576", ""},
		{"POST", "/-/vaults/v1/multipart-uploads/U", "X-Amz-Archive-Size: 5\nX-Amz-Sha256-Tree-Hash: cafe", ""},
		{"POST", "/-/vaults/v1/jobs", "Content-Type: application/json", `{"Type":"select","SelectParameters":{"InputSerialization":{"csv":{}}},"OutputLocation":{"S3":{"AccessControlList":[{"Grantee":{}}]}}}`},
		{"GET", "/-/vaults/v1/jobs?completed=true&statuscode=Succeeded&limit=5", "", ""},
		{"GET", "/-/vaults/v1/jobs/J/output", "Range: bytes=0-5", ""},
		{"POST", "/-/vaults/v1/tags?operation=add", "", `{"Tags":{"a":"b"}}`},
		{"PUT", "/-/policies/data-retrieval", "", `{"Policy":{"Rules":[{"Strategy":"BytesPerHour","BytesPerHour":5}]}}`},
		{"GET", "/-/vaults/v1", "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/glacier/aws4_request, SignedHeaders=host, Signature=00\nX-Amz-Date: 20260102T000000Z", ""},
		{"GET", "/-/vaults/v1?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260102%2Fus-east-1%2Fglacier%2Faws4_request&X-Amz-Date=20260102T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=60", "", ""},
		{"DELETE", "/-/vaults/./access-policy", "", ""},
		{"GET", "/-//vaults/x/../v1/tags?limit=1&limit=2", "", ""},
		{"GET", "/-/vaults/v1?X-Amz-Signature=00", "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/glacier/aws4_request, SignedHeaders=host, Signature=00\nAuthorization: x\nX-Amz-Date: 20260102T000000Z\nX-Amz-Date: 20260102T000000Z", ""},
		{"POST", "/-/vaults/v1/tags?operation=add", "X-Amz-Content-Sha256: 00\nX-Amz-Content-Sha256: 00", `{}`},
		{"PUT", "/-/vaults/v1/archives/SRC", "X-Firn-Creation-Date: 2012-03-20T17:03:43.221Z\nX-Firn-Archive-Description: caf%C3%A9%09\nX-Amz-Sha256-Tree-Hash: b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\nX-Amz-Content-Sha256: b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", "hello world"},
		{"GET", "/000000000000/vaults/v1/archives/SRC", "", ""},
	}
	for _, s := range seeds {
		for mode := range byte(6) {
			f.Add(s.method, s.target, s.headers, []byte(s.body), mode)
		}
	}
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, mode byte) {
		if !isToken(method) {
			return // net/http rejects such request lines
		}
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(target, "/") {
			return
		}
		r := &http.Request{
			Method:        method,
			URL:           u,
			RequestURI:    target,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        http.Header{},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
			Host:          "glacier.local",
		}
		for line := range strings.SplitSeq(headers, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && isToken(k) && !strings.ContainsAny(v, "\r\n\x00") {
				r.Header.Add(k, strings.TrimSpace(v))
			}
		}
		if r.Header.Get("X-Amz-Glacier-Version") == "" && mode&4 == 0 {
			r.Header.Set("X-Amz-Glacier-Version", APIVersion)
		}
		opts := Options{Logger: quiet, Clock: &fixedClock{now}}
		if mode%2 == 0 {
			opts.ImportPrincipals = []string{rootARN, testARN}
		}
		if mode >= 3 {
			opts.Credentials = testCreds()
			if r.Header.Get("Authorization") == "" {
				r.Header.Set("Content-Length", strconv.Itoa(len(body)))
				err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
					r, sha256Hex(string(body)), "glacier", "us-east-1", now)
				if err != nil {
					return
				}
			}
		}
		w := httptest.NewRecorder()
		New(importingFake{fuzzGlacier(mode)}, opts).ServeHTTP(w, r)
		checkResponse(t, w)
	})
}

// checkResponse checks the invariants of every response.
func checkResponse(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	switch w.Code {
	case 200, 201, 202, 204, 206:
		if w.Header().Get("Content-Type") == "application/json" && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("status %d with invalid JSON %q", w.Code, w.Body)
		}
	case 400, 403, 404, 405, 408, 500:
		var b errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
			t.Fatalf("status %d with body %q: %v", w.Code, w.Body, err)
		}
		if b.Code == "" || b.Message == "" || (b.Type != "Client" && b.Type != "Server") {
			t.Fatalf("status %d with incomplete error %q", w.Code, w.Body)
		}
		if w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("error with Content-Type %q", w.Header().Get("Content-Type"))
		}
	default:
		t.Fatalf("unexpected status %d, body %q", w.Code, w.Body)
	}
	if w.Header().Get("X-Amzn-Requestid") == "" {
		t.Fatal("no x-amzn-RequestId")
	}
}

// isToken reports whether s is a non-empty HTTP token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// FuzzSignedRoute checks that a signature decides the route: a request
// signed, as botocore signs, over a path without dot and empty segments
// does on any path that reduces to it exactly what it does on that path.
func FuzzSignedRoute(f *testing.F) {
	for _, p := range []string{"/-/vaults/./access-policy", "/-/vaults/x/../v/tags", "/-//vaults/v", "/-/vaults/%2E/x",
		"/-/vaults/a%2Fb/archives/c", "/111122223333/vaults/v/jobs/J/output/", "/-/vaults/../..", "/./-/vaults"} {
		for m := range byte(4) {
			f.Add(p, m)
		}
	}
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	methods := []string{"GET", "PUT", "POST", "DELETE"}
	f.Fuzz(func(t *testing.T, wire string, m byte) {
		if !strings.HasPrefix(wire, "/") || strings.ContainsAny(wire, "?#") {
			return
		}
		if _, err := url.ParseRequestURI(wire); err != nil {
			return
		}
		signed := removeDotSegments(wire)
		method := methods[int(m)%len(methods)]
		send := func(path string) (*httptest.ResponseRecorder, fakeCall) {
			r, err := http.NewRequest(method, "http://glacier.local"+signed, nil)
			if err != nil || r.URL.EscapedPath() != signed {
				return nil, fakeCall{}
			}
			r.Header.Set("X-Amz-Glacier-Version", APIVersion)
			r.Header.Set("Content-Length", "0")
			if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
				r, sha256Hex(""), "glacier", testRegion, now); err != nil {
				t.Fatal(err)
			}
			r.RequestURI = path
			g := newFake()
			w := httptest.NewRecorder()
			New(g, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}}).ServeHTTP(w, r)
			checkResponse(t, w)
			return w, g.last()
		}
		direct, want := send(signed)
		if direct == nil {
			return
		}
		replayed, got := send(wire)
		if replayed.Code != direct.Code || got.op != want.op || !reflect.DeepEqual(got.in, want.in) {
			t.Fatalf("%s %s signed as %s: %d %s %+v; sent as signed: %d %s %+v",
				method, wire, signed, replayed.Code, got.op, got.in, direct.Code, want.op, want.in)
		}
	})
}

// FuzzImportHeaders checks the parsers of the import extension's headers:
// they never panic, a date they accept is in UTC and prints back to one
// they accept as the same instant, and every description survives
// percent-encoding.
func FuzzImportHeaders(f *testing.F) {
	for _, s := range []string{t0Wire, "2012-03-20T19:03:43+02:00", "2012-03-20", "caf%C3%A9%09", "100%", "%zz", "a+b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := parseCreationDate(s); err == nil {
			if d.Location() != time.UTC {
				t.Fatalf("%q: date %v not in UTC", s, d)
			}
			back, err := parseCreationDate(d.Format(time.RFC3339Nano))
			if err != nil || !back.Equal(d) {
				t.Fatalf("%q: %v prints back as %v, %v", s, d, back, err)
			}
		}
		parseDescription(s)
		got, err := parseDescription(percentEncode(s))
		if err != nil || got != s {
			t.Fatalf("%q: percent-encoded, decodes to %q, %v", s, got, err)
		}
	})
}

// percentEncode encodes every byte of s but RFC 3986's unreserved ones.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
