package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/firnstore/firn"
)

// Error codes the handler answers with besides the firn codes.
const (
	codeSerialization         = "SerializationException"
	codeUnknownOperation      = "UnknownOperationException"
	codeMissingAuthentication = "MissingAuthenticationTokenException"
	codeIncompleteSignature   = "IncompleteSignatureException"
	codeInvalidSignature      = "InvalidSignatureException"
	codeUnrecognizedClient    = "UnrecognizedClientException"
	codeThrottling            = "ThrottlingException"
)

// apiError is an error response the handler produces itself, with a code
// that is not a firn.Code.
type apiError struct {
	status  int
	code    string
	message string
	// allow lists the methods of a known path, for 405 responses.
	allow string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newAPIError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func authError(code, format string, args ...any) *apiError {
	return newAPIError(http.StatusForbidden, code, format, args...)
}

// errorBody is the service's JSON error document.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Type    string `json:"type"`
}

// writeError answers with err as the service's JSON error. Errors other than
// *apiError and *firn.Error are internal: they are logged and answered with
// a generic 500 ServiceUnavailableException.
func (h *handler) writeError(c *call, err error) {
	status, b := http.StatusInternalServerError, errorBody{
		Code:    string(firn.CodeServiceUnavailable),
		Message: "The service is unavailable; try again later.",
		Type:    firn.CodeServiceUnavailable.Fault(),
	}
	var ae *apiError
	var fe *firn.Error
	switch {
	case errors.As(err, &ae):
		status, b = ae.status, errorBody{Code: ae.code, Message: ae.message, Type: "Client"}
		if ae.allow != "" {
			c.w.Header().Set("Allow", ae.allow)
		}
	case errors.As(err, &fe):
		status, b = fe.HTTPStatus(), errorBody{Code: string(fe.Code), Message: fe.Message, Type: fe.Code.Fault()}
		if status >= 500 {
			// The cause is kept from the client, not from the log.
			attrs := []any{"request_id", c.id, "method", c.r.Method, "path", c.r.URL.Path, "err", err}
			if fe.Err != nil {
				attrs = append(attrs, "cause", fe.Err)
			}
			h.log.Error("glacier call failed", attrs...)
		}
	default:
		h.log.Error("internal error", "request_id", c.id, "method", c.r.Method, "path", c.r.URL.Path, "err", err)
	}
	if b.Message == "" {
		b.Message = b.Code
	}
	c.errCode = b.Code
	writeJSON(c.w, status, b)
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		// Only wire types are marshalled; they cannot fail.
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	w.Write(data)
}
