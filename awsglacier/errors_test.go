package awsglacier

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
	"github.com/aws/smithy-go"

	"github.com/firnstore/firn"
)

func errorBody(code, message, fault string) string {
	return mustJSON(map[string]string{"code": code, "message": message, "type": fault})
}

func describeVault(ctx context.Context, g firn.Glacier) (any, error) {
	return g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "examplevault"})
}

func listVaults(ctx context.Context, g firn.Glacier) (any, error) {
	return g.ListVaults(ctx, &firn.ListVaultsInput{})
}

func initiateJob(ctx context.Context, g firn.Glacier) (any, error) {
	return g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "examplevault",
		JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: "a", Tier: firn.TierExpedited}})
}

func uploadArchive(ctx context.Context, g firn.Glacier) (any, error) {
	return g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "examplevault", Body: strings.NewReader("x")})
}

func addTags(ctx context.Context, g firn.Glacier) (any, error) {
	return g.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: "examplevault", Tags: map[string]string{"k": "v"}})
}

// TestServiceErrors checks that every error response becomes a *firn.Error
// with the service's code and message, whether the SDK models the code for
// the operation (a typed error) or not (a generic API error).
func TestServiceErrors(t *testing.T) {
	const arnMsg = "Vault not found for ARN: " + vaultARN
	cases := []struct {
		name     string
		call     func(context.Context, firn.Glacier) (any, error)
		resp     response
		code     firn.Code
		message  string
		sentinel *firn.Error
	}{
		{"ResourceNotFound", describeVault,
			response{status: 404, body: errorBody("ResourceNotFoundException", arnMsg, "Client")},
			firn.CodeResourceNotFound, arnMsg, firn.ErrResourceNotFound},
		{"InvalidParameterValue", uploadArchive,
			response{status: 400, body: errorBody("InvalidParameterValueException", "Checksum mismatch: expected a, computed b", "Client")},
			firn.CodeInvalidParameterValue, "Checksum mismatch: expected a, computed b", firn.ErrInvalidParameterValue},
		{"MissingParameterValue", listVaults,
			response{status: 400, body: errorBody("MissingParameterValueException", "Required parameter missing: API version", "Client")},
			firn.CodeMissingParameterValue, "Required parameter missing: API version", firn.ErrMissingParameterValue},
		{"LimitExceeded/modeled", addTags,
			response{status: 400, body: errorBody("LimitExceededException", "too many tags", "Client")},
			firn.CodeLimitExceeded, "too many tags", firn.ErrLimitExceeded},
		{"LimitExceeded/unmodeled", listVaults,
			response{status: 400, body: errorBody("LimitExceededException", "limit", "Client")},
			firn.CodeLimitExceeded, "limit", firn.ErrLimitExceeded},
		{"AccessDenied", describeVault,
			response{status: 403, body: errorBody("AccessDeniedException", "User: arn:aws:iam::111122223333:user/bob is not authorized", "Client")},
			firn.CodeAccessDenied, "User: arn:aws:iam::111122223333:user/bob is not authorized", firn.ErrAccessDenied},
		{"PolicyEnforced", initiateJob,
			response{status: 400, body: errorBody("PolicyEnforcedException", "retrieval policy", "Client")},
			firn.CodePolicyEnforced, "retrieval policy", firn.ErrPolicyEnforced},
		{"InsufficientCapacity", initiateJob,
			response{status: 400, body: errorBody("InsufficientCapacityException", "no capacity", "Client")},
			firn.CodeInsufficientCapacity, "no capacity", firn.ErrInsufficientCapacity},
		{"InsufficientCapacity/503", initiateJob,
			response{status: 503, body: errorBody("InsufficientCapacityException", "no capacity", "Server")},
			firn.CodeInsufficientCapacity, "no capacity", firn.ErrInsufficientCapacity},
		{"RequestTimeout", uploadArchive,
			response{status: 408, body: errorBody("RequestTimeoutException", "timed out", "Client")},
			firn.CodeRequestTimeout, "timed out", firn.ErrRequestTimeout},
		{"ServiceUnavailable", describeVault,
			response{status: 500, body: errorBody("ServiceUnavailableException", "try again", "Server")},
			firn.CodeServiceUnavailable, "try again", firn.ErrServiceUnavailable},
		{"NoLongerSupported", describeVault,
			response{status: 400, body: errorBody("NoLongerSupportedException", "gone", "Client")},
			"NoLongerSupportedException", "gone", nil},
		{"InvalidSignature", listVaults,
			response{status: 403, body: errorBody("InvalidSignatureException", "bad signature", "Client")},
			"InvalidSignatureException", "bad signature", nil},
		{"ErrorTypeHeader", describeVault,
			response{status: 404, body: `{"message":"` + arnMsg + `"}`,
				header: map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException:http://internal.amazon.com/"}},
			firn.CodeResourceNotFound, arnMsg, firn.ErrResourceNotFound},
		{"LowerCaseCode", listVaults,
			response{status: 403, body: errorBody("accessdeniedexception", "no", "Client")},
			firn.CodeAccessDenied, "no", firn.ErrAccessDenied},
		{"NoMessage", describeVault,
			response{status: 404, body: `{"code":"ResourceNotFoundException","type":"Client"}`},
			firn.CodeResourceNotFound, "", firn.ErrResourceNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t, tc.resp)
			out, err := tc.call(t.Context(), c)
			if !isNil(out) {
				t.Errorf("output %+v, want nil", out)
			}
			var fe *firn.Error
			if !errors.As(err, &fe) {
				t.Fatalf("got %T %v, want a *firn.Error", err, err)
			}
			if fe.Code != tc.code || fe.Message != tc.message {
				t.Errorf("got code %q message %q, want %q %q", fe.Code, fe.Message, tc.code, tc.message)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.sentinel)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Errorf("the SDK's error is not reachable from %v", err)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != tc.resp.status {
				t.Errorf("the HTTP response is not reachable from %v", err)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// isNil reports whether v is nil or a nil pointer.
func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	return v == nil || rv.Kind() == reflect.Pointer && rv.IsNil()
}

func TestTypedErrorsStayReachable(t *testing.T) {
	_, c := newFake(t, response{status: 404, body: errorBody("ResourceNotFoundException", "gone", "Client")})
	_, err := c.DescribeVault(t.Context(), &firn.DescribeVaultInput{VaultName: "v"})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) || rnf.ErrorMessage() != "gone" {
		t.Errorf("errors.As(%v, *types.ResourceNotFoundException) failed", err)
	}
}

// TestMalformedResponses checks that a response the SDK cannot read, or a
// date that is not ISO 8601, is a ServiceUnavailableException.
func TestMalformedResponses(t *testing.T) {
	for _, tc := range []struct {
		name, body, inMessage string
	}{
		{"json", `{"VaultARN":`, "deserialization failed"},
		{"date", `{"VaultARN":"` + vaultARN + `","VaultName":"examplevault","CreationDate":"yesterday"}`, `CreationDate in the service's response: "yesterday"`},
		{"last inventory date", `{"CreationDate":"2012-03-20T17:03:43.221Z","LastInventoryDate":"2012-03-20"}`, `LastInventoryDate`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFake(t, response{status: 200, body: tc.body})
			out, err := c.DescribeVault(t.Context(), &firn.DescribeVaultInput{VaultName: "examplevault"})
			if out != nil || firn.CodeOf(err) != firn.CodeServiceUnavailable {
				t.Fatalf("got %+v, %v; want nil and %s", out, err, firn.CodeServiceUnavailable)
			}
			if !strings.Contains(err.Error(), tc.inMessage) {
				t.Errorf("error %q does not contain %q", err, tc.inMessage)
			}
		})
	}
	t.Run("list", func(t *testing.T) {
		_, c := newFake(t, response{status: 200, body: `{"ProvisionedCapacityList":[{"CapacityId":"c","StartDate":"2012-03-20T17:03:43Z","ExpirationDate":"soon"}]}`})
		out, err := c.ListProvisionedCapacity(t.Context(), nil)
		if out != nil || firn.CodeOf(err) != firn.CodeServiceUnavailable || !strings.Contains(err.Error(), "ExpirationDate") {
			t.Errorf("got %+v, %v; want nil and a ServiceUnavailableException naming ExpirationDate", out, err)
		}
	})
}

// TestMissingPathParameters checks that a request whose path cannot be
// built fails with MissingParameterValueException naming the field, without
// sending anything.
func TestMissingPathParameters(t *testing.T) {
	f, c := newFake(t, response{status: 204})
	ctx := t.Context()
	cases := []struct {
		field string
		call  func() (any, error)
	}{
		{"VaultName", func() (any, error) { return c.CreateVault(ctx, &firn.CreateVaultInput{}) }},
		{"VaultName", func() (any, error) { return c.DescribeVault(ctx, nil) }},
		{"VaultName", func() (any, error) { return c.DeleteVault(ctx, &firn.DeleteVaultInput{}) }},
		{"VaultName", func() (any, error) { return c.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{}) }},
		{"VaultName", func() (any, error) { return c.ListTagsForVault(ctx, &firn.ListTagsForVaultInput{}) }},
		{"VaultName", func() (any, error) { return c.RemoveTagsFromVault(ctx, &firn.RemoveTagsFromVaultInput{}) }},
		{"VaultName", func() (any, error) { return c.SetVaultNotifications(ctx, &firn.SetVaultNotificationsInput{}) }},
		{"VaultName", func() (any, error) { return c.GetVaultNotifications(ctx, &firn.GetVaultNotificationsInput{}) }},
		{"VaultName", func() (any, error) { return c.DeleteVaultNotifications(ctx, &firn.DeleteVaultNotificationsInput{}) }},
		{"VaultName", func() (any, error) { return c.SetVaultAccessPolicy(ctx, &firn.SetVaultAccessPolicyInput{}) }},
		{"VaultName", func() (any, error) { return c.GetVaultAccessPolicy(ctx, &firn.GetVaultAccessPolicyInput{}) }},
		{"VaultName", func() (any, error) { return c.DeleteVaultAccessPolicy(ctx, &firn.DeleteVaultAccessPolicyInput{}) }},
		{"VaultName", func() (any, error) { return c.InitiateVaultLock(ctx, &firn.InitiateVaultLockInput{}) }},
		{"VaultName", func() (any, error) { return c.CompleteVaultLock(ctx, &firn.CompleteVaultLockInput{LockId: "l"}) }},
		{"LockId", func() (any, error) { return c.CompleteVaultLock(ctx, &firn.CompleteVaultLockInput{VaultName: "v"}) }},
		{"VaultName", func() (any, error) { return c.AbortVaultLock(ctx, &firn.AbortVaultLockInput{}) }},
		{"VaultName", func() (any, error) { return c.GetVaultLock(ctx, &firn.GetVaultLockInput{}) }},
		{"VaultName", func() (any, error) {
			return c.UploadArchive(ctx, &firn.UploadArchiveInput{Body: strings.NewReader("x")})
		}},
		{"Body", func() (any, error) { return c.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v"}) }},
		{"ArchiveId", func() (any, error) { return c.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v"}) }},
		{"VaultName", func() (any, error) { return c.DeleteArchive(ctx, &firn.DeleteArchiveInput{ArchiveId: "a"}) }},
		{"VaultName", func() (any, error) {
			return c.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{PartSize: 1 << 20})
		}},
		{"UploadId", func() (any, error) {
			return c.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", Body: strings.NewReader("x")})
		}},
		{"Body", func() (any, error) {
			return c.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: "u"})
		}},
		{"UploadId", func() (any, error) {
			return c.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: "v"})
		}},
		{"UploadId", func() (any, error) {
			return c.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v"})
		}},
		{"VaultName", func() (any, error) { return c.ListMultipartUploads(ctx, &firn.ListMultipartUploadsInput{}) }},
		{"UploadId", func() (any, error) { return c.ListParts(ctx, &firn.ListPartsInput{VaultName: "v"}) }},
		{"VaultName", func() (any, error) { return c.InitiateJob(ctx, &firn.InitiateJobInput{}) }},
		{"JobId", func() (any, error) { return c.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v"}) }},
		{"VaultName", func() (any, error) { return c.ListJobs(ctx, &firn.ListJobsInput{}) }},
		{"JobId", func() (any, error) { return c.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v"}) }},
	}
	for _, tc := range cases {
		_, err := tc.call()
		var fe *firn.Error
		if !errors.As(err, &fe) || fe.Code != firn.CodeMissingParameterValue || fe.Message != "Required parameter missing: "+tc.field {
			t.Errorf("got %v, want %s naming %s", err, firn.CodeMissingParameterValue, tc.field)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// TestContext checks that a canceled or expired context is recognisable
// with errors.Is through the *firn.Error.
func TestContext(t *testing.T) {
	t.Run("canceled before", func(t *testing.T) {
		f, c := newFake(t, response{status: 204})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := c.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"})
		if !errors.Is(err, context.Canceled) || firn.CodeOf(err) != firn.CodeServiceUnavailable {
			t.Errorf("got %v, want a ServiceUnavailableException wrapping context.Canceled", err)
		}
		if n := len(f.requests()); n != 0 {
			t.Errorf("%d requests sent, want none", n)
		}
	})
	// slow answers once the client gave up, or after a minute.
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	})
	t.Run("canceled while waiting", func(t *testing.T) {
		c := newClient(t, slow)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := c.ListVaults(ctx, nil)
		if !errors.Is(err, context.Canceled) || firn.CodeOf(err) != firn.CodeServiceUnavailable {
			t.Errorf("got %v, want a ServiceUnavailableException wrapping context.Canceled", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		c := newClient(t, slow)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := c.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
		if !errors.Is(err, context.DeadlineExceeded) || firn.CodeOf(err) != firn.CodeServiceUnavailable {
			t.Errorf("got %v, want a ServiceUnavailableException wrapping context.DeadlineExceeded", err)
		}
	})
}

// TestConnectionRefused checks that a service that cannot be reached is a
// ServiceUnavailableException.
func TestConnectionRefused(t *testing.T) {
	srv := newClosedServerURL(t)
	c := NewFromConfig(aws.Config{}, srv, func(o *glacier.Options) { o.RetryMaxAttempts = 1 })
	_, err := c.ListVaults(t.Context(), nil)
	var fe *firn.Error
	if !errors.As(err, &fe) || fe.Code != firn.CodeServiceUnavailable || fe.Err == nil || fe.Message == "" {
		t.Errorf("got %#v, want a ServiceUnavailableException with a cause", err)
	}
}

// newClosedServerURL returns the URL of a server that is no longer
// listening.
func newClosedServerURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

// TestUnsendableHeaders checks that values HTTP cannot carry in a header
// fail with InvalidParameterValueException naming the field, without
// sending anything, while a tab goes through.
func TestUnsendableHeaders(t *testing.T) {
	f, c := newFake(t, uploaded)
	ctx := t.Context()
	cases := []struct {
		field string
		call  func() (any, error)
	}{
		{"ArchiveDescription", func() (any, error) {
			return c.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: "a\nb", Body: strings.NewReader("x")})
		}},
		{"Checksum", func() (any, error) {
			return c.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Checksum: "\x00", Body: strings.NewReader("x")})
		}},
		{"ArchiveDescription", func() (any, error) {
			return c.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", ArchiveDescription: "\x7f", PartSize: 1 << 20})
		}},
		{"Range", func() (any, error) {
			return c.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: "u", Range: "bytes 0-0/*\r\n", Body: strings.NewReader("x")})
		}},
		{"Checksum", func() (any, error) {
			return c.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: "v", UploadId: "u", Checksum: "\r"})
		}},
		{"Range", func() (any, error) {
			return c.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: "j", Range: "bytes=0-1\n"})
		}},
	}
	for _, tc := range cases {
		out, err := tc.call()
		var fe *firn.Error
		if !isNil(out) || !errors.As(err, &fe) || fe.Code != firn.CodeInvalidParameterValue || !strings.HasPrefix(fe.Message, tc.field+": ") {
			t.Errorf("got %+v, %v; want %s naming %s", out, err, firn.CodeInvalidParameterValue, tc.field)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	if _, err := c.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: "a\tb", Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if got := f.only(t).Header.Get("X-Amz-Archive-Description"); got != "a\tb" {
		t.Errorf("description %q, want the tab kept", got)
	}
}
