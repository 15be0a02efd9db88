package engine

import (
	"context"
	"errors"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/job"
)

// Provisioned capacity rules of the service.
const (
	maxCapacityUnits       = 2
	expeditedPerUnit       = 3
	expeditedWindow        = 5 * time.Minute
	retrievalLogRetention  = 24 * time.Hour
	defaultFreeTierPerDay  = (10 << 30) / 30
	provisionedCapacityFmt = "PurchaseProvisionedCapacity"
)

// admitRetrieval applies the account's data retrieval policy (Standard
// tier) and provisioned capacity (Expedited tier, with
// Options.LimitExpedited) to a job retrieving n bytes, and records the
// retrieval in b. The caller holds retrievalMu until b commits.
func (e *Engine) admitRetrieval(b *store.Batch, acct string, j *job.Record, n int64) error {
	now := e.now()
	switch j.Tier {
	case firn.TierStandard:
		p, err := e.retrievalPolicy(b, acct)
		if err != nil {
			return err
		}
		// Only the window the policy limits is summed: the logs hold every
		// retrieval of the last day, and a job should not cost O(that).
		var hour, day int64
		if len(p.Rules) > 0 {
			switch p.Rules[0].Strategy {
			case firn.StrategyBytesPerHour:
				hour, err = e.sumLog(b, acct, store.AccountRetrievalLog, job.WindowStart(now, time.Hour))
			case firn.StrategyFreeTier:
				day, err = e.sumLog(b, acct, store.AccountRetrievalLog, job.StartOfDay(now))
			}
			if err != nil {
				return err
			}
		}
		if err := job.Admit(p, n, hour, day, e.opts.FreeTierBytesPerDay); err != nil {
			return err
		}
		if err := e.trimLog(b, acct, store.AccountRetrievalLog, now); err != nil {
			return err
		}
		b.Set(store.AccountLogKey(acct, store.AccountRetrievalLog, now, j.ID), store.AccountLogValue(n))
	case firn.TierExpedited:
		if !e.opts.LimitExpedited {
			return nil
		}
		units, err := e.capacity(b, acct)
		if err != nil {
			return err
		}
		recent, err := e.countLog(b, acct, store.AccountExpeditedLog, job.WindowStart(now, expeditedWindow))
		if err != nil {
			return err
		}
		if recent >= int64(len(units)*expeditedPerUnit) {
			return firn.Errorf(firn.CodeInsufficientCapacity, "Tier: no expedited retrieval capacity is available: %d provisioned capacity units allow %d expedited retrievals every 5 minutes and %d were started; purchase provisioned capacity or use the Standard or Bulk tier", len(units), len(units)*expeditedPerUnit, recent)
		}
		if err := e.trimLog(b, acct, store.AccountExpeditedLog, now); err != nil {
			return err
		}
		b.Set(store.AccountLogKey(acct, store.AccountExpeditedLog, now, j.ID), store.AccountLogValue(n))
	}
	return nil
}

// trimLog records in b the deletion of an account log's entries older than
// retrievalLogRetention, if it has some: a range deletion in every job's
// batch would pile up range tombstones that every later read steps over.
func (e *Engine) trimLog(b *store.Batch, acct string, kind byte, now time.Time) error {
	p := store.AccountKey(acct, kind)
	end := store.AccountLogStart(acct, kind, now.Add(-retrievalLogRetention))
	old, err := b.Any(p, end)
	if err != nil {
		return ioError(err)
	}
	if old {
		b.DeleteRange(p, end)
	}
	return nil
}

// sumLog adds the byte counts of an account log's entries at or after from.
func (e *Engine) sumLog(rd store.Reader, acct string, kind byte, from time.Time) (int64, error) {
	var sum int64
	err := e.scanLog(rd, acct, kind, from, func(n int64) { sum += n })
	return sum, err
}

// countLog counts an account log's entries at or after from.
func (e *Engine) countLog(rd store.Reader, acct string, kind byte, from time.Time) (int64, error) {
	var count int64
	err := e.scanLog(rd, acct, kind, from, func(int64) { count++ })
	return count, err
}

// scanLog calls fn with the byte count of each entry of an account log at
// or after from. The bound is inclusive so that a window that starts at an
// instant, such as a UTC day at midnight, holds the entries made at it.
func (e *Engine) scanLog(rd store.Reader, acct string, kind byte, from time.Time, fn func(n int64)) error {
	p := store.AccountKey(acct, kind)
	err := rd.Scan(store.AccountLogStart(acct, kind, from), store.PrefixEnd(p), func(_, v []byte) (bool, error) {
		fn(store.AccountLogBytes(v))
		return true, nil
	})
	if err != nil {
		return ioError(err)
	}
	return nil
}

func (e *Engine) retrievalPolicy(rd store.Reader, acct string) (firn.DataRetrievalPolicy, error) {
	var p firn.DataRetrievalPolicy
	err := store.GetRecord(rd, store.AccountKey(acct, store.AccountRetrievalPolicy), &p)
	if errors.Is(err, store.ErrNotFound) {
		return job.DefaultRetrievalPolicy(), nil
	}
	if err != nil {
		return p, ioError(err)
	}
	return p, nil
}

