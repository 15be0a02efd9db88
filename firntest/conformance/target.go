package conformance

import (
	"cmp"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/job"
)

// Start is the time a Target's Clock reads when the Target is made. Rules
// move the clock forward from there, some to fixed dates after it.
var Start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// A Target is the implementation under test, made fresh for each rule:
// nothing a rule does may be seen by another. Only Glacier and Clock are
// required; a rule that needs a capability the Target lacks (a nil func) is
// skipped with t.Skip saying which.
type Target struct {
	// Glacier is the implementation. Rules call it from several goroutines
	// at once. A call's context says who makes it (firn.PrincipalFrom; none
	// means the root of the account of the request) and whether it came
	// over TLS (firn.SecureTransportFrom): a Glacier reached over a network
	// must send each call as that principal, over that transport. Its
	// limits are the service's, and its jobs complete as soon as they are
	// initiated.
	Glacier firn.Glacier
	// Clock is the time Glacier runs on; it must read Start when the
	// Target is made. Glacier must see the time the Clock reads at each
	// call: jobs complete and locks, uploads and job outputs expire as the
	// suite advances it.
	Clock Clock
	// Account is the 12-digit ID of the account that AccountId "" and "-"
	// mean; "" means 000000000000.
	Account string
	// Region is the region of Glacier's ARNs; "" means us-east-1.
	Region string
	// Reopen closes Glacier and opens its storage again, as after a
	// restart, and returns the Glacier that the rule uses from then on.
	// Without it the rules about durability are skipped.
	Reopen func(t *testing.T) firn.Glacier
	// WithLimits returns a fresh Target of the same implementation with
	// the limits and job settings of l. Without it the rules that need
	// them are skipped.
	WithLimits func(t *testing.T, l Limits) *Target
	// Notifications returns the job-completion notifications delivered so
	// far, for the SNS topics of vaults and jobs; if Glacier delivers in
	// the background, it first waits for the deliveries already due.
	// Without it the rule about delivery is skipped.
	Notifications func() []Notification
}

// Clock is the time of a Target, which the suite moves forward.
// *firntest.Clock implements it.
type Clock interface {
	firn.Clock
	// Advance moves the time forward by d, which is never negative, and
	// returns the new time.
	Advance(d time.Duration) time.Time
}

// Limits are what Target.WithLimits sets, so that rules reach limits
// cheaply and jobs take time. A zero field keeps what a Target has without
// them: the service's limits, jobs that complete at once.
type Limits struct {
	// MaxVaults is the number of vaults an account may hold.
	MaxVaults int
	// MaxArchiveSize is the largest archive UploadArchive accepts, in
	// bytes.
	MaxArchiveSize int64
	// JobTiming says how long jobs take, per tier.
	JobTiming job.Timing
	// LimitExpedited makes Expedited retrievals need provisioned capacity:
	// each unit allows 3 every 5 minutes, further ones fail with
	// InsufficientCapacityException.
	LimitExpedited bool
	// FreeTierBytesPerDay is the daily retrieval allowance of a FreeTier
	// data retrieval policy.
	FreeTierBytesPerDay int64
}

// Notification is one delivered job-completion notification.
type Notification struct {
	// Topic is the SNS topic ARN.
	Topic string
	// Message is the job description in the service's JSON form.
	Message []byte
}

// target is a Target as the rules use it.
type target struct {
	g       firn.Glacier
	clock   Clock
	account string // the target's own 12-digit account ID
	region  string
	// reopen closes and reopens the same storage, replacing g; nil if the
	// target cannot.
	reopen func(t *testing.T)
	// withLimits returns a fresh target of the same implementation with
	// lowered limits; nil if the target's limits are fixed.
	withLimits func(t *testing.T, l Limits) *target
	// notifications returns the job-completion notifications delivered so
	// far; nil if the target's cannot be observed.
	notifications func() []Notification
}

// open checks a Target made by the caller's factory and returns it as the
// rules use it.
func open(t *testing.T, tt *Target) *target {
	t.Helper()
	switch {
	case tt == nil || tt.Glacier == nil:
		t.Fatal("conformance: the Target has no Glacier")
	case tt.Clock == nil:
		t.Fatal("conformance: the Target has no Clock")
	case !tt.Clock.Now().Equal(Start):
		t.Fatalf("conformance: the Target's Clock reads %v, want Start (%v)", tt.Clock.Now(), Start)
	}
	tg := &target{
		g:             tt.Glacier,
		clock:         tt.Clock,
		account:       cmp.Or(tt.Account, "000000000000"),
		region:        cmp.Or(tt.Region, "us-east-1"),
		notifications: tt.Notifications,
	}
	if tt.Reopen != nil {
		tg.reopen = func(t *testing.T) {
			t.Helper()
			if tg.g = tt.Reopen(t); tg.g == nil {
				t.Fatal("conformance: Reopen returned no Glacier")
			}
		}
	}
	if tt.WithLimits != nil {
		tg.withLimits = func(t *testing.T, l Limits) *target {
			t.Helper()
			return open(t, tt.WithLimits(t, l))
		}
	}
	return tg
}

// Naming.

func (tg *target) vaultARN(account, vault string) string {
	return "arn:aws:glacier:" + tg.region + ":" + tg.resolve(account) + ":vaults/" + vault
}

func (tg *target) vaultLocation(account, vault string) string {
	return "/" + tg.resolve(account) + "/vaults/" + vault
}

// resolve maps the account aliases "" and "-" to the target's own account.
func (tg *target) resolve(account string) string {
	if account == "" || account == "-" {
		return tg.account
	}
	return account
}

func (tg *target) vaultNotFound(account, vault string) string {
	return "Vault not found for ARN: " + tg.vaultARN(account, vault)
}
