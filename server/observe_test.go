package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/firnstore/firn/engine"
)

// TestObserve drives a real engine through aws-sdk-go-v2, signed, and
// checks the RequestInfo that Options.Observe gets for each request: the
// request ID the client saw, the operation, account, vault, status, error
// code and byte counts, and nothing of the signature or the secret.
func TestObserve(t *testing.T) {
	seen := make(chan *RequestInfo, 1)
	clock := &fixedClock{t: time.Now().UTC().Truncate(time.Millisecond)}
	_, srv := serveEngine(t, "/obs", engine.Options{Clock: clock},
		Options{Credentials: testCreds(), Clock: clock, Observe: func(info *RequestInfo) { seen <- info }})
	c := sdkClient(srv, testKey, testSecret)
	ctx := context.Background()
	v := aws.String("logs")

	next := func(md middleware.Metadata, want RequestInfo) *RequestInfo {
		t.Helper()
		got := <-seen
		if id, _ := awsmiddleware.GetRequestIDMetadata(md); got.RequestID != id || id == "" {
			t.Errorf("%s: RequestID %q, the client saw %q", want.Operation, got.RequestID, id)
		}
		if s := fmt.Sprintf("%+v", *got); strings.Contains(s, testSecret) || strings.Contains(s, "X-Amz-Signature") || strings.Contains(s, "?") {
			t.Errorf("%s: info holds a secret, a signature or a query: %s", want.Operation, s)
		}
		if got.Operation != want.Operation || got.AccountID != want.AccountID || got.VaultName != want.VaultName ||
			got.Status != want.Status || got.ErrorCode != want.ErrorCode || got.TLS || got.Aborted || got.Duration < 0 {
			t.Errorf("info %+v\nwant %+v", *got, want)
		}
		return got
	}

	cv, err := c.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: v})
	must(t, err)
	got := next(cv.ResultMetadata, RequestInfo{Operation: "CreateVault", AccountID: testAccount, VaultName: "logs", Status: 201})
	if got.Method != "PUT" || got.Path != "/-/vaults/logs" {
		t.Errorf("CreateVault: %s %s", got.Method, got.Path)
	}

	data := bytes.Repeat([]byte("firn"), 3000)
	up, err := c.UploadArchive(ctx, &glacier.UploadArchiveInput{VaultName: v, Body: bytes.NewReader(data)})
	must(t, err)
	got = next(up.ResultMetadata, RequestInfo{Operation: "UploadArchive", AccountID: testAccount, VaultName: "logs", Status: 201})
	if got.BytesReceived != int64(len(data)) || got.BytesSent != 0 {
		t.Errorf("UploadArchive: received %d, sent %d; want %d, 0", got.BytesReceived, got.BytesSent, len(data))
	}

	tags, err := c.AddTagsToVault(ctx, &glacier.AddTagsToVaultInput{VaultName: v, Tags: map[string]string{"k": "v"}})
	must(t, err)
	next(tags.ResultMetadata, RequestInfo{Operation: "AddTagsToVault", AccountID: testAccount, VaultName: "logs", Status: 204})

	job, err := c.InitiateJob(ctx, &glacier.InitiateJobInput{VaultName: v, JobParameters: &types.JobParameters{Type: aws.String("archive-retrieval"), ArchiveId: up.ArchiveId}})
	must(t, err)
	next(job.ResultMetadata, RequestInfo{Operation: "InitiateJob", AccountID: testAccount, VaultName: "logs", Status: 202})
	out, err := c.GetJobOutput(ctx, &glacier.GetJobOutputInput{VaultName: v, JobId: job.JobId})
	must(t, err)
	body, err := io.ReadAll(out.Body)
	must(t, err)
	out.Body.Close()
	got = next(out.ResultMetadata, RequestInfo{Operation: "GetJobOutput", AccountID: testAccount, VaultName: "logs", Status: 200})
	if !bytes.Equal(body, data) || got.BytesSent != int64(len(data)) {
		t.Errorf("GetJobOutput: sent %d bytes, want %d", got.BytesSent, len(data))
	}

	_, err = c.DescribeVault(ctx, &glacier.DescribeVaultInput{VaultName: aws.String("missing")})
	var re interface{ ServiceRequestID() string }
	if !errors.As(err, &re) {
		t.Fatalf("DescribeVault of a missing vault: %v", err)
	}
	var md middleware.Metadata
	awsmiddleware.SetRequestIDMetadata(&md, re.ServiceRequestID())
	got = next(md, RequestInfo{Operation: "DescribeVault", AccountID: testAccount, VaultName: "missing", Status: 404, ErrorCode: "ResourceNotFoundException"})
	if got.BytesSent == 0 {
		t.Error("DescribeVault: the error body is not counted as sent")
	}

	// Unsigned and unrouted: answered before routing, with no operation.
	resp, err := http.Get(srv.URL + "/-/vaults?X-Amz-Signature=abc")
	must(t, err)
	resp.Body.Close()
	awsmiddleware.SetRequestIDMetadata(&md, resp.Header.Get("X-Amzn-Requestid"))
	next(md, RequestInfo{Status: 403, ErrorCode: "IncompleteSignatureException"})
}
