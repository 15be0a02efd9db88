package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/firnstore/firn/internal/pgtest"
	"github.com/oklog/ulid/v2"
)

// backends runs test against a fresh store of each backend: Pebble on a
// temporary directory and PostgreSQL on a fresh database.
func backends(t *testing.T, test func(t *testing.T, s *DB)) {
	t.Run("pebble", func(t *testing.T) {
		s, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		test(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		test(t, openPostgresT(t, pgtest.NewDatabase(t)))
	})
}

func openPostgresT(t *testing.T, url string) *DB {
	t.Helper()
	s, err := OpenPostgres(url, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// set commits key = value for each pair of kvs.
func set(t *testing.T, s *DB, kvs ...[]byte) {
	t.Helper()
	b := s.NewBatch()
	for i := 0; i < len(kvs); i += 2 {
		b.Set(kvs[i], kvs[i+1])
	}
	commitT(t, b)
}

// scanKeys returns the keys in [lower, upper), at most limit of them if
// limit > 0.
func scanKeys(t *testing.T, r Reader, lower, upper []byte, limit int) [][]byte {
	t.Helper()
	var keys [][]byte
	err := r.Scan(lower, upper, func(k, _ []byte) (bool, error) {
		keys = append(keys, bytes.Clone(k))
		return limit == 0 || len(keys) < limit, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func wantKeys(t *testing.T, got [][]byte, want ...[]byte) {
	t.Helper()
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Fatalf("keys %x, want %x", got, want)
	}
}

func id(n byte) ulid.ULID { return ulid.ULID{15: n} }

// The keys of one vault across prefixes, in key order.
var (
	kVault   = VaultKey("000000000001", "v")
	kArchive = ArchiveKey(id(1), id(2))
	kCounter = CounterKey(id(1))
	kUpload  = UploadKey(id(1), id(3))
	kJob     = JobKey(id(1), id(4))
	kTimer   = TimerKey(5, TimerJobComplete, id(4).Bytes())
)

func TestBackendGetSetDelete(t *testing.T) {
	backends(t, func(t *testing.T, s *DB) {
		if _, err := s.Get(kArchive); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get of an absent key: %v, want ErrNotFound", err)
		}
		set(t, s, kArchive, []byte("one"))
		set(t, s, kArchive, []byte("two"))
		if v, err := s.Get(kArchive); err != nil || string(v) != "two" {
			t.Fatalf("Get after overwrite: %q, %v", v, err)
		}
		// A stored empty value is present, whether set as nil or empty.
		set(t, s, kUpload, nil, kJob, []byte{})
		for _, k := range [][]byte{kUpload, kJob} {
			if v, err := s.Get(k); err != nil || len(v) != 0 {
				t.Fatalf("Get of an empty value: %q, %v", v, err)
			}
			if ok, err := s.Has(k); !ok || err != nil {
				t.Fatalf("Has of an empty value: %v, %v", ok, err)
			}
		}
		b := s.NewBatch()
		b.Delete(kArchive)
		b.Delete(kVault) // absent: no error
		commitT(t, b)
		if ok, err := s.Has(kArchive); ok || err != nil {
			t.Fatalf("Has after Delete: %v, %v", ok, err)
		}
		if v, err := s.Get(kUpload); err != nil || len(v) != 0 {
			t.Fatalf("Delete of one key removed another: %q, %v", v, err)
		}
	})
}

func TestBackendRecords(t *testing.T) {
	backends(t, func(t *testing.T, s *DB) {
		rec := CapacityUnit{ID: id(9), Start: time.Unix(100, 0).UTC(), Expires: time.Unix(200, 0).UTC()}
		k := AccountKey("000000000001", 'c', rec.ID[:])
		b := s.NewBatch()
		if err := b.SetRecord(k, &rec); err != nil {
			t.Fatal(err)
		}
		commitT(t, b)
		var got CapacityUnit
		if err := GetRecord(s, k, &got); err != nil || got != rec {
			t.Fatalf("GetRecord: %+v, %v; want %+v", got, err, rec)
		}
		if err := GetRecord(s, kArchive, &got); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetRecord of an absent key: %v, want ErrNotFound", err)
		}
	})
}

func TestBackendScan(t *testing.T) {
	backends(t, func(t *testing.T, s *DB) {
		v1, v2 := VaultKey("000000000001", "a"), VaultKey("000000000002", "b")
		set(t, s, kTimer, nil, kJob, []byte("j"), v2, []byte("2"), kArchive, []byte("a"), v1, []byte("1"), kUpload, nil)
		b := s.NewBatch()
		b.AddCounters(kCounter, 1, 10, time.Unix(0, 7))
		commitT(t, b)

		wantKeys(t, scanKeys(t, s, VaultAll(), PrefixEnd(VaultAll()), 0), v1, v2)
		wantKeys(t, scanKeys(t, s, VaultPrefix("000000000002"), PrefixEnd(VaultPrefix("000000000002")), 0), v2)
		// Bounds: lower inclusive, upper exclusive, mid-prefix.
		wantKeys(t, scanKeys(t, s, v2, kArchive, 0), v2)
		wantKeys(t, scanKeys(t, s, v1, v2, 0), v1)
		// Across prefixes, counters included with their sums, with nil
		// bounds meaning unbounded (the format record comes first).
		wantKeys(t, scanKeys(t, s, nil, nil, 0), FormatKey(), v1, v2, kArchive, kCounter, kUpload, kJob, kTimer)
		wantKeys(t, scanKeys(t, s, VaultAll(), PrefixEnd(ArchivePrefix(id(1))), 0), v1, v2, kArchive)
		wantKeys(t, scanKeys(t, s, kArchive, []byte{prefixJob}, 0), kArchive, kCounter, kUpload)
		wantKeys(t, scanKeys(t, s, []byte{prefixJob}, nil, 0), kJob, kTimer)
		// Early stop.
		wantKeys(t, scanKeys(t, s, nil, nil, 3), FormatKey(), v1, v2)
		// Empty ranges.
		wantKeys(t, scanKeys(t, s, kJob, kJob, 0))
		wantKeys(t, scanKeys(t, s, []byte{0x7f}, nil, 0))

		var vals []string
		err := s.Scan(nil, nil, func(k, v []byte) (bool, error) {
			if bytes.Equal(k, kCounter) {
				c, err := decodeCounters(v)
				vals = append(vals, fmt.Sprint(c))
				return true, err
			}
			vals = append(vals, string(v))
			return true, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{string(binary.AppendUvarint(nil, FormatVersion)), "1", "2", "a", "{1 10 7}", "", "j", ""}; !slices.Equal(vals, want) {
			t.Fatalf("values %q, want %q", vals, want)
		}
		if v, err := s.Get(kCounter); err != nil || !bytes.Equal(v, encodeCounters(Counters{1, 10, 7})) {
			t.Fatalf("Get of counters: %x, %v", v, err)
		}

		stop := errors.New("stop")
		if err := s.Scan(nil, nil, func(_, _ []byte) (bool, error) { return true, stop }); err != stop {
			t.Fatalf("Scan returned %v, want fn's error", err)
		}
		for _, c := range []struct {
			lower, upper []byte
			want         bool
		}{{ArchivePrefix(id(1)), PrefixEnd(ArchivePrefix(id(1))), true}, {ArchivePrefix(id(2)), PrefixEnd(ArchivePrefix(id(2))), false}} {
			if got, err := s.Any(c.lower, c.upper); got != c.want || err != nil {
				t.Fatalf("Any(%x, %x) = %v, %v", c.lower, c.upper, got, err)
			}
		}
	})
}

// TestBackendScanPages scans more keys than one query of a PostgreSQL
// scan reads, with a Get inside the scan, as the engine's scans do.
func TestBackendScanPages(t *testing.T) {
	backends(t, func(t *testing.T, s *DB) {
		n := 2*pgScanPage + 3
		b := s.NewBatch()
		var want [][]byte
		for i := range n {
			k := ArchiveKey(id(1), ulid.ULID{14: byte(i >> 8), 15: byte(i)})
			want = append(want, k)
			b.Set(k, []byte{byte(i)})
		}
		b.Set(kUpload, nil)
		commitT(t, b)
		p := ArchivePrefix(id(1))
		wantKeys(t, scanKeys(t, s, p, PrefixEnd(p), 0), want...)
		wantKeys(t, scanKeys(t, s, p, nil, pgScanPage+1), want[:pgScanPage+1]...)
		wantKeys(t, scanKeys(t, s, want[pgScanPage-1], nil, 0), append(slices.Clone(want[pgScanPage-1:]), kUpload)...)
		i := 0
		err := s.Scan(p, PrefixEnd(p), func(k, v []byte) (bool, error) {
			if len(v) != 1 || v[0] != byte(i) {
				return false, fmt.Errorf("value of %x is %x, want %x", k, v, byte(i))
			}
			i++
			_, err := s.Get(kUpload)
			return true, err
		})
		if err != nil || i != n {
			t.Fatalf("Scan saw %d keys: %v", i, err)
		}
	})
}

func TestBackendDeleteRange(t *testing.T) {
	backends(t, func(t *testing.T, s *DB) {
		a1, a2 := ArchiveKey(id(1), id(1)), ArchiveKey(id(1), id(2))
		other := ArchiveKey(id(2), id(1))
		set(t, s, kVault, nil, a1, nil, a2, nil, other, nil, kUpload, nil, kJob, nil, kTimer, nil)
		b := s.NewBatch()
		b.AddCounters(kCounter, 1, 1, time.Unix(0, 1))
		commitT(t, b)

		// Within one prefix.
		b = s.NewBatch()
		b.DeleteRange(ArchivePrefix(id(1)), PrefixEnd(ArchivePrefix(id(1))))
		commitT(t, b)
		wantKeys(t, scanKeys(t, s, nil, nil, 0), FormatKey(), kVault, other, kCounter, kUpload, kJob, kTimer)

		// Across prefixes, the counters among them, with bounds inside
		// the first and the last.
		b = s.NewBatch()
		b.DeleteRange(other, kJob)
		commitT(t, b)
		wantKeys(t, scanKeys(t, s, nil, nil, 0), FormatKey(), kVault, kJob, kTimer)
		if c, err := s.Counters(kCounter); err != nil || c != (Counters{}) {
			t.Fatalf("counters after DeleteRange: %v, %v", c, err)
		}

		// An empty upper bound deletes nothing; a nil lower starts at
		// the first key.
		b = s.NewBatch()
		b.DeleteRange(kVault, nil)
		commitT(t, b)
		wantKeys(t, scanKeys(t, s, nil, nil, 0), FormatKey(), kVault, kJob, kTimer)
		b = s.NewBatch()
		b.DeleteRange(nil, kJob)
		commitT(t, b)
		wantKeys(t, scanKeys(t, s, nil, nil, 0), kJob, kTimer)
	})
}

func TestBackendCounters(t *testing.T) {
	backends(t, func(t *testing.T, s *DB) {
		if c, err := s.Counters(kCounter); err != nil || c != (Counters{}) {
			t.Fatalf("Counters of an absent key: %v, %v", c, err)
		}
		if _, err := s.Get(kCounter); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get of absent counters: %v, want ErrNotFound", err)
		}
		for _, d := range []struct{ archives, bytes, at int64 }{{1, 100, 5}, {1, 50, 9}, {-1, -100, 7}} {
			b := s.NewBatch()
			b.AddCounters(kCounter, d.archives, d.bytes, time.Unix(0, d.at))
			commitT(t, b)
		}
		b := s.NewBatch()
		b.AddCounters(kCounter, 2, 2, time.Unix(0, 1))
		b.AddCounters(kCounter, 3, 3, time.Unix(0, 2))
		commitT(t, b)
		if c, err := s.Counters(kCounter); err != nil || c != (Counters{6, 55, 9}) {
			t.Fatalf("Counters: %v, %v; want {6 55 9}", c, err)
		}
		if c, err := s.Counters(CounterKey(id(2))); err != nil || c != (Counters{}) {
			t.Fatalf("Counters of another vault: %v, %v", c, err)
		}
		b = s.NewBatch()
		b.Delete(kCounter)
		commitT(t, b)
		if ok, err := s.Has(kCounter); ok || err != nil {
			t.Fatalf("Has after Delete of counters: %v, %v", ok, err)
		}
	})
}

func TestBackendUpdate(t *testing.T) {
	backends(t, func(t *testing.T, s *DB) {
		set(t, s, kArchive, []byte("old"))
		err := s.Update(func(b *Batch) error {
			v, err := b.Get(kArchive)
			if err != nil {
				return err
			}
			if ok, err := b.Any(ArchivePrefix(id(1)), PrefixEnd(ArchivePrefix(id(1)))); !ok || err != nil {
				return fmt.Errorf("Any in Update: %v, %v", ok, err)
			}
			if c, err := b.Counters(kCounter); err != nil || c != (Counters{}) {
				return fmt.Errorf("Counters in Update: %v, %v", c, err)
			}
			b.Set(kUpload, append(v, '!'))
			b.Delete(kArchive)
			b.AddCounters(kCounter, 1, 3, time.Unix(0, 4))
			// The batch's reads do not see its writes.
			if v, err := b.Get(kArchive); err != nil || string(v) != "old" {
				return fmt.Errorf("Get of a key the batch deletes: %q, %v", v, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if v, err := s.Get(kUpload); err != nil || string(v) != "old!" {
			t.Fatalf("Get after Update: %q, %v", v, err)
		}
		if ok, _ := s.Has(kArchive); ok {
			t.Fatal("Update's Delete was not applied")
		}
		if c, _ := s.Counters(kCounter); c != (Counters{1, 3, 4}) {
			t.Fatalf("Update's counters: %v", c)
		}

		// fn's error is returned and nothing is written.
		fail := errors.New("fail")
		err = s.Update(func(b *Batch) error {
			b.Set(kJob, nil)
			b.Delete(kUpload)
			b.AddCounters(kCounter, 1, 1, time.Unix(0, 1))
			return fail
		})
		if err != fail {
			t.Fatalf("Update returned %v, want fn's error", err)
		}
		if ok, _ := s.Has(kJob); ok {
			t.Fatal("a failed Update wrote a key")
		}
		if ok, _ := s.Has(kUpload); !ok {
			t.Fatal("a failed Update deleted a key")
		}
		if c, _ := s.Counters(kCounter); c != (Counters{1, 3, 4}) {
			t.Fatalf("a failed Update changed the counters: %v", c)
		}
	})
}

func TestBackendBatch(t *testing.T) {
	backends(t, func(t *testing.T, s *DB) {
		b := s.NewBatch()
		if !b.Empty() {
			t.Fatal("a new batch is not empty")
		}
		b.Set(kArchive, []byte("a"))
		b.Set(kJob, []byte("j"))
		if b.Empty() {
			t.Fatal("a batch with writes is empty")
		}
		// Not committed: nothing visible.
		if ok, _ := s.Has(kArchive); ok {
			t.Fatal("an uncommitted write is visible")
		}
		commitT(t, b)
		if err := b.Commit(); err == nil {
			t.Fatal("a second Commit succeeded")
		}
		b.Close()
		wantKeys(t, scanKeys(t, s, kArchive, nil, 0), kArchive, kJob)

		b = s.NewBatch()
		b.Set(kUpload, nil)
		b.Close()
		if ok, _ := s.Has(kUpload); ok {
			t.Fatal("a closed batch was written")
		}
		b = s.NewBatch()
		b.Set(kUpload, nil)
		if err := b.CommitNoSync(); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.Has(kUpload); !ok {
			t.Fatal("CommitNoSync did not write")
		}
	})
}

func TestBackendNextEpoch(t *testing.T) {
	backends(t, func(t *testing.T, s *DB) {
		for want := uint64(1); want <= 3; want++ {
			if n, err := s.NextEpoch(); err != nil || n != want {
				t.Fatalf("NextEpoch = %d, %v; want %d", n, err, want)
			}
		}
	})
}
