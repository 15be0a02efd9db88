package job

import (
	"time"

	"github.com/firnstore/firn"
)

// ValidateRetrievalPolicy checks a data retrieval policy: exactly one rule;
// Strategy BytesPerHour with a positive BytesPerHour, or FreeTier or None
// without one.
func ValidateRetrievalPolicy(p *firn.DataRetrievalPolicy) error {
	if p == nil {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Policy")
	}
	if len(p.Rules) != 1 {
		return invalid("Policy.Rules: exactly one rule is allowed, got %d", len(p.Rules))
	}
	r := p.Rules[0]
	switch r.Strategy {
	case firn.StrategyBytesPerHour:
		if r.BytesPerHour == nil {
			return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Policy.Rules[0].BytesPerHour (required with Strategy BytesPerHour)")
		}
		if *r.BytesPerHour <= 0 {
			return invalid("Policy.Rules[0].BytesPerHour: %d is not a positive number of bytes", *r.BytesPerHour)
		}
	case firn.StrategyFreeTier, firn.StrategyNone:
		if r.BytesPerHour != nil {
			return invalid("Policy.Rules[0].BytesPerHour: only Strategy BytesPerHour takes BytesPerHour, not %s", r.Strategy)
		}
	case "":
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: Policy.Rules[0].Strategy")
	default:
		return invalid("Policy.Rules[0].Strategy: %q is not a strategy; valid strategies are BytesPerHour, FreeTier and None", r.Strategy)
	}
	return nil
}

// DefaultRetrievalPolicy is the policy of an account that never set one: No
// Retrieval Limit.
func DefaultRetrievalPolicy() firn.DataRetrievalPolicy {
	return firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{{Strategy: firn.StrategyNone}}}
}

// Admit decides whether a Standard retrieval of n bytes at now is allowed
// by policy, given the bytes already retrieved in the trailing hour (from
// WindowStart(now, time.Hour)) and in the current UTC day (from
// StartOfDay(now)), and freePerDay, the free tier's daily allowance. It
// returns a PolicyEnforcedException saying why not.
func Admit(p firn.DataRetrievalPolicy, n, lastHour, today, freePerDay int64) error {
	if len(p.Rules) == 0 {
		return nil
	}
	r := p.Rules[0]
	switch r.Strategy {
	case firn.StrategyBytesPerHour:
		if lastHour+n > *r.BytesPerHour {
			return firn.Errorf(firn.CodePolicyEnforced, "Retrieving %d bytes would exceed the data retrieval policy's BytesPerHour limit of %d bytes (%d bytes retrieved in the last hour)", n, *r.BytesPerHour, lastHour)
		}
	case firn.StrategyFreeTier:
		if today+n > freePerDay {
			return firn.Errorf(firn.CodePolicyEnforced, "Retrieving %d bytes would exceed the free tier's daily allowance of %d bytes (%d bytes retrieved today); the data retrieval policy is FreeTier", n, freePerDay, today)
		}
	}
	return nil
}

// StartOfDay is the first instant of t's UTC day: retrievals at or after it
// (midnight itself included) count toward the day's free tier allowance.
func StartOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WindowStart is the first instant of the trailing window of length d that
// ends at now: retrievals at or after it count in the window, so a
// retrieval counts for exactly d, and one made d ago no longer does.
func WindowStart(now time.Time, d time.Duration) time.Time {
	return now.Add(-d + time.Nanosecond)
}
