package awsglacier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/restjson"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/firnstore/firn"
)

// The import extension is Firn's, not the Glacier API's (see package
// server): the SDK has no operation for it, so its two requests are built
// here and sent with the SDK client's own configuration.

var _ firn.Importer = (*Client)(nil)

// emptySHA256 is the SHA-256 of an empty body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// ImportArchive implements [firn.Importer]:
// PUT /{account}/vaults/{name}/archives/{archiveId}, the import extension of
// a Firn REST server whose operator allows the caller to import; Amazon S3
// Glacier has no such operation. The request is signed with the
// credentials, region, endpoint and HTTP client of the Client's
// *glacier.Client and retried by its Retryer, so the Client must have been
// made by [NewFromConfig], or by [New] over a *glacier.Client; over any
// other [API] it fails with ServiceUnavailableException.
//
// Body is read once first, as by UploadArchive, to compute the body's
// SHA-256 and length: a seekable Body is rewound, any other is copied to a
// temporary file. A Body whose length is not Size fails with
// InvalidParameterValueException before anything is sent. The description
// is percent-encoded, so any text reaches the server as it is.
func (c *Client) ImportArchive(ctx context.Context, in *firn.ImportArchiveInput) (*firn.ImportArchiveOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"ArchiveId", in.ArchiveId}, param{"Checksum", in.Checksum}); err != nil {
		return nil, err
	}
	if err := sendable(param{"Checksum", in.Checksum}); err != nil {
		return nil, err
	}
	if in.Body == nil {
		return nil, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Body")
	}
	u, err := newUpload(ctx, in.Body, in.Checksum, "archive")
	if err != nil {
		return nil, err
	}
	defer u.close()
	if u.size != in.Size {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Invalid Size: %d; the body is %d bytes", in.Size, u.size)
	}
	hd := http.Header{}
	hd.Set("X-Amz-Sha256-Tree-Hash", u.checksum)
	hd.Set("X-Amz-Content-Sha256", u.sha256)
	hd.Set("X-Firn-Creation-Date", in.CreationDate.UTC().Format(firn.DateLayout))
	if in.ArchiveDescription != "" {
		hd.Set("X-Firn-Archive-Description", percentEncode(in.ArchiveDescription))
	}
	resp, err := c.send(ctx, "ImportArchive", "PUT", archivePath(in.AccountId, in.VaultName, in.ArchiveId), hd, u.body, in.Size, u.sha256)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return &firn.ImportArchiveOutput{
		ArchiveId: resp.Header.Get("X-Amz-Archive-Id"),
		Checksum:  resp.Header.Get("X-Amz-Sha256-Tree-Hash"),
		Location:  resp.Header.Get("Location"),
		Imported:  resp.Header.Get("X-Firn-Imported") == "true",
	}, nil
}

// DescribeArchive implements [firn.Importer]:
// GET /{account}/vaults/{name}/archives/{archiveId}, the import extension of
// a Firn REST server, sent as ImportArchive is.
func (c *Client) DescribeArchive(ctx context.Context, in *firn.DescribeArchiveInput) (*firn.DescribeArchiveOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"ArchiveId", in.ArchiveId}); err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, "DescribeArchive", "GET", archivePath(in.AccountId, in.VaultName, in.ArchiveId), http.Header{}, nil, 0, emptySHA256)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		ArchiveId          string
		ArchiveDescription string
		CreationDate       *string
		Size               int64
		SHA256TreeHash     string
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, toError(fmt.Errorf("awsglacier: malformed DescribeArchive response: %w", err))
	}
	var d dates
	out := &firn.DescribeArchiveOutput{
		ArchiveId:          body.ArchiveId,
		ArchiveDescription: body.ArchiveDescription,
		CreationDate:       d.parse("CreationDate", body.CreationDate),
		Size:               body.Size,
		SHA256TreeHash:     body.SHA256TreeHash,
	}
	if d.err != nil {
		return nil, d.err
	}
	return out, nil
}

