// Package store is Firn's metadata store: the Pebble keyspace, its record
// codecs, and a small view/update API over Pebble. It is the only package
// that imports Pebble's DB; the engine sees keys, records and batches.
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
// The format lives here rather than in a package of its own because Pebble
// is its only backend: its keys are Pebble keys, its counters a Pebble
// merge operator. The files that define it import no Pebble, so that a
// second metadata backend can take them to a package of their own
// (internal/format) unchanged.
//
// # Keyspace
//
//	0x01 "format"                         -> FormatVersion, uvarint
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
//
// IDs are ULIDs in their 16-byte binary form, so keys sort in creation
// order and listings cost O(page). Accounts are the 12 ASCII digits. Times
// in keys are unix nanoseconds, big endian.
//
// # Records
//
// Records are JSON objects. IDs are arrays of 16 numbers (the stored forms
// hold them as [16]byte, since encoding/json writes a ulid.ULID as its
// text), times RFC 3339 with nanoseconds, tree hashes 64 lower-case hex
// digits, bytes base64.
// Members marked "omitted" are absent when zero. Every member exists since
// version 1 but the expires of jobs and locks (see Expiries).
//
//	vault (vault.Record): id, account, name, created, tags (omitted),
//	  notifications {SNSTopic, Events} (omitted), accessPolicy (omitted),
//	  lock {state, id, policy, created, expires: all omitted} (omitted),
//	  lastWrite, inventory {date, archives, bytes} (omitted), segments
//	  [{id, size}] (omitted): the last inventory's archive list.
//	archive (vault.ArchiveRecord): id, description (omitted), size, treeHash,
//	  created, segmentSize (omitted), segments [{id, size}].
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
//	  Subject, Message.
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
// member holds today. So FormatVersion stays 2: reading old records needs
// no upgrade, and an older build, which ignores the member, computes the
// same expiry from the same constants. The build that changes either
// constant must bump FormatVersion, as older builds would then disagree
// with the stored expiries and their timers.
package store
