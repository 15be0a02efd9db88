package store

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// TestFormatArchiveVersion3 decodes the JSON archive records of version 3,
// which a version 4 store still holds, into the records they were.
func TestFormatArchiveVersion3(t *testing.T) {
	samples := recordSamples()
	for _, name := range []string{"archive", "archive-zero", "archive-imported"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "format", "records", "v3", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			want := samples[name+".bin"].(*vault.ArchiveRecord)
			var got vault.ArchiveRecord
			if err := DecodeRecord(b, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&got, want) {
				t.Errorf("decoding gives\n%+v\nwant\n%+v", got, *want)
			}
			checkEntry(t, b, want)
		})
	}
}

// TestArchiveCodecRoundTrip encodes the records the samples do not cover
// and decodes them back unchanged.
func TestArchiveCodecRoundTrip(t *testing.T) {
	for _, a := range []*vault.ArchiveRecord{
		{TreeHash: strings.Repeat("AB", 32), Segments: []vault.Segment{}},
		{TreeHash: "not a hash", Created: time.Unix(-1, 999999999).UTC(), Size: -1},
		{TreeHash: strings.Repeat("ab", 31) + "a", Description: strings.Repeat("d", 1024), Created: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
	} {
		b, err := EncodeRecord(a)
		if err != nil {
			t.Fatal(err)
		}
		var got vault.ArchiveRecord
		if err := DecodeRecord(b, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&got, a) {
			t.Errorf("round trip gives\n%+v\nwant\n%+v", got, *a)
		}
		checkEntry(t, b, a)
	}
}

// TestInventoryEntryAllocs checks that an inventory's decoding of binary
// archive records allocates nothing per archive once the entry's buffers
// have grown: an inventory's heap must not grow with the vault.
func TestInventoryEntryAllocs(t *testing.T) {
	samples := recordSamples()
	var recs [][]byte
	for _, name := range []string{"archive.bin", "archive-zero.bin", "archive-imported.bin"} {
		b, err := EncodeRecord(samples[name])
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, b)
	}
	var e job.Entry
	for _, b := range recs {
		if err := DecodeInventoryEntry(b, &e); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, b := range recs {
			_ = DecodeInventoryEntry(b, &e)
		}
	}); n != 0 {
		t.Errorf("%v allocations decoding %d archives", n, len(recs))
	}
}

// TestAppendHex compares appendHex with encoding/hex on every byte value
// at each place of a four-byte group, and on the lengths around it.
func TestAppendHex(t *testing.T) {
	var src [11]byte
	for v := range 256 {
		for i := range src {
			src[i] = byte(v + i*37)
		}
		for n := range len(src) + 1 {
			if got, want := string(appendHex([]byte("x"), src[:n])), "x"+hex.EncodeToString(src[:n]); got != want {
				t.Fatalf("% x: %s, want %s", src[:n], got, want)
			}
		}
	}
}

// TestArchiveCodecTrailing decodes a record with bytes after its last
// member, as a newer build of the same format version may write.
func TestArchiveCodecTrailing(t *testing.T) {
	a := recordSamples()["archive.bin"].(*vault.ArchiveRecord)
	b, _ := EncodeRecord(a)
	var got vault.ArchiveRecord
	if err := DecodeRecord(append(b, 1, 2, 3), &got); err != nil || !reflect.DeepEqual(&got, a) {
		t.Errorf("decoding gives %+v, %v", got, err)
	}
	for n := range len(b) - 1 {
		if err := DecodeRecord(b[:n], &got); err == nil {
			t.Errorf("the first %d of %d bytes decode", n, len(b))
		}
	}
}

// checkEntry checks that DecodeInventoryEntry reads of b what an inventory
// lists of a, into a new entry and into one that held another archive.
func checkEntry(t *testing.T, b []byte, a *vault.ArchiveRecord) {
	t.Helper()
	used := job.Entry{ArchiveID: []byte("an earlier, longer archive ID"), Description: []byte("an earlier, longer description"), TreeHash: []byte(strings.Repeat("f", 70))}
	for _, e := range []job.Entry{{}, used} {
		if err := DecodeInventoryEntry(b, &e); err != nil {
			t.Fatal(err)
		}
		if string(e.ArchiveID) != a.ArchiveID() || e.Key != a.ID || string(e.Description) != a.Description ||
			!reflect.DeepEqual(e.Created, a.Created) || e.Size != a.Size || string(e.TreeHash) != a.TreeHash {
			t.Errorf("inventory entry\n%+v\nwant the members of\n%+v", e, a)
		}
	}
}

// FuzzArchiveRecord decodes arbitrary stored bytes as an archive record:
// no panic, no allocation beyond the input's size, and what decodes
// encodes to bytes that decode to the same record, which the inventory's
// decoder reads alike. (A JSON record, of an earlier version, only has to
// decode or fail: its times may carry a zone that the binary form drops.)
func FuzzArchiveRecord(f *testing.F) {
	for _, v := range recordSamples() {
		if a, ok := v.(*vault.ArchiveRecord); ok {
			b, _ := EncodeRecord(a)
			f.Add(b)
		}
	}
	for _, name := range []string{"archive", "archive-imported"} {
		b, err := os.ReadFile(filepath.Join("testdata", "format", "records", "v3", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{archiveCodecV1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		var a vault.ArchiveRecord
		if err := DecodeRecord(b, &a); err != nil {
			var e job.Entry
			if len(b) > 0 && b[0] == archiveCodecV1 && DecodeInventoryEntry(b, &e) == nil {
				t.Fatal("the inventory decodes a record DecodeRecord refuses")
			}
			return
		}
		if b[0] != archiveCodecV1 {
			return
		}
		if len(a.Segments) > len(b) {
			t.Fatalf("%d segments out of %d bytes", len(a.Segments), len(b))
		}
		enc, err := EncodeRecord(&a)
		if err != nil {
			t.Fatal(err)
		}
		var back vault.ArchiveRecord
		if err := DecodeRecord(enc, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, a) {
			t.Fatalf("re-encoding gives\n%+v\nwant\n%+v", back, a)
		}
		checkEntry(t, enc, &a)
	})
}

// BenchmarkDecodeInventoryEntry decodes binary archive records as an
// inventory's scan does, into one entry.
func BenchmarkDecodeInventoryEntry(b *testing.B) {
	var recs [][]byte
	for i := range 1024 {
		a := &vault.ArchiveRecord{
			ID: ulid.ULID{byte(i), byte(i >> 8), 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, Description: fmt.Sprintf("backups/2026/photos/IMG_%05d.jpg", i),
			Size: int64(i) * 40961, TreeHash: fmt.Sprintf("%064x", i*7919), Created: t0.Add(time.Duration(i) * time.Second),
			Segments: []vault.Segment{{ID: id3, Size: int64(i) * 40961}},
		}
		b, err := EncodeRecord(a)
		if err != nil {
			panic(err)
		}
		recs = append(recs, b)
	}
	var e job.Entry
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := DecodeInventoryEntry(recs[i%len(recs)], &e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "archives/s")
}
