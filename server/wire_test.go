package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestVersionHeader(t *testing.T) {
	f := newFake()
	r := httptest.NewRequest("GET", "/-/vaults", nil)
	w := serve(f, r)
	wantError(t, w, 400, "MissingParameterValueException", "Required parameter missing: API version")

	r.Header.Set("X-Amz-Glacier-Version", "2011-01-01")
	wantError(t, serve(f, r), 400, "InvalidParameterValueException", "2011-01-01")
	eq(t, "calls", f.count(), 0)
}

func TestCommonResponseHeaders(t *testing.T) {
	clock := &fixedClock{t: t0}
	h := New(newFake(), Options{Logger: quiet, Clock: clock})
	ids := map[string]bool{}
	for _, r := range []*http.Request{
		rawRequest("PUT", "/-/vaults/v1", nil),
		rawRequest("GET", "/-/nowhere", nil),
		rawRequest("GET", "/-/vaults/v1", nil),
	} {
		w := serveWith(h, r)
		id := w.Header().Get("X-Amzn-Requestid")
		if id == "" || ids[id] {
			t.Errorf("%s %s: request ID %q missing or repeated", r.Method, r.URL, id)
		}
		ids[id] = true
		eq(t, "Date", w.Header().Get("Date"), "Tue, 20 Mar 2012 17:03:43 GMT")
	}
}

func TestQueryValidation(t *testing.T) {
	f := newFake()
	for _, tt := range []struct{ target, msg string }{
		{"/-/vaults?limit=abc", `Invalid limit: "abc"`},
		{"/-/vaults?limit=0", `Invalid limit: "0"`},
		{"/-/vaults?limit=%2B5", `Invalid limit: "+5"`},
		{"/-/vaults?limit=99999999999", `Invalid limit: "99999999999"`},
		{"/-/vaults/v/jobs?completed=maybe", `Invalid completed: "maybe"`},
		{"/-/vaults/v/jobs?limit=1.5", `Invalid limit: "1.5"`},
		{"/-/vaults/v/multipart-uploads?limit=x", `Invalid limit: "x"`},
		{"/-/vaults/v/multipart-uploads/U?limit=x", `Invalid limit: "x"`},
		{"/-/vaults?marker=%zz", "Invalid query string"},
		{"/-/vaults?a=1;b=2", "Invalid query string"},
	} {
		w := serve(f, rawRequest("GET", tt.target, nil))
		wantError(t, w, 400, "InvalidParameterValueException", tt.msg)
	}
	for _, tt := range []struct{ op, header, value, code, msg string }{
		{"POST /-/vaults/v/multipart-uploads", "X-Amz-Part-Size", "", "MissingParameterValueException", "x-amz-part-size"},
		{"POST /-/vaults/v/multipart-uploads", "X-Amz-Part-Size", "1MB", "InvalidParameterValueException", `Invalid x-amz-part-size: "1MB"`},
		{"POST /-/vaults/v/multipart-uploads", "X-Amz-Part-Size", "+1048576", "InvalidParameterValueException", "x-amz-part-size"},
		{"POST /-/vaults/v/multipart-uploads/U", "X-Amz-Archive-Size", "", "MissingParameterValueException", "x-amz-archive-size"},
		{"POST /-/vaults/v/multipart-uploads/U", "X-Amz-Archive-Size", "99999999999999999999", "InvalidParameterValueException", "x-amz-archive-size"},
	} {
		method, target, _ := strings.Cut(tt.op, " ")
		r := rawRequest(method, target, nil)
		if tt.value != "" {
			r.Header.Set(tt.header, tt.value)
		}
		wantError(t, serve(f, r), 400, tt.code, tt.msg)
	}
	eq(t, "calls", f.count(), 0)

	// Negative numbers are the Glacier's to reject; empty values are absent.
	r := rawRequest("POST", "/-/vaults/v/multipart-uploads", nil)
	r.Header.Set("X-Amz-Part-Size", "-1048576")
	eq(t, "status", serve(f, r).Code, 201)
	wantCall(t, f, "InitiateMultipartUpload", &firn.InitiateMultipartUploadInput{AccountId: "-", VaultName: "v", PartSize: -1 << 20})
	eq(t, "status", serve(f, rawRequest("GET", "/-/vaults?limit=-1", nil)).Code, 200)
	wantCall(t, f, "ListVaults", &firn.ListVaultsInput{AccountId: "-", Limit: -1})
	w := serve(f, rawRequest("GET", "/-/vaults?limit=&marker=", nil))
	eq(t, "status", w.Code, 200)
	wantCall(t, f, "ListVaults", &firn.ListVaultsInput{AccountId: "-"})
}

