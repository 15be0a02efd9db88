// Package store is Firn's metadata store: the Pebble keyspace, its record
// codecs, and a small view/update API over Pebble. It is the only package
// that imports Pebble's DB; the engine sees keys, records and batches.
//
// # Keyspace
//
// The keyspace is a file format. Prefix bytes are never renumbered; a change
// to any key or record encoding bumps FormatVersion, which Open checks.
//
//	0x01 "format"                         -> FormatVersion, uvarint
//	0x02 account(12) name                 -> Vault record (JSON); ASCII order of name
//	0x03 vaultID(16) archiveID(16)        -> Archive record (JSON); creation order
//	0x04 vaultID(16)                      -> vault counters: merge operands of
//	                                         (archives, bytes, lastWrite unix ns),
//	                                         3 x int64 little endian; sums, sums, max
//	0x05 segmentID(16) owner              -> reference from owner to a blob segment
//	                                         (empty value); owner is a key of this keyspace
//	0x06 vaultID(16) uploadID(16)         -> multipart upload record (JSON)
//	0x07 vaultID(16) uploadID(16) part(4) -> multipart part record (JSON); range order
//	0x08 vaultID(16) jobID(16)            -> job record (JSON); creation order
//	0x09 account(12) kind(1) ...          -> account-wide records (data retrieval
//	                                         policy, provisioned capacity, ...)
//	0x0a dueTime(8) kind(1) id...         -> timer index: work due at a clock time
//	0x0b vaultID(16) archiveID(16)        -> tombstone of a deleted archive (deletion
//	                                         time, unix ns uvarint), for idempotent deletes
//	0x0c segmentID(16)                    -> the bytes of a small segment stored here
//	                                         instead of in a blob file (since version 2)
//
// IDs are ULIDs in their 16-byte binary form, so keys sort in creation
// order and listings cost O(page). Accounts are the 12 ASCII digits.
package store
