package vault

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/firnstore/firn"
)

func wantCode(t *testing.T, what string, err error, code firn.Code, mentions string) {
	t.Helper()
	var fe *firn.Error
	if !errors.As(err, &fe) || fe.Code != code {
		t.Errorf("%s: %v, want %s", what, err, code)
		return
	}
	if !strings.Contains(fe.Message, mentions) {
		t.Errorf("%s: message %q does not mention %q", what, fe.Message, mentions)
	}
}

// TestAddTagsRules checks the developer guide's tag restrictions: keys of 1
// to 128 and values of 0 to 255 Unicode characters, both of Unicode
// letters, digits, spaces and _ . / = + - @, keys not starting with aws:.
func TestAddTagsRules(t *testing.T) {
	existing := map[string]string{"kept": "1"}
	for _, tags := range []map[string]string{
		{"k": ""},
		{strings.Repeat("k", 128): strings.Repeat("v", 255)},
		{strings.Repeat("é", 128): strings.Repeat("ü", 255)},
		{"Key With Spaces": "value with spaces"},
		{"x_y.z-/=+@": "_ . / = + - @"},
		{"Ünïcødé 日本 ٣": "Ελληνικά १२३"},
		{"aws": "awsome"},
		{"AWS": "aws"},
	} {
		got, err := AddTags(existing, tags)
		if err != nil {
			t.Errorf("AddTags(%q): %v", tags, err)
			continue
		}
		want := maps.Clone(existing)
		maps.Copy(want, tags)
		if !maps.Equal(got, want) {
			t.Errorf("AddTags(%q) = %q, want %q", tags, got, want)
		}
	}
	if !maps.Equal(existing, map[string]string{"kept": "1"}) {
		t.Errorf("AddTags modified existing: %q", existing)
	}

	for _, c := range []struct {
		what     string
		tags     map[string]string
		mentions string
	}{
		{"empty key", map[string]string{"": "v"}, "Tags: key"},
		{"129-character key", map[string]string{strings.Repeat("k", 129): "v"}, "Tags: key"},
		{"129 two-byte characters", map[string]string{strings.Repeat("é", 129): "v"}, "Tags: key"},
		{"aws: prefix", map[string]string{"aws:foo": "v"}, `"aws:"`},
		{"AwS: prefix", map[string]string{"AwS:foo": "v"}, `"aws:"`},
		{"colon in key", map[string]string{"a:b": "v"}, "Tags: key \"a:b\": invalid character ':' at position 1"},
		{"comma in key", map[string]string{"a,b": "v"}, "Tags: key \"a,b\": invalid character ','"},
		{"tab in key", map[string]string{"a\tb": "v"}, "Tags: key"},
		{"newline in key", map[string]string{"a\n": "v"}, "Tags: key"},
		{"asterisk in key", map[string]string{"*": "v"}, "Tags: key"},
		{"invalid UTF-8 in key", map[string]string{"a\xff": "v"}, "Tags: key"},
		{"256-character value", map[string]string{"k": strings.Repeat("v", 256)}, `Tags: value of key "k"`},
		{"256 two-byte characters", map[string]string{"k": strings.Repeat("é", 256)}, `Tags: value of key "k"`},
		{"colon in value", map[string]string{"k": "a:b"}, `Tags: value of key "k": invalid character ':' at position 1`},
		{"quote in value", map[string]string{"k": `"`}, `Tags: value of key "k"`},
		{"control character in value", map[string]string{"k": "\x00"}, `Tags: value of key "k"`},
		{"invalid UTF-8 in value", map[string]string{"k": "\xc3"}, `Tags: value of key "k"`},
	} {
		c.tags["good"] = "g"
		got, err := AddTags(existing, c.tags)
		wantCode(t, c.what, err, firn.CodeInvalidParameterValue, c.mentions)
		if got != nil {
			t.Errorf("%s: AddTags returned tags %q with its error", c.what, got)
		}
	}
}

func TestRemoveTags(t *testing.T) {
	existing := map[string]string{"a": "1", "b": "2"}
	got, err := RemoveTags(existing, []string{"a", "absent", "a"})
	if err != nil || !maps.Equal(got, map[string]string{"b": "2"}) {
		t.Errorf("RemoveTags = %q, %v", got, err)
	}
	for _, keys := range [][]string{nil, {}} {
		got, err := RemoveTags(existing, keys)
		wantCode(t, "no keys", err, firn.CodeInvalidParameterValue, "TagKeys")
		if got != nil {
			t.Errorf("RemoveTags(%q) returned tags %q with its error", keys, got)
		}
	}
	if !maps.Equal(existing, map[string]string{"a": "1", "b": "2"}) {
		t.Errorf("RemoveTags modified existing: %q", existing)
	}
}

// TestArchiveDescription checks that an archive description loses its
// leading and trailing spaces and tabs, as it does in the HTTP header that
// carries it, before the 1,024 printable ASCII characters rule.
func TestArchiveDescription(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"x", "x"},
		{"  leading", "leading"},
		{"trailing  ", "trailing"},
		{"  both  ", "both"},
		{"   ", ""},
		{"\t x \t", "x"},
		{"inner  spaces  kept", "inner  spaces  kept"},
		{" " + strings.Repeat("d", 1024) + " ", strings.Repeat("d", 1024)},
	} {
		got, err := ArchiveDescription(c.in)
		if err != nil || got != c.want {
			t.Errorf("ArchiveDescription(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{strings.Repeat("d", 1025), " a\tb ", "a\nb", " \x7f", "café", "x\r\n"} {
		got, err := ArchiveDescription(in)
		wantCode(t, "ArchiveDescription("+in+")", err, firn.CodeInvalidParameterValue, "ArchiveDescription")
		if got != "" {
			t.Errorf("ArchiveDescription(%q) = %q with its error", in, got)
		}
	}
}
