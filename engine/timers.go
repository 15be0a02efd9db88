package engine

import (
	"math"
	"time"

	"github.com/firnstore/firn/internal/store"
)

// Time-driven work (job completion and expiry, multipart and vault-lock
// expiry, inventories) is kept in a persistent timer index keyed by due
// time (see store.TimerKey). Work becomes due when Options.Clock passes its
// time; it is then done by the first of: the background ticker (every
// Options.TickInterval of real time), or the next operation, which calls
// tick first. So a job completes whether or
// not anyone asks, and an engine reopened after the due time catches up at
// Open. The index also holds the notification outbox (store.TimerNotify), which
// the tick leaves to the outbox's goroutine: no operation waits for a
// notifier.

// timerHandler does the work of one due timer. It must be idempotent (a
// crash can repeat it) and must delete the timer key, normally in the same
// batch as the work: store.TimerKey(due, kind, id).
type timerHandler func(due int64, id []byte) error

// setTimer records in b that work of kind for id is due at t.
func setTimer(b *store.Batch, t time.Time, kind byte, id []byte) {
	b.Set(store.TimerKey(t.UnixNano(), kind, id), nil)
}

// deleteTimer records in b the removal of a timer.
func deleteTimer(b *store.Batch, t time.Time, kind byte, id []byte) {
	b.Delete(store.TimerKey(t.UnixNano(), kind, id))
}

// tick runs every timer that is due. It must not be called with a vault
// lock held: handlers take vault locks. Until the next timer is due it
// returns at once, without a lock or a read: every operation calls it. Once
// the metadata store has failed it does nothing: its commits would fail.
func (e *Engine) tick() {
	if next, ok, _ := e.db.NextTimer(); ok && e.now().UnixNano() < next || e.db.Failed() != nil {
		return
	}
	if e.shared {
		// Other engines set timers too, so the next one is never known:
		// one read says whether any is due, without the lock, which
		// would make every operation wait for every other.
		lower, upper := store.TimerRange(e.now().UnixNano())
		if due, err := e.db.Any(lower, upper); err == nil && !due {
			return
		}
	}
	e.tickMu.Lock()
	defer e.tickMu.Unlock()
	_, _, token := e.db.NextTimer()
	lower, upper := store.TimerRange(e.now().UnixNano())
	type due struct {
		at   int64
		kind byte
		id   []byte
	}
	var work []due
	notify := false
	err := e.db.Scan(lower, upper, func(k, _ []byte) (bool, error) {
		at, kind, id := store.TimerSplit(k)
		if kind == store.TimerNotify {
			notify = true
			return true, nil
		}
		work = append(work, due{at, kind, append([]byte(nil), id...)})
		return len(work) < 1024, nil
	})
	if err != nil {
		e.opts.Logger.Error("scanning timers", "err", err)
		return
	}
	for _, w := range work {
		h, ok := e.timers[w.kind]
		if !ok {
			e.opts.Logger.Error("timer of unknown kind", "kind", string(w.kind))
			continue
		}
		if err := h(w.at, w.id); err != nil {
			e.opts.Logger.Error("running timer", "kind", string(w.kind), "err", err)
		}
	}
	if notify || len(work) > 0 { // a job completed here records its notifications
		e.outbox.wakeUp()
	}
	if e.shared {
		return
	}
	next := int64(math.MaxInt64)
	err = e.db.Scan(store.TimerAll(), store.PrefixEnd(store.TimerAll()), func(k, _ []byte) (bool, error) {
		next, _, _ = store.TimerSplit(k)
		return false, nil
	})
	if err == nil {
		e.db.SetNextTimer(next, token)
	}
}

// runTicker ticks every interval until stop is closed.
func (e *Engine) runTicker(interval time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	every(interval, stop, func() {
		e.space.expire()
		e.tick()
	})
}

// every calls fn every interval, the first time an interval from now, until
// stop is closed; it returns once stop is closed and fn is not running.
func every(interval time.Duration, stop <-chan struct{}, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fn()
		}
	}
}
