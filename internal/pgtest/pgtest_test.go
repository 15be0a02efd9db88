package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func show(t *testing.T, conn *pgx.Conn, setting string) string {
	t.Helper()
	var v string
	if err := conn.QueryRow(context.Background(), "SHOW "+setting).Scan(&v); err != nil {
		t.Fatalf("SHOW %s: %v", setting, err)
	}
	return v
}

// wantRows checks the keys of table kv, in order.
func wantRows(t *testing.T, conn *pgx.Conn, when string, want ...string) {
	t.Helper()
	rows, _ := conn.Query(context.Background(), "SELECT k FROM kv ORDER BY k")
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: reading kv: %v", when, err)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: kv holds %q, want %q", when, got, want)
	}
}

// A server of a test's own starts durable, commits SERIALIZABLE
// transactions, keeps its databases apart, and keeps what was committed
// across a clean restart and across a crash.
func TestServer(t *testing.T) {
	ctx := context.Background()
	s := Start(t)
	dbURL := s.NewDatabase(t)
	conn := connect(t, dbURL)
	if got := show(t, conn, "fsync"); got != "on" {
		t.Errorf("fsync = %s, want on", got)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		t.Fatal(err)
	}
	var iso string
	if err := tx.QueryRow(ctx, "SHOW transaction_isolation").Scan(&iso); err != nil || iso != "serializable" {
		t.Fatalf("transaction_isolation = %q, %v; want serializable", iso, err)
	}
	for _, sql := range []string{"CREATE TABLE kv (k text PRIMARY KEY, v bytea NOT NULL)", "INSERT INTO kv VALUES ('a', 'x')"} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
	wantRows(t, conn, "after commit", "a")

	var table *string
	if err := connect(t, s.NewDatabase(t)).QueryRow(ctx, "SELECT to_regclass('kv')::text").Scan(&table); err != nil || table != nil {
		t.Fatalf("second database: to_regclass('kv') = %v, %v; want NULL", table, err)
	}

	s.Stop()
	s.Restart()
	conn = connect(t, dbURL)
	wantRows(t, conn, "after Stop and Restart", "a")
	if _, err := conn.Exec(ctx, "INSERT INTO kv VALUES ('b', 'y')"); err != nil {
		t.Fatal(err)
	}
	var backend int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	// Gone with the postmaster, as in a crash: a backend left to notice
	// its death could still commit.
	if _, _, alive := readStat(fmt.Sprintf("/proc/%d/stat", backend)); alive {
		t.Fatalf("backend %d outlived Kill", backend)
	}
	if err := conn.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded on a killed server")
	}
	s.Restart()
	wantRows(t, connect(t, dbURL), "after Kill and Restart", "a", "b")
}

// Under root the server runs as the user postgres, else as the current
// user: a backend's process has that uid.
func TestServerUser(t *testing.T) {
	conn := connect(t, NewDatabase(t))
	var pid int
	if err := conn.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	want := os.Geteuid()
	if want == 0 {
		cred, err := credential()
		if err != nil {
			t.Fatal(err)
		}
		want = int(cred.Uid)
	}
	for line := range strings.Lines(string(status)) {
		if uids, ok := strings.CutPrefix(line, "Uid:"); ok {
			if got := strings.Fields(uids)[0]; got != fmt.Sprint(want) {
				t.Fatalf("backend runs as uid %s, want %d", got, want)
			}
			return
		}
	}
	t.Fatalf("no Uid in /proc/%d/status", pid)
}

