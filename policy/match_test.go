package policy

import (
	"regexp"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestWildMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, true},
		{"*", "anything", false, true},
		{"?", "", false, false},
		{"?", "é", false, true}, // one character, two bytes
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a*c", "ac", false, true},
		{"a*c", "abbbc", false, true},
		{"a*c", "abbbd", false, false},
		{"*a*b*", "xxaxxbxx", false, true},
		{"*a*b*", "xxbxxaxx", false, false},
		{"glacier:delete*", "glacier:DeleteArchive", true, true},
		{"glacier:delete*", "glacier:DeleteArchive", false, false},
		{"GLACIER:DELETEARCHIVE", "glacier:deletearchive", true, true},
		{"arn:aws:glacier:*:111122223333:vaults/*", "arn:aws:glacier:us-east-1:111122223333:vaults/v", false, true},
		{"arn:aws:glacier:*:111122223333:vaults/V*", "arn:aws:glacier:us-east-1:111122223333:vaults/v", false, false},
		{"\xff", "\xfe", false, false},
		{"\xff*", "\xff\xfe", false, true},
		{strings.Repeat("*a", 50) + "b", strings.Repeat("a", 200), false, false},
	}
	for _, tt := range tests {
		if got := wildMatch(tt.pattern, tt.s, tt.fold); got != tt.want {
			t.Errorf("wildMatch(%q, %q, %v) = %v, want %v", tt.pattern, tt.s, tt.fold, got, tt.want)
		}
	}
}

// TestWildMatchRegexp checks the matcher against the equivalent regular
// expression on random patterns and subjects.
func TestWildMatchRegexp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pattern := rapid.StringOfN(rapid.SampledFrom([]rune("aAb*?é")), 0, 8, -1).Draw(t, "pattern")
		s := rapid.StringOfN(rapid.SampledFrom([]rune("aAbé")), 0, 10, -1).Draw(t, "s")
		fold := rapid.Bool().Draw(t, "fold")
		var re strings.Builder
		re.WriteString("^(?s")
		if fold {
			re.WriteString("i")
		}
		re.WriteString(")")
		for _, r := range pattern {
			switch r {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString("$")
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := wildMatch(pattern, s, fold); got != want {
			t.Fatalf("wildMatch(%q, %q, %v) = %v, regexp %s says %v", pattern, s, fold, got, re.String(), want)
		}
	})
}
