package engine

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// retrievalEngine opens an engine whose clock starts at start, with a vault
// "v" holding a 600 KiB archive and the given data retrieval policy and free
// tier allowance.
func retrievalEngine(t *testing.T, start time.Time, rule firn.DataRetrievalRule, freePerDay int64) (*Engine, *testkit.Clock, string) {
	t.Helper()
	clock := testkit.NewClock(start)
	e, err := Open("d", &Options{FS: vfs.NewMem(), Clock: clock, TickInterval: time.Hour, Logger: slog.New(slog.DiscardHandler), FreeTierBytesPerDay: freePerDay})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeChecked(t, e) })
	ctx := context.Background()
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	id := upload(t, e, "v", make([]byte, 600<<10))
	if _, err := e.SetDataRetrievalPolicy(ctx, &firn.SetDataRetrievalPolicyInput{Policy: &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{rule}}}); err != nil {
		t.Fatal(err)
	}
	return e, clock, id
}

// retrieveStandard initiates a Standard retrieval of the whole archive and reports
// whether the data retrieval policy refused it.
func retrieveStandard(t *testing.T, e *Engine, archiveID string) (refused bool) {
	t.Helper()
	_, err := e.InitiateJob(context.Background(), &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: archiveID}})
	if errors.Is(err, firn.ErrPolicyEnforced) {
		return true
	}
	if err != nil {
		t.Fatalf("InitiateJob: %v", err)
	}
	return false
}

// TestFreeTierDayBoundary checks that the free tier's daily allowance
// counts every retrieval of the UTC day, whatever the time of day, the
// day's first instant included: two 600 KiB retrievals do not fit in 1 MiB
// a day.
func TestFreeTierDayBoundary(t *testing.T) {
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{0, time.Nanosecond, 12 * time.Hour, 24*time.Hour - time.Millisecond} {
		t.Run(at.String(), func(t *testing.T) {
			e, clock, id := retrievalEngine(t, day.Add(at), firn.DataRetrievalRule{Strategy: firn.StrategyFreeTier}, 1<<20)
			if retrieveStandard(t, e, id) {
				t.Fatal("the first 600 KiB of the day was refused")
			}
			if !retrieveStandard(t, e, id) {
				t.Error("a second 600 KiB the same instant was admitted: 1200 KiB in a day of 1 MiB")
			}
			// Later the same day, still refused; the next day, admitted.
			if rest := 24*time.Hour - at - time.Nanosecond; rest > 0 {
				clock.Advance(rest)
				if !retrieveStandard(t, e, id) {
					t.Errorf("a second 600 KiB at the day's last instant was admitted")
				}
				at += rest
			}
			clock.Advance(24*time.Hour - at)
			if retrieveStandard(t, e, id) {
				t.Error("the next day's first 600 KiB was refused")
			}
		})
	}
}

// TestBytesPerHourBoundary checks the trailing hour of BytesPerHour: a
// retrieval counts for one hour from its instant, not a nanosecond less nor
// more.
func TestBytesPerHourBoundary(t *testing.T) {
	limit := int64(1 << 20)
	for _, start := range []time.Time{
		time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC),
		time.Date(2026, 3, 10, 7, 0, 0, 1, time.UTC),
	} {
		t.Run(start.Format(time.RFC3339Nano), func(t *testing.T) {
			e, clock, id := retrievalEngine(t, start, firn.DataRetrievalRule{Strategy: firn.StrategyBytesPerHour, BytesPerHour: &limit}, 0)
			if retrieveStandard(t, e, id) {
				t.Fatal("the first 600 KiB was refused")
			}
			if !retrieveStandard(t, e, id) {
				t.Error("a second 600 KiB the same instant was admitted")
			}
			clock.Advance(time.Hour - time.Nanosecond)
			if !retrieveStandard(t, e, id) {
				t.Error("a second 600 KiB a nanosecond before the hour was over was admitted")
			}
			clock.Advance(time.Nanosecond)
			if retrieveStandard(t, e, id) {
				t.Error("600 KiB an hour after the first was refused")
			}
		})
	}
}

// TestCapacityTerm checks that a provisioned capacity unit bought on the
// 31st of a month expires on the last day of the next month, as the
// developer guide's examples show, and counts toward the two-unit limit
// and expedited capacity until then and not after.
func TestCapacityTerm(t *testing.T) {
	for _, c := range []struct{ start, expires time.Time }{
		{time.Date(2017, 1, 31, 14, 26, 33, 31e6, time.UTC), time.Date(2017, 2, 28, 14, 26, 33, 0, time.UTC)},
		{time.Date(2024, 1, 31, 8, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 8, 0, 0, 0, time.UTC)},
		{time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2027, 1, 31, 23, 0, 0, 0, time.UTC)},
	} {
		t.Run(c.start.Format(time.DateOnly), func(t *testing.T) {
			clock := testkit.NewClock(c.start)
			e, err := Open("d", &Options{FS: vfs.NewMem(), Clock: clock, TickInterval: time.Hour, Logger: slog.New(slog.DiscardHandler), LimitExpedited: true})
			if err != nil {
				t.Fatal(err)
			}
			defer closeChecked(t, e)
			ctx := context.Background()
			for range 2 {
				if _, err := e.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{}); err != nil {
					t.Fatal(err)
				}
			}
			l, err := e.ListProvisionedCapacity(ctx, &firn.ListProvisionedCapacityInput{})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range l.ProvisionedCapacityList {
				if !u.StartDate.Equal(c.start) || !u.ExpirationDate.Equal(c.expires) {
					t.Errorf("unit from %s to %s, want to %s", u.StartDate, u.ExpirationDate, c.expires)
				}
			}
			if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
				t.Fatal(err)
			}
			id := upload(t, e, "v", []byte("x"))
			expedited := func() error {
				_, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id, Tier: firn.TierExpedited}})
				return err
			}
			clock.Advance(c.expires.Add(-time.Nanosecond).Sub(clock.Now()))
			if _, err := e.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{}); !errors.Is(err, firn.ErrLimitExceeded) {
				t.Errorf("a third unit a nanosecond before the two expire: %v, want LimitExceededException", err)
			}
			if err := expedited(); err != nil {
				t.Errorf("expedited retrieval a nanosecond before the units expire: %v", err)
			}
			clock.Advance(time.Nanosecond)
			if l, err := e.ListProvisionedCapacity(ctx, &firn.ListProvisionedCapacityInput{}); err != nil || len(l.ProvisionedCapacityList) != 0 {
				t.Errorf("ListProvisionedCapacity at the expiration: %+v, %v", l, err)
			}
			if err := expedited(); !errors.Is(err, firn.ErrInsufficientCapacity) {
				t.Errorf("expedited retrieval once the units expired: %v, want InsufficientCapacityException", err)
			}
			if _, err := e.PurchaseProvisionedCapacity(ctx, &firn.PurchaseProvisionedCapacityInput{}); err != nil {
				t.Errorf("a unit once the two expired: %v", err)
			}
		})
	}
}
