package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
)

const (
	importPath = "/-/vaults/v1/archives/SRC-id_1.~"
	helloTree  = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9" // "hello world" is one leaf
	rootARN    = "arn:aws:iam::" + DefaultAccountID + ":root"
)

// importRequest is a valid ImportArchive request for "hello world".
func importRequest() *http.Request {
	r := rawRequest("PUT", importPath, strings.NewReader("hello world"))
	r.Header.Set("X-Amz-Sha256-Tree-Hash", helloTree)
	r.Header.Set("X-Amz-Content-Sha256", sha256Hex("hello world"))
	r.Header.Set("X-Firn-Creation-Date", t0Wire)
	r.Header.Set("X-Firn-Archive-Description", "caf%C3%A9%09tab%20%25")
	return r
}

func importHandler(f firn.Glacier, principals ...string) http.Handler {
	return New(f, Options{Logger: quiet, ImportPrincipals: principals})
}

func TestImportArchive(t *testing.T) {
	f := newImportingFake()
	var infos []*RequestInfo
	h := New(f, Options{Logger: quiet, ImportPrincipals: []string{rootARN}, Observe: func(i *RequestInfo) { infos = append(infos, i) }})
	f.respond("ImportArchive", &firn.ImportArchiveOutput{ArchiveId: "SRC-id_1.~", Checksum: helloTree, Location: "/000000000000/vaults/v1/archives/SRC-id_1.~", Imported: true}, nil)
	w := serveWith(h, importRequest())
	eq(t, "status", w.Code, http.StatusCreated)
	for k, v := range map[string]string{
		"Location":               "/000000000000/vaults/v1/archives/SRC-id_1.~",
		"X-Amz-Archive-Id":       "SRC-id_1.~",
		"X-Amz-Sha256-Tree-Hash": helloTree,
		"X-Firn-Imported":        "true",
	} {
		eq(t, k, w.Header().Get(k), v)
	}
	c := wantCall(t, f.fake, "ImportArchive", &firn.ImportArchiveInput{
		AccountId: "-", VaultName: "v1", ArchiveId: "SRC-id_1.~",
		ArchiveDescription: "café\ttab %", CreationDate: t0, Checksum: helloTree, Size: 11,
	})
	eq(t, "body", string(c.body), "hello world")

	// Already there: Imported false; an absent description is empty.
	f.respond("ImportArchive", &firn.ImportArchiveOutput{ArchiveId: "SRC-id_1.~"}, nil)
	r := importRequest()
	r.Header.Del("X-Firn-Archive-Description")
	r.Header.Set("X-Firn-Creation-Date", "2012-03-20T19:03:43.221+02:00")
	w = serveWith(h, r)
	eq(t, "status", w.Code, http.StatusCreated)
	eq(t, "X-Firn-Imported", w.Header().Get("X-Firn-Imported"), "false")
	in := f.last().in.(*firn.ImportArchiveInput)
	eq(t, "description", in.ArchiveDescription, "")
	eq(t, "date in UTC", in.CreationDate, t0)

	// Errors of the Importer are answered as Glacier errors.
	f.respond("ImportArchive", nil, firn.Errorf(firn.CodeInvalidParameterValue, "Invalid ArchiveDescription: differs"))
	wantError(t, serveWith(h, importRequest()), 400, "InvalidParameterValueException", "differs")

	// The route table names the operations.
	serveWith(h, rawRequest("GET", importPath, nil))
	eq(t, "operations", []string{infos[0].Operation, infos[3].Operation}, []string{"ImportArchive", "DescribeArchive"})
}

func TestImportArchiveBadHeaders(t *testing.T) {
	f := newImportingFake()
	h := importHandler(f, rootARN)
	for _, tt := range []struct{ header, value, code, msg string }{
		{"X-Amz-Sha256-Tree-Hash", "", "MissingParameterValueException", "x-amz-sha256-tree-hash"},
		{"X-Amz-Content-Sha256", "", "MissingParameterValueException", "x-amz-content-sha256"},
		{"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD", "InvalidParameterValueException", "x-amz-content-sha256"},
		{"X-Firn-Creation-Date", "", "MissingParameterValueException", "x-firn-creation-date"},
		{"X-Firn-Creation-Date", "20 March 2012", "InvalidParameterValueException", "x-firn-creation-date"},
		{"X-Firn-Creation-Date", "2012-03-20", "InvalidParameterValueException", "x-firn-creation-date"},
		{"X-Firn-Archive-Description", "100%", "InvalidParameterValueException", "x-firn-archive-description"},
		{"X-Firn-Archive-Description", "%zz", "InvalidParameterValueException", "x-firn-archive-description"},
	} {
		r := importRequest()
		if tt.value == "" {
			r.Header.Del(tt.header)
		} else {
			r.Header.Set(tt.header, tt.value)
		}
		wantError(t, serveWith(h, r), 400, tt.code, tt.msg)
	}

	// Content-Length is required, and bounded by the largest archive,
	// not the largest single upload.
	r := importRequest()
	r.ContentLength = -1
	wantError(t, serveWith(h, r), 400, "MissingParameterValueException", "Content-Length")
	r = importRequest()
	r.ContentLength = MaxImportSize + 1
	wantError(t, serveWith(h, r), 400, "InvalidParameterValueException", "Content-Length")
	eq(t, "calls", f.count(), 0)

	r = importRequest()
	r.ContentLength = 5 << 30
	serveWith(h, r)
	eq(t, "Size over 4 GiB", f.last().in.(*firn.ImportArchiveInput).Size, int64(5<<30))

	// A body that does not match x-amz-content-sha256 fails the import.
	r = importRequest()
	r.Header.Set("X-Amz-Content-Sha256", sha256Hex("other"))
	wantError(t, serveWith(h, r), 400, "InvalidParameterValueException", "x-amz-content-sha256 does not match")
}

