package store

import "github.com/oklog/ulid/v2"

// Key prefixes. Never renumber: they are the on-disk format.
const (
	prefixFormat    = 0x01
	prefixVault     = 0x02
	prefixArchive   = 0x03
	prefixCounters  = 0x04
	prefixSegRef    = 0x05
	prefixUpload    = 0x06
	prefixPart      = 0x07
	prefixJob       = 0x08
	prefixAccount   = 0x09
	prefixTimer     = 0x0a
	prefixTombstone = 0x0b
	prefixInline    = 0x0c
	prefixIntent    = 0x0d
	prefixSourceID  = 0x0e
	accountIDLength = 12
)

func key(prefix byte, parts ...[]byte) []byte {
	n := 1
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 1, n)
	k[0] = prefix
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// PrefixEnd returns the smallest key greater than every key with prefix p.
func PrefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

// FormatKey is the key of the format version record.
func FormatKey() []byte { return key(prefixFormat, []byte("format")) }

// VaultKey is the key of a vault record.
func VaultKey(account, name string) []byte {
	return key(prefixVault, []byte(account), []byte(name))
}

// VaultPrefix is the prefix of an account's vault records.
func VaultPrefix(account string) []byte { return key(prefixVault, []byte(account)) }

// VaultAll is the prefix of every vault record of every account.
func VaultAll() []byte { return []byte{prefixVault} }

// VaultNameFromKey returns the vault name of a vault record key.
func VaultNameFromKey(k []byte) string { return string(k[1+accountIDLength:]) }

// ArchiveKey is the key of an archive record.
func ArchiveKey(vault, archive ulid.ULID) []byte { return key(prefixArchive, vault[:], archive[:]) }

// ArchivePrefix is the prefix of a vault's archive records.
func ArchivePrefix(vault ulid.ULID) []byte { return key(prefixArchive, vault[:]) }

// CounterKey is the key of a vault's archive counters.
func CounterKey(vault ulid.ULID) []byte { return key(prefixCounters, vault[:]) }

// SegRefKey is the key recording that owner (a key of this keyspace)
// references segment seg.
func SegRefKey(seg ulid.ULID, owner []byte) []byte { return key(prefixSegRef, seg[:], owner) }

// SegRefPrefix is the prefix of every reference to seg.
func SegRefPrefix(seg ulid.ULID) []byte { return key(prefixSegRef, seg[:]) }

// SegRefAll is the prefix of every segment reference.
func SegRefAll() []byte { return []byte{prefixSegRef} }

// SegRefSplit splits a SegRefKey into segment and owner key.
func SegRefSplit(k []byte) (seg ulid.ULID, owner []byte) {
	copy(seg[:], k[1:17])
	return seg, k[17:]
}

// UploadKey is the key of a multipart upload record.
func UploadKey(vault, upload ulid.ULID) []byte { return key(prefixUpload, vault[:], upload[:]) }

// UploadPrefix is the prefix of a vault's multipart upload records.
func UploadPrefix(vault ulid.ULID) []byte { return key(prefixUpload, vault[:]) }

// PartKey is the key of a part record; parts sort by index.
func PartKey(vault, upload ulid.ULID, index uint32) []byte {
	return key(prefixPart, vault[:], upload[:], []byte{byte(index >> 24), byte(index >> 16), byte(index >> 8), byte(index)})
}

// PartPrefix is the prefix of an upload's part records.
func PartPrefix(vault, upload ulid.ULID) []byte { return key(prefixPart, vault[:], upload[:]) }

// PartVaultPrefix is the prefix of every part record of a vault.
func PartVaultPrefix(vault ulid.ULID) []byte { return key(prefixPart, vault[:]) }

// JobKey is the key of a job record.
func JobKey(vault, job ulid.ULID) []byte { return key(prefixJob, vault[:], job[:]) }

// JobPrefix is the prefix of a vault's job records.
func JobPrefix(vault ulid.ULID) []byte { return key(prefixJob, vault[:]) }

// JobAll is the prefix of every job record of every vault.
func JobAll() []byte { return []byte{prefixJob} }

// AccountKey is the key of an account-wide record of the given kind.
func AccountKey(account string, kind byte, rest ...[]byte) []byte {
	return key(prefixAccount, append([][]byte{[]byte(account), {kind}}, rest...)...)
}

// TimerKey is the key of a timer: work of kind for id due at dueUnixNano.
func TimerKey(dueUnixNano int64, kind byte, id []byte) []byte {
	u := uint64(dueUnixNano)
	return key(prefixTimer, []byte{byte(u >> 56), byte(u >> 48), byte(u >> 40), byte(u >> 32), byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}, []byte{kind}, id)
}

// TimerRange returns the bounds of the timers due at or before dueUnixNano.
func TimerRange(dueUnixNano int64) (lower, upper []byte) {
	return []byte{prefixTimer}, TimerKey(dueUnixNano+1, 0, nil)
}

// TimerAll is the prefix of every timer.
func TimerAll() []byte { return []byte{prefixTimer} }

// TimerSplit splits a TimerKey.
func TimerSplit(k []byte) (dueUnixNano int64, kind byte, id []byte) {
	var u uint64
	for _, b := range k[1:9] {
		u = u<<8 | uint64(b)
	}
	return int64(u), k[9], k[10:]
}

// TombstoneKey is the key of a deleted archive's tombstone.
func TombstoneKey(vault, archive ulid.ULID) []byte { return key(prefixTombstone, vault[:], archive[:]) }

// TombstonePrefix is the prefix of a vault's tombstones.
func TombstonePrefix(vault ulid.ULID) []byte { return key(prefixTombstone, vault[:]) }

// InlineKey is the key holding the bytes of segment seg when they are
// stored in the metadata store rather than in a blob file.
func InlineKey(seg ulid.ULID) []byte { return key(prefixInline, seg[:]) }

// InlineAll is the prefix of every inline segment.
func InlineAll() []byte { return []byte{prefixInline} }

// InlineID returns the segment ID of an InlineKey.
func InlineID(k []byte) (seg ulid.ULID) {
	copy(seg[:], k[1:])
	return seg
}

// SourceIDKey is the key of the index entry that maps the SHA-256 of an
// imported archive's source ID to the archive's key in vault (see
// vault.SourceKey).
func SourceIDKey(vault ulid.ULID, sum [32]byte) []byte {
	return key(prefixSourceID, vault[:], sum[:])
}

// SourceIDPrefix is the prefix of a vault's source ID index.
func SourceIDPrefix(vault ulid.ULID) []byte { return key(prefixSourceID, vault[:]) }
