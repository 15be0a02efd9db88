package migrate

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseNameTemplate(t *testing.T) {
	for _, s := range []string{"{id}", "{description}", "{date}/{description}", "vault-a/{treehash}.{id}", "x ({id})"} {
		if _, err := parseNameTemplate(s); err != nil {
			t.Errorf("parseNameTemplate(%q): %v", s, err)
		}
	}
	for s, want := range map[string]string{
		"{date}":            "neither {id} nor {description}",
		"{id":               "'{' without '}'",
		"id}":               "'}' without '{'",
		"{name}":            "unknown field {name}",
		"/{id}":             "unsafe",
		"{date}//{id}":      "unsafe",
		"../{id}":           "unsafe",
		"{id}?":             "unsafe",
		"{date}/ {id}":      "unsafe",
		"a\\{description}":  "unsafe",
		"{id}/":             "unsafe",
		"{description}/./x": "unsafe",
	} {
		if _, err := parseNameTemplate(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseNameTemplate(%q) = %v, want an error saying %q", s, err, want)
		}
	}
}

func TestAssignNames(t *testing.T) {
	day := time.Date(2019, 3, 20, 17, 3, 43, 0, time.FixedZone("CET", 3600))
	arch := func(id, desc string) Archive {
		return Archive{ID: id, Description: desc, CreationDate: day, TreeHash: "ab" + id}
	}
	inventory := []Archive{
		arch("A", "photos/2019.tar"),
		arch("B", "photos/2019.tar"), // taken by A
		arch("C", "photos"),          // a directory of A's
		arch("D", "photos/2019.tar/x"),
		arch("E", "manifest.json"),
		arch("F", "F"), // its own ID: unchanged
		arch("G", "H"), // H's fallback name
		arch("H", "notes (copy), v=2+@'!_-.txt"),
		arch("I", ""),
		arch("J", "../up"),
		arch("K", "a//b"),
		arch("L", "/abs"),
		arch("M", "tab\there"),
		arch("N", "ünïcode"),
		arch("O", "50% off"),
		arch("P", " lead"),
		arch("Q", "trail /x"),
		arch("R", strings.Repeat("x", 1000)),
	}
	tmpl, err := parseNameTemplate("{description}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := assignNames(tmpl, inventory, []string{s3ManifestName}, 990)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"photos/2019.tar", "B", "C", "D", "E", "F", "G", "notes (copy), v=2+@'!_-.txt",
		"I", "J", "K", "L", "M", "N", "O", "P", "Q", "R"}
	if !slices.Equal(got, want) {
		t.Errorf("names:\n got %q\nwant %q", got, want)
	}
	// The same inventory is named the same way; archives added later
	// rename none of the earlier ones.
	later := append(slices.Clone(inventory), arch("S", "photos"), arch("T", "photos/2020.tar"))
	again, err := assignNames(tmpl, later, []string{s3ManifestName}, 990)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again[:len(got)], got) || again[len(got)] != "S" || again[len(got)+1] != "photos/2020.tar" {
		t.Errorf("names with two more archives: %q", again)
	}

	dated, err := parseNameTemplate("{date}/{treehash}-{id}")
	if err != nil {
		t.Fatal(err)
	}
	got, err = assignNames(dated, inventory[:1], nil, 990)
	if err != nil || got[0] != "2019-03-20/abA-A" {
		t.Errorf("{date}/{treehash}-{id}: %q, %v (the date is UTC's)", got, err)
	}

	// An ID that makes no safe name fails Begin rather than being renamed.
	ids, _ := parseNameTemplate("{id}")
	if _, err := assignNames(ids, []Archive{arch("x/../y", "")}, nil, 990); err == nil || !strings.Contains(err.Error(), "x/../y") {
		t.Errorf("unsafe ID: %v", err)
	}
	if _, err := assignNames(ids, []Archive{arch(s3ManifestName, "")}, []string{s3ManifestName}, 990); err == nil || !strings.Contains(err.Error(), "the manifest") {
		t.Errorf("ID of the manifest's name: %v", err)
	}
}
