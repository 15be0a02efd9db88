package awsglacier

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
	"github.com/aws/smithy-go"
	"pgregory.net/rapid"

	"github.com/firnstore/firn"
)

func sdkOptions(c *Client) glacier.Options {
	return c.api.(*glacier.Client).Options()
}

func TestNewFromConfigDefaults(t *testing.T) {
	f := &fakeService{resp: response{status: 201}}
	c := newClient(t, f)
	if _, err := c.CreateVault(t.Context(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	if auth := f.only(t).Header.Get("Authorization"); !strings.Contains(auth, "/us-east-1/glacier/aws4_request") {
		t.Errorf("Authorization %q is not for us-east-1", auth)
	}

	if got := sdkOptions(NewFromConfig(aws.Config{}, "")).BaseEndpoint; got != nil {
		t.Errorf("BaseEndpoint %q without an endpoint", *got)
	}
	if got := sdkOptions(NewFromConfig(aws.Config{Region: "eu-west-1"}, "http://127.0.0.1:1")).Region; got != "eu-west-1" {
		t.Errorf("Region %q, want the config's", got)
	}
}

func TestNewFromConfigAnonymous(t *testing.T) {
	f := &fakeService{resp: response{status: 204}}
	c := NewFromConfig(aws.Config{}, newServerURL(t, f))
	if _, err := c.DeleteVault(t.Context(), &firn.DeleteVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	r := f.only(t)
	if auth := r.Header.Get("Authorization"); auth != "" {
		t.Errorf("Authorization %q, want an unsigned request", auth)
	}
	if got := r.Header.Get("X-Amz-Glacier-Version"); got != "2012-06-01" {
		t.Errorf("X-Amz-Glacier-Version %q", got)
	}
}

// TestRetries checks that LimitExceededException is not retried, while the
// standard retryer keeps retrying what it retries.
func TestRetries(t *testing.T) {
	f := &fakeService{resp: response{status: 400, body: errorBody("LimitExceededException", "10 tags at most", "Client")}}
	c := newClient(t, f)
	_, err := c.AddTagsToVault(t.Context(), &firn.AddTagsToVaultInput{VaultName: "v", Tags: map[string]string{"k": "v"}})
	if firn.CodeOf(err) != firn.CodeLimitExceeded {
		t.Fatalf("got %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("LimitExceededException was sent %d times, want once", n)
	}

	r := sdkOptions(c).Retryer
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&types.LimitExceededException{}, false},
		{&smithy.GenericAPIError{Code: "LimitExceededException"}, false},
		{&types.RequestTimeoutException{}, true},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{&types.ResourceNotFoundException{}, false},
	} {
		if got := r.IsErrorRetryable(tc.err); got != tc.want {
			t.Errorf("IsErrorRetryable(%T %v) = %v, want %v", tc.err, tc.err, got, tc.want)
		}
	}
	if got := sdkOptions(c).Retryer.MaxAttempts(); got != 3 {
		t.Errorf("MaxAttempts %d, want the standard 3", got)
	}
	custom := NewFromConfig(aws.Config{RetryMaxAttempts: 5}, "http://127.0.0.1:1")
	if got := sdkOptions(custom).Retryer.MaxAttempts(); got != 5 {
		t.Errorf("MaxAttempts %d, want the config's 5", got)
	}
	if sdkOptions(custom).Retryer.IsErrorRetryable(&types.LimitExceededException{}) {
		t.Error("LimitExceededException retryable with RetryMaxAttempts set")
	}
}

// TestSelectRoundTrip checks that select parameters and output locations,
// which go out with InitiateJob and come back with DescribeJob, survive the
// conversion to the SDK and back unchanged.
func TestSelectRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := rapid.Make[*firn.SelectParameters]().Draw(t, "select")
		if got := selectFromSDK(selectToSDK(p)); !reflect.DeepEqual(got, p) {
			t.Fatalf("select parameters:\n got %+v\nwant %+v", got, p)
		}
		l := rapid.Make[*firn.OutputLocation]().Draw(t, "location")
		if got := outputLocationFromSDK(outputLocationToSDK(l)); !reflect.DeepEqual(got, l) {
			t.Fatalf("output location:\n got %+v\nwant %+v", got, l)
		}
	})
	for _, v := range []any{fullSelect, fullLocation} {
		if p := allSet(reflect.ValueOf(v), "value"); p != "" {
			t.Fatalf("%s is not set", p)
		}
	}
	if got := selectFromSDK(selectToSDK(fullSelect)); !reflect.DeepEqual(got, fullSelect) {
		t.Errorf("full select parameters changed: %+v", got)
	}
	if got := outputLocationFromSDK(outputLocationToSDK(fullLocation)); !reflect.DeepEqual(got, fullLocation) {
		t.Errorf("full output location changed: %+v", got)
	}
}
