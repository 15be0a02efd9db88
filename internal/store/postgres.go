package store

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SchemaVersion is the version of the PostgreSQL schema (see
// OpenPostgres). The keys and records in it are the same format as in
// Pebble, versioned by FormatVersion; this number versions the tables
// that hold them.
const SchemaVersion = 1

// pgTables names the table that holds the keys of each prefix. A table per
// prefix keeps the reads of one kind of operation off the index pages that
// another kind writes: uploads read a vault record and write archives, so
// they never conflict with each other in PostgreSQL's serializable
// isolation, which tracks reads by index page.
var pgTables = [...]string{
	prefixFormat:    "firn_meta",
	prefixVault:     "firn_vault",
	prefixArchive:   "firn_archive",
	prefixSegRef:    "firn_segref",
	prefixUpload:    "firn_upload",
	prefixPart:      "firn_part",
	prefixJob:       "firn_job",
	prefixAccount:   "firn_account",
	prefixTimer:     "firn_timer",
	prefixTombstone: "firn_tombstone",
	prefixInline:    "firn_inline",
	prefixIntent:    "firn_intent",
	prefixSourceID:  "firn_sourceid",
}

// counterShards is how many rows hold the counters of one key, which a
// read sums: each open transaction of a store adds to a row of its own
// (see pgStore.shards), so concurrent uploads to a vault do not update one
// row, which all but one of them would have to retry.
const counterShards = 64

const (
	// pgAttempts bounds the runs of an Update's transaction.
	pgAttempts = 40
	// pgScanPage is the most rows a scan reads per query. Its first query
	// reads pgFirstPage, and each next one twice as many, as most scans
	// stop early (a listing's page, an existence check).
	pgScanPage  = 512
	pgFirstPage = 16
)

// PostgresOptions configure OpenPostgres.
type PostgresOptions struct {
	// Logger receives the retries of conflicting transactions at debug
	// level; nil discards them.
	Logger *slog.Logger
	// Timeout bounds each call to the database (a read, or one attempt of
	// an Update); 0 means 30 seconds.
	Timeout time.Duration
}

// pgStore is the PostgreSQL backend of a DB.
type pgStore struct {
	pool    *pgxpool.Pool
	lg      *slog.Logger
	timeout time.Duration
	// txSlots bounds the open transactions to half the pool: a
	// transaction's function may read outside it (the engine reads an
	// archive's bytes while completing a job), which takes a second
	// connection, so a pool full of transactions would wait for ever.
	txSlots chan struct{}
	// shards holds the counter shards this store's transactions add to,
	// one per transaction slot, so that its concurrent transactions never
	// update one counter row; shardBase places them apart from other
	// stores' (see setShardBase).
	shards    chan int
	shardBase atomic.Int64
}

// defaultMaxConns is the pool size when the URL sets no pool_max_conns:
// pgxpool's default (4 on small machines) would allow 2 transactions at
// once.
const defaultMaxConns = 16

// OpenPostgres opens the store in the PostgreSQL database at url (a
// postgres:// URL or DSN as pgx accepts, with pgxpool's pool_* settings),
// creating its tables at the first Open. A database whose schema version
// is not SchemaVersion, or whose format version this build does not read,
// is refused.
//
// The SQL is kept to what CockroachDB and YugabyteDB run as well: plain
// tables with primary keys, range scans with ORDER BY ... LIMIT, INSERT ...
// ON CONFLICT, and SERIALIZABLE transactions retried on serialization
// failures (SQLSTATE 40001 and 40P01). Commits are durable when the
// database acknowledges them; the store has no failed state (DB.Failed is
// always nil): a database that cannot be reached fails each call with an
// error wrapping ErrUnavailable.
func OpenPostgres(url string, opts PostgresOptions) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	slots := int(max(cfg.MaxConns/2, 1))
	p := &pgStore{lg: opts.Logger, timeout: cmp.Or(opts.Timeout, 30*time.Second),
		txSlots: make(chan struct{}, slots), shards: make(chan int, slots)}
	for i := range slots {
		p.shards <- i
	}
	p.setShardBase(rand.Uint64())
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	p.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	s := &DB{pg: p, failed: make(chan struct{})}
	if err := p.createSchema(); err != nil {
		p.pool.Close()
		return nil, err
	}
	if err := s.checkFormat(); err != nil {
		p.pool.Close()
		return nil, err
	}
	return s, nil
}

