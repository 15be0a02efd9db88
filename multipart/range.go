package multipart

import (
	"math"
	"strconv"
	"strings"

	"github.com/firnstore/firn"
)

// Range is the place of a part in its archive: Size bytes from byte Start.
type Range struct {
	Start int64
	Size  int64
}

// End returns the offset of the range's last byte.
func (r Range) End() int64 { return r.Start + r.Size - 1 }

// String returns the range as "START-END", END inclusive: the RangeInBytes
// of ListParts.
func (r Range) String() string {
	return strconv.FormatInt(r.Start, 10) + "-" + strconv.FormatInt(r.End(), 10)
}

// ParseRange parses the Range of UploadMultipartPart, the Content-Range
// header "bytes START-END/*": END is inclusive and not before START, the
// numbers are canonical decimals (no sign, no leading zero), and the total
// is always "*". An empty s is a MissingParameterValueException, anything
// else malformed an InvalidParameterValueException.
func ParseRange(s string) (Range, error) {
	if s == "" {
		return Range{}, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Range")
	}
	bad := func() (Range, error) {
		return Range{}, firn.Errorf(firn.CodeInvalidParameterValue, "Range: %q is not of the form \"bytes START-END/*\" with 0 <= START <= END", s)
	}
	rest, ok := strings.CutPrefix(s, "bytes ")
	if !ok {
		return bad()
	}
	if rest, ok = strings.CutSuffix(rest, "/*"); !ok {
		return bad()
	}
	first, last, ok := strings.Cut(rest, "-")
	if !ok {
		return bad()
	}
	start, ok1 := parseOffset(first)
	end, ok2 := parseOffset(last)
	// end < MaxInt64 keeps Size representable.
	if !ok1 || !ok2 || end < start || end == math.MaxInt64 {
		return bad()
	}
	return Range{Start: start, Size: end - start + 1}, nil
}

// parseOffset parses a canonical non-negative decimal int64.
func parseOffset(s string) (int64, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
