package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// wildMatch reports whether s matches pattern, where '*' matches any run of
// characters (including none) and '?' matches exactly one character. With
// fold, letters compare case-insensitively. It runs in O(len(pattern) *
// len(s)) time at worst and never recurses, so hostile patterns are safe.
func wildMatch(pattern, s string, fold bool) bool {
	if !strings.ContainsAny(pattern, "*?") {
		if fold {
			return strings.EqualFold(pattern, s)
		}
		return pattern == s
	}
	px, sx := 0, 0
	// Where to resume after a mismatch: just after the last '*' seen,
	// with that star consuming one more character of s.
	starPx, starSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starPx, starSx = px, sx+runeLen(s, sx)
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx += runeLen(s, sx)
					continue
				}
			default:
				if sx < len(s) {
					pr, pn := utf8.DecodeRuneInString(pattern[px:])
					sr, sn := utf8.DecodeRuneInString(s[sx:])
					if pattern[px:px+pn] == s[sx:sx+sn] || fold && pr != utf8.RuneError && foldEqual(pr, sr) {
						px += pn
						sx += sn
						continue
					}
				}
			}
		}
		if starPx >= 0 && starSx <= len(s) {
			px, sx = starPx, starSx
			continue
		}
		return false
	}
	return true
}

// runeLen is the byte length of the rune at s[i:], or 1 past the end so that
// a star cannot advance beyond s.
func runeLen(s string, i int) int {
	if i >= len(s) {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

func foldEqual(a, b rune) bool {
	return unicode.ToLower(a) == unicode.ToLower(b) || unicode.ToUpper(a) == unicode.ToUpper(b)
}
