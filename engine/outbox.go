package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/firnstore/firn/internal/store"
)

// notifyTimeout bounds one Notify call, in real time.
const notifyTimeout = 30 * time.Second

// outboxScan is how many due notifications a pass reads at a time.
const outboxScan = 256

// errClosed is what DeliverNotifications returns once the engine is closed.
var errClosed = errors.New("engine: closed")

// outbox delivers the notifications recorded in the timer index (store.TimerNotify
// entries, written in the batch that completes the job) to Options.Notifier
// from a goroutine of its own, so that no operation waits for a notifier.
// Before each attempt it moves the entry later (notifyRetry after the first
// attempt, twice as long after each further one, see retryDelay), and after
// a success it deletes it: a failure, a panic, a crash or a Close during the
// attempt leaves the entry to be tried again, and the tick, which wakes the
// outbox when it finds entries due or does work that may record some, does
// not find the entry due while the attempt is under way (unless it outlasts
// its delay). Each entry is tried in turn: one whose topic fails waits for
// its own retry and delays the others only by its call (notifyTimeout at
// most).
//
// On a shared database the move is the claim: it happens in a transaction
// that first reads the entry, so of the engines whose outboxes found it due
// one moves it and the others skip it. A notification is then delivered
// once while its claimer lives, and again by whichever engine finds its
// claim lapsed, its delay later, if the claimer dies first. Other
// engines' commits wake no outbox here: the tick, which scans the timer
// index on every call on a shared database, wakes it when it finds entries
// due.
type outbox struct {
	db     *store.DB
	shared bool     // the database is shared: claim each entry (see above)
	n      Notifier // nil: notifications are dropped
	log    *slog.Logger
	now    func() time.Time

	wake  chan struct{}   // a pass is wanted; buffered, so waking never blocks
	flush chan chan error // DeliverNotifications: a pass, then its result

	ctx    context.Context // Notify's parent; canceled by close
	cancel context.CancelFunc

	// mu is held over the outbox's reads and writes of the store; close
	// takes it, so that none follows, without waiting for a Notify call.
	mu     sync.Mutex
	closed bool
}

// newOutbox returns e's outbox, with a pass pending for the notifications
// left due by an earlier run; run starts it.
func newOutbox(e *Engine) *outbox {
	o := &outbox{db: e.db, shared: e.shared, n: e.opts.Notifier, log: e.opts.Logger, now: e.now,
		wake: make(chan struct{}, 1), flush: make(chan chan error)}
	o.ctx, o.cancel = context.WithCancel(context.Background())
	o.wakeUp()
	return o
}

// wakeUp asks for a pass.
func (o *outbox) wakeUp() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run makes a pass each time it is woken or flushed, until close.
func (o *outbox) run() {
	for {
		var reply chan error
		select {
		case <-o.ctx.Done():
			return
		case <-o.wake:
		case reply = <-o.flush:
		}
		err := o.pass()
		if reply != nil {
			reply <- err
		}
		switch {
		case errors.Is(err, errClosed):
			return
		case err != nil && !errors.Is(err, store.ErrFailed):
			o.log.Error("delivering notifications", "err", err)
		}
	}
}

// pass offers each notification due now to the notifier once, in order of
// due time. An attempt moves its entry past now, so the pass ends.
func (o *outbox) pass() error {
	if err := o.db.Failed(); err != nil {
		return err
	}
	_, upper := store.TimerRange(o.now().UnixNano())
	for {
		due, err := o.due(upper)
		if err != nil {
			return err
		}
		for _, d := range due {
			if err := o.deliver(d.key, d.val); err != nil {
				return err
			}
		}
		if len(due) < outboxScan {
			return nil
		}
	}
}

type outboxEntry struct{ key, val []byte }

// due reads the first outboxScan notification entries before upper.
func (o *outbox) due(upper []byte) ([]outboxEntry, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, errClosed
	}
	var due []outboxEntry
	err := o.db.Scan(store.TimerAll(), upper, func(k, v []byte) (bool, error) {
		if _, kind, _ := store.TimerSplit(k); kind == store.TimerNotify {
			due = append(due, outboxEntry{bytes.Clone(k), bytes.Clone(v)})
		}
		return len(due) < outboxScan, nil
	})
	return due, err
}

