package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
	"github.com/aws/smithy-go"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// The signing examples of the Glacier developer guide
// (amazon-glacier-signing-requests.md), as reproduced by
// tools/sigv4_verify_server.py selftest.
func TestSigV4DeveloperGuideVectors(t *testing.T) {
	creds := map[string]Credential{"AKIAIOSFODNN7EXAMPLE": {SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", AccountID: "012345678901"}}

	t.Run("CreateVault", func(t *testing.T) {
		build := func(sig string) *http.Request {
			r := httptest.NewRequest("PUT", "/-/vaults/examplevault", nil)
			r.Host = "glacier.us-east-1.amazonaws.com"
			r.Header.Set("X-Amz-Date", "20120525T002453Z")
			r.Header.Set("X-Amz-Glacier-Version", "2012-06-01")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20120525/us-east-1/glacier/aws4_request, SignedHeaders=host;x-amz-date;x-amz-glacier-version, Signature="+sig)
			return r
		}
		f := newFake()
		h := New(f, Options{Logger: quiet, Credentials: creds, Clock: &fixedClock{time.Date(2012, 5, 25, 0, 30, 0, 0, time.UTC)}})
		w := serveWith(h, build("3ce5b2f2fffac9262b4da9256f8d086b4aaf42eba5f111c21681a65a127b7c2a"))
		eq(t, "status", w.Code, 201)
		c := wantCall(t, f, "CreateVault", &firn.CreateVaultInput{AccountId: "012345678901", VaultName: "examplevault"})
		eq(t, "principal", c.principal, "arn:aws:iam::012345678901:root")

		w = serveWith(h, build("3ce5b2f2fffac9262b4da9256f8d086b4aaf42eba5f111c21681a65a127b7c2b"))
		wantError(t, w, 403, "InvalidSignatureException", "signature we calculated does not match")
	})

	t.Run("UploadArchive", func(t *testing.T) {
		body := "Welcome to Amazon Glacier."
		r := httptest.NewRequest("POST", "/-/vaults/examplevault/archives", strings.NewReader(body))
		r.Host = "glacier.us-east-1.amazonaws.com"
		r.Header.Set("X-Amz-Date", "20120507T000000Z")
		r.Header.Set("X-Amz-Glacier-Version", "2012-06-01")
		r.Header.Set("X-Amz-Content-Sha256", "726e392cb4d09924dbad1cc0ba3b00c3643d03d14cb4b823e2f041cff612a628")
		// Not signed in the guide's example; for a body under 1 MiB the tree
		// hash is the SHA-256.
		r.Header.Set("X-Amz-Sha256-Tree-Hash", "726e392cb4d09924dbad1cc0ba3b00c3643d03d14cb4b823e2f041cff612a628")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20120507/us-east-1/glacier/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-glacier-version, Signature=b092397439375d59119072764a1e9a144677c43d9906fd98a5742c57a2855de6")
		f := newFake()
		h := New(f, Options{Logger: quiet, Credentials: creds, Clock: &fixedClock{time.Date(2012, 5, 7, 0, 10, 0, 0, time.UTC)}})
		w := serveWith(h, r)
		eq(t, "status", w.Code, 201)
		c := wantCall(t, f, "UploadArchive", &firn.UploadArchiveInput{AccountId: "012345678901", VaultName: "examplevault",
			Checksum: "726e392cb4d09924dbad1cc0ba3b00c3643d03d14cb4b823e2f041cff612a628"})
		eq(t, "body", string(c.body), body)
	})
}

func TestSigV4SDK(t *testing.T) {
	clock := &fixedClock{}
	f, srv := startServer(t, Options{Credentials: map[string]Credential{
		testKey:   {SecretKey: testSecret, AccountID: testAccount, PrincipalARN: testARN},
		"ROOTKEY": {SecretKey: "rootsecret", AccountID: "999988887777"},
	}, Clock: clock})
	ctx := context.Background()
	c := sdkClient(srv, testKey, testSecret)
	clock.t = time.Now()

	t.Run("accepted", func(t *testing.T) {
		_, err := c.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: aws.String("v1")})
		must(t, err)
		call := wantCall(t, f, "CreateVault", &firn.CreateVaultInput{AccountId: testAccount, VaultName: "v1"})
		eq(t, "principal", call.principal, testARN)

		_, err = c.DescribeVault(ctx, &glacier.DescribeVaultInput{AccountId: aws.String("123456789012"), VaultName: aws.String("v1")})
		must(t, err)
		call = wantCall(t, f, "DescribeVault", &firn.DescribeVaultInput{AccountId: "123456789012", VaultName: "v1"})
		eq(t, "principal", call.principal, testARN)

		root := sdkClient(srv, "ROOTKEY", "rootsecret")
		_, err = root.ListVaults(ctx, &glacier.ListVaultsInput{})
		must(t, err)
		eq(t, "principal", f.last().principal, "arn:aws:iam::999988887777:root")
	})

	t.Run("everyOperationShape", func(t *testing.T) {
		s := aws.String
		calls := []func() error{
			func() error {
				_, err := c.UploadArchive(ctx, &glacier.UploadArchiveInput{VaultName: s("v1"), ArchiveDescription: s("a  b"), Body: strings.NewReader("hello")})
				return err
			},
			func() error {
				// The SDK sends no checksums for an empty body: its signature
				// is accepted, the missing tree hash refused.
				_, err := c.UploadArchive(ctx, &glacier.UploadArchiveInput{VaultName: s("v1"), Body: strings.NewReader("")})
				if ae := wantAPIError(t, err, 400, "MissingParameterValueException"); !strings.Contains(ae.ErrorMessage(), "x-amz-sha256-tree-hash") {
					t.Errorf("empty upload: %v", err)
				}
				return nil
			},
			func() error {
				_, err := c.UploadMultipartPart(ctx, &glacier.UploadMultipartPartInput{VaultName: s("v1"), UploadId: s("U"), Range: s("bytes 0-4/*"), Body: strings.NewReader("abcde")})
				return err
			},
			func() error {
				_, err := c.DeleteArchive(ctx, &glacier.DeleteArchiveInput{VaultName: s("v1"), ArchiveId: s("AID/with+special=chars ~%")})
				return err
			},
			func() error {
				_, err := c.ListVaults(ctx, &glacier.ListVaultsInput{Limit: aws.Int32(10), Marker: s("arn:aws:glacier:us-east-1:111122223333:vaults/a b+c")})
				return err
			},
			func() error {
				_, err := c.ListJobs(ctx, &glacier.ListJobsInput{VaultName: s("v1"), Completed: s("true"), Statuscode: s("Succeeded"), Limit: aws.Int32(5)})
				return err
			},
			func() error {
				_, err := c.AddTagsToVault(ctx, &glacier.AddTagsToVaultInput{VaultName: s("v1"), Tags: map[string]string{"a": "b"}})
				return err
			},
			func() error {
				_, err := c.RemoveTagsFromVault(ctx, &glacier.RemoveTagsFromVaultInput{VaultName: s("v1"), TagKeys: []string{"a"}})
				return err
			},
			func() error {
				_, err := c.DescribeVault(ctx, &glacier.DescribeVaultInput{VaultName: s("..")})
				return err
			},
			func() error {
				f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: io.NopCloser(strings.NewReader("x"))}, nil)
				out, err := c.GetJobOutput(ctx, &glacier.GetJobOutputInput{VaultName: s("v1"), JobId: s("J"), Range: s("bytes=0-0")})
				if err == nil {
					out.Body.Close()
				}
				return err
			},
		}
		for i, call := range calls {
			if err := call(); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}
		wantCall(t, f, "GetJobOutput", &firn.GetJobOutputInput{AccountId: testAccount, VaultName: "v1", JobId: "J", Range: "bytes=0-0"})
	})

	t.Run("wrongSecret", func(t *testing.T) {
		n := f.count()
		_, err := sdkClient(srv, testKey, "not the secret").ListVaults(ctx, &glacier.ListVaultsInput{})
		wantAPIError(t, err, 403, "InvalidSignatureException")
		eq(t, "calls", f.count(), n)
	})

	t.Run("unknownKey", func(t *testing.T) {
		_, err := sdkClient(srv, "AKIDUNKNOWN", testSecret).ListVaults(ctx, &glacier.ListVaultsInput{})
		wantAPIError(t, err, 403, "UnrecognizedClientException")
	})

	t.Run("expired", func(t *testing.T) {
		defer func() { clock.t = time.Now() }()
		clock.t = time.Now().Add(16 * time.Minute)
		_, err := sdkClient(srv, testKey, testSecret).ListVaults(ctx, &glacier.ListVaultsInput{})
		ae := wantAPIError(t, err, 403, "InvalidSignatureException")
		if ae != nil && !strings.HasPrefix(ae.ErrorMessage(), "Signature expired") {
			t.Errorf("message %q", ae.ErrorMessage())
		}
		clock.t = time.Now().Add(-16 * time.Minute)
		_, err = sdkClient(srv, testKey, testSecret).ListVaults(ctx, &glacier.ListVaultsInput{})
		ae = wantAPIError(t, err, 403, "InvalidSignatureException")
		if ae != nil && !strings.HasPrefix(ae.ErrorMessage(), "Signature not yet current") {
			t.Errorf("message %q", ae.ErrorMessage())
		}
		clock.t = time.Now().Add(14 * time.Minute)
		_, err = sdkClient(srv, testKey, testSecret).ListVaults(ctx, &glacier.ListVaultsInput{})
		must(t, err)
	})
}

