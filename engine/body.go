package engine

import (
	"errors"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/treehash"
)

// Upload bodies: UploadArchive's and UploadMultipartPart's. A body is read
// to its end, or until the request's context is done, and must hold 1 byte
// to a limit and match the tree hash the client gives, if any; a body that
// cannot be read is the client's failure, not the storage's.

// sizeError is the error for a body of n bytes when at most limit are
// allowed, or nil if n is within 1..limit.
func sizeError(what string, n, limit int64) error {
	if n == 0 {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Body: the %s is empty; it must hold at least 1 byte", what)
	}
	if n > limit {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Body: the %s is larger than the limit of %d bytes", what, limit)
	}
	return nil
}

// bodyError is the error for a request body that could not be read to the
// end: the client's fault, as a timeout is.
func bodyError(what string, err error) error {
	var fe *firn.Error
	if errors.As(err, &fe) {
		return err
	}
	return &firn.Error{Code: firn.CodeRequestTimeout, Message: "the " + what + " body could not be read to its end: " + err.Error(), Err: err}
}

// parseChecksum parses an optional hex tree hash; nil when absent.
func parseChecksum(field, s string) (*[32]byte, error) {
	if s == "" {
		return nil, nil
	}
	sum, err := treehash.ParseHex(s)
	if err != nil {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "%s: %q is not a 64-character hex SHA-256 tree hash", field, s)
	}
	return &sum, nil
}

// checkChecksum is the error for a body whose tree hash is sum when the
// client gave want (nil: none), or nil if they match.
func checkChecksum(want *[32]byte, sum [32]byte) error {
	if want != nil && *want != sum {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Checksum mismatch: expected %s, computed %s", treehash.Hex(*want), treehash.Hex(sum))
	}
	return nil
}