// Two transactions in write skew: the second to commit fails with a
// serialization failure (SQLSTATE 40001), which issue 16's backend
// retries.
func TestSerializationFailure(t *testing.T) {
	ctx := context.Background()
	dbURL := NewDatabase(t)
	setup := connect(t, dbURL)
	if _, err := setup.Exec(ctx, "CREATE TABLE kv (k text PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	var txs [2]pgx.Tx
	for i := range txs {
		tx, err := connect(t, dbURL).BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM kv").Scan(&n); err != nil {
			t.Fatal(err)
		}
		txs[i] = tx
	}
	if _, err := txs[0].Exec(ctx, "INSERT INTO kv VALUES ('a')"); err != nil {
		t.Fatal(err)
	}
	_, err := txs[1].Exec(ctx, "INSERT INTO kv VALUES ('b')")
	if err := txs[0].Commit(ctx); err != nil {
		t.Fatalf("first commit: %v", err)
	}
	if err == nil {
		err = txs[1].Commit(ctx)
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); !ok || pgErr.Code != "40001" {
		t.Fatalf("second transaction: %v, want SQLSTATE 40001", err)
	}
	wantRows(t, setup, "after the conflict", "a")
}

// Databases of the shared cluster are distinct, and each is dropped when
// its test ends.
func TestNewDatabase(t *testing.T) {
	var first string
	t.Run("use", func(t *testing.T) {
		first = NewDatabase(t)
		if second := NewDatabase(t); second == first {
			t.Fatalf("two databases at one URL %s", first)
		}
		if got := show(t, connect(t, first), "fsync"); got != "off" {
			t.Errorf("shared cluster: fsync = %s, want off", got)
		}
	})
	u, err := url.Parse(first)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := connect(t, NewDatabase(t)).QueryRow(context.Background(),
		"SELECT count(*) FROM pg_database WHERE datname = $1", strings.TrimPrefix(u.Path, "/")).Scan(&n); err != nil || n != 0 {
		t.Fatalf("database %s after its test: %d, %v; want dropped", u.Path, n, err)
	}
}

// Servers, in this process or another, never share ports: a claim is
// refused while another holds it, and free again once it is released.
func TestClaimPort(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // no other user's lock files
	const port = portMin + portSpan - 1
	first, err := claimPort(port)
	if err != nil || first == nil {
		t.Fatalf("first claim: %v, %v", first, err)
	}
	second, err := claimPort(port)
	if err != nil || second != nil {
		t.Fatalf("second claim while the first holds the port: %v, %v (want nil, nil)", second, err)
	}
	first.Close()
	third, err := claimPort(port)
	if err != nil || third == nil {
		t.Fatalf("claim after release: %v, %v", third, err)
	}
	third.Close()
}

// A sweep keeps the directory of a live server and removes one whose
// process is gone.
func TestSweep(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // no other servers' directories
	dir, lock, err := makeDir()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if !strings.HasPrefix(filepath.Base(dir), dirRun) {
		t.Fatalf("directory %s lacks the prefix %s", dir, dirRun)
	}
	sweep()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("sweep removed a locked directory: %v", err)
	}
	lock.Close()
	sweep()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("sweep kept an unlocked directory: %v", err)
	}
}

// The programs come from the newest of Debian's versioned directories when
// pg_config is not in PATH, and their absence is an error that says how
// to install them.
func TestLookBinaries(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	debian := t.TempDir()
	if _, err := lookBinaries(filepath.Join(debian, "*", "bin")); !errors.Is(err, errMissing) {
		t.Fatalf("no PostgreSQL: %v, want %v", err, errMissing)
	}
	if !strings.Contains(errMissing.Error(), "apt-get install postgresql") {
		t.Errorf("%q does not say how to install PostgreSQL", errMissing)
	}
	for _, v := range []string{"9", "13"} {
		bin := filepath.Join(debian, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "postgres"} {
			if err := os.WriteFile(filepath.Join(bin, name), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	b, err := lookBinaries(filepath.Join(debian, "*", "bin"))
	want := filepath.Join(debian, "13", "bin")
	if err != nil || b.initdb != filepath.Join(want, "initdb") || b.postgres != filepath.Join(want, "postgres") {
		t.Fatalf("lookBinaries = %+v, %v; want the programs in %s", b, err, want)
	}
}