func TestTagsOperationQuery(t *testing.T) {
	f := newFake()
	wantError(t, serve(f, rawRequest("POST", "/-/vaults/v/tags", strings.NewReader(`{}`))), 400, "MissingParameterValueException", "operation")
	wantError(t, serve(f, rawRequest("POST", "/-/vaults/v/tags?operation=drop", strings.NewReader(`{}`))), 400, "InvalidParameterValueException", `"drop"`)
	eq(t, "calls", f.count(), 0)
}

func TestMalformedJSON(t *testing.T) {
	for _, tt := range []struct{ target, body string }{
		{"/-/vaults/v/tags?operation=add", `{"Tags":`},
		{"/-/vaults/v/tags?operation=add", `{"Tags":[1]}`},
		{"/-/vaults/v/tags?operation=remove", `{"TagKeys":"a"}`},
		{"/-/vaults/v/tags?operation=add", `{"Tags":{}} trailing`},
		{"/-/vaults/v/jobs", `[1,2]`},
		{"/-/vaults/v/jobs", `{"Type":5}`},
		{"/-/vaults/v/lock-policy", `"policy"`},
		{"/-/policies/data-retrieval", `{"Policy":{"Rules":[{"BytesPerHour":1.5}]}}`},
	} {
		f := newFake()
		method := "POST"
		if strings.HasPrefix(tt.target, "/-/policies") {
			method = "PUT"
		}
		w := serve(f, rawRequest(method, tt.target, strings.NewReader(tt.body)))
		wantError(t, w, 400, "SerializationException", "Malformed JSON")
		eq(t, tt.body+": calls", f.count(), 0)
	}
}

func TestJSONBodyLimit(t *testing.T) {
	f := newFake()
	h := New(f, Options{Logger: quiet, MaxJSONBody: 64})
	body := `{"Policy":"` + strings.Repeat("x", 100) + `"}`
	wantError(t, serveWith(h, rawRequest("PUT", "/-/vaults/v/access-policy", strings.NewReader(body))), 400, "InvalidParameterValueException", "Invalid policy: the request body exceeds 64 bytes")
	eq(t, "calls", f.count(), 0)
}

func TestEmptyJSONBodies(t *testing.T) {
	f := newFake()
	for _, body := range []string{"", " null "} {
		eq(t, "status", serve(f, rawRequest("PUT", "/-/vaults/v/access-policy", strings.NewReader(body))).Code, 204)
		wantCall(t, f, "SetVaultAccessPolicy", &firn.SetVaultAccessPolicyInput{AccountId: "-", VaultName: "v"})
		eq(t, "status", serve(f, rawRequest("POST", "/-/vaults/v/lock-policy", strings.NewReader(body))).Code, 201)
		wantCall(t, f, "InitiateVaultLock", &firn.InitiateVaultLockInput{AccountId: "-", VaultName: "v"})
		eq(t, "status", serve(f, rawRequest("PUT", "/-/vaults/v/notification-configuration", strings.NewReader(body))).Code, 204)
		wantCall(t, f, "SetVaultNotifications", &firn.SetVaultNotificationsInput{AccountId: "-", VaultName: "v"})
	}
}

