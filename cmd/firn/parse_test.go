package main

import (
	"strings"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1024": 1024, "8MiB": 8 << 20, "1 GiB": 1 << 30, "2KiB": 2048, "4TiB": 4 << 40,
		"1KB": 1000, "5MB": 5e6, "3GB": 3e9, "10B": 10,
	} {
		if got, err := parseByteSize(in); err != nil || got != want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "1.5MiB", "8 mib", "1e6", "99999999999TiB", "0x10"} {
		if got, err := parseByteSize(in); err == nil {
			t.Errorf("parseByteSize(%q) = %d, want an error", in, got)
		}
	}
}

func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"8MiB", "1 GiB", "1000", "7KB", "9223372036854775807", "4TiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseByteSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("parseByteSize(%q) = %d", s, n)
		}
		// What a flag prints, it parses back.
		b := byteSize(n)
		if back, err := parseByteSize(b.String()); err != nil || back != n {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, n, b.String(), back, err)
		}
	})
}

func TestParseINI(t *testing.T) {
	secs, err := parseINI(strings.NewReader(`
# comment
; comment
[default]
aws_access_key_id = AKIA1
AWS_Secret_Access_Key=s = with equals
[profile dev]
region = eu-west-1
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 2 || secs[0].name != "default" || secs[0].keys["aws_secret_access_key"] != "s = with equals" ||
		secs[1].name != "dev" || secs[1].line != 7 || secs[1].keys["region"] != "eu-west-1" {
		t.Errorf("parseINI = %+v", secs)
	}
	for _, bad := range []string{"key = before section\n", "[unclosed\n", "[s]\nno equals sign\n"} {
		if _, err := parseINI(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line ") {
			t.Errorf("parseINI(%q) error = %v, want one naming the line", bad, err)
		}
	}
}

func FuzzParseINI(f *testing.F) {
	f.Add("[a]\nk = v\n")
	f.Add("# c\n[profile p]\naws_access_key_id=x\n\n[b]\n")
	f.Fuzz(func(t *testing.T, s string) {
		secs, err := parseINI(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, sec := range secs {
			for k, v := range sec.keys {
				if k != strings.ToLower(k) || k != strings.TrimSpace(k) || v != strings.TrimSpace(v) {
					t.Fatalf("section %q: key %q = %q not normalized", sec.name, k, v)
				}
			}
		}
	})
}

func TestOutputRange(t *testing.T) {
	for _, tc := range []struct {
		spec       string
		total      int64
		start, end int64
		ranged     bool
		bad        bool
	}{
		{"", 100, 0, 99, false, false},
		{"", -1, 0, -2, false, false},
		{"", 0, 0, -1, false, false},
		{"bytes=0-9", 100, 0, 9, true, false},
		{"10-99", 100, 10, 99, true, false},
		{"bytes=50-", 100, 50, 99, true, false},
		{"0-100", 100, 0, 0, false, true},
		{"9-8", 100, 0, 0, false, true},
		{"-5", 100, 0, 0, false, true},
		{"bytes=a-b", 100, 0, 0, false, true},
		{"5-", -1, 0, 0, false, true},
		{"5-10", -1, 5, 10, true, false},
	} {
		start, end, ranged, err := outputRange(tc.spec, tc.total)
		if tc.bad {
			if err == nil {
				t.Errorf("outputRange(%q, %d) = %d-%d, want an error", tc.spec, tc.total, start, end)
			}
			continue
		}
		if err != nil || start != tc.start || end != tc.end || ranged != tc.ranged {
			t.Errorf("outputRange(%q, %d) = %d, %d, %v, %v; want %d, %d, %v", tc.spec, tc.total, start, end, ranged, err, tc.start, tc.end, tc.ranged)
		}
	}
}

func TestMinPartSize(t *testing.T) {
	for size, want := range map[int64]int64{
		0:                  1 << 20,
		10000 << 20:        1 << 20,
		10000<<20 + 1:      2 << 20,
		40000 << 20:        4 << 20,
		1 << 40:            128 << 20,
		10000 * (4 << 30):  4 << 30,
		10000*(4<<30) + 10: 4 << 30, // too large for any part size; the service says so
	} {
		if got := minPartSize(size); got != want {
			t.Errorf("minPartSize(%d) = %d, want %d", size, got, want)
		}
	}
}