func (p *pgStore) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), p.timeout)
}

// createSchema creates the tables if they are missing and checks the
// schema version. Engines opening a new database at once may race to
// create the same table; the loser sees a duplicate and tries again.
func (p *pgStore) createSchema() error {
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS firn_schema (id INT PRIMARY KEY, version INT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS firn_counters (k BYTEA NOT NULL, shard INT NOT NULL,
			archives BIGINT NOT NULL, bytes BIGINT NOT NULL, last_write BIGINT NOT NULL,
			PRIMARY KEY (k, shard))`,
	}
	for _, t := range pgTables {
		if t != "" {
			stmts = append(stmts, `CREATE TABLE IF NOT EXISTS `+t+` (k BYTEA PRIMARY KEY, v BYTEA NOT NULL)`)
		}
	}
	stmts = append(stmts, `INSERT INTO firn_schema (id, version) VALUES (1, `+fmt.Sprint(SchemaVersion)+`) ON CONFLICT (id) DO NOTHING`)
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		if err = p.exec(stmts); err == nil || !duplicate(err) {
			break
		}
		time.Sleep(time.Duration(rand.N(50)+10) * time.Millisecond)
	}
	if err != nil {
		return pgError("creating the schema", err)
	}
	ctx, cancel := p.ctx()
	defer cancel()
	var v int
	if err := p.pool.QueryRow(ctx, `SELECT version FROM firn_schema WHERE id = 1`).Scan(&v); err != nil {
		return pgError("reading the schema version", err)
	}
	if v != SchemaVersion {
		return fmt.Errorf("store: postgres: schema version %d, this build uses %d", v, SchemaVersion)
	}
	return nil
}

func (p *pgStore) exec(stmts []string) error {
	ctx, cancel := p.ctx()
	defer cancel()
	for _, q := range stmts {
		if _, err := p.pool.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// ErrUnavailable is wrapped by the errors of a PostgreSQL store that
// cannot reach its database: the connection is refused, lost or timed out,
// or the server is shutting down or starting up. The call may or may not
// have taken effect if it was a commit; a later call, on the same DB, may
// succeed once the database is back, as the pool reconnects.
var ErrUnavailable = errors.New("store: database unavailable")

// pgError wraps the error of a call to the database, with ErrUnavailable
// if it says that the database cannot be reached.
func pgError(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("store: postgres: %s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("store: postgres: %s: %w", op, err)
}

func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08 is the connection exceptions; 57P01 to 57P03 a server
		// shutting down, crashed, or not yet accepting connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// duplicate reports a race between two creators of one table.
func duplicate(err error) bool {
	var pe *pgconn.PgError
	// 23505 and 42710: the row type or index of a table made at the same
	// time; 42P07: the table itself.
	return errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "42710" || pe.Code == "42P07" || pe.Code == "40001")
}

// retriable reports whether a transaction that failed with err may run
// again: a serialization failure or deadlock, or a failure before anything
// was sent to the server.
func retriable(err error) bool {
	return conflict(err) || pgconn.SafeToRetry(err)
}

// conflict reports a serialization failure or deadlock.
func conflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// exhausted is the error of a transaction whose attempts ran out with err.
func exhausted(attempts int, err error) error {
	if conflict(err) {
		return fmt.Errorf("%w (%d attempts): %w", ErrConflict, attempts, err)
	}
	return err
}

// pgBatch is the PostgreSQL side of a Batch: the writes, applied at
// commit, and the transaction the batch reads in (nil outside Update).
type pgBatch struct {
	p   *pgStore
	ctx context.Context
	tx  pgx.Tx
	ops []pgOp
	// conflict is the first retriable failure of a read, which fails the
	// attempt whatever fn made of it.
	conflict error
}

type pgOpKind int

const (
	opSet pgOpKind = iota
	opDelete
	opDeleteRange
	opCounters
)

type pgOp struct {
	kind     pgOpKind
	key, val []byte // val: the value, or the upper bound of a range
	c        Counters
}

func (b *pgBatch) add(op pgOp) { b.ops = append(b.ops, op) }

// table returns the table of key's prefix.
func table(key []byte) (string, error) {
	if len(key) == 0 || int(key[0]) >= len(pgTables) || pgTables[key[0]] == "" {
		return "", fmt.Errorf("store: postgres: no table holds key %x", key)
	}
	return pgTables[key[0]], nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (b *pgBatch) read(err error) error {
	if err != nil && b.conflict == nil && retriable(err) {
		b.conflict = err
	}
	return err
}

func (b *pgBatch) get(key []byte) ([]byte, error) {
	v, err := pgGet(b.ctx, b.tx, key)
	return v, b.read(err)
}

func (b *pgBatch) scan(lower, upper []byte, fn func(k, v []byte) (bool, error)) error {
	return b.read(pgScan(txContext{b.ctx}, b.tx, lower, upper, fn))
}

func (b *pgBatch) counters(key []byte) (Counters, error) {
	c, err := pgCounters(b.ctx, b.tx, key)
	return c, b.read(err)
}

func pgGet(ctx context.Context, q querier, key []byte) ([]byte, error) {
	if len(key) > 0 && key[0] == prefixCounters {
		// Pebble's merged value, so that both backends read the same.
		c, n, err := pgCounterRows(ctx, q, key)
		if err == nil && n == 0 {
			err = ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		return encodeCounters(c), nil
	}
	t, err := table(key)
	if err != nil {
		return nil, err
	}
	var v []byte
	err = q.QueryRow(ctx, `SELECT v FROM `+t+` WHERE k = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, pgError("get", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// overlaps reports whether [lower, upper) holds keys of prefix p; an empty
// upper bounds nothing.
func overlaps(p byte, lower, upper []byte) bool {
	return bytes.Compare(lower, []byte{p + 1}) < 0 && (len(upper) == 0 || bytes.Compare(upper, []byte{p}) > 0)
}

// pgScan scans [lower, upper) a page at a time, table by table, counters
// included; each page is read whole before fn sees it, so that fn may
// query the same connection.
func pgScan(pc pager, q querier, lower, upper []byte, fn func(k, v []byte) (bool, error)) error {
	for p := range byte(len(pgTables)) {
		if !overlaps(p, lower, upper) || pgTables[p] == "" && p != prefixCounters {
			continue
		}
		from, to := []byte{p}, []byte{p + 1}
		if bytes.Compare(lower, from) > 0 {
			from = lower
		}
		if len(upper) > 0 && bytes.Compare(upper, to) < 0 {
			to = upper
		}
		more, err := pgScanTable(pc, q, p, from, to, fn)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// pgScanTable scans [from, to) of the table of prefix p; the counters'
// values are their sums, encoded as in Pebble.
func pgScanTable(pc pager, q querier, p byte, from, to []byte, fn func(k, v []byte) (bool, error)) (bool, error) {
	query := `SELECT k, v FROM ` + pgTables[p] + ` WHERE k >= $1 AND k < $2 ORDER BY k LIMIT $3`
	if p == prefixCounters {
		query = `SELECT k, CAST(SUM(archives) AS BIGINT), CAST(SUM(bytes) AS BIGINT), CAST(MAX(last_write) AS BIGINT)
			FROM firn_counters WHERE k >= $1 AND k < $2 GROUP BY k ORDER BY k LIMIT $3`
	}
	type kv struct{ k, v []byte }
	page := make([]kv, 0, pgFirstPage)
	limit := pgFirstPage
	for {
		ctx, cancel := pc.page()
		rows, err := q.Query(ctx, query, from, to, limit)
		if err != nil {
			cancel()
			return false, pgError("scan", err)
		}
		page = page[:0]
		for rows.Next() {
			var r kv
			if p == prefixCounters {
				var c Counters
				err = rows.Scan(&r.k, &c.Archives, &c.Bytes, &c.LastWrite)
				r.v = encodeCounters(c)
			} else {
				err = rows.Scan(&r.k, &r.v)
			}
			if err != nil {
				rows.Close()
				cancel()
				return false, pgError("scan", err)
			}
			page = append(page, r)
		}
		rows.Close()
		cancel()
		if err := rows.Err(); err != nil {
			return false, pgError("scan", err)
		}
		for _, r := range page {
			if more, err := fn(r.k, r.v); err != nil || !more {
				return false, err
			}
		}
		if len(page) < limit {
			return true, nil
		}
		from = append(page[len(page)-1].k, 0)
		limit = min(2*limit, pgScanPage)
	}
}

func pgCounters(ctx context.Context, q querier, key []byte) (Counters, error) {
	c, _, err := pgCounterRows(ctx, q, key)
	return c, err
}

// pgCounterRows returns the counters at key and the number of rows
// holding them.
func pgCounterRows(ctx context.Context, q querier, key []byte) (Counters, int64, error) {
	var c Counters
	var n int64
	err := q.QueryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(archives), 0) AS BIGINT), CAST(COALESCE(SUM(bytes), 0) AS BIGINT),
		CAST(COALESCE(MAX(last_write), 0) AS BIGINT) FROM firn_counters WHERE k = $1`, key).Scan(&n, &c.Archives, &c.Bytes, &c.LastWrite)
	if err != nil {
		return Counters{}, 0, pgError("counters", err)
	}
	return c, n, nil
}

// get, scan and counters read the committed state, each in a transaction
// of its own.
func (p *pgStore) get(key []byte) ([]byte, error) {
	ctx, cancel := p.ctx()
	defer cancel()
	return pgGet(ctx, p.pool, key)
}

func (p *pgStore) scan(lower, upper []byte, fn func(k, v []byte) (bool, error)) error {
	// No transaction: most scans fit a page, and a long one (an
	// inventory) may outlast any timeout. Each page reads the state as of
	// its own query; each is bounded by the timeout.
	return pgScan(pageContext{p.timeout}, p.pool, lower, upper, fn)
}

// pager gives the context of each page query of a scan.
type pager interface {
	page() (context.Context, context.CancelFunc)
}

// pageContext gives each page query of a scan outside a transaction a
// timeout of its own.
type pageContext struct{ timeout time.Duration }

func (c pageContext) page() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), c.timeout)
}

// txContext runs every page query of a scan in a transaction's context.
type txContext struct{ ctx context.Context }

func (c txContext) page() (context.Context, context.CancelFunc) { return c.ctx, func() {} }

func (p *pgStore) counters(key []byte) (Counters, error) {
	ctx, cancel := p.ctx()
	defer cancel()
	return pgCounters(ctx, p.pool, key)
}

// setShardBase places this store's counter shards (see shards) by n,
// distinct for each store open on the database (its epoch, see
// NextEpoch): stores whose n differ by less than counterShards / slots
// add to disjoint rows.
func (p *pgStore) setShardBase(n uint64) {
	slots := uint64(cap(p.shards))
	groups := max(counterShards/slots, 1)
	p.shardBase.Store(int64(n % groups * slots))
}

// update is DB.Update.
func (p *pgStore) update(s *DB, fn func(b *Batch) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = p.attempt(s, fn)
		if err == nil || !retriable(err) {
			return err
		}
		if attempt == pgAttempts {
			return exhausted(attempt, err)
		}
		if p.lg != nil {
			p.lg.Debug("retrying a conflicting transaction", "attempt", attempt, "err", err, "component", "postgres")
		}
		// Jittered, growing to 64 ms, so that the conflicting
		// transactions do not meet again.
		time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6))))
	}
}

// slot waits for a transaction slot (see txSlots) and returns its release.
func (p *pgStore) slot(ctx context.Context) (func(), error) {
	select {
	case p.txSlots <- struct{}{}:
		return func() { <-p.txSlots }, nil
	case <-ctx.Done():
		return nil, pgError("begin", ctx.Err())
	}
}

func (p *pgStore) attempt(s *DB, fn func(b *Batch) error) error {
	ctx, cancel := p.ctx()
	defer cancel()
	release, err := p.slot(ctx)
	if err != nil {
		return err
	}
	defer release()
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return pgError("begin", err)
	}
	defer tx.Rollback(context.Background())
	b := &Batch{s: s, pg: &pgBatch{p: p, ctx: ctx, tx: tx}}
	err = fn(b)
	if b.pg.conflict != nil {
		return b.pg.conflict
	}
	if err != nil {
		return err
	}
	return b.pg.apply(ctx, tx)
}

// commit applies the writes of a batch made by NewBatch, which read
// nothing, so it may be retried as a whole.
func (b *pgBatch) commit() error {
	var err error
	for attempt := 1; attempt <= pgAttempts; attempt++ {
		if err = b.commitOnce(); err == nil || !retriable(err) {
			return err
		}
		time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6))))
	}
	return exhausted(pgAttempts, err)
}

func (b *pgBatch) commitOnce() error {
	ctx, cancel := b.p.ctx()
	defer cancel()
	release, err := b.p.slot(ctx)
	if err != nil {
		return err
	}
	defer release()
	tx, err := b.p.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return pgError("begin", err)
	}
	defer tx.Rollback(context.Background())
	return b.apply(ctx, tx)
}

// apply sends the batch's writes in one round trip and commits.
func (b *pgBatch) apply(ctx context.Context, tx pgx.Tx) error {
	if len(b.ops) > 0 {
		shard := <-b.p.shards
		defer func() { b.p.shards <- shard }()
		shard += int(b.p.shardBase.Load())
		var q pgx.Batch
		for _, op := range b.ops {
			if err := queue(&q, op, shard); err != nil {
				return err
			}
		}
		if err := tx.SendBatch(ctx, &q).Close(); err != nil {
			return pgError("write", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return pgError("commit", err)
	}
	return nil
}

func queue(q *pgx.Batch, op pgOp, shard int) error {
	switch op.kind {
	case opCounters:
		q.Queue(`INSERT INTO firn_counters (k, shard, archives, bytes, last_write) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (k, shard) DO UPDATE SET archives = firn_counters.archives + excluded.archives,
			bytes = firn_counters.bytes + excluded.bytes, last_write = GREATEST(firn_counters.last_write, excluded.last_write)`,
			op.key, shard%counterShards, op.c.Archives, op.c.Bytes, op.c.LastWrite)
		return nil
	case opDeleteRange:
		queueDeleteRange(q, op.key, op.val)
		return nil
	}
	if op.kind == opDelete && len(op.key) > 0 && op.key[0] == prefixCounters {
		q.Queue(`DELETE FROM firn_counters WHERE k = $1`, op.key)
		return nil
	}
	t, err := table(op.key)
	if err != nil {
		return err
	}
	if op.kind == opDelete {
		q.Queue(`DELETE FROM `+t+` WHERE k = $1`, op.key)
		return nil
	}
	v := op.val
	if v == nil {
		v = []byte{}
	}
	q.Queue(`INSERT INTO `+t+` (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, op.key, v)
	return nil
}

// queueDeleteRange deletes [lower, upper) from every table it spans, the
// counters included. An empty upper deletes nothing, as in Pebble.
func queueDeleteRange(q *pgx.Batch, lower, upper []byte) {
	if len(upper) == 0 {
		return
	}
	if lower == nil {
		lower = []byte{} // NULL would match nothing
	}
	for p := range byte(len(pgTables)) {
		t := pgTables[p]
		if p == prefixCounters {
			t = "firn_counters"
		}
		if t != "" && overlaps(p, lower, upper) {
			q.Queue(`DELETE FROM `+t+` WHERE k >= $1 AND k < $2`, lower, upper)
		}
	}
}
