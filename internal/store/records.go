package store

import (
	"encoding/json"
	"fmt"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
)

// EncodeRecord returns the stored form of a record: JSON, but for an
// archive record's binary encoding (archivecodec.go). v is a pointer to one
// of the record types of the keyspace (see doc.go): *vault.Record,
// *vault.ArchiveRecord, *job.Record, *UploadRecord, *PartRecord,
// *firn.DataRetrievalPolicy, *CapacityUnit or *OutboxEntry. Any other type
// is an error, so that nothing reaches the disk in a form the format does
// not define.
func EncodeRecord(v any) ([]byte, error) {
	var w any
	switch v := v.(type) {
	case *vault.Record:
		w = vaultToRecord(v)
	case *vault.ArchiveRecord:
		return appendArchive(nil, v), nil
	case *job.Record:
		w = jobToRecord(v)
	case *UploadRecord:
		w = uploadToRecord(v)
	case *PartRecord:
		w = partToRecord(v)
	case *firn.DataRetrievalPolicy:
		w = policyToRecord(v)
	case *CapacityUnit:
		w = capacityToRecord(v)
	case *OutboxEntry:
		w = v
	default:
		return nil, fmt.Errorf("store: encode: %T is not a record type", v)
	}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("store: encode %T: %w", v, err)
	}
	return b, nil
}

// DecodeRecord decodes the stored form of a record into v, a pointer to one
// of the types EncodeRecord takes, or to a SegmentHolder for a part or job
// record. Fields the stored form lacks are left zero in v; fields v lacks
// are ignored, so records written by newer versions of the same
// FormatVersion decode.
func DecodeRecord(b []byte, v any) error {
	var err error
	switch v := v.(type) {
	case *vault.Record:
		err = decode(b, v, (*vaultRecord).vault)
	case *vault.ArchiveRecord:
		if len(b) > 0 && b[0] == archiveCodecV1 {
			err = decodeArchive(b, v)
		} else {
			err = decode(b, v, (*archiveRecord).archive)
		}
	case *job.Record:
		err = decode(b, v, (*jobRecord).job)
	case *UploadRecord:
		err = decode(b, v, (*uploadRecord).upload)
	case *PartRecord:
		err = decode(b, v, (*partRecord).part)
	case *firn.DataRetrievalPolicy:
		err = decode(b, v, (*policyRecord).policy)
	case *CapacityUnit:
		err = decode(b, v, (*capacityRecord).unit)
	case *OutboxEntry:
		err = json.Unmarshal(b, v)
	case *SegmentHolder:
		err = decode(b, v, (*segmentHolderRecord).holder)
	default:
		return fmt.Errorf("store: decode: %T is not a record type", v)
	}
	if err != nil {
		return fmt.Errorf("store: decode %T: %w", v, err)
	}
	return nil
}

// decode unmarshals b as the stored form R and converts it into *dst.
func decode[R, T any](b []byte, dst *T, conv func(*R) T) error {
	var r R
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	*dst = conv(&r)
	return nil
}

// GetRecord decodes the record at key into v (see DecodeRecord), or returns
// ErrNotFound.
func (s *DB) GetRecord(key []byte, v any) error { return GetRecord(s, key, v) }

// GetRecord decodes the record at key, read within the batch's
// transaction, into v.
func (b *Batch) GetRecord(key []byte, v any) error { return GetRecord(b, key, v) }

// SetRecord records key = the stored form of the record v (see
// EncodeRecord).
func (b *Batch) SetRecord(key []byte, v any) error {
	enc, err := EncodeRecord(v)
	if err != nil {
		return err
	}
	b.Set(key, enc)
	return nil
}
