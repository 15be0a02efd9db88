package model

import (
	"context"

	"time"

	"github.com/firnstore/firn"
)

// SetDataRetrievalPolicy implements firn.Glacier: exactly one rule,
// BytesPerHour with a positive BytesPerHour, or FreeTier or None without.
func (m *Model) SetDataRetrievalPolicy(ctx context.Context, in *firn.SetDataRetrievalPolicyInput) (*firn.SetDataRetrievalPolicyOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := m.authorizeAccount(ctx, "SetDataRetrievalPolicy", acct); err != nil {
		return nil, err
	}
	p := in.Policy
	if p == nil {
		return nil, missing("Policy")
	}
	if len(p.Rules) != 1 {
		return nil, invalid("Policy.Rules: %d rules, exactly one is allowed", len(p.Rules))
	}
	r := p.Rules[0]
	switch r.Strategy {
	case firn.StrategyBytesPerHour:
		if r.BytesPerHour == nil {
			return nil, missing("Policy.Rules[0].BytesPerHour")
		}
		if *r.BytesPerHour <= 0 {
			return nil, invalid("Policy.Rules[0].BytesPerHour: %d is not positive", *r.BytesPerHour)
		}
		n := *r.BytesPerHour
		r.BytesPerHour = &n
	case firn.StrategyFreeTier, firn.StrategyNone:
		if r.BytesPerHour != nil {
			return nil, invalid("Policy.Rules[0].BytesPerHour: not with Strategy %s", r.Strategy)
		}
	case "":
		return nil, missing("Policy.Rules[0].Strategy")
	default:
		return nil, invalid("Policy.Rules[0].Strategy: %q", r.Strategy)
	}
	a.retrieval = &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{r}}
	return &firn.SetDataRetrievalPolicyOutput{}, nil
}

// GetDataRetrievalPolicy implements firn.Glacier; the default is None.
func (m *Model) GetDataRetrievalPolicy(ctx context.Context, in *firn.GetDataRetrievalPolicyInput) (*firn.GetDataRetrievalPolicyOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := m.authorizeAccount(ctx, "GetDataRetrievalPolicy", acct); err != nil {
		return nil, err
	}
	r := firn.DataRetrievalRule{Strategy: firn.StrategyNone}
	if a.retrieval != nil {
		r = a.retrieval.Rules[0]
		if r.BytesPerHour != nil {
			n := *r.BytesPerHour
			r.BytesPerHour = &n
		}
	}
	return &firn.GetDataRetrievalPolicyOutput{Policy: firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{r}}}, nil
}

// liveUnits returns a's capacity units that have not expired at now.
func liveUnits(a *account, now time.Time) []capacityUnit {
	var live []capacityUnit
	for _, u := range a.units {
		if now.Before(u.expires) {
			live = append(live, u)
		}
	}
	return live
}

// PurchaseProvisionedCapacity implements firn.Glacier: a unit lasts a
// calendar month, to the second, ending on the next month's last day when
// that month has no such day; an account holds at most two.
func (m *Model) PurchaseProvisionedCapacity(ctx context.Context, in *firn.PurchaseProvisionedCapacityInput) (*firn.PurchaseProvisionedCapacityOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := m.authorizeAccount(ctx, "PurchaseProvisionedCapacity", acct); err != nil {
		return nil, err
	}
	now := m.now()
	if len(liveUnits(a, now)) >= capacityUnits {
		return nil, firn.Errorf(firn.CodeLimitExceeded, "account %s already has %d capacity units", acct, capacityUnits)
	}
	expires := now.UTC().AddDate(0, 1, 0)
	if expires.Day() != now.UTC().Day() {
		// AddDate overflowed into the month after (January 31 + 1 month
		// is March 3): go back to the last day of the month before.
		expires = expires.AddDate(0, 0, -expires.Day())
	}
	u := capacityUnit{id: m.newID(), start: now, expires: expires.Round(time.Second)}
	a.units = append(a.units, u)
	return &firn.PurchaseProvisionedCapacityOutput{CapacityId: u.id}, nil
}

// ListProvisionedCapacity implements firn.Glacier: live units in purchase
// order.
func (m *Model) ListProvisionedCapacity(ctx context.Context, in *firn.ListProvisionedCapacityInput) (*firn.ListProvisionedCapacityOutput, error) {
	a, acct, err := m.begin(in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := m.authorizeAccount(ctx, "ListProvisionedCapacity", acct); err != nil {
		return nil, err
	}
	out := &firn.ListProvisionedCapacityOutput{ProvisionedCapacityList: []firn.ProvisionedCapacityDescription{}}
	for _, u := range liveUnits(a, m.now()) {
		out.ProvisionedCapacityList = append(out.ProvisionedCapacityList, firn.ProvisionedCapacityDescription{CapacityId: u.id, StartDate: u.start, ExpirationDate: u.expires})
	}
	return out, nil
}