// deliver makes one attempt at the entry k, whose value is val. It returns
// only the store's errors: a failed attempt is retried later.
func (o *outbox) deliver(k, val []byte) error {
	if o.n == nil {
		return o.commit(func(b *store.Batch) { b.Delete(k) })
	}
	var ent store.OutboxEntry
	derr := store.DecodeRecord(val, &ent)
	next := val // an entry that does not decode keeps failing, at notifyRetry
	if derr == nil {
		ent.Attempts++
		v, err := store.EncodeRecord(&ent)
		if err != nil {
			return err
		}
		next = v
	}
	_, _, id := store.TimerSplit(k)
	retry := store.TimerKey(o.now().Add(retryDelay(ent.Attempts)).UnixNano(), store.TimerNotify, id)
	claimed, err := o.claim(k, val, retry, next)
	if err != nil || !claimed {
		return err
	}
	err = derr
	if err == nil {
		err = o.notify(Notification{ID: ent.ID, Topic: ent.Topic, Subject: ent.Subject, Message: ent.Message})
	}
	if err != nil {
		o.log.Warn("delivering notification", "topic", ent.Topic, "id", ent.ID, "attempt", ent.Attempts,
			"retry", o.now().Add(retryDelay(ent.Attempts)), "err", err)
		return nil
	}
	return o.commit(func(b *store.Batch) { b.Delete(retry) })
}

// retryDelay is how long after the start of the attempt-th delivery (from
// 1) it is tried again: notifyRetry, doubling with each attempt up to
// notifyMaxRetry, so that a topic failing for days costs a few attempts an
// hour, not one a minute.
func retryDelay(attempt int) time.Duration {
	d := notifyRetry
	for i := 1; i < attempt && d < notifyMaxRetry; i++ {
		d *= 2
	}
	return min(d, notifyMaxRetry)
}

// claim moves the entry k, whose value is val, to retry with the value
// next, and reports
// whether it did: on a shared database not if another engine has moved or
// deleted it since it was read. Deleting retry after the attempt then
// deletes only this engine's claim: a claim that lapsed and was taken over
// is at another key.
func (o *outbox) claim(k, val, retry, next []byte) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false, errClosed
	}
	var claimed bool
	err := o.db.Update(func(b *store.Batch) error {
		claimed = false
		if o.shared {
			cur, err := b.Get(k)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			if !bytes.Equal(cur, val) {
				return nil
			}
		}
		b.Delete(k)
		b.Set(retry, next)
		claimed = true
		return nil
	})
	return claimed, err
}

// notify calls the notifier; a panic is a failure.
func (o *outbox) notify(n Notification) (err error) {
	ctx, cancel := context.WithTimeout(o.ctx, notifyTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the notifier panicked: %v", r)
		}
	}()
	return o.n.Notify(ctx, n)
}

// commit commits what write records, unless the outbox is closed.
func (o *outbox) commit(write func(*store.Batch)) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return errClosed
	}
	b := o.db.NewBatch()
	defer b.Close()
	write(b)
	return b.Commit()
}

// close cancels a Notify call in flight and ends the outbox's use of the
// store; it does not wait for the call to return.
func (o *outbox) close() {
	o.cancel()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
}

// DeliverNotifications runs the time-driven work that Options.Clock has
// made due, then offers each notification due to Options.Notifier once, and
// returns when that is done. A Notify call already in flight is waited for
// first. The engine delivers in the background anyway; DeliverNotifications
// is for a caller that must know the delivery happened, such as a test that
// advances a fake clock, or a shutdown that drains the notifications before
// Close. A failed Notify is not its error (that notification is retried
// later, as usual: see Notifier); it returns ctx's error if ctx ends first,
// the failure in the failed state (see the package doc), or an error once
// the engine is closed.
func (e *Engine) DeliverNotifications(ctx context.Context) error {
	o := e.outbox
	if o.ctx.Err() != nil {
		return errClosed
	}
	e.tick()
	reply := make(chan error, 1)
	select {
	case o.flush <- reply:
	case <-o.ctx.Done():
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-o.ctx.Done():
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}
