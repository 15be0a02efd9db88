package store

import (
	"encoding/json"
	"fmt"
)

// GetJSON decodes the JSON record at key into v, or returns ErrNotFound.
func (s *DB) GetJSON(key []byte, v any) error {
	b, err := s.Get(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("store: decode %x: %w", key, err)
	}
	return nil
}

// SetJSON records key = JSON encoding of v.
func (b *Batch) SetJSON(key []byte, v any) error {
	enc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode: %w", err)
	}
	b.Set(key, enc)
	return nil
}
