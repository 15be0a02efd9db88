package vault

import (
	"crypto/sha256"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/firnstore/firn"
	"github.com/oklog/ulid/v2"
)

var sourceIDForm = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// FuzzSourceArchiveID checks SourceArchiveID against the regular
// expression of the rule and that a valid ID always has a key.
func FuzzSourceArchiveID(f *testing.F) {
	for _, s := range []string{"", "a", "a/b", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "01arz3ndektsv4rrffq69g5fav", strings.Repeat("x", 1025), "é", "a b", "-_.~"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := SourceArchiveID(id)
		if (err == nil) != (len(id) <= MaxSourceIDLength && sourceIDForm.MatchString(id)) {
			t.Fatalf("SourceArchiveID(%q) = %v", id, err)
		}
		if err != nil {
			return
		}
		created := time.Date(2024, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
		k, sum, indexed := SourceKey(id, created)
		if sum != sha256.Sum256([]byte(id)) {
			t.Fatal("the hash is not the ID's SHA-256")
		}
		if !indexed {
			if k.String() != id {
				t.Fatalf("SourceKey(%q) = %s, not indexed", id, k)
			}
			return
		}
		if k.Time() != ulid.Timestamp(created) || string(k[6:]) != string(sum[:10]) {
			t.Fatalf("SourceKey(%q) = %s", id, k)
		}
	})
}

// FuzzImportDescription checks ImportDescription against its rule: at
// most 1,024 bytes of UTF-8 without control characters but tab.
func FuzzImportDescription(f *testing.F) {
	for _, s := range []string{"", "\t", "\n", " é ", "\x7f", "\u0085", "a\xffb", strings.Repeat("é", 512), strings.Repeat("é", 513)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, d string) {
		want := len(d) <= MaxDescriptionLength && utf8.ValidString(d) &&
			strings.IndexFunc(d, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }) < 0
		err := ImportDescription(d)
		if (err == nil) != want {
			t.Fatalf("ImportDescription(%q) = %v", d, err)
		}
		if err != nil {
			wantCode(t, "ImportDescription", err, firn.CodeInvalidParameterValue, "ArchiveDescription")
		}
	})
}

func TestSourceKeyOrder(t *testing.T) {
	early := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	a, _, _ := SourceKey(strings.Repeat("z", 138), early)
	b, _, _ := SourceKey(strings.Repeat("a", 138), early.Add(time.Millisecond))
	if a.Compare(b) >= 0 {
		t.Errorf("the key of an earlier archive, %s, does not sort before %s", a, b)
	}
	again, _, _ := SourceKey(strings.Repeat("z", 138), early)
	if again != a {
		t.Error("SourceKey is not deterministic")
	}
	// A ULID in lower case is not canonical: it is indexed.
	if _, _, indexed := SourceKey("01arz3ndektsv4rrffq69g5fav", early); !indexed {
		t.Error("a lower-case ULID is its own key")
	}
}

func TestImportCreationDate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	wantCode(t, "zero", ImportCreationDate(time.Time{}, now), firn.CodeMissingParameterValue, "CreationDate")
	wantCode(t, "future", ImportCreationDate(now.Add(time.Nanosecond), now), firn.CodeInvalidParameterValue, "CreationDate")
	wantCode(t, "1969", ImportCreationDate(time.Unix(-1, 0), now), firn.CodeInvalidParameterValue, "CreationDate")
	for _, ok := range []time.Time{now, time.Unix(0, 0)} {
		if err := ImportCreationDate(ok, now); err != nil {
			t.Errorf("ImportCreationDate(%v): %v", ok, err)
		}
	}
}