func TestContentSHA256Mismatch(t *testing.T) {
	t.Run("upload", func(t *testing.T) {
		f := newFake()
		r := uploadHeaders(rawRequest("POST", "/-/vaults/v/archives", strings.NewReader("hello world")), "hello world")
		r.Header.Set("X-Amz-Content-Sha256", sha256Hex("hello worle"))
		wantError(t, serve(f, r), 400, "InvalidParameterValueException", "x-amz-content-sha256 does not match")
		c := wantCall(t, f, "UploadArchive", &firn.UploadArchiveInput{AccountId: "-", VaultName: "v", Checksum: sha256Hex("hello world")})
		if c.readErr == nil {
			t.Error("the Glacier read the whole body without an error")
		}
	})
	t.Run("part", func(t *testing.T) {
		f := newFake()
		r := uploadHeaders(rawRequest("PUT", "/-/vaults/v/multipart-uploads/U", strings.NewReader("abcde")), "abcde")
		r.Header.Set("X-Amz-Content-Sha256", strings.ToUpper(sha256Hex("abcdf")))
		r.Header.Set("Content-Range", "bytes 0-4/*")
		wantError(t, serve(f, r), 400, "InvalidParameterValueException", "x-amz-content-sha256 does not match")
		if f.last().readErr == nil {
			t.Error("the Glacier read the whole body without an error")
		}
	})
	t.Run("json", func(t *testing.T) {
		f := newFake()
		r := rawRequest("POST", "/-/vaults/v/jobs", strings.NewReader(`{"Type":"inventory-retrieval"}`))
		r.Header.Set("X-Amz-Content-Sha256", sha256Hex(`{"Type":"archive-retrieval"}`))
		wantError(t, serve(f, r), 400, "InvalidParameterValueException", "x-amz-content-sha256 does not match")
		eq(t, "calls", f.count(), 0)
	})
	t.Run("match", func(t *testing.T) {
		f := newFake()
		r := uploadHeaders(rawRequest("POST", "/-/vaults/v/archives", strings.NewReader("hello world")), "hello world")
		r.Header.Set("X-Amz-Content-Sha256", strings.ToUpper(sha256Hex("hello world")))
		eq(t, "status", serve(f, r).Code, 201)
		eq(t, "body", string(f.last().body), "hello world")
	})
	t.Run("malformed", func(t *testing.T) {
		f := newFake()
		r := rawRequest("POST", "/-/vaults/v/archives", strings.NewReader("x"))
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		wantError(t, serve(f, r), 400, "InvalidParameterValueException", "Invalid x-amz-content-sha256")
		eq(t, "calls", f.count(), 0)
	})
}

func TestUploadLimits(t *testing.T) {
	f := newFake()
	r := rawRequest("POST", "/-/vaults/v/archives", strings.NewReader("x"))
	r.ContentLength = MaxArchiveSize + 1
	wantError(t, serve(f, r), 400, "InvalidParameterValueException", "Content-Length")

	r = rawRequest("PUT", "/-/vaults/v/multipart-uploads/U", strings.NewReader("x"))
	r.ContentLength = MaxPartSize + 1
	wantError(t, serve(f, r), 400, "InvalidParameterValueException", "Content-Length")

	r = rawRequest("POST", "/-/vaults/v/archives", strings.NewReader("x"))
	r.ContentLength = -1
	wantError(t, serve(f, r), 400, "MissingParameterValueException", "Content-Length")
	eq(t, "calls", f.count(), 0)

	// A part of unknown length is bounded while it streams.
	r = uploadHeaders(rawRequest("PUT", "/-/vaults/v/multipart-uploads/U", strings.NewReader("x")), "x")
	r.ContentLength = -1
	eq(t, "status", serve(f, r).Code, 204)
	eq(t, "body", string(f.last().body), "x")
}

func TestPayloadReader(t *testing.T) {
	t.Run("limit", func(t *testing.T) {
		p := &payload{r: strings.NewReader("0123456789"), limit: 9}
		_, err := io.ReadAll(p)
		if firn.CodeOf(err) != firn.CodeInvalidParameterValue || p.fail == nil {
			t.Fatalf("over-limit read: %v", err)
		}
		p = &payload{r: strings.NewReader("0123456789"), limit: 10}
		data, err := io.ReadAll(p)
		if err != nil || string(data) != "0123456789" {
			t.Fatalf("at-limit read %q, %v", data, err)
		}
	})
	t.Run("hash", func(t *testing.T) {
		// One byte at a time, data and EOF together: the check runs once,
		// after the last byte.
		for _, body := range []string{"", "a", "hello world"} {
			r := httptest.NewRequest("PUT", "/", nil)
			r.Header.Set("X-Amz-Content-Sha256", sha256Hex(body))
			p, err := newPayload(r, nil)
			must(t, err)
			p.r = &dataEOFReader{s: body}
			var got []byte
			buf := make([]byte, 1)
			for {
				n, err := p.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				must(t, err)
			}
			eq(t, "body", string(got), body)
			if n, err := p.Read(buf); n != 0 || err != io.EOF {
				t.Errorf("read after EOF: %d, %v", n, err)
			}
		}
	})
	t.Run("readError", func(t *testing.T) {
		boom := errors.New("connection reset")
		p := &payload{r: io.MultiReader(strings.NewReader("ab"), &errReader{boom}), limit: 100}
		_, err := io.ReadAll(p)
		if firn.CodeOf(err) != firn.CodeRequestTimeout || !errors.Is(err, boom) {
			t.Fatalf("read error surfaced as %v", err)
		}
	})
}

// dataEOFReader returns its last byte together with io.EOF.
type dataEOFReader struct{ s string }

