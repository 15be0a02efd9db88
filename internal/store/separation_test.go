package store

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/oklog/ulid/v2"
)

// TestValueSeparation checks that a flush moves the inline segments' bytes,
// and nothing else, to blob files, and that Pebble opened without the
// policy (an older build's options) reads every value back.
func TestValueSeparation(t *testing.T) {
	fs := vfs.NewMem()
	s, err := Open("db", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[string][]byte{}
	var inlineBytes uint64
	b := s.NewBatch()
	for i := range 64 {
		seg := ulid.ULID{byte(i), 1}
		data := make([]byte, separateMin+i*100)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		// A record as large as an inline value stays in its sstable.
		rec := bytes.Repeat([]byte{'r'}, len(data))
		want[string(InlineKey(seg))] = data
		want[string(ArchiveKey(ulid.ULID{1}, seg))] = rec
		inlineBytes += uint64(len(data))
		b.Set(InlineKey(seg), data)
		b.Set(ArchiveKey(ulid.ULID{1}, seg), rec)
	}
	small := InlineKey(ulid.ULID{0xff})
	want[string(small)] = []byte("below separateMin")
	b.Set(small, want[string(small)])
	commitT(t, b)
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := s.db.Metrics().BlobFiles.ValueSize; got != inlineBytes {
		t.Errorf("blob files hold %d bytes of values, want the %d of the inline segments of at least %d bytes", got, inlineBytes, separateMin)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := pebble.Open("db", &pebble.Options{FS: fs, Merger: counterMerger, Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for k, v := range want {
		got, closer, err := db.Get([]byte(k))
		if err != nil {
			t.Fatalf("Get %x: %v", k, err)
		}
		if !bytes.Equal(got, v) {
			t.Errorf("Get %x: %d bytes, not the %d written", k, len(got), len(v))
		}
		closer.Close()
	}
}

type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Fatalf(format string, args ...any) {
	panic(format)
}

// TestTablesHoldOnePrefix checks that flushes and compactions never write
// keys of two prefixes to one sstable (see spanPolicy), with the writes
// of many small uploads.
func TestTablesHoldOnePrefix(t *testing.T) {
	s, err := Open("db", Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := ulid.ULID{1}
	for round := range 4 {
		b := s.NewBatch()
		for i := range 256 {
			id := ulid.ULID{2, byte(round), byte(i)}
			k := ArchiveKey(v, id)
			b.Set(k, []byte("record"))
			b.Set(SegRefKey(id, k), nil)
			b.Set(InlineKey(id), bytes.Repeat([]byte{byte(i)}, separateMin))
			b.Delete(IntentKey(id))
			b.AddCounters(CounterKey(v), 1, separateMin, time.Unix(0, 1))
		}
		commitT(t, b)
		if err := s.db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		levels, err := s.db.SSTables()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for l, tables := range levels {
			for _, tb := range tables {
				n++
				lo, hi := tb.Smallest.UserKey, tb.Largest.UserKey
				if lo[0] != hi[0] {
					t.Errorf("%s: L%d table %s holds keys from %x to %x, two prefixes", when, l, tb.FileNum, lo, hi)
				}
			}
		}
		if n == 0 {
			t.Fatalf("%s: no tables", when)
		}
	}
	check("after the flushes")
	if err := s.db.Compact(context.Background(), []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}
	check("after a compaction")
}
