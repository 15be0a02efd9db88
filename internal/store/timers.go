package store

import "github.com/oklog/ulid/v2"

// Timer kinds, the byte after the due time in a timer key (TimerKey), and
// the layout of the ID that follows it. Never renumber. Timer values are
// empty but for TimerNotify.
const (
	// TimerJobComplete: a job is due to complete. ID: its JobKey.
	TimerJobComplete = 'j'
	// TimerJobExpire: a completed job and its output expire. ID: its
	// JobKey.
	TimerJobExpire = 'x'
	// TimerUploadExpire: a multipart upload expires, or is forgotten once
	// terminal. ID: UploadTimerID.
	TimerUploadExpire = 'u'
	// TimerLockExpire: an in-progress vault lock expires. ID: LockTimerID.
	TimerLockExpire = 'l'
	// TimerNotify: a job-completion notification is due for delivery. ID:
	// NotifyTimerID; value: an OutboxEntry record.
	TimerNotify = 'n'
)

// UploadTimerID is the ID of an upload's TimerUploadExpire timer: vault ID
// then upload ID.
func UploadTimerID(vault, upload ulid.ULID) []byte {
	id := make([]byte, 0, 32)
	return append(append(id, vault[:]...), upload[:]...)
}

// SplitUploadTimerID splits an UploadTimerID; ok is false if id is not one.
func SplitUploadTimerID(id []byte) (vault, upload ulid.ULID, ok bool) {
	if len(id) != 32 {
		return vault, upload, false
	}
	copy(vault[:], id[:16])
	copy(upload[:], id[16:])
	return vault, upload, true
}

// LockTimerID is the ID of a vault lock's TimerLockExpire timer: the
// vault's ID, account and name (the name finds the record, the ID tells
// the vault from a later one of the same name).
func LockTimerID(vault ulid.ULID, account, name string) []byte {
	id := make([]byte, 0, 16+len(account)+len(name))
	id = append(id, vault[:]...)
	id = append(id, account...)
	return append(id, name...)
}

// SplitLockTimerID splits a LockTimerID; ok is false if id is not one.
func SplitLockTimerID(id []byte) (vault ulid.ULID, account, name string, ok bool) {
	if len(id) <= 16+accountIDLength {
		return vault, "", "", false
	}
	copy(vault[:], id[:16])
	return vault, string(id[16 : 16+accountIDLength]), string(id[16+accountIDLength:]), true
}

// NotifyTimerID is the ID of the TimerNotify timer of the notification of
// the job at key job (a JobKey) to topic.
func NotifyTimerID(job []byte, topic string) []byte {
	return append(append([]byte(nil), job...), topic...)
}
