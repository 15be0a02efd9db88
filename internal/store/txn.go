package store

import (
	"errors"
	"fmt"
)

// Reader is the read half of the store: the DB itself, which reads the
// committed state, and a Batch, which reads within its transaction.
type Reader interface {
	// Get returns a copy of the value of key, or ErrNotFound.
	Get(key []byte) ([]byte, error)
	// Scan calls fn for each key in [lower, upper) in order, until fn
	// returns false or an error; key and value are valid only during the
	// call.
	Scan(lower, upper []byte, fn func(key, value []byte) (bool, error)) error
	// Counters returns the sum of the counter operands at key.
	Counters(key []byte) (Counters, error)
}

var (
	_ Reader = (*DB)(nil)
	_ Reader = (*Batch)(nil)
)

// Update runs fn with an empty batch and commits what fn records in it,
// synced, atomically with what fn read through it: the batch's reads (Get,
// Scan, Counters and the helpers on them) see the state the commit
// applies to. On PostgreSQL this is one SERIALIZABLE transaction, and if a
// concurrent commit, from this engine or another, changed what fn read, the
// transaction is rolled back and fn runs again on a fresh batch (a bounded
// number of times; the last conflict is then returned, wrapping
// ErrConflict). On Pebble the reads see the committed state and fn runs
// once: the engine's locks keep what it reads stable, as one process owns
// the store.
//
// So fn must have no effect but on b, and must not rely on reading its own
// writes: a read through b does not see what b records. If fn returns an
// error, nothing is written.
func (s *DB) Update(fn func(b *Batch) error) error {
	if s.pg != nil {
		return s.pg.update(s, fn)
	}
	b := s.NewBatch()
	defer b.Close()
	if err := fn(b); err != nil {
		return err
	}
	return b.Commit()
}

// ErrConflict is wrapped by the error of an Update whose transaction kept
// conflicting with concurrent ones until its attempts ran out.
var ErrConflict = errors.New("store: transaction conflicts with concurrent ones")

// Get returns a copy of the value of key, read within the batch's
// transaction (see Update), or ErrNotFound. It does not see the batch's
// own writes.
func (b *Batch) Get(key []byte) ([]byte, error) {
	if b.pg != nil && b.pg.tx != nil {
		return b.pg.get(key)
	}
	return b.s.Get(key)
}

// Scan is DB.Scan within the batch's transaction (see Update).
func (b *Batch) Scan(lower, upper []byte, fn func(key, value []byte) (bool, error)) error {
	if b.pg != nil && b.pg.tx != nil {
		return b.pg.scan(lower, upper, fn)
	}
	return b.s.Scan(lower, upper, fn)
}

// Counters is DB.Counters within the batch's transaction (see Update).
func (b *Batch) Counters(key []byte) (Counters, error) {
	if b.pg != nil && b.pg.tx != nil {
		return b.pg.counters(key)
	}
	return b.s.Counters(key)
}

// Has reports whether key is present.
func Has(r Reader, key []byte) (bool, error) {
	_, err := r.Get(key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Any reports whether some key lies in [lower, upper).
func Any(r Reader, lower, upper []byte) (bool, error) {
	found := false
	err := r.Scan(lower, upper, func(_, _ []byte) (bool, error) {
		found = true
		return false, nil
	})
	return found, err
}

// GetRecord decodes the record at key into v, which must be a pointer to
// a record type (see DecodeRecord); an absent key is ErrNotFound.
func GetRecord(r Reader, key []byte, v any) error {
	b, err := r.Get(key)
	if err != nil {
		return err
	}
	if err := DecodeRecord(b, v); err != nil {
		return fmt.Errorf("%w at %x", err, key)
	}
	return nil
}