// SetDataRetrievalPolicy implements firn.Glacier. The policy governs
// Standard-tier retrievals initiated afterwards; running jobs are not
// affected.
func (e *Engine) SetDataRetrievalPolicy(ctx context.Context, in *firn.SetDataRetrievalPolicyInput) (*firn.SetDataRetrievalPolicyOutput, error) {
	r, err := e.beginAccount(ctx, "SetDataRetrievalPolicy", in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := job.ValidateRetrievalPolicy(in.Policy); err != nil {
		return nil, err
	}
	if err := e.admit(classMetadata); err != nil {
		return nil, err
	}
	e.retrievalMu.Lock()
	defer e.retrievalMu.Unlock()
	err = e.write(func(b *store.Batch) error {
		return b.SetRecord(store.AccountKey(r.acct, store.AccountRetrievalPolicy), in.Policy)
	})
	if err != nil {
		return nil, err
	}
	return &firn.SetDataRetrievalPolicyOutput{}, nil
}

// GetDataRetrievalPolicy implements firn.Glacier. An account that never set
// a policy has Strategy None (No Retrieval Limit).
func (e *Engine) GetDataRetrievalPolicy(ctx context.Context, in *firn.GetDataRetrievalPolicyInput) (*firn.GetDataRetrievalPolicyOutput, error) {
	r, err := e.beginAccount(ctx, "GetDataRetrievalPolicy", in.AccountId)
	if err != nil {
		return nil, err
	}
	p, err := e.retrievalPolicy(e.db, r.acct)
	if err != nil {
		return nil, err
	}
	return &firn.GetDataRetrievalPolicyOutput{Policy: p}, nil
}

// capacity returns the account's unexpired capacity units, oldest first.
func (e *Engine) capacity(rd store.Reader, acct string) ([]store.CapacityUnit, error) {
	now := e.now()
	var units []store.CapacityUnit
	p := store.AccountKey(acct, store.AccountCapacity)
	err := rd.Scan(p, store.PrefixEnd(p), func(_, v []byte) (bool, error) {
		var u store.CapacityUnit
		if err := unmarshal(v, &u); err != nil {
			return false, err
		}
		if job.CapacityActive(u.Expires, now) {
			units = append(units, u)
		}
		return true, nil
	})
	if err != nil {
		return nil, ioError(err)
	}
	return units, nil
}

// PurchaseProvisionedCapacity implements firn.Glacier. A unit starts now and
// expires one month later (job.CapacityExpiration: a unit bought on January
// 31 expires on February 28 or 29); an account holds at most two unexpired
// units (LimitExceededException).
func (e *Engine) PurchaseProvisionedCapacity(ctx context.Context, in *firn.PurchaseProvisionedCapacityInput) (*firn.PurchaseProvisionedCapacityOutput, error) {
	r, err := e.beginAccount(ctx, "PurchaseProvisionedCapacity", in.AccountId)
	if err != nil {
		return nil, err
	}
	if err := e.admit(classMetadata); err != nil {
		return nil, err
	}
	e.retrievalMu.Lock()
	defer e.retrievalMu.Unlock()
	now := e.now()
	u := store.CapacityUnit{ID: e.newID(), Start: now, Expires: job.CapacityExpiration(now)}
	err = e.write(func(b *store.Batch) error {
		// Counted in the transaction that adds, for the limit to hold
		// across engines.
		units, err := e.capacity(b, r.acct)
		if err != nil {
			return err
		}
		if len(units) >= maxCapacityUnits {
			return firn.Errorf(firn.CodeLimitExceeded, "%s: account %s already has %d units, the maximum", provisionedCapacityFmt, r.acct, maxCapacityUnits)
		}
		return b.SetRecord(store.AccountKey(r.acct, store.AccountCapacity, u.ID[:]), &u)
	})
	if err != nil {
		return nil, err
	}
	return &firn.PurchaseProvisionedCapacityOutput{CapacityId: u.ID.String()}, nil
}

// ListProvisionedCapacity implements firn.Glacier: the account's unexpired
// units, in purchase order.
func (e *Engine) ListProvisionedCapacity(ctx context.Context, in *firn.ListProvisionedCapacityInput) (*firn.ListProvisionedCapacityOutput, error) {
	r, err := e.beginAccount(ctx, "ListProvisionedCapacity", in.AccountId)
	if err != nil {
		return nil, err
	}
	units, err := e.capacity(e.db, r.acct)
	if err != nil {
		return nil, err
	}
	out := &firn.ListProvisionedCapacityOutput{ProvisionedCapacityList: []firn.ProvisionedCapacityDescription{}}
	for _, u := range units {
		out.ProvisionedCapacityList = append(out.ProvisionedCapacityList, firn.ProvisionedCapacityDescription{
			CapacityId: u.ID.String(), StartDate: u.Start, ExpirationDate: u.Expires,
		})
	}
	return out, nil
}
