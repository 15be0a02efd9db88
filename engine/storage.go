package engine

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
)

// write commits the writes fn records in b, in one synced batch; if fn
// fails, nothing is written. An error that is not already the service's
// own, from fn or the commit, is a storage failure (ioError).
//
// The reads fn makes through b are part of the commit's transaction (see
// store.DB.Update): a rule that fn decides from them holds across engines
// sharing a database. fn may run more than once, so it must have no effect
// but on b and on variables it sets afresh each run.
func (e *Engine) write(fn func(b *store.Batch) error) error {
	if err := e.db.Update(fn); err != nil {
		return ioError(err)
	}
	return nil
}

// errStale ends a transaction on a shared database when what the
// operation read before it began has changed in another engine: the
// operation then runs again from its reads (see retryStale).
var errStale = errors.New("engine: the state read changed in another engine")

// staleAttempts bounds the runs of an operation that keeps finding its
// reads changed.
const staleAttempts = 20

// retryStale runs op until it does not fail with errStale, at most
// staleAttempts times.
func retryStale(op func() error) error {
	var err error
	for range staleAttempts {
		if err = op(); !errors.Is(err, errStale) {
			return err
		}
	}
	return err
}

// unchanged returns errStale, on a shared database, unless the record at k
// as b's transaction reads it encodes as rec does; an absent record counts
// as changed. rec was read from k before the transaction began. Elsewhere
// the locks the caller holds keep rec current and it returns nil.
func (e *Engine) unchanged(b *store.Batch, k []byte, rec any) error {
	if !e.shared {
		return nil
	}
	cur, err := b.Get(k)
	if errors.Is(err, store.ErrNotFound) {
		return errStale
	}
	if err != nil {
		return err
	}
	// Both sides are encoded by this build, so that a record an older
	// build wrote compares by content.
	fresh := reflect.New(reflect.TypeOf(rec).Elem()).Interface()
	if err := unmarshal(cur, fresh); err != nil {
		return err
	}
	have, err := store.EncodeRecord(fresh)
	if err != nil {
		return err
	}
	want, err := store.EncodeRecord(rec)
	if err != nil {
		return err
	}
	if !bytes.Equal(have, want) {
		return errStale
	}
	return nil
}

// ioError wraps a storage failure as the service's error: the operation
// failed on the service side and may be retried.
func ioError(err error) error {
	var fe *firn.Error
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, store.ErrFailed) {
		return &firn.Error{Code: firn.CodeServiceUnavailable, Message: "the metadata store failed (" + err.Error() +
			"); the engine accepts no writes until it is reopened, which keeps every acknowledged one; a request that failed with this error may or may not have happened", Err: err}
	}
	if errors.Is(err, store.ErrUnavailable) {
		return &firn.Error{Code: firn.CodeServiceUnavailable, Message: "the metadata database cannot be reached (" + err.Error() +
			"); a request that failed with this error may or may not have happened, and may be retried", Err: err}
	}
	return &firn.Error{Code: firn.CodeServiceUnavailable, Message: "storage failure; the request changed nothing and may be retried", Err: err}
}

// unmarshal decodes a stored record.
func unmarshal(b []byte, v any) error {
	if err := store.DecodeRecord(b, v); err != nil {
		return fmt.Errorf("engine: decoding record: %w", err)
	}
	return nil
}

// scanRecords calls fn, in key order, with each record in [lower, upper)
// decoded as a T, until fn returns false or an error. A record that does
// not decode ends the scan with the decoding error.
func scanRecords[T any](db store.Reader, lower, upper []byte, fn func(key []byte, rec *T) (bool, error)) error {
	return db.Scan(lower, upper, func(k, val []byte) (bool, error) {
		var rec T
		if err := unmarshal(val, &rec); err != nil {
			return false, err
		}
		return fn(k, &rec)
	})
}