func (r *dataEOFReader) Read(p []byte) (int, error) {
	n := copy(p, r.s)
	r.s = r.s[n:]
	if r.s == "" {
		return n, io.EOF
	}
	return n, nil
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

func TestEscapedPathSegments(t *testing.T) {
	f := newFake()
	eq(t, "status", serve(f, rawRequest("DELETE", "/-/vaults/v1/archives/AID%2Fwith%2Bspecial%3Dchars", nil)).Code, 204)
	wantCall(t, f, "DeleteArchive", &firn.DeleteArchiveInput{AccountId: "-", VaultName: "v1", ArchiveId: "AID/with+special=chars"})
	eq(t, "status", serve(f, rawRequest("GET", "/123456789012/vaults/a%2Fb/jobs/J%2F1/output", nil)).Code, 200)
	wantCall(t, f, "GetJobOutput", &firn.GetJobOutputInput{AccountId: "123456789012", VaultName: "a/b", JobId: "J/1"})
}

func TestRouting(t *testing.T) {
	f := newFake()
	for _, tt := range []struct{ method, target, op string }{
		{"GET", "/-/vaults", "ListVaults"},
		{"GET", "/-/vaults/v", "DescribeVault"},
		{"PUT", "/-/vaults/v", "CreateVault"},
		{"DELETE", "/-/vaults/v", "DeleteVault"},
		{"POST", "/-/vaults/v/archives", "UploadArchive"},
		{"DELETE", "/-/vaults/v/archives/A", "DeleteArchive"},
		{"GET", "/-/vaults/v/multipart-uploads", "ListMultipartUploads"},
		{"POST", "/-/vaults/v/multipart-uploads", "InitiateMultipartUpload"},
		{"GET", "/-/vaults/v/multipart-uploads/U", "ListParts"},
		{"PUT", "/-/vaults/v/multipart-uploads/U", "UploadMultipartPart"},
		{"POST", "/-/vaults/v/multipart-uploads/U", "CompleteMultipartUpload"},
		{"DELETE", "/-/vaults/v/multipart-uploads/U", "AbortMultipartUpload"},
		{"GET", "/-/vaults/v/jobs", "ListJobs"},
		{"POST", "/-/vaults/v/jobs", "InitiateJob"},
		{"GET", "/-/vaults/v/jobs/J", "DescribeJob"},
		{"GET", "/-/vaults/v/jobs/J/output", "GetJobOutput"},
		{"GET", "/-/vaults/v/tags", "ListTagsForVault"},
		{"POST", "/-/vaults/v/tags?operation=add", "AddTagsToVault"},
		{"POST", "/-/vaults/v/tags?operation=remove", "RemoveTagsFromVault"},
		{"GET", "/-/vaults/v/access-policy", "GetVaultAccessPolicy"},
		{"PUT", "/-/vaults/v/access-policy", "SetVaultAccessPolicy"},
		{"DELETE", "/-/vaults/v/access-policy", "DeleteVaultAccessPolicy"},
		{"GET", "/-/vaults/v/notification-configuration", "GetVaultNotifications"},
		{"PUT", "/-/vaults/v/notification-configuration", "SetVaultNotifications"},
		{"DELETE", "/-/vaults/v/notification-configuration", "DeleteVaultNotifications"},
		{"GET", "/-/vaults/v/lock-policy", "GetVaultLock"},
		{"POST", "/-/vaults/v/lock-policy", "InitiateVaultLock"},
		{"DELETE", "/-/vaults/v/lock-policy", "AbortVaultLock"},
		{"POST", "/-/vaults/v/lock-policy/L", "CompleteVaultLock"},
		{"GET", "/-/policies/data-retrieval", "GetDataRetrievalPolicy"},
		{"PUT", "/-/policies/data-retrieval", "SetDataRetrievalPolicy"},
		{"GET", "/-/provisioned-capacity", "ListProvisionedCapacity"},
		{"POST", "/-/provisioned-capacity", "PurchaseProvisionedCapacity"},
	} {
		r := rawRequest(tt.method, tt.target, strings.NewReader("x"))
		if tt.op == "InitiateMultipartUpload" {
			r.Header.Set("X-Amz-Part-Size", "1048576")
		}
		if tt.op == "CompleteMultipartUpload" {
			r.Header.Set("X-Amz-Archive-Size", "1")
		}
		if tt.op == "UploadArchive" || tt.op == "UploadMultipartPart" {
			uploadHeaders(r, "x")
		}
		if strings.HasPrefix(tt.op, "Set") || strings.Contains(tt.target, "tags?") || tt.op == "InitiateJob" || tt.op == "InitiateVaultLock" {
			r = rawRequest(tt.method, tt.target, strings.NewReader("{}"))
		}
		n := f.count()
		w := serve(f, r)
		if w.Code >= 300 || f.count() != n+1 || f.last().op != tt.op {
			t.Errorf("%s %s: status %d, op %q; want %s (body %s)", tt.method, tt.target, w.Code, f.last().op, tt.op, w.Body)
		}
	}

	n := f.count()
	for _, target := range []string{"/", "/-", "/-/vault", "/-/vaults/", "/-/vaults//tags", "/-/vaults/v/unknown", "/-/vaults/v/jobs/J/input",
		"/-/vaults/v/jobs/J/output/x", "/-/policies", "/-/policies/other", "/-/vaults/v/tags/x"} {
		wantError(t, serve(f, rawRequest("GET", target, nil)), 404, "UnknownOperationException", "No operation matches")
	}
	w := serve(f, rawRequest("PATCH", "/-/vaults/v", nil))
	wantError(t, w, 405, "UnknownOperationException", "PATCH")
	eq(t, "Allow", w.Header().Get("Allow"), "DELETE, GET, PUT")
	wantError(t, serve(f, rawRequest("GET", "/-/vaults/v/archives", nil)), 405, "UnknownOperationException", "GET")
	r := rawRequest("GET", "/-/vaults/x", nil)
	r.RequestURI = "/-/vaults/a%zzb"
	wantError(t, serve(f, r), 400, "InvalidParameterValueException", "path")
	eq(t, "calls", f.count(), n)
}

// TestNullHandling checks the raw JSON of outputs: every job key present,
// null where a member does not apply, dates with milliseconds.
func TestNullHandling(t *testing.T) {
	f := newFake()
	f.respond("DescribeJob", &firn.DescribeJobOutput{JobId: "J", Action: firn.ActionInventoryRetrieval, StatusCode: firn.StatusInProgress, CreationDate: t0,
		VaultARN: "arn:v", InventoryRetrievalParameters: &firn.InventoryRetrievalJobDescription{Format: "CSV"}}, nil)
	w := serve(f, rawRequest("GET", "/-/vaults/v/jobs/J", nil))
	eq(t, "Content-Type", w.Header().Get("Content-Type"), "application/json")
	var job map[string]any
	must(t, json.Unmarshal(w.Body.Bytes(), &job))
	irp := map[string]any{"EndDate": nil, "Format": "CSV", "Limit": nil, "Marker": nil, "StartDate": nil}
	want := map[string]any{
		"Action": "InventoryRetrieval", "ArchiveId": nil, "ArchiveSHA256TreeHash": nil, "ArchiveSizeInBytes": nil,
		"Completed": false, "CompletionDate": nil, "CreationDate": t0Wire, "InventoryRetrievalParameters": irp,
		"InventorySizeInBytes": nil, "JobDescription": nil, "JobId": "J", "JobOutputPath": nil, "OutputLocation": nil,
		"RetrievalByteRange": nil, "SHA256TreeHash": nil, "SNSTopic": nil, "SelectParameters": nil, "StatusCode": "InProgress",
		"StatusMessage": nil, "Tier": nil, "VaultARN": "arn:v",
	}
	eq(t, "DescribeJob", job, want)

	f.respond("ListVaults", &firn.ListVaultsOutput{}, nil)
	w = serve(f, rawRequest("GET", "/-/vaults", nil))
	eq(t, "ListVaults", strings.TrimSpace(w.Body.String()), `{"Marker":null,"VaultList":[]}`)

	f.respond("DescribeVault", &firn.DescribeVaultOutput{VaultName: "v", VaultARN: "arn:v", CreationDate: t0.Add(999 * time.Microsecond)}, nil)
	w = serve(f, rawRequest("GET", "/-/vaults/v", nil))
	eq(t, "DescribeVault", w.Body.String(), `{"CreationDate":"2012-03-20T17:03:43.221Z","LastInventoryDate":null,"NumberOfArchives":0,"SizeInBytes":0,"VaultARN":"arn:v","VaultName":"v"}`)

	w = serve(f, rawRequest("GET", "/-/vaults/v/tags", nil))
	eq(t, "ListTagsForVault", w.Body.String(), `{"Tags":{}}`)
	w = serve(f, rawRequest("GET", "/-/vaults/v/lock-policy", nil))
	eq(t, "GetVaultLock", w.Body.String(), `{"CreationDate":null,"ExpirationDate":null,"Policy":null,"State":null}`)
	w = serve(f, rawRequest("GET", "/-/policies/data-retrieval", nil))
	eq(t, "GetDataRetrievalPolicy", w.Body.String(), `{"Policy":{"Rules":[]}}`)

	// No body and no Content-Type on 201/204.
	w = serve(f, rawRequest("DELETE", "/-/vaults/v", nil))
	eq(t, "DeleteVault status", w.Code, 204)
	eq(t, "DeleteVault body", w.Body.Len(), 0)
	eq(t, "DeleteVault Content-Type", w.Header().Get("Content-Type"), "")
}

// blockingGlacier signals when an upload has read its first byte and when a
// download may continue, to prove that neither side is buffered whole.
type blockingGlacier struct {
	*fake
	firstByte chan struct{}
	output    io.ReadCloser
}

func (g *blockingGlacier) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	var b [1]byte
	if _, err := io.ReadFull(in.Body, b[:]); err != nil {
		return nil, err
	}
	close(g.firstByte)
	rest, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	return &firn.UploadArchiveOutput{ArchiveId: string(b[:]) + string(rest)}, nil
}

