package store

import (
	"encoding/binary"
	"time"

	"github.com/oklog/ulid/v2"
)

// An intent records, on a database that several engines share, that an
// engine is writing blob segment seg: committed before the segment's first
// byte is written, deleted in the batch that first references it or when
// the write is given up. The sweep of unreferenced segments spares a
// segment whose intent is young, so that no engine deletes a segment that
// another is still writing.
//
// Where segment files are local (one engine, since FormatVersion 5), an
// intent marks a segment that may be garbage after a crash: one being
// written, and one whose reference a committed batch dropped and whose
// deletion has not been made durable. Open then checks only those.

// IntentKey is the key of the intent to write segment seg.
func IntentKey(seg ulid.ULID) []byte { return key(prefixIntent, seg[:]) }

// IntentAll is the prefix of every intent.
func IntentAll() []byte { return []byte{prefixIntent} }

// IntentID returns the segment ID of an IntentKey.
func IntentID(k []byte) (seg ulid.ULID) {
	copy(seg[:], k[1:])
	return seg
}

// IntentValue is the value of an intent: when its writer began, unix
// nanoseconds, big endian.
func IntentValue(t time.Time) []byte { return be64(t) }

// IntentTime returns the time of an intent's value; ok is false for a
// value IntentValue did not make.
func IntentTime(v []byte) (t time.Time, ok bool) {
	if len(v) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC(), true
}