func wantAPIError(t *testing.T, err error, status int, code string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v, want API error %s", err, code)
	}
	eq(t, "code", ae.ErrorCode(), code)
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		eq(t, "status", re.HTTPStatusCode(), status)
	}
	return ae
}

// signedRequest returns a request for h signed at now with the test key.
func signedRequest(t *testing.T, method, target, body string, now time.Time, hdr map[string]string, payloadHash string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, "http://glacier.local"+target, strings.NewReader(body))
	r.Header.Set("X-Amz-Glacier-Version", APIVersion)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if body != "" {
		// A server sees Content-Length in the header; the signer signs it.
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	if payloadHash == "" {
		payloadHash = sha256Hex(body)
	}
	signAs(t, r, testRegion, "glacier", now, payloadHash)
	return r
}

// signAs signs r with the test key for region and service, as
// aws-sdk-go-v2 (and botocore, for paths without dot segments) do.
func signAs(t *testing.T, r *http.Request, region, service string, now time.Time, payloadHash string) {
	t.Helper()
	r.Header.Del("Authorization")
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
		r, payloadHash, service, region, now)
	must(t, err)
}

func TestSigV4Raw(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := newFake()
	h := New(f, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}})

	t.Run("jsonBodyWithoutContentHash", func(t *testing.T) {
		// boto3 signs JSON bodies without x-amz-content-sha256.
		body := `{"Tags":{"k":"v"}}`
		r := signedRequest(t, "POST", "/-/vaults/v1/tags?operation=add", body, now, nil, "")
		eq(t, "status", serveWith(h, r).Code, 204)
		wantCall(t, f, "AddTagsToVault", &firn.AddTagsToVaultInput{AccountId: testAccount, VaultName: "v1", Tags: map[string]string{"k": "v"}})

		n := f.count()
		r = signedRequest(t, "POST", "/-/vaults/v1/tags?operation=add", body, now, nil, "")
		r.Body = io.NopCloser(strings.NewReader(`{"Tags":{"k":"w"}}`))
		wantError(t, serveWith(h, r), 403, "InvalidSignatureException", "does not match")
		eq(t, "calls", f.count(), n)
	})

	t.Run("tamperedHeader", func(t *testing.T) {
		r := signedRequest(t, "POST", "/-/vaults/v1/multipart-uploads", "", now, map[string]string{"X-Amz-Part-Size": "1048576"}, "")
		r.Header.Set("X-Amz-Part-Size", "2097152")
		wantError(t, serveWith(h, r), 403, "InvalidSignatureException", "does not match")

		// Headers outside SignedHeaders do not count.
		r = signedRequest(t, "POST", "/-/vaults/v1/multipart-uploads", "", now, map[string]string{"X-Amz-Part-Size": "1048576"}, "")
		r.Header.Set("User-Agent", "changed")
		eq(t, "status", serveWith(h, r).Code, 201)
	})

	t.Run("tamperedPathAndQuery", func(t *testing.T) {
		r := signedRequest(t, "GET", "/-/vaults?limit=5", "", now, nil, "")
		r.URL.RawQuery = "limit=6"
		wantError(t, serveWith(h, r), 403, "InvalidSignatureException", "does not match")
		r = signedRequest(t, "DELETE", "/-/vaults/v1", "", now, nil, "")
		r.RequestURI = "/-/vaults/v2"
		wantError(t, serveWith(h, r), 403, "InvalidSignatureException", "does not match")
		r = signedRequest(t, "DELETE", "/-/vaults/v1", "", now, nil, "")
		r.Method = "PUT"
		wantError(t, serveWith(h, r), 403, "InvalidSignatureException", "does not match")
	})

	t.Run("uploadBodyMismatch", func(t *testing.T) {
		// The signature covers the header; the body must match it too.
		r := signedRequest(t, "POST", "/-/vaults/v1/archives", "hello", now, map[string]string{"X-Amz-Content-Sha256": sha256Hex("hello"), "X-Amz-Sha256-Tree-Hash": sha256Hex("hello")}, sha256Hex("hello"))
		r.Body = io.NopCloser(strings.NewReader("jello"))
		wantError(t, serveWith(h, r), 400, "InvalidParameterValueException", "x-amz-content-sha256 does not match")
		if f.last().readErr == nil {
			t.Error("the Glacier read a mismatched body without an error")
		}
	})

	t.Run("largeBodyNeedsContentHash", func(t *testing.T) {
		h := New(f, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}, MaxPreAuthBody: 16})
		body := strings.Repeat("x", 17)
		r := signedRequest(t, "POST", "/-/vaults/v1/archives", body, now, nil, "")
		wantError(t, serveWith(h, r), 400, "MissingParameterValueException", "x-amz-content-sha256")
		r = signedRequest(t, "POST", "/-/vaults/v1/archives", body, now, map[string]string{"X-Amz-Content-Sha256": sha256Hex(body), "X-Amz-Sha256-Tree-Hash": sha256Hex(body)}, "")
		eq(t, "status", serveWith(h, r).Code, 201)
		eq(t, "body", string(f.last().body), body)
	})

	t.Run("malformed", func(t *testing.T) {
		for _, tt := range []struct{ auth, code, msg string }{
			{"", "MissingAuthenticationTokenException", "Missing Authentication Token"},
			{"AWS AKID:sig", "IncompleteSignatureException", "AWS4-HMAC-SHA256"},
			{"AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00", "IncompleteSignatureException", "Credential"},
			{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/glacier/aws4_request, Signature=00", "IncompleteSignatureException", "SignedHeaders"},
			{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102, SignedHeaders=host, Signature=00", "IncompleteSignatureException", "Credential"},
			{"AWS4-HMAC-SHA256 Credential=NOPE/20260102/us-east-1/glacier/aws4_request, SignedHeaders=host, Signature=00", "UnrecognizedClientException", "invalid"},
			{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00", "InvalidSignatureException", "'glacier'"},
			{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/glacier/aws5_request, SignedHeaders=host, Signature=00", "InvalidSignatureException", "terminator"},
			{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/glacier/aws4_request, SignedHeaders=x-amz-date, Signature=00", "IncompleteSignatureException", "'Host'"},
			{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260103/us-east-1/glacier/aws4_request, SignedHeaders=host, Signature=00", "InvalidSignatureException", "Date in Credential scope"},
		} {
			r := rawRequest("GET", "/-/vaults", nil)
			r.Header.Set("X-Amz-Date", "20260102T030405Z")
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			wantError(t, serveWith(h, r), 403, tt.code, tt.msg)
		}
		r := rawRequest("GET", "/-/vaults", nil)
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/glacier/aws4_request, SignedHeaders=host, Signature=00")
		wantError(t, serveWith(h, r), 403, "IncompleteSignatureException", "X-Amz-Date")
		r.Header.Set("X-Amz-Date", "Fri, 02 Jan 2026 03:04:05 GMT")
		wantError(t, serveWith(h, r), 403, "IncompleteSignatureException", "X-Amz-Date")
	})

}

func TestSigV4Presigned(t *testing.T) {
	now := time.Now().UTC()
	clock := &fixedClock{now}
	f, srv := startServer(t, Options{Credentials: testCreds(), Clock: clock})
	presign := func(method, target string, expires int) string {
		r, err := http.NewRequest(method, srv.URL+target, nil)
		must(t, err)
		if expires > 0 {
			q := r.URL.Query()
			q.Set("X-Amz-Expires", strconv.Itoa(expires))
			r.URL.RawQuery = q.Encode()
		}
		// The signer hoists X-Amz-* headers into the query.
		r.Header.Set("X-Amz-Glacier-Version", APIVersion)
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
			r, sha256Hex(""), "glacier", testRegion, now)
		must(t, err)
		return u
	}
	get := func(method, u string) *http.Response {
		r, err := http.NewRequest(method, u, nil)
		must(t, err)
		resp, err := srv.Client().Do(r)
		must(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	f.respond("GetJobOutput", &firn.GetJobOutputOutput{Body: io.NopCloser(strings.NewReader("data"))}, nil)
	u := presign("GET", "/-/vaults/v1/jobs/J%2F1/output", 60)
	resp := get("GET", u)
	eq(t, "status", resp.StatusCode, 200)
	data, _ := io.ReadAll(resp.Body)
	eq(t, "body", string(data), "data")
	c := wantCall(t, f, "GetJobOutput", &firn.GetJobOutputInput{AccountId: testAccount, VaultName: "v1", JobId: "J/1"})
	eq(t, "principal", c.principal, testARN)

	// Without X-Amz-Expires the URL is valid within the clock skew window.
	resp = get("GET", presign("GET", "/-/vaults/v1", 0))
	eq(t, "status", resp.StatusCode, 200)

	n := f.count()
	resp = get("GET", strings.Replace(u, "v1", "v2", 1))
	eq(t, "tampered path", decodeError(t, resp).Code, "InvalidSignatureException")
	resp = get("DELETE", u)
	eq(t, "tampered method", decodeError(t, resp).Code, "InvalidSignatureException")
	resp = get("GET", u+"&extra=1")
	eq(t, "extra query", decodeError(t, resp).Code, "InvalidSignatureException")

	clock.t = now.Add(61 * time.Second)
	resp = get("GET", u)
	eq(t, "expired status", resp.StatusCode, 403)
	b := decodeError(t, resp)
	eq(t, "expired code", b.Code, "InvalidSignatureException")
	if !strings.HasPrefix(b.Message, "Signature expired") {
		t.Errorf("expired message %q", b.Message)
	}

	clock.t = now.Add(-16 * time.Minute)
	eq(t, "early", decodeError(t, get("GET", u)).Code, "InvalidSignatureException")

	clock.t = now
	bad := strings.Replace(u, "X-Amz-Expires=60", "X-Amz-Expires=604801", 1)
	eq(t, "long expiry", decodeError(t, get("GET", bad)).Code, "IncompleteSignatureException")
	bad = strings.Replace(u, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1", 1)
	eq(t, "algorithm", decodeError(t, get("GET", bad)).Code, "IncompleteSignatureException")
	bad = strings.Replace(u, "X-Amz-Credential=", "X-Amz-Nothing=", 1)
	eq(t, "no credential", decodeError(t, get("GET", bad)).Code, "IncompleteSignatureException")
	eq(t, "calls", f.count(), n)
}

func TestCanonicalForms(t *testing.T) {
	eq(t, "uri", canonicalURI("/-/vaults/v1/archives/AID%2Fwith%2Bspecial%3Dchars"), "/-/vaults/v1/archives/AID%252Fwith%252Bspecial%253Dchars")
	eq(t, "plain", signedPaths("/-/vaults/v1"), []string{"/-/vaults/v1"})
	eq(t, "dots", signedPaths("/-/vaults/.."), []string{"/-/vaults/..", "/-"})
	eq(t, "empty segments", signedPaths("/-//vaults/./v/"), []string{"/-//vaults/./v/", "/-/vaults/v/"})
	eq(t, "encoded dots", signedPaths("/-/vaults/%2E/v%2F"), []string{"/-/vaults/%2E/v%2F"})
	eq(t, "empty", signedPaths(""), []string{"", "/"})
	eq(t, "query", canonicalQuery("marker=arn%3Aa%20b&limit=10&a=&a=%2B&b+c=1"), "a=&a=%2B&b%20c=1&limit=10&marker=arn%3Aa%20b")
	eq(t, "query sorts after encoding", canonicalQuery("k=a-b&k=a%2Fb"), "k=a%2Fb&k=a-b")
	eq(t, "header value, botocore", collapseWhitespace("  a   b \t c  "), "a b c")
	eq(t, "header value, aws-sdk-go-v2", collapseSpaces("  a   b \t c  "), "a b \t c")
}

// A signature made correctly with the right secret but for another region
// or service is not valid here (issue 14).
func TestSigV4CredentialScope(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := newFake()
	h := New(f, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}})
	get := func(region, service string) *http.Request {
		r := rawRequest("GET", "http://glacier.local/-/vaults", nil)
		signAs(t, r, region, service, now, sha256Hex(""))
		return r
	}
	for _, region := range []string{"eu-west-1", "not-a-region!", "US-EAST-1", ""} {
		wantError(t, serveWith(h, get(region, "glacier")), 403, "InvalidSignatureException",
			"Credential should be scoped to a valid region, not '"+region+"'.")
	}
	for _, service := range []string{"s3", "Glacier", "glacier-fips"} {
		wantError(t, serveWith(h, get(testRegion, service)), 403, "InvalidSignatureException",
			"Credential should be scoped to correct service: 'glacier'.")
	}
	eq(t, "calls", f.count(), 0)
	eq(t, "status", serveWith(h, get(testRegion, "glacier")).Code, 200)

	// Options.Region moves the server; the default region is then foreign.
	h = New(f, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}, Region: "eu-west-1"})
	eq(t, "status in eu-west-1", serveWith(h, get("eu-west-1", "glacier")).Code, 200)
	wantError(t, serveWith(h, get(testRegion, "glacier")), 403, "InvalidSignatureException", "not 'us-east-1'")
}

// The path a signature covers is the path routed: a signature made over a
// path without dot or empty segments, replayed on the same path with them,
// runs the signed operation, not the one the literal path names (issue 14).
func TestSigV4SignedPathIsRouted(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := newFake()
	h := New(f, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}})
	replay := func(r *http.Request, path string) *http.Request {
		r.RequestURI = path
		r.URL.Path, r.URL.RawPath = path, ""
		return r
	}
	for _, tt := range []struct {
		signed, sent string
		op           string
		in           any
	}{
		// botocore signs the path with dot and empty segments removed.
		{"/-/vaults/access-policy", "/-/vaults/./access-policy", "DeleteVault", &firn.DeleteVaultInput{AccountId: testAccount, VaultName: "access-policy"}},
		{"/-/vaults/access-policy", "/-/vaults/x/../access-policy", "DeleteVault", &firn.DeleteVaultInput{AccountId: testAccount, VaultName: "access-policy"}},
		{"/-/vaults/v1", "/-//vaults//v1", "DeleteVault", &firn.DeleteVaultInput{AccountId: testAccount, VaultName: "v1"}},
		// aws-sdk-go-v2 signs the path as sent: "." is a vault name.
		{"/-/vaults/./access-policy", "/-/vaults/./access-policy", "DeleteVaultAccessPolicy", &firn.DeleteVaultAccessPolicyInput{AccountId: testAccount, VaultName: "."}},
		{"/-/vaults/..", "/-/vaults/..", "DeleteVault", &firn.DeleteVaultInput{AccountId: testAccount, VaultName: ".."}},
	} {
		r := signedRequest(t, "DELETE", tt.signed, "", now, nil, "")
		w := serveWith(h, replay(r, tt.sent))
		eq(t, tt.sent+" status", w.Code, 204)
		wantCall(t, f, tt.op, tt.in)
	}

	// Whatever the path says, the signature must cover it in one form.
	n := f.count()
	r := signedRequest(t, "DELETE", "/-/vaults/access-policy", "", now, nil, "")
	wantError(t, serveWith(h, replay(r, "/-/vaults/%2E/access-policy")), 403, "InvalidSignatureException", "does not match")
	r = signedRequest(t, "DELETE", "/-/vaults/access-policy", "", now, nil, "")
	wantError(t, serveWith(h, replay(r, "/-/vaults/access-policy%2F")), 403, "InvalidSignatureException", "does not match")
	eq(t, "calls", f.count(), n)
}

// SigV4 sorts a query's values, so a signature over limit=5&limit=6 also
// covers limit=6&limit=5: a parameter given twice is refused before it can
// mean either (issue 14).
func TestRepeatedQueryParameter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := newFake()
	h := New(f, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}})
	for _, q := range []string{"limit=5&limit=6", "limit=5&%6Cimit=6", "marker=a&limit=5&marker=b"} {
		r := signedRequest(t, "GET", "/-/vaults?"+q, "", now, nil, "")
		name, _, _ := strings.Cut(q, "=")
		if strings.HasPrefix(q, "marker") {
			name = "marker"
		}
		wantError(t, serveWith(h, r), 400, "InvalidParameterValueException", "query parameter "+name+" is given more than once")
		wantError(t, serve(f, rawRequest("GET", "/-/vaults?"+q, nil)), 400, "InvalidParameterValueException", name)
	}
	eq(t, "calls", f.count(), 0)
	r := signedRequest(t, "GET", "/-/vaults?limit=5&marker=a", "", now, nil, "")
	eq(t, "status", serveWith(h, r).Code, 200)
}

