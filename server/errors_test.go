package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"
	"github.com/aws/smithy-go"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// TestErrorMapping checks that every firn code reaches aws-sdk-go-v2 as its
// typed error with the code's status, message, fault and a request ID.
func TestErrorMapping(t *testing.T) {
	f, srv := startServer(t, Options{})
	c := sdkClient(srv, testKey, testSecret)
	ctx := context.Background()
	v := aws.String("v1")

	describe := func() error {
		_, err := c.DescribeVault(ctx, &glacier.DescribeVaultInput{VaultName: v})
		return err
	}
	initiateJob := func() error {
		_, err := c.InitiateJob(ctx, &glacier.InitiateJobInput{VaultName: v, JobParameters: &types.JobParameters{Type: aws.String("inventory-retrieval")}})
		return err
	}
	tests := []struct {
		op     string
		call   func() error
		code   firn.Code
		status int
		typed  func(error) bool
	}{
		{"DescribeVault", describe, firn.CodeResourceNotFound, 404, isType[*types.ResourceNotFoundException]},
		{"DescribeVault", describe, firn.CodeInvalidParameterValue, 400, isType[*types.InvalidParameterValueException]},
		{"DescribeVault", describe, firn.CodeMissingParameterValue, 400, isType[*types.MissingParameterValueException]},
		{"DescribeVault", describe, firn.CodeServiceUnavailable, 500, isType[*types.ServiceUnavailableException]},
		{"DescribeVault", describe, firn.CodeAccessDenied, 403, isType[*smithy.GenericAPIError]},
		{"CreateVault", func() error {
			_, err := c.CreateVault(ctx, &glacier.CreateVaultInput{VaultName: v})
			return err
		}, firn.CodeLimitExceeded, 400, isType[*types.LimitExceededException]},
		{"InitiateJob", initiateJob, firn.CodePolicyEnforced, 400, isType[*types.PolicyEnforcedException]},
		{"InitiateJob", initiateJob, firn.CodeInsufficientCapacity, 400, isType[*types.InsufficientCapacityException]},
		{"UploadArchive", func() error {
			_, err := c.UploadArchive(ctx, &glacier.UploadArchiveInput{VaultName: v, Body: strings.NewReader("x")})
			return err
		}, firn.CodeRequestTimeout, 408, isType[*types.RequestTimeoutException]},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			msg := "message for " + string(tt.code) + ": <vault> & \"quotes\""
			f.respond(tt.op, nil, firn.Errorf(tt.code, "%s", msg))
			defer f.respond(tt.op, nil, nil)
			err := tt.call()
			if !tt.typed(err) {
				t.Fatalf("error %T %v is not the modeled type", err, err)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("%v is not a smithy.APIError", err)
			}
			eq(t, "ErrorCode", ae.ErrorCode(), string(tt.code))
			eq(t, "ErrorMessage", ae.ErrorMessage(), msg)
			wantFault := smithy.FaultClient
			if tt.code == firn.CodeServiceUnavailable {
				wantFault = smithy.FaultServer
			}
			if _, generic := ae.(*smithy.GenericAPIError); !generic {
				eq(t, "ErrorFault", ae.ErrorFault(), wantFault)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("%v carries no HTTP response", err)
			}
			eq(t, "status", re.HTTPStatusCode(), tt.status)
			if re.ServiceRequestID() == "" {
				t.Error("no request ID")
			}
		})
	}

	t.Run("internal", func(t *testing.T) {
		f.respond("DescribeVault", nil, errors.New("disk on fire: /secret/path"))
		defer f.respond("DescribeVault", nil, nil)
		err := describe()
		var su *types.ServiceUnavailableException
		if !errors.As(err, &su) {
			t.Fatalf("error %v, want ServiceUnavailableException", err)
		}
		if strings.Contains(su.ErrorMessage(), "secret") {
			t.Errorf("internal error leaked: %q", su.ErrorMessage())
		}
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			eq(t, "status", re.HTTPStatusCode(), 500)
		}
	})
}

func isType[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// TestErrorCauseLogged: the cause of a 5xx firn.Error is logged with the
// request, and kept from the client.
func TestErrorCauseLogged(t *testing.T) {
	var log testkit.SyncBuffer
	f, srv := startServer(t, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	f.respond("DescribeVault", nil, &firn.Error{Code: firn.CodeServiceUnavailable, Message: "storage failure",
		Err: errors.New("put segments/01J: write quorum lost")})
	_, err := sdkClient(srv, testKey, testSecret).DescribeVault(context.Background(), &glacier.DescribeVaultInput{VaultName: aws.String("v1")})
	var su *types.ServiceUnavailableException
	if !errors.As(err, &su) || su.ErrorMessage() != "storage failure" {
		t.Fatalf("error %v, want ServiceUnavailableException with the message alone", err)
	}
	if got := log.String(); !strings.Contains(got, "glacier call failed") || !strings.Contains(got, "write quorum lost") {
		t.Errorf("the log does not name the cause:\n%s", got)
	}
}
