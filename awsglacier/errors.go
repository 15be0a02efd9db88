package awsglacier

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/firnstore/firn"
)

// knownCodes are the codes firn names; a service code that matches one of
// them case-insensitively is reported in firn's spelling.
var knownCodes = []firn.Code{
	firn.CodeResourceNotFound,
	firn.CodeInvalidParameterValue,
	firn.CodeMissingParameterValue,
	firn.CodeLimitExceeded,
	firn.CodeAccessDenied,
	firn.CodePolicyEnforced,
	firn.CodeInsufficientCapacity,
	firn.CodeRequestTimeout,
	firn.CodeServiceUnavailable,
}

// toError converts an error of the SDK into a *firn.Error whose Err is the
// SDK's error, so that errors.As still finds the SDK's types (for the
// request ID, say) and errors.Is finds context.Canceled and
// context.DeadlineExceeded.
//
// An error response of the service keeps its code and message; codes firn
// does not name (NoLongerSupportedException, InvalidSignatureException, ...)
// are kept verbatim as firn.Code(code). Every other failure — the request
// could not be sent or its response read, the context ended — is
// CodeServiceUnavailable with the cause's text as message.
func toError(err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return &firn.Error{Code: canonical(ae.ErrorCode()), Message: ae.ErrorMessage(), Err: err}
	}
	return &firn.Error{Code: firn.CodeServiceUnavailable, Message: err.Error(), Err: err}
}

// canonical returns code in firn's spelling when it is one firn names.
func canonical(code string) firn.Code {
	for _, c := range knownCodes {
		if strings.EqualFold(code, string(c)) {
			return c
		}
	}
	return firn.Code(code)
}
