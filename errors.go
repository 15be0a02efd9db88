package firn

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a Glacier error code, the value of the "code" member of the
// service's JSON error body.
type Code string

// The error codes of the Glacier API.
const (
	CodeResourceNotFound      Code = "ResourceNotFoundException"
	CodeInvalidParameterValue Code = "InvalidParameterValueException"
	CodeMissingParameterValue Code = "MissingParameterValueException"
	CodeLimitExceeded         Code = "LimitExceededException"
	CodeAccessDenied          Code = "AccessDeniedException"
	CodePolicyEnforced        Code = "PolicyEnforcedException"
	CodeInsufficientCapacity  Code = "InsufficientCapacityException"
	CodeRequestTimeout        Code = "RequestTimeoutException"
	CodeServiceUnavailable    Code = "ServiceUnavailableException"
)

// HTTPStatus is the HTTP status code the service answers with for c.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeResourceNotFound:
		return http.StatusNotFound
	case CodeAccessDenied:
		return http.StatusForbidden
	case CodeRequestTimeout:
		return http.StatusRequestTimeout
	case CodeServiceUnavailable:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

// Fault is "Server" for errors that are the service's fault and "Client"
// otherwise, the value of the "type" member of the JSON error body.
func (c Code) Fault() string {
	if c == CodeServiceUnavailable {
		return "Server"
	}
	return "Client"
}

// Error is the error every Glacier operation returns. Code is the Glacier
// error code; Message is human-readable and names the offending field and
// value, as the real service does. Err, when set, is the underlying cause
// (an I/O failure, say); it is for logs and errors.Is, not for clients.
type Error struct {
	Code    Code
	Message string
	Err     error
}

// Errorf returns an *Error with code c and a formatted message.
func Errorf(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Message: fmt.Sprintf(format, args...)}
}

// Error implements the error interface as "Code: Message".
func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code and no message,
// so that the exported sentinels ([ErrResourceNotFound], ...) match every
// error of their code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Err == nil && t.Code == e.Code
}

// HTTPStatus is the HTTP status code of the error's code.
func (e *Error) HTTPStatus() int { return e.Code.HTTPStatus() }

// Sentinels for errors.Is; each matches every *Error of its code.
var (
	ErrResourceNotFound      = &Error{Code: CodeResourceNotFound}
	ErrInvalidParameterValue = &Error{Code: CodeInvalidParameterValue}
	ErrMissingParameterValue = &Error{Code: CodeMissingParameterValue}
	ErrLimitExceeded         = &Error{Code: CodeLimitExceeded}
	ErrAccessDenied          = &Error{Code: CodeAccessDenied}
	ErrPolicyEnforced        = &Error{Code: CodePolicyEnforced}
	ErrInsufficientCapacity  = &Error{Code: CodeInsufficientCapacity}
	ErrRequestTimeout        = &Error{Code: CodeRequestTimeout}
	ErrServiceUnavailable    = &Error{Code: CodeServiceUnavailable}
)

// CodeOf returns the Glacier code of err, or "" when err is not (and does not
// wrap) an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
