// Package store is Firn's metadata store: the keyspace, its record codecs,
// and a small view/update API over its two backends, Pebble (Open) and
// PostgreSQL (OpenPostgres). It is the only package that imports Pebble's
// DB or pgx; the engine sees keys, records and batches.
//
// # The format
//
// The keyspace is a file format, and this package is its one home: key
// layouts (keys.go, timers.go, accountrecord.go), the stored form of every
// record (the *record.go files and outbox.go: unexported types with the
// JSON member names, converted from and to the domain types, which carry no
// encoding of their own), the counters (counters.go), and the lines of the
// inventory snapshots that vault records reference (snapshot.go). The
// golden tests (format_test.go, testdata/format) pin every byte of it.
//
// Prefix bytes, record kinds and timer kinds are never renumbered. A
// change that an older build would misread bumps FormatVersion, which Open
// checks; adding a record member that older builds may ignore does not
// (see Expiries).
// The format lives here, beside both backends: PostgreSQL stores the same
// keys and record bytes as Pebble (see PostgreSQL). The files that define
// it import neither backend, so that they can move to a package of their
// own (internal/format) unchanged.
//
// # Keyspace
//
//	0x01 "format"                         -> FormatVersion, uvarint; while an upgrade
//	                                         is unfinished, then the version found, uvarint
//	0x01 "epoch"                          -> count of Opens, uvarint (EpochKey)
//	0x02 account(12) name                 -> vault record; ASCII order of name
//	0x03 vaultID(16) archiveID(16)        -> archive record; creation order
//	0x04 vaultID(16)                      -> vault counters: merge operands of
//	                                         (archives, bytes, lastWrite unix ns),
//	                                         3 x int64 little endian; sums, sums, max
//	0x05 segmentID(16) owner              -> reference from owner to a blob segment
//	                                         (empty value); owner is a key of this keyspace
//	0x06 vaultID(16) uploadID(16)         -> multipart upload record
//	0x07 vaultID(16) uploadID(16) part(4) -> multipart part record; range order
//	0x08 vaultID(16) jobID(16)            -> job record; creation order
//	0x09 account(12) kind(1) ...          -> account-wide records:
//	     ... 'r'                          -> data retrieval policy record
//	     ... 'c' unitID(16)               -> provisioned capacity unit record
//	     ... 'l' time(8) jobID(16)        -> Standard retrieval log entry: bytes, varint
//	     ... 'e' time(8) jobID(16)        -> Expedited retrieval log entry: bytes, varint
//	0x0a dueTime(8) kind(1) id...         -> timer index: work due at a clock time
//	                                         (empty value but for notifications); see
//	                                         TimerJobComplete and the kinds after it
//	0x0b vaultID(16) archiveID(16)        -> tombstone of a deleted archive (empty
//	                                         value), for idempotent deletes
//	0x0c segmentID(16)                    -> the bytes of a small segment stored here
//	                                         instead of in a blob file (since version 2)
//	0x0d segmentID(16)                    -> intent to write a blob segment: when its
//	                                         writer began, unix ns, 8 bytes big endian
//	                                         (IntentKey); on a shared database, and since
//	                                         version 5 on one whose segment files are local,
//	                                         where it also records a segment whose last
//	                                         reference a batch drops, until it is deleted
//	0x0e vaultID(16) sha256(sourceID)(32) -> archiveID(16): the key of the archive imported
//	                                         with that source ID (since version 3); it
//	                                         outlives the archive, beside its tombstone
//
// Pebble keeps the 0x0c values of at least 256 bytes in its own blob
// files (value separation, separation.go), every other value in place;
// this is Pebble's layout, not the keyspace's: builds without the policy
// read them.
//
// IDs are ULIDs in their 16-byte binary form, so keys sort in creation
// order and listings cost O(page). Accounts are the 12 ASCII digits. Times
// in keys are unix nanoseconds, big endian.
//
// # PostgreSQL
//
// Both backends hold the same ordered keyspace and the same records, read
// and written through the same API (Reader, Batch, Update): the engine has
// one code path, the format one home and one set of golden files, and a
// rule is checked the same way on both. Tables per record type, with
// columns for their members, were the alternative: they would let the
// database index and check more, but every record would have two encodings
// and every operation two implementations. The key-value view costs
// PostgreSQL nothing it needs here: every query is by key or key range.
//
// OpenPostgres keeps the keyspace in tables, one per key prefix, each
// (k BYTEA PRIMARY KEY, v BYTEA NOT NULL) holding whole keys and the same
// record bytes as Pebble: firn_meta (0x01), firn_vault, firn_archive,
// firn_segref, firn_upload, firn_part, firn_job, firn_account, firn_timer,
// firn_tombstone, firn_inline, firn_intent, firn_sourceid (created by
// the first Open of a build that has it: the schema version stays). The counters (0x04) are
// firn_counters (k, shard, archives, bytes, last_write): a commit adds to
// one of 64 rows of its key, each open transaction of a store to a row of
// its own, and stores of successive epochs to disjoint rows (as long as
// fewer than 64 / (pool size / 2) are open), so that concurrent uploads to
// one vault do not update one row; reads sum them (Get and Scan return the
// sum encoded as Pebble's merge would). firn_schema holds SchemaVersion,
// which OpenPostgres checks, beside FormatVersion, which it checks as Open
// does. Scans go table by table in key order, 16 rows in the first query
// and twice as many in each next, up to 512.
//
// A table per prefix matters on PostgreSQL: its serializable isolation
// tracks reads by index page, so one index for every key would make an
// upload that reads a vault record conflict with one that writes an
// archive. Databases that track reads by key range do not need it, and it
// costs them nothing.
//
// The SQL is what CockroachDB and YugabyteDB run as well, so that a
// deployment can move to one of them unchanged: plain tables with primary
// keys, BYTEA, range scans with ORDER BY ... LIMIT, INSERT ... ON CONFLICT
// DO UPDATE, GREATEST, and SERIALIZABLE transactions; no advisory locks,
// LISTEN/NOTIFY, extensions or stored procedures. Known differences: on
// CockroachDB, contention surfaces as SQLSTATE 40001 at any statement or at
// commit, retried here on the client as on PostgreSQL, not with its
// SAVEPOINT cockroach_restart protocol;
// CockroachDB and YugabyteDB, being distributed, have no page-level
// predicate locks, so the table-per-prefix reasoning above is PostgreSQL's;
// and their commits cost a consensus round, so that hot keys limit
// throughput sooner. None of this is tested here: the tests run PostgreSQL
// only.
//
// Transactions: Update runs fn in one SERIALIZABLE transaction with its
// writes, which are sent at commit; reads through the batch do not see its
// own writes. A serialization failure or deadlock (40001, 40P01) runs fn
// again on a fresh batch, with a jittered, growing pause, at most 40 times;
// then the error wraps ErrConflict. A batch of NewBatch, which reads
// nothing, commits in one transaction, retried the same way. A database
// that cannot be reached fails each call with an error wrapping
// ErrUnavailable, retried only if nothing reached the server (a pooled
// connection found closed); the pool reconnects once the database is back.
// There is no failed state: DB.Failed is always nil.
//
// A scan outside a transaction (DB.Scan) reads each page in a query of its
// own, so that a long one (an inventory) holds no transaction open; each
// page sees the state as of its query. The pool has 16 connections unless
// the URL sets pool_max_conns, and at most half of them hold a transaction
// at a time: a transaction's function may read outside it, on a second
// connection, which a pool full of transactions would never free.
//
// What Pebble's store keeps in memory it does not keep on PostgreSQL,
// where other engines write too: the cache of vault records is off (every
// Get reads the database), and NextTimer never knows the next timer, so
// that the engine asks the database at each tick whether one is due.
//
// # Records
//
// Records are JSON objects, but for archive records, which since version 4
// are in the binary encoding that archivecodec.go defines: a vault holds
// millions of them and an inventory decodes every one. Version 3's JSON
// archive records, which begin with '{', are read as they are.
// In JSON, IDs are arrays of 16 numbers (the stored forms hold them as
// [16]byte, since encoding/json writes a ulid.ULID as its text), times RFC
// 3339 with nanoseconds, tree hashes 64 lower-case hex digits, bytes
// base64.
// Members marked "omitted" are absent when zero. Every member exists since
// version 1 but the expires of jobs and locks (see Expiries) and the
// Attempts of notifications, added within version 2: an older build ignores
// it and retries at its fixed delay.
//
//	vault (vault.Record): id, account, name, created, tags (omitted),
//	  notifications {SNSTopic, Events} (omitted), accessPolicy (omitted),
//	  lock {state, id, policy, created, expires: all omitted} (omitted),
//	  lastWrite, inventory {date, archives, bytes} (omitted), segments
//	  [{id, size}] (omitted): the last inventory's archive list.
//	archive (vault.ArchiveRecord), up to version 3 (since version 4, the
//	  same members in archivecodec.go's binary encoding): id, description
//	  (omitted), size, treeHash, created, segmentSize (omitted), segments
//	  [{id, size}], externalId (omitted; since version 3: the source ID of
//	  an imported archive that is not its key).
//	upload (UploadRecord): id, description (omitted), partSize, created,
//	  state, ended (omitted), archive {id, size, treeHash} (omitted), timer.
//	part (PartRecord): start, size, treeHash, uploaded, segments [{id, size}].
//	job (job.Record): id, vaultId, vaultArn, action, description, snsTopic and
//	  tier (omitted), created, due, status, message (omitted), completed,
//	  expires (omitted), archive {archiveId, archiveKey, size, treeHash,
//	  description (omitted), start, end, rangeTreeHash (omitted)} (omitted),
//	  inventory {format, params {StartDate, EndDate, Limit, Marker}, filter
//	  {start, end, limit and marker (omitted)}, nextMarker (omitted)}
//	  (omitted), select {archiveId, archiveKey, size, treeHash, parameters,
//	  outputLocation, outputPath} (omitted), segments [{id, size}],
//	  segmentSize, outputSize and notify (omitted). The select parameters
//	  and output location have the service's member names, all omitted when
//	  zero (jobrecord.go).
//	data retrieval policy (firn.DataRetrievalPolicy): Rules [{Strategy,
//	  BytesPerHour}].
//	capacity unit (CapacityUnit): id, start, expires.
//	notification (OutboxEntry, the value of a TimerNotify timer): ID, Topic,
//	  Subject, Message, Attempts (omitted).
//
// # Expiries
//
// A job's expires is when its output expires, set at completion; a vault
// lock's expires is when the in-progress lock expires, set at initiation.
// The timers that carry out the expiry are due at these times, so a record
// and its timer agree across a reopen even if job.OutputLifetime or
// lock.TTL has changed. Both members were added within version 2: a
// record without them, written by an older build, expires at completion
// plus job.OutputLifetime or initiation plus lock.TTL, which is what the
// member holds today. So FormatVersion stayed 2: reading old records needs
// no upgrade, and an older build, which ignores the member, computes the
// same expiry from the same constants. The build that changes either
// constant must bump FormatVersion, as older builds would then disagree
// with the stored expiries and their timers.
package store
