package multipart

import (
	"strconv"

	"github.com/firnstore/firn"
	"github.com/oklog/ulid/v2"
)

// Paging markers are opaque to clients. A ListParts marker is the Start of
// the first part of the next page, in decimal; a ListMultipartUploads marker
// is the ID of the first upload of the next page. Either continues the
// listing at the first item at or after it, so a marker stays valid when
// the item it names goes away meanwhile.

// PartMarker returns the ListParts marker of the page starting at start.
func PartMarker(start int64) string { return strconv.FormatInt(start, 10) }

// ParsePartMarker parses a ListParts marker for an upload of part size
// partSize and returns the Start it names. A marker that no ListParts of
// such an upload returns is an InvalidParameterValueException.
func ParsePartMarker(s string, partSize int64) (int64, error) {
	start, ok := parseOffset(s)
	if !ok || start%partSize != 0 || start/partSize >= MaxParts {
		return 0, firn.Errorf(firn.CodeInvalidParameterValue, "marker: %q is not a ListParts marker of this upload", s)
	}
	return start, nil
}

// UploadMarker returns the ListMultipartUploads marker of the page starting
// at upload id.
func UploadMarker(id ulid.ULID) string { return id.String() }

// ParseUploadMarker parses a ListMultipartUploads marker. A malformed one
// is an InvalidParameterValueException.
func ParseUploadMarker(s string) (ulid.ULID, error) {
	id, err := ulid.ParseStrict(s)
	if err != nil {
		return ulid.ULID{}, firn.Errorf(firn.CodeInvalidParameterValue, "marker: %q is not a ListMultipartUploads marker", s)
	}
	return id, nil
}