// A request that could be read as carrying two signatures, or a signed
// header with two values, is refused rather than read one way (issue 14).
func TestSigV4Ambiguous(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := newFake()
	h := New(f, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}})
	list := func() *http.Request { return signedRequest(t, "GET", "/-/vaults", "", now, nil, "") }
	const incomplete = "IncompleteSignatureException"

	t.Run("twoAuthorizationHeaders", func(t *testing.T) {
		r := list()
		r.Header.Add("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/us-east-1/glacier/aws4_request, SignedHeaders=host, Signature=00")
		wantError(t, serveWith(h, r), 403, incomplete, "Authorization header")
		r = list()
		r.Header["Authorization"] = []string{"garbage", r.Header.Get("Authorization")}
		wantError(t, serveWith(h, r), 403, incomplete, "Authorization header")
	})

	t.Run("headerAndQuery", func(t *testing.T) {
		for _, p := range []string{"X-Amz-Signature=00", "X-Amz-Credential=AKIDEXAMPLE%2F20260102%2Fus-east-1%2Fglacier%2Faws4_request", "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-SignedHeaders=host"} {
			// The header signature covers the query: it is valid as such.
			r := signedRequest(t, "GET", "/-/vaults?"+p, "", now, nil, "")
			wantError(t, serveWith(h, r), 403, incomplete, "only one")
		}
	})

	t.Run("repeatedAuthorizationField", func(t *testing.T) {
		r := list()
		auth := r.Header.Get("Authorization")
		r.Header.Set("Authorization", auth+", Signature=00")
		wantError(t, serveWith(h, r), 403, incomplete, "Signature")
		r.Header.Set("Authorization", strings.Replace(auth, "SignedHeaders=", "Credential=AKIDOTHER/20260102/us-east-1/glacier/aws4_request, SignedHeaders=", 1))
		wantError(t, serveWith(h, r), 403, incomplete, "Credential")
	})

	t.Run("repeatedDate", func(t *testing.T) {
		r := list()
		r.Header.Add("X-Amz-Date", "20260102T030405Z")
		wantError(t, serveWith(h, r), 403, incomplete, "X-Amz-Date")
		r = list()
		r.Header["Date"] = []string{"20260102T030405Z", "20260102T030405Z"}
		wantError(t, serveWith(h, r), 403, incomplete, "Date")
	})

	t.Run("repeatedContentSha256", func(t *testing.T) {
		r := signedRequest(t, "POST", "/-/vaults/v1/archives", "hello", now, map[string]string{"X-Amz-Content-Sha256": sha256Hex("hello")}, sha256Hex("hello"))
		r.Header.Add("X-Amz-Content-Sha256", sha256Hex("hello"))
		wantError(t, serveWith(h, r), 400, "InvalidParameterValueException", "x-amz-content-sha256")
		r = rawRequest("POST", "/-/vaults/v1/archives", strings.NewReader("hello"))
		r.Header["X-Amz-Content-Sha256"] = []string{sha256Hex("hello"), sha256Hex("hello")}
		wantError(t, serve(f, r), 400, "InvalidParameterValueException", "x-amz-content-sha256")
	})

	t.Run("signedHeaderSplit", func(t *testing.T) {
		// The canonical value of a repeated header joins its values with
		// commas: "a,b" sent once or as "a" and "b" signs the same, but
		// reads differently.
		hdr := map[string]string{"X-Amz-Archive-Description": "a,b", "X-Amz-Content-Sha256": sha256Hex("hello")}
		r := signedRequest(t, "POST", "/-/vaults/v1/archives", "hello", now, hdr, sha256Hex("hello"))
		r.Header["X-Amz-Archive-Description"] = []string{"a", "b"}
		wantError(t, serveWith(h, r), 403, incomplete, "x-amz-archive-description")
	})
	eq(t, "calls", f.count(), 0)

	r := signedRequest(t, "POST", "/-/vaults/v1/archives", "hello", now, map[string]string{"X-Amz-Archive-Description": "a,b", "X-Amz-Content-Sha256": sha256Hex("hello"), "X-Amz-Sha256-Tree-Hash": sha256Hex("hello")}, sha256Hex("hello"))
	eq(t, "status", serveWith(h, r).Code, 201)
	eq(t, "description", f.last().in.(*firn.UploadArchiveInput).ArchiveDescription, "a,b")
}

