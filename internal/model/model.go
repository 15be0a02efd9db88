// Package model is a reference model of the Glacier semantics that Firn's
// engine documents: a plain, in-memory, single-threaded implementation of
// firn.Glacier, written to be read rather than to be fast, for differential
// tests that drive the engine and the model with the same calls and compare
// every answer.
//
// The model keeps whole archives, parts and job outputs in memory and does
// time-driven work (job completion and expiry, multipart and vault-lock
// expiry, upload retention) at the start of each call, by Options.Clock.
// It follows the engine's rules: vaults, tags, notification configurations,
// access and vault lock policies (evaluated with package policy), archives,
// multipart uploads, archive retrieval, inventory and select jobs with a
// fixed delay per tier, the data retrieval policy and provisioned capacity,
// and imports (firn.Importer), which keep their source IDs and sort by a
// key of their creation date and ID's hash (imports.go).
// Inventories are always current (engine.Options.InventoryInterval zero).
//
// It reuses the parsers of outside input that have their own tests and fuzz
// targets (job.Validate and the range parsers, multipart.ParseRange,
// policy.Parse, csvselect); the state machines, validation of the other
// fields, listings and paging, counters, admission of retrievals and
// authorization wiring are its own.
//
// IDs are ULIDs in issue order, like the engine's but never equal to them;
// a test maps one to the other. A Model is not safe for concurrent use.
package model

import (
	"context"
	"encoding/binary"
	"strings"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/policy"
	"github.com/oklog/ulid/v2"
)

// Options configure a Model like the engine.Options of the same names.
type Options struct {
	// AccountID is the own account, what AccountId "" and "-" mean.
	// Default "000000000000".
	AccountID string
	// Region appears in ARNs. Default "us-east-1".
	Region string
	// Clock is the only source of time; required.
	Clock firn.Clock
	// MaxVaults is the number of vaults an account may hold. Default 1000.
	MaxVaults int
	// MaxArchiveSize is the largest single-request upload. Default 4 GiB.
	MaxArchiveSize int64
	// JobTiming gives the delay of jobs per tier; each window must have
	// Min equal to Max, so that completion times are known exactly.
	JobTiming job.Timing
	// LimitExpedited makes Expedited retrievals need provisioned capacity.
	LimitExpedited bool
	// FreeTierBytesPerDay is the FreeTier strategy's daily allowance.
	// Default 10 GiB / 30.
	FreeTierBytesPerDay int64
}

// Notification is a job-completion notification: the SNS topic and the
// job's description as JSON.
type Notification struct {
	Topic   string
	Message []byte
}

// Model is the reference model; it implements firn.Glacier.
type Model struct {
	o        Options
	accounts map[string]*account
	ids      uint64
	notes    []Notification
	policies map[string]*policy.Policy
}

var _ firn.Glacier = (*Model)(nil)

// Limits and periods of the service, as the engine documents them.
const (
	maxNameLength    = 255
	maxDescLength    = 1024
	maxTags          = 10
	maxTagKeyLength  = 128
	maxTagValLength  = 255
	maxPolicyBytes   = 20 * 1024
	mib              = 1 << 20
	maxParts         = 10_000
	uploadIdle       = 24 * time.Hour // an upload without activity expires
	uploadRetention  = 24 * time.Hour // a terminal upload is remembered
	lockTTL          = 24 * time.Hour
	outputLifetime   = 24 * time.Hour
	capacityUnits    = 2
	expeditedPerUnit = 3
	expeditedWindow  = 5 * time.Minute
)