// archivePath is /{account}/vaults/{vault}/archives/{id}, escaped.
func archivePath(accountID, vault, id string) string {
	return "/" + url.PathEscape(*account(accountID)) + "/vaults/" + url.PathEscape(vault) + "/archives/" + url.PathEscape(id)
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

// send sends one request of the extension, op, with the configuration of
// the Client's *glacier.Client: endpoint resolution, SigV4 with its
// credentials and region (none for anonymous credentials), its HTTP client,
// and its Retryer, rewinding body between attempts. A response other than
// 2xx is an error as the SDK reports it (a smithy.APIError inside
// *awshttp.ResponseError inside *smithy.OperationError), converted by
// toError.
func (c *Client) send(ctx context.Context, op, method, path string, hd http.Header, body io.ReadSeeker, size int64, payloadHash string) (*http.Response, error) {
	sdk, ok := c.api.(interface{ Options() glacier.Options })
	if !ok {
		return nil, toError(fmt.Errorf("awsglacier: %s needs a Client over a *glacier.Client, not %T", op, c.api))
	}
	o := sdk.Options()
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, glacier.EndpointParameters{
		Region:       aws.String(o.Region),
		UseDualStack: aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
		UseFIPS:      aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
		Endpoint:     o.BaseEndpoint,
	})
	if err != nil {
		return nil, toError(&smithy.OperationError{ServiceID: glacier.ServiceID, OperationName: op, Err: err})
	}
	target := strings.TrimSuffix(ep.URI.String(), "/") + path
	var start int64
	if body != nil {
		if start, err = body.Seek(0, io.SeekCurrent); err != nil {
			return nil, toError(err)
		}
	}
	attempts := 1
	if o.Retryer != nil {
		attempts = o.Retryer.MaxAttempts()
	}
	for attempt := 1; ; attempt++ {
		resp, err := sendOnce(ctx, &o, op, method, target, hd, body, size, payloadHash)
		if err == nil {
			return resp, nil
		}
		if attempt >= attempts || !o.Retryer.IsErrorRetryable(err) {
			return nil, toError(err)
		}
		delay, derr := o.Retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, toError(err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, toError(&smithy.OperationError{ServiceID: glacier.ServiceID, OperationName: op, Err: ctx.Err()})
		case <-t.C:
		}
		if body != nil {
			if _, err := body.Seek(start, io.SeekStart); err != nil {
				return nil, toError(err)
			}
		}
	}
}

// sendOnce makes one attempt of send.
func sendOnce(ctx context.Context, o *glacier.Options, op, method, target string, hd http.Header, body io.Reader, size int64, payloadHash string) (*http.Response, error) {
	opErr := func(err error) error {
		return &smithy.OperationError{ServiceID: glacier.ServiceID, OperationName: op, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return nil, opErr(err)
	}
	if body != nil {
		// Not the body itself: the transport would close it, and a retry
		// sends it again.
		req.Body = io.NopCloser(body)
		req.ContentLength = size
	}
	req.Header = hd.Clone()
	req.Header.Set("X-Amz-Glacier-Version", glacier.ServiceAPIVersion)
	if o.Credentials != nil && !aws.IsCredentialsProvider(o.Credentials, (*aws.AnonymousCredentials)(nil)) {
		creds, err := o.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, opErr(err)
		}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, payloadHash, "glacier", o.Region, firn.SystemClock{}.Now()); err != nil {
			return nil, opErr(err)
		}
	}
	resp, err := o.HTTPClient.Do(req)
	if err != nil {
		return nil, opErr(&smithyhttp.RequestSendError{Err: err})
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, opErr(&awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: responseError(resp)},
		RequestID:     resp.Header.Get("X-Amzn-Requestid"),
	})
}

// responseError parses an error response as the SDK's rest-json
// deserializers do: the code from X-Amzn-ErrorType or the body's code.
func responseError(resp *http.Response) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &smithy.DeserializationError{Err: fmt.Errorf("failed to read error response body, %w", err)}
	}
	code, msg := "UnknownError", "UnknownError"
	if h := resp.Header.Get("X-Amzn-ErrorType"); h != "" {
		code = restjson.SanitizeErrorCode(h)
	}
	jsonCode, jsonMsg, err := restjson.GetErrorInfo(json.NewDecoder(bytes.NewReader(data)))
	if err != nil && len(bytes.TrimSpace(data)) > 0 {
		return &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", err), Snapshot: data}
	}
	if resp.Header.Get("X-Amzn-ErrorType") == "" && jsonCode != "" {
		code = restjson.SanitizeErrorCode(jsonCode)
	}
	if jsonMsg != "" {
		msg = jsonMsg
	}
	return &smithy.GenericAPIError{Code: code, Message: msg}
}