func (g *blockingGlacier) GetJobOutput(ctx context.Context, in *firn.GetJobOutputInput) (*firn.GetJobOutputOutput, error) {
	return &firn.GetJobOutputOutput{Body: g.output, Status: 200, ContentType: "application/octet-stream"}, nil
}

func TestStreaming(t *testing.T) {
	pr, pw := io.Pipe()
	g := &blockingGlacier{fake: newFake(), firstByte: make(chan struct{}), output: pr}
	srv := httptest.NewServer(New(g, Options{Logger: quiet}))
	defer srv.Close()

	t.Run("upload", func(t *testing.T) {
		body, bw := io.Pipe()
		req, err := http.NewRequest("POST", srv.URL+"/-/vaults/v/archives", body)
		must(t, err)
		req.ContentLength = 3
		req.Header.Set("X-Amz-Glacier-Version", APIVersion)
		uploadHeaders(req, "abc")
		done := make(chan *http.Response)
		go func() {
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
			}
			done <- resp
		}()
		bw.Write([]byte("a"))
		select {
		case <-g.firstByte:
		case <-time.After(10 * time.Second):
			t.Fatal("the Glacier did not see the first byte before the body ended")
		}
		bw.Write([]byte("bc"))
		bw.Close()
		resp := <-done
		if resp == nil {
			return
		}
		resp.Body.Close()
		eq(t, "status", resp.StatusCode, 201)
		eq(t, "archive", resp.Header.Get("X-Amz-Archive-Id"), "abc")
	})

	t.Run("download", func(t *testing.T) {
		req, err := http.NewRequest("GET", srv.URL+"/-/vaults/v/jobs/J/output", nil)
		must(t, err)
		req.Header.Set("X-Amz-Glacier-Version", APIVersion)
		go func() {
			pw.Write(bytes.Repeat([]byte("x"), 100))
		}()
		resp, err := srv.Client().Do(req)
		must(t, err)
		defer resp.Body.Close()
		buf := make([]byte, 100)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatalf("first bytes did not arrive while the output was still open: %v", err)
		}
		pw.CloseWithError(errors.New("disk failed"))
		if _, err := io.ReadAll(resp.Body); err == nil {
			t.Error("a failed output stream ended cleanly for the client")
		}
	})
}

