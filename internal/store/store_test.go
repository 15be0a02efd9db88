package store

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/oklog/ulid/v2"
)

func openMem(t *testing.T) *DB {
	t.Helper()
	s, err := Open("db", Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func commitT(t *testing.T, b *Batch) {
	t.Helper()
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}

// setT sets k to v in b and returns b.
func (b *Batch) setT(k, v string) *Batch {
	b.Set([]byte(k), []byte(v))
	return b
}

// TestVaultCacheFollowsWrites checks that cached vault records never
// outlive a committed Set, Delete or DeleteRange, nor a batch closed
// without commit.
func TestVaultCacheFollowsWrites(t *testing.T) {
	s := openMem(t)
	k := VaultKey("000000000000", "v")
	want := func(v string) {
		t.Helper()
		got, err := s.Get(k)
		if v == "" {
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get = %q, %v; want ErrNotFound", got, err)
			}
			return
		}
		if err != nil || string(got) != v {
			t.Fatalf("Get = %q, %v; want %q", got, err, v)
		}
		got[0] = 'X' // the caller owns the copy
	}
	want("")
	commitT(t, s.NewBatch().setT(string(k), "one"))
	want("one")
	want("one")
	s.NewBatch().setT(string(k), "discarded").Close()
	want("one")
	commitT(t, s.NewBatch().setT(string(k), "two"))
	want("two")
	b := s.NewBatch()
	b.Delete(k)
	commitT(t, b)
	want("")
	commitT(t, s.NewBatch().setT(string(k), "three"))
	want("three")
	b = s.NewBatch()
	b.DeleteRange(VaultAll(), PrefixEnd(VaultAll()))
	if err := b.CommitNoSync(); err != nil {
		t.Fatal(err)
	}
	want("")
}

// TestCountersCacheFollowsWrites checks that cached counters never
// outlive a committed merge, Set, Delete or DeleteRange of their key, nor
// follow a batch closed without commit.
func TestCountersCacheFollowsWrites(t *testing.T) {
	s := openMem(t)
	k := CounterKey(ulid.ULID{7})
	want := func(archives int64) {
		t.Helper()
		for range 2 { // the second read is the cached one
			c, err := s.Counters(k)
			if err != nil || c.Archives != archives {
				t.Fatalf("Counters = %+v, %v; want %d archives", c, err, archives)
			}
		}
	}
	add := func(n int64) *Batch {
		b := s.NewBatch()
		b.AddCounters(k, n, n, time.Unix(0, n))
		return b
	}
	want(0)
	commitT(t, add(1))
	want(1)
	add(5).Close()
	want(1)
	commitT(t, add(2))
	want(3)
	b := s.NewBatch()
	b.Delete(k)
	commitT(t, b)
	want(0)
	commitT(t, add(4))
	want(4)
	b = s.NewBatch()
	b.Set(k, encodeCounters(Counters{Archives: 9}))
	commitT(t, b)
	want(9)
	b = s.NewBatch()
	b.DeleteRange([]byte{prefixCounters}, []byte{prefixCounters + 1})
	if err := b.CommitNoSync(); err != nil {
		t.Fatal(err)
	}
	want(0)
}

// TestNextTimer checks the timer hint: unknown until set, lowered by
// every commit of a timer, and not set from a read that a commit raced.
func TestNextTimer(t *testing.T) {
	s := openMem(t)
	if _, ok, _ := s.NextTimer(); ok {
		t.Fatal("NextTimer known before any SetNextTimer")
	}
	_, _, token := s.NextTimer()
	s.SetNextTimer(1000, token)
	if due, ok, _ := s.NextTimer(); !ok || due != 1000 {
		t.Fatalf("NextTimer = %d, %v; want 1000, true", due, ok)
	}
	_, _, stale := s.NextTimer()
	b := s.NewBatch()
	b.Set(TimerKey(500, 'j', []byte("a")), nil)
	b.Set(TimerKey(700, 'j', []byte("b")), nil)
	commitT(t, b)
	if due, _, _ := s.NextTimer(); due != 500 {
		t.Fatalf("after a timer at 500: NextTimer = %d", due)
	}
	s.SetNextTimer(2000, stale)
	if due, _, _ := s.NextTimer(); due != 500 {
		t.Fatalf("SetNextTimer with a token older than a timer commit moved NextTimer to %d", due)
	}
	b = s.NewBatch()
	b.Set(VaultKey("000000000000", "v"), nil)
	b.AddCounters(CounterKey(ulid.ULID{}), 1, 1, time.Unix(0, 0))
	commitT(t, b)
	if due, _, _ := s.NextTimer(); due != 500 {
		t.Fatalf("a batch without timers moved NextTimer to %d", due)
	}
}

// TestFormatUpgrade checks that a version 1 store opens and is upgraded in
// two steps (UpgradedFrom reports the upgrade, across a reopen, until
// FinishUpgrade), that a new store reports none, and that a newer version
// is refused.
func TestFormatUpgrade(t *testing.T) {
	fs := vfs.NewMem()
	s, err := Open("db", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if from := s.UpgradedFrom(); from != 0 {
		t.Fatalf("a new store reports an upgrade from %d", from)
	}
	b := s.NewBatch()
	b.Set(FormatKey(), []byte{1})
	commitT(t, b)
	s.Close()
	for range 2 {
		if s, err = Open("db", Options{FS: fs}); err != nil {
			t.Fatalf("opening a version 1 store: %v", err)
		}
		if from := s.UpgradedFrom(); from != 1 {
			t.Fatalf("UpgradedFrom = %d, want 1", from)
		}
		if v, err := s.Get(FormatKey()); err != nil || !bytes.Equal(v, []byte{FormatVersion, 1}) {
			t.Fatalf("format record during the upgrade = %v, %v", v, err)
		}
		s.Close()
	}
	if s, err = Open("db", Options{FS: fs}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishUpgrade(); err != nil {
		t.Fatal(err)
	}
	if from := s.UpgradedFrom(); from != 0 {
		t.Fatalf("UpgradedFrom after FinishUpgrade = %d", from)
	}
	s.Close()
	if s, err = Open("db", Options{FS: fs}); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(FormatKey()); err != nil || !bytes.Equal(v, []byte{FormatVersion}) || s.UpgradedFrom() != 0 {
		t.Fatalf("format record after the upgrade = %v, %v (UpgradedFrom %d)", v, err, s.UpgradedFrom())
	}
	b = s.NewBatch()
	b.Set(FormatKey(), []byte{FormatVersion + 1})
	commitT(t, b)
	s.Close()
	if _, err := Open("db", Options{FS: fs}); err == nil {
		t.Fatal("opened a store of a newer format version")
	}
}
