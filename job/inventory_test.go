package job

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/oklog/ulid/v2"
)

// referenceInventory writes entries as encoding/json and time.Format write
// them, which is what the service's inventory is and what InventoryWriter
// must write byte for byte.
func referenceInventory(format, arn string, date time.Time, entries []Entry) string {
	quote := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	var b strings.Builder
	if format == firn.FormatCSV {
		b.WriteString("ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash\n")
		for _, e := range entries {
			b.WriteString(string(e.ArchiveID) + `,"` + strings.ReplaceAll(string(e.Description), `"`, `\"`) + `",` + e.Created.UTC().Format(creationDateLayout) + "," + strconv.FormatInt(e.Size, 10) + "," + string(e.TreeHash) + "\n")
		}
		return b.String()
	}
	b.WriteString(`{"VaultARN":` + quote(arn) + `,"InventoryDate":` + quote(date.UTC().Format(inventoryDateLayout)) + `,"ArchiveList":[`)
	for i, e := range entries {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"ArchiveId":` + quote(string(e.ArchiveID)) + `,"ArchiveDescription":` + quote(string(e.Description)) + `,"CreationDate":"` + e.Created.UTC().Format(creationDateLayout) + `","Size":` + strconv.FormatInt(e.Size, 10) + `,"SHA256TreeHash":"` + string(e.TreeHash) + `"}`)
	}
	b.WriteString("]}")
	return b.String()
}

func writeInventory(t testing.TB, format, arn string, date time.Time, entries []Entry) string {
	var buf bytes.Buffer
	iw := NewInventoryWriter(&buf, format, arn, date)
	for i := range entries {
		if err := iw.Add(&entries[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := iw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func sampleEntries() []Entry {
	t0 := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
	return []Entry{
		{ArchiveID: []byte(ulid.Make().String()), Description: []byte("plain"), Created: t0, Size: 1 << 40, TreeHash: []byte(strings.Repeat("ab", 32))},
		{ArchiveID: []byte("imported-ID_-"), Description: []byte(`a "quoted" \\ <b>&amp;</b> tab	nl` + "\n\x00\x7f é \u2028 \xff"), Created: t0.In(time.FixedZone("x", 3600))},
		{ArchiveID: []byte("\u2029\ufffd"), Description: []byte("\b\f\r\x1f\"\\ \xe2\x80\xa8\xe2\x80"), Created: time.Time{}},
		{Description: []byte("far"), Created: time.Date(12345, 1, 2, 3, 4, 5, 999999999, time.UTC), Size: -1},
		{Description: []byte("before"), Created: time.Date(-5, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
}

// TestInventoryWriter checks both formats against the reference, byte for
// byte, with descriptions that need escaping and dates of every width.
func TestInventoryWriter(t *testing.T) {
	date := time.Date(2026, 5, 7, 0, 0, 0, 0, time.UTC)
	for _, format := range []string{firn.FormatJSON, firn.FormatCSV} {
		for _, entries := range [][]Entry{nil, sampleEntries()} {
			got := writeInventory(t, format, "arn:aws:glacier:us-east-1:123456789012:vaults/v<&>", date, entries)
			if want := referenceInventory(format, "arn:aws:glacier:us-east-1:123456789012:vaults/v<&>", date, entries); got != want {
				t.Errorf("%s inventory\n%s\nwant\n%s", format, got, want)
			}
		}
	}
}

// TestInventoryWriterAllocs checks that rows cost no allocation, those
// that need escaping included: an inventory's heap must not grow with the
// vault.
func TestInventoryWriterAllocs(t *testing.T) {
	entries := append(sampleEntries(), benchEntries(64)...)
	for _, format := range []string{firn.FormatJSON, firn.FormatCSV} {
		iw := NewInventoryWriter(io.Discard, format, "arn", time.Time{})
		if n := testing.AllocsPerRun(100, func() {
			for i := range entries {
				if err := iw.Add(&entries[i]); err != nil {
					t.Fatal(err)
				}
			}
		}); n != 0 {
			t.Errorf("%s: %v allocations writing %d rows", format, n, len(entries))
		}
	}
}

// TestCreationDate compares appendCreationDate with time's formatting on
// every day from 1969 to 2200, and every 97th to 10000, at times of day
// that vary.
func TestCreationDate(t *testing.T) {
	day := time.Date(1969, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; day.Year() <= 10000; i++ {
		tm := day.Add(time.Duration(i*7919%86400)*time.Second + time.Duration(i*104729%1e9))
		if got, want := string(appendCreationDate(nil, tm)), tm.Format(creationDateLayout); got != want {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
		if day.Year() < 2200 {
			day = day.AddDate(0, 0, 1)
		} else {
			day = day.AddDate(0, 0, 97)
		}
	}
}

// FuzzInventoryWriter compares the writer with the reference on arbitrary
// descriptions, IDs and times.
func FuzzInventoryWriter(f *testing.F) {
	for _, e := range sampleEntries() {
		f.Add(string(e.ArchiveID), string(e.Description), e.Created.Unix(), int64(e.Created.Nanosecond()), e.Size)
	}
	f.Fuzz(func(t *testing.T, id, desc string, sec, nsec, size int64) {
		entries := []Entry{{ArchiveID: []byte(id), Description: []byte(desc), Created: time.Unix(sec, nsec), Size: size, TreeHash: []byte("h")}}
		date := time.Unix(sec, 0)
		for _, format := range []string{firn.FormatJSON, firn.FormatCSV} {
			if got, want := writeInventory(t, format, id, date, entries), referenceInventory(format, id, date, entries); got != want {
				t.Fatalf("%s inventory\n%q\nwant\n%q", format, got, want)
			}
		}
	})
}

// benchEntries returns n archives as an inventory of a real vault lists
// them: IDs that are keys, descriptions that are paths or, every fourth,
// in the markup a popular client writes (which JSON escapes), and dates,
// sizes and hashes that differ.
func benchEntries(n int) []Entry {
	t0 := time.Date(2026, 5, 6, 7, 8, 9, 123000000, time.UTC)
	entries := make([]Entry, n)
	for i := range entries {
		desc := fmt.Sprintf("backups/2026/host-%d/photos/IMG_%05d.jpg", i%7, i)
		if i%4 == 0 {
			desc = fmt.Sprintf("<m><v>4</v><p>YmFja3Vwcy9JTUdf%05d</p><lm>20260506T070809Z</lm></m>", i)
		}
		entries[i] = Entry{
			ArchiveID:   []byte(ulid.ULID{byte(i), byte(i >> 8), 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}.String()),
			Description: []byte(desc),
			Created:     t0.Add(time.Duration(i) * 1237 * time.Millisecond),
			Size:        int64(i) * 40961,
			TreeHash:    []byte(fmt.Sprintf("%064x", i*7919)),
		}
	}
	return entries
}

// BenchmarkInventoryWriter writes the rows of an inventory in each format.
func BenchmarkInventoryWriter(b *testing.B) {
	entries := benchEntries(1024)
	for _, format := range []string{firn.FormatJSON, firn.FormatCSV} {
		b.Run(format, func(b *testing.B) {
			iw := NewInventoryWriter(io.Discard, format, "arn:aws:glacier:us-east-1:123456789012:vaults/v", entries[0].Created)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := iw.Add(&entries[i%len(entries)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "archives/s")
		})
	}
}
