package engine

import (
	"errors"
	"fmt"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
)

// write commits the writes fn records in b, in one synced batch; if fn
// fails, nothing is written. An error that is not already the service's
// own, from fn or the commit, is a storage failure (ioError).
func (e *Engine) write(fn func(b *store.Batch) error) error {
	b := e.db.NewBatch()
	defer b.Close()
	if err := fn(b); err != nil {
		return ioError(err)
	}
	if err := b.Commit(); err != nil {
		return ioError(err)
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
func scanRecords[T any](db *store.DB, lower, upper []byte, fn func(key []byte, rec *T) (bool, error)) error {
	return db.Scan(lower, upper, func(k, val []byte) (bool, error) {
		var rec T
		if err := unmarshal(val, &rec); err != nil {
			return false, err
		}
		return fn(k, &rec)
	})
}