func TestDescribeArchive(t *testing.T) {
	f := newImportingFake()
	h := importHandler(f, rootARN)
	f.respond("DescribeArchive", &firn.DescribeArchiveOutput{ArchiveId: "SRC", CreationDate: t0.In(time.FixedZone("x", 3600)), Size: 11, SHA256TreeHash: helloTree}, nil)
	w := serveWith(h, rawRequest("GET", "/-/vaults/v1/archives/SRC", nil))
	eq(t, "status", w.Code, http.StatusOK)
	eq(t, "body", w.Body.String(), `{"ArchiveId":"SRC","ArchiveDescription":"","CreationDate":"`+t0Wire+`","Size":11,"SHA256TreeHash":"`+helloTree+`"}`)
	wantCall(t, f.fake, "DescribeArchive", &firn.DescribeArchiveInput{AccountId: "-", VaultName: "v1", ArchiveId: "SRC"})

	f.respond("DescribeArchive", nil, firn.Errorf(firn.CodeResourceNotFound, "Archive not found: SRC"))
	wantError(t, serveWith(h, rawRequest("GET", "/-/vaults/v1/archives/SRC", nil)), 404, "ResourceNotFoundException", "SRC")
}

// Only the principals listed may import, decided before the body is read;
// with none listed the routes do not exist.
func TestImportGate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	signed := func(method string) *http.Request {
		r := importRequest()
		hd := map[string]string{}
		for k := range r.Header {
			hd[k] = r.Header.Get(k)
		}
		body := "hello world"
		if method == "GET" {
			body, hd = "", nil
		}
		return signedRequest(t, method, "/"+testAccount+"/vaults/v1/archives/SRC", body, now, hd, "")
	}
	opts := func(principals ...string) Options {
		return Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}, ImportPrincipals: principals}
	}

	f := newImportingFake()
	h := New(f, opts(testARN))
	eq(t, "allowed import", serveWith(h, signed("PUT")).Code, http.StatusCreated)
	eq(t, "principal", f.last().principal, testARN)
	eq(t, "allowed describe", serveWith(h, signed("GET")).Code, http.StatusOK)

	f = newImportingFake()
	h = New(f, opts("arn:aws:iam::"+testAccount+":root", "arn:aws:iam::"+testAccount+":user/bob"))
	for _, m := range []string{"PUT", "GET"} {
		r := signed(m)
		body := &readCounter{ReadCloser: r.Body}
		r.Body = body
		wantError(t, serveWith(h, r), 403, "AccessDeniedException", testARN)
		eq(t, m+": body bytes read", body.n, int64(0))
	}
	eq(t, "calls", f.count(), 0)

	// Without verification the caller is the root of the path's account.
	f = newImportingFake()
	eq(t, "root", serveWith(importHandler(f, rootARN), importRequest()).Code, http.StatusCreated)
	wantError(t, serveWith(importHandler(f, testARN), importRequest()), 403, "AccessDeniedException", rootARN)

	// No ImportPrincipals: answered as without the extension.
	for _, m := range []string{"PUT", "GET"} {
		w := serveWith(New(f, opts()), signed(m))
		wantError(t, w, 405, "UnknownOperationException", "No operation matches")
		eq(t, "Allow", w.Header().Get("Allow"), "DELETE")
	}
	w := serveWith(importHandler(f, rootARN), rawRequest("POST", importPath, nil))
	eq(t, "Allow with imports", w.Header().Get("Allow"), "DELETE, GET, PUT")
	eq(t, "calls", f.count(), 1)

	defer func() {
		if recover() == nil {
			t.Error("New with ImportPrincipals over a Glacier that cannot import did not panic")
		}
	}()
	New(newFake(), Options{Logger: quiet, ImportPrincipals: []string{rootARN}})
}

// The body reaches the Importer while the client is still sending it.
func TestImportArchiveStreams(t *testing.T) {
	first := make(chan string)
	f := &streamImporter{importingFake: newImportingFake(), first: first}
	srv := httptest.NewServer(importHandler(f, rootARN))
	defer srv.Close()
	pr, pw := io.Pipe()
	r := importRequest()
	req, err := http.NewRequest("PUT", srv.URL+importPath, pr)
	must(t, err)
	req.Header = r.Header
	req.ContentLength = 11
	done := make(chan *http.Response)
	go func() {
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	pw.Write([]byte("hello"))
	eq(t, "first bytes", <-first, "hello")
	pw.Write([]byte(" world"))
	pw.Close()
	resp := <-done
	if resp == nil {
		return
	}
	resp.Body.Close()
	eq(t, "status", resp.StatusCode, http.StatusCreated)
	eq(t, "rest", <-first, " world")
}

// streamImporter reads an import's first five bytes, reports them, then
// reads and reports the rest.
type streamImporter struct {
	importingFake
	first chan string
}

func (s *streamImporter) ImportArchive(_ context.Context, in *firn.ImportArchiveInput) (*firn.ImportArchiveOutput, error) {
	b := make([]byte, 5)
	if _, err := io.ReadFull(in.Body, b); err != nil {
		return nil, err
	}
	s.first <- string(b)
	rest, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	go func() { s.first <- string(rest) }()
	return &firn.ImportArchiveOutput{Imported: true}, nil
}
