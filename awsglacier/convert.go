package awsglacier

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firnstore/firn"
)

// account maps firn's account convention to the wire: "" is the caller's
// own account, "-" on the wire.
func account(id string) *string {
	if id == "" {
		id = "-"
	}
	return &id
}

// optional maps an optional firn string to the SDK: "" is absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// limit maps a firn page size to the SDK: 0 is the service's default.
func limit(n int32) *int32 {
	if n == 0 {
		return nil
	}
	return &n
}

// decimal formats a size as the decimal string the wire wants. Zero is sent
// too, so that the service, not the client, judges it.
func decimal(n int64) *string {
	return aws.String(strconv.FormatInt(n, 10))
}

// boolean maps an optional filter to "true", "false" or absent.
func boolean(b *bool) *string {
	if b == nil {
		return nil
	}
	return aws.String(strconv.FormatBool(*b))
}

// orZero lets every operation accept a nil input as the zero input, as the
// SDK does.
func orZero[T any](in *T) *T {
	if in == nil {
		return new(T)
	}
	return in
}

// param is a named value of a request, checked before it is sent.
type param struct {
	name, value string
}

// required returns a MissingParameterValueException naming the first empty
// parameter. An empty path segment cannot be sent, so these requests are
// refused before anything is sent.
func required(params ...param) error {
	for _, p := range params {
		if p.value == "" {
			return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: %s", p.name)
		}
	}
	return nil
}

// sendable returns an InvalidParameterValueException naming the first
// parameter that cannot be carried in an HTTP header: one holding a control
// character other than tab. net/http refuses to send such a request, and the
// service rejects those characters anyway.
func sendable(params ...param) error {
	for _, p := range params {
		for i := 0; i < len(p.value); i++ {
			if c := p.value[i]; c < 0x20 && c != '\t' || c == 0x7f {
				return firn.Errorf(firn.CodeInvalidParameterValue,
					"%s: invalid character 0x%02x at position %d; it cannot be sent in an HTTP header", p.name, c, i)
			}
		}
	}
	return nil
}

// dates parses the ISO 8601 dates of a response, keeping the first failure so
// that a whole output can be converted before checking once.
type dates struct {
	err error
}

// parse returns the time in UTC of an ISO 8601 date such as
// "2012-03-20T17:03:43.221Z"; null is the zero time.
func (d *dates) parse(field string, s *string) time.Time {
	if s == nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		if d.err == nil {
			d.err = &firn.Error{
				Code:    firn.CodeServiceUnavailable,
				Message: fmt.Sprintf("malformed %s in the service's response: %q", field, *s),
				Err:     err,
			}
		}
		return time.Time{}
	}
	return t.UTC()
}

// each maps every element of s with f, keeping a nil s nil.
func each[S, T any](s []S, f func(S) T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}
