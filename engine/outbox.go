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
// Before each attempt it moves the entry notifyRetry later, and after a
// success it deletes it: a failure, a panic, a crash or a Close during the
// attempt leaves the entry to be tried again, and the tick, which wakes the
// outbox when it finds entries due or does work that may record some, does
// not find the entry due while the attempt is under way (unless it outlasts
// notifyRetry).
type outbox struct {
	db  *store.DB
	n   Notifier // nil: notifications are dropped
	log *slog.Logger
	now func() time.Time

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
	o := &outbox{db: e.db, n: e.opts.Notifier, log: e.opts.Logger, now: e.now,
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
		return o.commit(func(b *store.Batch) error { b.Delete(k); return nil })
	}
	_, _, id := store.TimerSplit(k)
	retry := store.TimerKey(o.now().Add(notifyRetry).UnixNano(), store.TimerNotify, id)
	claimed := false
	err := o.commit(func(b *store.Batch) error {
		// Read in the transaction that moves it: of the engines sharing a
		// database that found the entry due, one attempts it.
		there, err := b.Has(k)
		if claimed = there && err == nil; claimed {
			b.Delete(k)
			b.Set(retry, val)
		}
		return err
	})
	if err != nil || !claimed {
		return err
	}
	var n Notification
	err = store.DecodeRecord(val, (*store.OutboxEntry)(&n))
	if err == nil {
		err = o.notify(n)
	}
	if err != nil {
		o.log.Warn("delivering notification", "topic", n.Topic, "id", n.ID, "err", err)
		return nil
	}
	return o.commit(func(b *store.Batch) error { b.Delete(retry); return nil })
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

// commit commits what write records, with its reads, in one transaction
// (store.DB.Update), unless the outbox is closed.
func (o *outbox) commit(write func(*store.Batch) error) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return errClosed
	}
	return o.db.Update(write)
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
// Close. A failed Notify is not its error (that notification is retried a
// minute of Options.Clock later, as usual); it returns ctx's error if ctx ends first,
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