// Every key belongs to exactly one account: a key whose Credential names
// none is Options.AccountID's, and its requests for another account's path
// carry its principal, so the Glacier decides them as cross-account
// (issue 14).
func TestSigV4KeyAccount(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	creds := map[string]Credential{testKey: {SecretKey: testSecret}}
	list := func(h http.Handler, account string) *httptest.ResponseRecorder {
		return serveWith(h, signedRequest(t, "GET", "/"+account+"/vaults", "", now, nil, ""))
	}
	f := newFake()
	h := New(f, Options{Logger: quiet, Credentials: creds, Clock: &fixedClock{now}, AccountID: "444455556666"})
	for _, tt := range []struct{ path, account string }{{"-", "444455556666"}, {"444455556666", "444455556666"}, {"999988887777", "999988887777"}} {
		eq(t, "status", list(h, tt.path).Code, 200)
		c := wantCall(t, f, "ListVaults", &firn.ListVaultsInput{AccountId: tt.account})
		eq(t, "principal", c.principal, "arn:aws:iam::444455556666:root")
	}

	h = New(f, Options{Logger: quiet, Credentials: creds, Clock: &fixedClock{now}})
	eq(t, "status", list(h, "-").Code, 200)
	c := wantCall(t, f, "ListVaults", &firn.ListVaultsInput{AccountId: DefaultAccountID})
	eq(t, "principal with the default account", c.principal, "arn:aws:iam::"+DefaultAccountID+":root")

	// A principal of another account than the key's is a configuration
	// error, not a second account.
	var log strings.Builder
	n := f.count()
	for _, cr := range []Credential{
		{SecretKey: testSecret, AccountID: testAccount, PrincipalARN: "arn:aws:iam::999988887777:user/mallory"},
		{SecretKey: testSecret, PrincipalARN: "arn:aws:iam::999988887777:user/mallory"},
		{SecretKey: testSecret, PrincipalARN: "not an ARN"},
	} {
		h = New(f, Options{Logger: slogTo(&log), Credentials: map[string]Credential{testKey: cr}, Clock: &fixedClock{now}})
		wantError(t, list(h, "-"), 500, "ServiceUnavailableException", "unavailable")
	}
	eq(t, "calls", f.count(), n)
	if !strings.Contains(log.String(), testKey) || !strings.Contains(log.String(), "mallory") {
		t.Errorf("log does not say which key is misconfigured:\n%s", log.String())
	}
}

