package migrate

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzParseInventory feeds inventories as a source may send them: what
// parses has complete entries, unique IDs and lowercase tree hashes, in
// creation order.
func FuzzParseInventory(f *testing.F) {
	f.Add(`{"VaultARN":"arn:aws:glacier:us-east-1:1:vaults/v","InventoryDate":"2026-01-02T03:04:05Z","ArchiveList":[` +
		`{"ArchiveId":"b","ArchiveDescription":"x","CreationDate":"2020-01-01T00:00:00.123Z","Size":3,"SHA256TreeHash":"` + strings.Repeat("A", 64) + `"},` +
		`{"ArchiveId":"a","ArchiveDescription":"","CreationDate":"2019-01-01T00:00:00Z","Size":1,"SHA256TreeHash":"` + strings.Repeat("0", 64) + `"}]}`)
	f.Add(`{"InventoryDate":"2026-01-02T03:04:05Z","ArchiveList":[]}`)
	f.Add(`{"InventoryDate":"bad"}`)
	f.Fuzz(func(t *testing.T, doc string) {
		_, archives, err := parseInventory(strings.NewReader(doc))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for i, a := range archives {
			if a.ID == "" || a.Size < 0 || len(a.TreeHash) != 64 || a.TreeHash != strings.ToLower(a.TreeHash) || seen[a.ID] {
				t.Fatalf("archive %d of a parsed inventory: %+v", i, a)
			}
			seen[a.ID] = true
			if a.CreationDate.Location() != time.UTC {
				t.Fatalf("archive %q: CreationDate not in UTC", a.ID)
			}
		}
		if !slices.IsSortedFunc(archives, func(a, b Archive) int { return a.CreationDate.Compare(b.CreationDate) }) {
			t.Fatal("archives not in creation order")
		}
	})
}

// FuzzNoticeJob feeds queue messages of any shape: a job ID comes only
// from a message with an Action, and the function never panics.
func FuzzNoticeJob(f *testing.F) {
	f.Add(`{"Type":"Notification","Message":"{\"JobId\":\"j\",\"Action\":\"ArchiveRetrieval\"}"}`)
	f.Add(`{"JobId":"j","Action":"InventoryRetrieval","Completed":true}`)
	f.Add(`{"Type":"SubscriptionConfirmation","Message":"x"}`)
	f.Add(`not json`)
	f.Fuzz(func(t *testing.T, body string) {
		if id := noticeJob(body); id != "" && !strings.Contains(body, "Action") {
			t.Fatalf("noticeJob(%q) = %q from a message without an Action", body, id)
		}
	})
}

// FuzzNameTemplate feeds --name templates: what parses renders, for any
// archive, a name that either is safe or is refused by assignNames.
func FuzzNameTemplate(f *testing.F) {
	for _, s := range []string{"{id}", "{date}/{description}", "x/{treehash}-{id}", "{", "{nope}", "../{id}"} {
		f.Add(s, "a description", "ARCHIVEID")
	}
	f.Fuzz(func(t *testing.T, tmpl, desc, id string) {
		nt, err := parseNameTemplate(tmpl)
		if err != nil {
			return
		}
		inv := []Archive{{ID: id, Description: desc, CreationDate: time.Unix(0, 0).UTC(), Size: 1, TreeHash: strings.Repeat("0", 64)}}
		names, err := assignNames(nt, inv, nil, 1024)
		if err != nil {
			return
		}
		if len(names) != 1 || !safeName(names[0]) {
			t.Fatalf("template %q, archive %+v: names %q, not one safe name", tmpl, inv[0], names)
		}
	})
}

// TestParseInventoryRefuses: an inventory listing an archive twice, or a
// tree hash that is not hex, is refused naming the archive.
func TestParseInventoryRefuses(t *testing.T) {
	entry := func(id, hash string) string {
		return `{"ArchiveId":"` + id + `","CreationDate":"2020-01-01T00:00:00Z","Size":1,"SHA256TreeHash":"` + hash + `"}`
	}
	zero := strings.Repeat("0", 64)
	for _, c := range []struct{ list, want string }{
		{entry("a", zero) + "," + entry("a", zero), `archive "a" listed twice`},
		{entry("b", strings.Repeat("g", 64)), `archive "b": SHA256TreeHash`},
	} {
		doc := `{"InventoryDate":"2026-01-02T03:04:05Z","ArchiveList":[` + c.list + `]}`
		if _, _, err := parseInventory(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseInventory(%s): %v, want %q", doc, err, c.want)
		}
	}
}