func TestJobOutputContentLength(t *testing.T) {
	f := newFake()
	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: io.NopCloser(strings.NewReader("0123")), Status: 206, ContentRange: "bytes 6-9/10"}, nil)
	w := serve(f, rawRequest("GET", "/-/vaults/v/jobs/J/output", nil))
	eq(t, "status", w.Code, 206)
	eq(t, "Content-Length", w.Header().Get("Content-Length"), "4")
	eq(t, "Content-Type", w.Header().Get("Content-Type"), "application/octet-stream")
	eq(t, "body", w.Body.String(), "0123")

	// The Glacier's ContentLength, for a whole output too.
	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: io.NopCloser(strings.NewReader("0123")), ContentLength: new(int64(4))}, nil)
	w = serve(f, rawRequest("GET", "/-/vaults/v/jobs/J/output", nil))
	eq(t, "status", w.Code, 200)
	eq(t, "Content-Length", w.Header().Get("Content-Length"), "4")
	eq(t, "body", w.Body.String(), "0123")
	// An unknown length is left to chunked encoding.
	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: io.NopCloser(strings.NewReader("0123"))}, nil)
	w = serve(f, rawRequest("GET", "/-/vaults/v/jobs/J/output", nil))
	eq(t, "Content-Length", w.Header().Get("Content-Length"), "")
	// A ContentLength that contradicts the Content-Range is an internal
	// error, found before the status line.
	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: io.NopCloser(strings.NewReader("0123")), ContentLength: new(int64(4)), ContentRange: "bytes 0-4/10"}, nil)
	wantError(t, serve(f, rawRequest("GET", "/-/vaults/v/jobs/J/output", nil)), 500, string(firn.CodeServiceUnavailable), "")

	for cr, want := range map[string]int64{"bytes 0-0/1": 1, "bytes 5-4/9": -1, "bytes a-4/9": -1, "0-4/9": -1, "bytes 0-4": 5} {
		n, ok := rangeLength(cr)
		if !ok {
			n = -1
		}
		eq(t, cr, n, want)
	}
}

