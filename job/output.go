package job

import (
	"strconv"
	"strings"
)

// OutputRange parses a GetJobOutput Range, "bytes=START-END" (inclusive) or
// "bytes=START-", against an output of total bytes; "" means the whole
// output. END beyond the output is clamped to its last byte, as HTTP does.
func OutputRange(s string, total int64) (start, end int64, err error) {
	if s == "" {
		return 0, total - 1, nil
	}
	spec, ok := strings.CutPrefix(s, "bytes=")
	a, b, ok2 := strings.Cut(spec, "-")
	if !ok || !ok2 || a == "" || strings.ContainsAny(a+b, "+ ,") {
		return 0, 0, invalid("Range: %q is not of the form bytes=START-END", s)
	}
	start, err = strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, invalid("Range: %q is not of the form bytes=START-END", s)
	}
	end = total - 1
	if b != "" {
		if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
			return 0, 0, invalid("Range: %q is not of the form bytes=START-END", s)
		}
	}
	if start >= total {
		return 0, 0, invalid("Range: %q starts beyond the output's last byte, %d", s, total-1)
	}
	return start, min(end, total-1), nil
}
