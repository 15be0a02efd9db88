package multipart

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/firnstore/firn"
)

func TestParseRange(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Range
	}{
		{"bytes 0-0/*", Range{0, 1}},
		{"bytes 0-1048575/*", Range{0, 1 << 20}},
		{"bytes 4194304-8388607/*", Range{4 << 20, 4 << 20}},
		{"bytes 7-9/*", Range{7, 3}},
		{"bytes 0-9223372036854775806/*", Range{0, math.MaxInt64}},
	} {
		got, err := ParseRange(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseRange(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestParseRangeInvalid(t *testing.T) {
	if _, err := ParseRange(""); !errors.Is(err, firn.ErrMissingParameterValue) {
		t.Errorf("ParseRange(\"\"): %v, want MissingParameterValueException", err)
	}
	for _, in := range []string{
		"0-1/*", "bytes=0-1/*", "bytes  0-1/*", "Bytes 0-1/*", "bytes 0-1", "bytes 0-1/2", "bytes 0-1/*x",
		"bytes 0-1/**", " bytes 0-1/*", "bytes 0-1/* ", "bytes -1/*", "bytes 0-/*", "bytes -/*", "bytes 1-0/*",
		"bytes 00-1/*", "bytes 0-01/*", "bytes +0-1/*", "bytes 0-+1/*", "bytes 0--1/*", "bytes 0-1-2/*",
		"bytes 0x0-1/*", "bytes 0 -1/*", "bytes 0- 1/*", "bytes 0_0-1/*", "bytes ０-1/*",
		"bytes 0-9223372036854775807/*", "bytes 0-9223372036854775808/*", "bytes 0-99999999999999999999/*",
	} {
		_, err := ParseRange(in)
		if !errors.Is(err, firn.ErrInvalidParameterValue) {
			t.Errorf("ParseRange(%q): %v, want InvalidParameterValueException", in, err)
			continue
		}
		if msg := err.(*firn.Error).Message; !strings.Contains(msg, "Range") {
			t.Errorf("ParseRange(%q): message %q does not name Range", in, msg)
		}
	}
}

// FuzzParseRange checks that ParseRange accepts exactly the canonical
// "bytes START-END/*" forms: anything it accepts formats back to itself.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes 0-0/*", "bytes 1048576-2097151/*", "bytes 5-4/*", "bytes 00-1/*", "", "bytes 0-9223372036854775807/*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			var fe *firn.Error
			if !errors.As(err, &fe) || fe.Code != firn.CodeInvalidParameterValue && !(s == "" && fe.Code == firn.CodeMissingParameterValue) {
				t.Fatalf("ParseRange(%q): error %v of the wrong kind", s, err)
			}
			return
		}
		if r.Start < 0 || r.Size < 1 || r.End() < r.Start {
			t.Fatalf("ParseRange(%q) = %+v: not a valid range", s, r)
		}
		if back := "bytes " + r.String() + "/*"; back != s {
			t.Fatalf("ParseRange(%q) = %+v, which formats as %q", s, r, back)
		}
	})
}