// The same over an engine: a key without an account is not the root of
// every account.
func TestKeyWithoutAccountOverEngine(t *testing.T) {
	clock := &fixedClock{t: time.Now().UTC().Truncate(time.Millisecond)}
	e, srv := serveEngine(t, "/acct", engine.Options{Clock: clock, AccountID: "444455556666"}, Options{Clock: clock, AccountID: "444455556666", Credentials: map[string]Credential{
		testKey:  {SecretKey: testSecret, AccountID: testAccount},
		"NOACCT": {SecretKey: "s"},
	}})
	ctx := context.Background()
	alice, other := sdkClient(srv, testKey, testSecret), sdkClient(srv, "NOACCT", "s")
	_, err := alice.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: aws.String("v")})
	must(t, err)

	acct := aws.String(testAccount)
	_, err = other.ListVaults(ctx, &glacier.ListVaultsInput{AccountId: acct})
	wantAPIError(t, err, 403, "AccessDeniedException")
	_, err = other.DescribeVault(ctx, &glacier.DescribeVaultInput{AccountId: acct, VaultName: aws.String("v")})
	wantAPIError(t, err, 403, "AccessDeniedException")
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"glacier:*","Resource":"*"}]}`
	_, err = other.SetVaultAccessPolicy(ctx, &glacier.SetVaultAccessPolicyInput{AccountId: acct, VaultName: aws.String("v"), Policy: &types.VaultAccessPolicy{Policy: &policy}})
	wantAPIError(t, err, 403, "AccessDeniedException")

	// Its own account is the server's.
	out, err := other.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: aws.String("mine")})
	must(t, err)
	eq(t, "location", aws.ToString(out.Location), "/444455556666/vaults/mine")

	// The vault's owner can grant it access like any other account.
	policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"glacier:DescribeVault","Resource":"*"}]}`
	_, err = alice.SetVaultAccessPolicy(ctx, &glacier.SetVaultAccessPolicyInput{VaultName: aws.String("v"), Policy: &types.VaultAccessPolicy{Policy: &policy}})
	must(t, err)
	_, err = other.DescribeVault(ctx, &glacier.DescribeVaultInput{AccountId: acct, VaultName: aws.String("v")})
	must(t, err)
	if err := e.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