func TestSecureTransport(t *testing.T) {
	f := newFake()
	srv := httptest.NewTLSServer(New(f, Options{Logger: quiet}))
	defer srv.Close()
	req, _ := http.NewRequest("PUT", srv.URL+"/-/vaults/v", nil)
	req.Header.Set("X-Amz-Glacier-Version", APIVersion)
	resp, err := srv.Client().Do(req)
	must(t, err)
	resp.Body.Close()
	eq(t, "secure", f.last().secure, true)
}

func TestStartupLog(t *testing.T) {
	var buf bytes.Buffer
	New(newFake(), Options{Logger: slogTo(&buf)})
	if !strings.Contains(buf.String(), "SigV4 verification disabled") {
		t.Errorf("startup log %q", buf.String())
	}
	buf.Reset()
	New(newFake(), Options{Logger: slogTo(&buf), Credentials: testCreds()})
	if buf.Len() != 0 {
		t.Errorf("startup log with credentials %q", buf.String())
	}
}

func TestNewHTTPServer(t *testing.T) {
	h := New(newFake(), Options{Logger: quiet})
	s := NewHTTPServer(":0", h)
	if s.ReadHeaderTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 || s.Handler != h {
		t.Errorf("server not hardened: %+v", s)
	}
	if !slices.Contains([]time.Duration{s.ReadTimeout, s.WriteTimeout}, 0) {
		t.Error("read/write timeouts would cut off large transfers")
	}
}

func TestGracefulShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	pr, pw := io.Pipe()
	s := NewHTTPServer(ln.Addr().String(), New(&blockingGlacier{fake: newFake(), output: pr}, Options{Logger: quiet}))
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()

	go pw.Write([]byte("a"))
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/-/vaults/v/jobs/J/output", nil)
	req.Header.Set("X-Amz-Glacier-Version", APIVersion)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	first := make([]byte, 1)
	_, err = io.ReadFull(resp.Body, first)
	must(t, err)

	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a download in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	pw.Write([]byte("b"))
	pw.Close()
	rest, err := io.ReadAll(resp.Body)
	must(t, err)
	eq(t, "download", string(first)+string(rest), "ab")
	must(t, <-shut)
	eq(t, "Serve", <-served, http.ErrServerClosed)
}

// outputBody is a job output that yields data, then fails with err (io.EOF
// for a clean end); closed is closed by Close.
type outputBody struct {
	data   string
	err    error
	closed chan struct{}
}

func newOutputBody(data string, err error) *outputBody {
	return &outputBody{data: data, err: err, closed: make(chan struct{})}
}

// waitClosed fails t unless the handler closes b.
func (b *outputBody) waitClosed(t *testing.T) {
	t.Helper()
	select {
	case <-b.closed:
	case <-time.After(10 * time.Second):
		t.Error("the handler did not close the output")
	}
}

