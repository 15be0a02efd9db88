package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// increment adds one to the uvarint at key, read and written in one
// Update.
func increment(s *DB, key []byte) error {
	return s.Update(func(b *Batch) error {
		v, err := b.Get(key)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		n, _ := binary.Uvarint(v)
		b.Set(key, binary.AppendUvarint(nil, n+1))
		return nil
	})
}

// TestPostgresUpdateContention has goroutines of two DBs on one database,
// as two engines would be, increment one key through Update at once: the
// retries of the serializable transactions lose no increment.
func TestPostgresUpdateContention(t *testing.T) {
	url := pgtest.NewDatabase(t)
	dbs := []*DB{openPostgresT(t, url), openPostgresT(t, url)}
	const goroutines, increments = 3, 10
	var wg sync.WaitGroup
	errs := make(chan error, len(dbs)*goroutines*increments)
	for _, s := range dbs {
		for range goroutines {
			wg.Go(func() {
				for range increments {
					errs <- increment(s, kJob)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	v, err := dbs[1].Get(kJob)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := binary.Uvarint(v); n != uint64(len(dbs)*goroutines*increments) {
		t.Fatalf("the key is %d after %d increments", n, len(dbs)*goroutines*increments)
	}
}

// TestPostgresCountersContention adds to one vault's counters from many
// goroutines at once: no commit fails, and the sums are exact.
func TestPostgresCountersContention(t *testing.T) {
	s := openPostgresT(t, pgtest.NewDatabase(t))
	const goroutines, adds = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*adds)
	for g := range goroutines {
		wg.Go(func() {
			for i := range adds {
				b := s.NewBatch()
				b.AddCounters(kCounter, 1, 3, time.Unix(0, int64(g*adds+i)))
				errs <- b.Commit()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if c, err := s.Counters(kCounter); err != nil || c != (Counters{goroutines * adds, 3 * goroutines * adds, goroutines*adds - 1}) {
		t.Fatalf("Counters: %v, %v", c, err)
	}
}

// TestPostgresVersions checks that OpenPostgres refuses a schema of
// another version and a format newer than the build's.
func TestPostgresVersions(t *testing.T) {
	url := pgtest.NewDatabase(t)
	s := openPostgresT(t, url)
	s.Close()

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE firn_schema SET version = 99`); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenPostgres(url, PostgresOptions{}); err == nil || !strings.Contains(err.Error(), "schema version 99") {
		t.Fatalf("OpenPostgres of schema version 99: %v", err)
	}
	if _, err := conn.Exec(ctx, `UPDATE firn_schema SET version = $1`, SchemaVersion); err != nil {
		t.Fatal(err)
	}

	s = openPostgresT(t, url)
	set(t, s, FormatKey(), binary.AppendUvarint(nil, FormatVersion+1))
	s.Close()
	if _, err := OpenPostgres(url, PostgresOptions{}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("format version %d", FormatVersion+1)) {
		t.Fatalf("OpenPostgres of format version %d: %v", FormatVersion+1, err)
	}
}

// TestPostgresConcurrentCreate opens a fresh database from several
// goroutines at once, as engines starting together would: they race to
// create the tables, and every Open succeeds.
func TestPostgresConcurrentCreate(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const opens = 4
	var wg sync.WaitGroup
	errs := make(chan error, opens)
	for range opens {
		wg.Go(func() {
			s, err := OpenPostgres(url, PostgresOptions{})
			if err == nil {
				_, err = s.NextEpoch()
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := openPostgresT(t, url)
	if n, err := s.NextEpoch(); err != nil || n != opens+1 {
		t.Fatalf("NextEpoch = %d, %v; want %d", n, err, opens+1)
	}
}

// TestPostgresServerDown stops the server under an open DB, cleanly and
// by SIGKILL: reads, updates and commits fail with ErrUnavailable without
// waiting out the call timeout or retrying, and once the server is back
// the same DB serves everything committed before.
func TestPostgresServerDown(t *testing.T) {
	srv := pgtest.Start(t)
	const timeout = 2 * time.Minute
	s, err := OpenPostgres(srv.NewDatabase(t), PostgresOptions{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for i, down := range []func(){srv.Stop, srv.Kill} {
		set(t, s, kArchive, []byte{byte(i)})
		down()
		calls := map[string]func() error{
			"Get":    func() error { _, err := s.Get(kArchive); return err },
			"Scan":   func() error { return s.Scan(nil, nil, func(_, _ []byte) (bool, error) { return true, nil }) },
			"Update": func() error { return increment(s, kJob) },
			"Commit": func() error {
				b := s.NewBatch()
				b.Set(kUpload, nil)
				return b.Commit()
			},
		}
		for name, call := range calls {
			start := time.Now()
			err := call()
			if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrConflict) {
				t.Fatalf("%s with the server down: %v, want ErrUnavailable", name, err)
			}
			// Far below the timeout on any machine, unless the call
			// waited for it.
			if d := time.Since(start); d > timeout/2 {
				t.Fatalf("%s with the server down took %v", name, d)
			}
		}
		srv.Restart()
		if v, err := s.Get(kArchive); err != nil || len(v) != 1 || v[0] != byte(i) {
			t.Fatalf("Get after restart: %x, %v", v, err)
		}
		if err := increment(s, kJob); err != nil {
			t.Fatalf("Update after restart: %v", err)
		}
	}
	if v, err := s.Get(kJob); err != nil || string(v) != "\x02" {
		t.Fatalf("the key incremented after each restart is %x, %v", v, err)
	}
}