// New returns an empty model. It panics if o.Clock is nil or a window of
// o.JobTiming has Min different from Max.
func New(o Options) *Model {
	if o.Clock == nil {
		panic("model: Options.Clock is required")
	}
	t := o.JobTiming
	for _, w := range []job.Window{t.Expedited, t.Standard, t.Bulk, t.Inventory} {
		if w.Min != w.Max {
			panic("model: every JobTiming window needs Min == Max")
		}
	}
	if o.AccountID == "" {
		o.AccountID = "000000000000"
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.MaxVaults == 0 {
		o.MaxVaults = 1000
	}
	if o.MaxArchiveSize == 0 {
		o.MaxArchiveSize = 4 << 30
	}
	if o.FreeTierBytesPerDay == 0 {
		o.FreeTierBytesPerDay = (10 << 30) / 30
	}
	return &Model{o: o, accounts: map[string]*account{}, policies: map[string]*policy.Policy{}}
}

// Notifications returns the notifications of every job completed so far,
// in completion order.
func (m *Model) Notifications() []Notification {
	return append([]Notification(nil), m.notes...)
}

// account is one tenant.
type account struct {
	vaults    map[string]*vault
	retrieval *firn.DataRetrievalPolicy // nil: never set
	units     []capacityUnit
	standard  []retrieval // Standard-tier retrievals, for the policy
	expedited []time.Time // Expedited retrievals, for capacity
}

type capacityUnit struct {
	id             string
	start, expires time.Time
}

type retrieval struct {
	at    time.Time
	bytes int64
}

func (m *Model) now() time.Time { return m.o.Clock.Now().UTC() }

// newID returns a fresh ULID; IDs sort in issue order.
func (m *Model) newID() string {
	m.ids++
	var u ulid.ULID
	if err := u.SetTime(ulid.Timestamp(m.now())); err != nil {
		panic(err)
	}
	binary.BigEndian.PutUint64(u[8:], m.ids)
	return u.String()
}

// begin starts every call that takes an AccountId: it does the time-driven
// work that is due, then resolves the account.
func (m *Model) begin(id string) (*account, string, error) {
	m.tick()
	if id == "" || id == "-" {
		id = m.o.AccountID
	} else if !isAccountID(id) {
		return nil, "", invalid("AccountId: %q is not a 12-digit account ID or \"-\"", id)
	}
	a := m.accounts[id]
	if a == nil {
		a = &account{vaults: map[string]*vault{}}
		m.accounts[id] = a
	}
	return a, id, nil
}

// tick does the work that the clock has made due, in every account.
func (m *Model) tick() {
	now := m.now()
	for _, a := range m.accounts {
		for _, v := range a.vaults {
			m.tickVault(a, v, now)
		}
	}
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func invalid(format string, args ...any) error {
	return firn.Errorf(firn.CodeInvalidParameterValue, format, args...)
}

func missing(field string) error {
	return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: %s", field)
}

func notFound(format string, args ...any) error {
	return firn.Errorf(firn.CodeResourceNotFound, format, args...)
}

func (m *Model) vaultARN(acct, name string) string {
	return "arn:aws:glacier:" + m.o.Region + ":" + acct + ":vaults/" + name
}

func location(acct, name string) string { return "/" + acct + "/vaults/" + name }

// caller returns the caller's principal and account for a request on
// acct's resources: the context's principal, or acct's root.
func caller(ctx context.Context, acct string) (arn, account string) {
	p, ok := firn.PrincipalFrom(ctx)
	if !ok {
		return "arn:aws:iam::" + acct + ":root", acct
	}
	if isAccountID(p) {
		return p, p
	}
	if f := strings.SplitN(p, ":", 6); len(f) == 6 {
		return p, f[4]
	}
	return p, ""
}

// authorizeAccount allows account-wide operations to acct's principals.
func (m *Model) authorizeAccount(ctx context.Context, op, acct string) error {
	if arn, account := caller(ctx, acct); account != acct {
		return firn.Errorf(firn.CodeAccessDenied, "User: %s is not authorized to perform: glacier:%s", arn, op)
	}
	return nil
}

// authorize decides op on v with its lock and access policies; created is
// the creation time of the archive acted on, or zero.
func (m *Model) authorize(ctx context.Context, op string, v *vault, created time.Time) error {
	now := m.now()
	arn, account := caller(ctx, v.account)
	r := policy.Request{
		Action:           "glacier:" + op,
		Resource:         m.vaultARN(v.account, v.name),
		Principal:        arn,
		PrincipalAccount: account,
		Now:              now,
		SecureTransport:  firn.SecureTransportFrom(ctx),
		ResourceTags:     v.tags,
	}
	if !created.IsZero() {
		age := int64(0)
		if d := now.Sub(created); d > 0 {
			age = int64(d / (24 * time.Hour))
		}
		r.ArchiveAgeInDays = &age
	}
	return policy.Authorize(r, v.account, m.parsed(v.lockAt(now).policy), m.parsed(v.access))
}

// parsed returns a stored policy document parsed, nil for "".
func (m *Model) parsed(doc string) *policy.Policy {
	if doc == "" {
		return nil
	}
	p, ok := m.policies[doc]
	if !ok {
		var err error
		if p, err = policy.Parse(doc); err != nil {
			panic("model: a stored policy does not parse: " + err.Error())
		}
		m.policies[doc] = p
	}
	return p
}

// listLimit validates a page size; 0 means def.
func listLimit(limit int32, def, most int) (int, error) {
	if limit == 0 {
		return def, nil
	}
	if limit < 0 || int(limit) > most {
		return 0, invalid("limit: %d is not between 1 and %d", limit, most)
	}
	return int(limit), nil
}

// validULID reports whether s is a ULID, the form of every ID and of the
// markers that are IDs.
func validULID(s string) bool {
	_, err := ulid.ParseStrict(s)
	return err == nil
}