func (b *outputBody) Read(p []byte) (int, error) {
	if b.data == "" {
		return 0, b.err
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (b *outputBody) Close() error {
	close(b.closed)
	return nil
}

// getOutput requests the output of job id of vault v over a real
// connection.
func getOutput(t *testing.T, srv *httptest.Server, id string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+"/-/vaults/v/jobs/"+id+"/output", nil)
	must(t, err)
	req.Header.Set("X-Amz-Glacier-Version", APIVersion)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestJobOutputFirstReadFails: an output that fails before its first byte
// is answered with a 500 JSON error, without the output's headers.
func TestJobOutputFirstReadFails(t *testing.T) {
	f, srv := startServer(t, Options{})
	body := newOutputBody("", errors.New("segment unreadable"))
	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: body, Status: 206, ContentRange: "bytes 0-9/20",
		ContentType: "text/csv", Checksum: "ab", AcceptRanges: "bytes"}, nil)
	resp := getOutput(t, srv, "J")
	eq(t, "status", resp.StatusCode, http.StatusInternalServerError)
	for _, h := range []string{"Content-Range", "X-Amz-Sha256-Tree-Hash", "Accept-Ranges"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("error response carries the output's %s: %q", h, v)
		}
	}
	b := decodeError(t, resp)
	eq(t, "code", b.Code, string(firn.CodeServiceUnavailable))
	eq(t, "type", b.Type, "Server")
	body.waitClosed(t)

	// A Glacier error from the first read keeps its code.
	body = newOutputBody("", firn.Errorf(firn.CodeRequestTimeout, "slow disk"))
	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: body}, nil)
	resp = getOutput(t, srv, "J")
	eq(t, "status", resp.StatusCode, http.StatusRequestTimeout)
	eq(t, "code", decodeError(t, resp).Code, string(firn.CodeRequestTimeout))
}

// TestJobOutputLaterReadFails: once bytes are sent, a failure breaks the
// connection, so the client cannot take the truncated body for the whole.
func TestJobOutputLaterReadFails(t *testing.T) {
	f, srv := startServer(t, Options{})
	for _, cr := range []string{"", "bytes 0-9/10"} {
		body := newOutputBody("01234", errors.New("segment unreadable"))
		f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: body, ContentRange: cr}, nil)
		resp := getOutput(t, srv, "J")
		eq(t, "status", resp.StatusCode, map[string]int{"": 200, "bytes 0-9/10": 206}[cr])
		data, err := io.ReadAll(resp.Body)
		if err == nil {
			t.Errorf("Content-Range %q: a failed output ended cleanly for the client after %q", cr, data)
		}
		body.waitClosed(t)
	}
}

// TestJobOutputShort: an output that ends before its ContentLength is a
// 500 error when it yields nothing, and a broken connection once bytes are
// sent.
func TestJobOutputShort(t *testing.T) {
	f, srv := startServer(t, Options{})
	body := newOutputBody("", io.EOF)
	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: body, ContentLength: new(int64(10))}, nil)
	resp := getOutput(t, srv, "J")
	eq(t, "status", resp.StatusCode, 500)
	eq(t, "code", decodeError(t, resp).Code, string(firn.CodeServiceUnavailable))
	body.waitClosed(t)

	body = newOutputBody("01234", io.EOF)
	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: body, ContentLength: new(int64(10))}, nil)
	resp = getOutput(t, srv, "J")
	eq(t, "status", resp.StatusCode, 200)
	eq(t, "Content-Length", resp.ContentLength, int64(10))
	if data, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("a short output ended cleanly for the client after %q", data)
	}
	body.waitClosed(t)
}

// uploadHeaders sets the checksum headers an upload of body requires.
func uploadHeaders(r *http.Request, body string) *http.Request {
	r.Header.Set("X-Amz-Content-Sha256", sha256Hex(body))
	r.Header.Set("X-Amz-Sha256-Tree-Hash", sha256Hex(body)) // the tree hash of a body under 1 MiB
	return r
}

// TestUploadRequiredHeaders: UploadArchive and UploadMultipartPart without
// x-amz-sha256-tree-hash or x-amz-content-sha256 are refused before the
// Glacier is called.
func TestUploadRequiredHeaders(t *testing.T) {
	uploads := []struct{ method, path string }{{"POST", "/-/vaults/v/archives"}, {"PUT", "/-/vaults/v/multipart-uploads/U"}}
	for _, u := range uploads {
		for _, missing := range []string{"X-Amz-Sha256-Tree-Hash", "X-Amz-Content-Sha256"} {
			f := newFake()
			r := uploadHeaders(rawRequest(u.method, u.path, strings.NewReader("hello")), "hello")
			r.Header.Set("Content-Range", "bytes 0-4/*")
			r.Header.Del(missing)
			wantError(t, serve(f, r), 400, string(firn.CodeMissingParameterValue), strings.ToLower(missing))
			eq(t, u.method+" without "+missing+": calls", f.count(), 0)
		}
		f := newFake()
		r := uploadHeaders(rawRequest(u.method, u.path, strings.NewReader("hello")), "hello")
		r.Header.Set("Content-Range", "bytes 0-4/*")
		if w := serve(f, r); w.Code/100 != 2 {
			t.Errorf("%s with both checksums: status %d: %s", u.method, w.Code, w.Body)
		}
	}
}
