package store

import (
	"encoding/binary"
	"time"

	"github.com/firnstore/firn"
	"github.com/oklog/ulid/v2"
)

// Account-wide record kinds, the byte after the account in 0x09 keys.
const (
	// AccountRetrievalPolicy: the account's data retrieval policy, a
	// *firn.DataRetrievalPolicy record; no key suffix.
	AccountRetrievalPolicy = 'r'
	// AccountCapacity: one provisioned capacity unit, a CapacityUnit
	// record; key suffix: the unit's ID.
	AccountCapacity = 'c'
	// AccountRetrievalLog and AccountExpeditedLog: one entry per retrieval
	// job, at AccountLogKey, valued AccountLogValue.
	AccountRetrievalLog = 'l'
	AccountExpeditedLog = 'e'
)

// policyRecord is the stored form of a firn.DataRetrievalPolicy.
type policyRecord struct {
	Rules []ruleRecord `json:"Rules"`
}

type ruleRecord struct {
	Strategy     string `json:"Strategy"`
	BytesPerHour *int64 `json:"BytesPerHour"`
}

func policyToRecord(p *firn.DataRetrievalPolicy) *policyRecord {
	r := &policyRecord{}
	if p.Rules != nil {
		r.Rules = make([]ruleRecord, len(p.Rules))
		for i, rule := range p.Rules {
			r.Rules[i] = ruleRecord(rule)
		}
	}
	return r
}

func (r *policyRecord) policy() firn.DataRetrievalPolicy {
	var p firn.DataRetrievalPolicy
	if r.Rules != nil {
		p.Rules = make([]firn.DataRetrievalRule, len(r.Rules))
		for i, rule := range r.Rules {
			p.Rules[i] = firn.DataRetrievalRule(rule)
		}
	}
	return p
}

// CapacityUnit is the record of one provisioned capacity unit (key
// AccountKey(account, AccountCapacity, ID)).
type CapacityUnit struct {
	ID      ulid.ULID
	Start   time.Time
	Expires time.Time
}

// capacityRecord is the stored form of a CapacityUnit.
type capacityRecord struct {
	ID      [16]byte  `json:"id"`
	Start   time.Time `json:"start"`
	Expires time.Time `json:"expires"`
}

func capacityToRecord(u *CapacityUnit) *capacityRecord {
	return &capacityRecord{u.ID, u.Start, u.Expires}
}

func (r *capacityRecord) unit() CapacityUnit { return CapacityUnit{r.ID, r.Start, r.Expires} }

// AccountLogKey is the key of the entry of a retrieval log (kind
// AccountRetrievalLog or AccountExpeditedLog) for the job started at at.
// Entries sort by time.
func AccountLogKey(account string, kind byte, at time.Time, job ulid.ULID) []byte {
	return AccountKey(account, kind, be64(at), job[:])
}

// AccountLogStart is the smallest key of a log's entries made at or after
// t.
func AccountLogStart(account string, kind byte, t time.Time) []byte {
	return AccountKey(account, kind, be64(t))
}

func be64(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())) }

// AccountLogValue is the value of a log entry: the bytes the job retrieves.
func AccountLogValue(n int64) []byte { return binary.AppendVarint(nil, n) }

// AccountLogBytes returns the bytes of a log entry's value; 0 for a value
// AccountLogValue did not make.
func AccountLogBytes(v []byte) int64 {
	n, _ := binary.Varint(v)
	return n
}
