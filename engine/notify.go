package engine

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
)

// Notification is a job-completion message for an Amazon SNS topic: the
// service's message body, the job description as JSON.
type Notification struct {
	// ID identifies this delivery (job and topic); it is the same on every
	// retry, so a Notifier can drop duplicates.
	ID string
	// Topic is the SNS topic ARN.
	Topic   string
	Subject string
	// Message is the job description in the service's JSON form.
	Message []byte
}

// Notifier delivers job-completion notifications. Notify is retried (every
// notifyRetry of clock time) until it returns nil; it is called from one
// goroutine at a time.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// notifyRetry is how long after a failed delivery it is tried again.
const notifyRetry = time.Minute

// scheduleNotifications records in b one outbox entry per topic to notify
// of j's completion: the job's own SNSTopic, and the vault's topic if its
// configuration lists the job's event. Entries live in the timer index, due
// now, so delivery survives a crash between completion and delivery.
func (e *Engine) scheduleNotifications(b *store.Batch, v *vault.Vault, j *job.Job, k []byte) error {
	var topics []string
	if j.SNSTopic != "" {
		topics = append(topics, j.SNSTopic)
	}
	if c := v.Notifications; c != nil {
		event := firn.EventArchiveRetrievalCompleted
		if j.Action == firn.ActionInventoryRetrieval {
			event = firn.EventInventoryRetrievalCompleted
		}
		if j.Action != firn.ActionSelect && slices.Contains(c.Events, event) && !slices.Contains(topics, c.SNSTopic) {
			topics = append(topics, c.SNSTopic)
		}
	}
	if len(topics) == 0 {
		return nil
	}
	id := ulid.ULID(j.ID).String()
	msg, err := json.Marshal(j.Describe(id))
	if err != nil {
		return err
	}
	for _, t := range topics {
		n := store.OutboxEntry{ID: id + "/" + t, Topic: t, Subject: "Notification From AWS Glacier", Message: msg}
		v, err := store.EncodeRecord(&n)
		if err != nil {
			return err
		}
		b.Set(store.TimerKey(j.Completed.UnixNano(), store.TimerNotify, store.NotifyTimerID(k, t)), v)
	}
	j.Notify = topics
	return nil
}

// onNotify is the handler of store.TimerNotify: deliver, then forget the entry;
// on failure move it notifyRetry later.
func (e *Engine) onNotify(due int64, id []byte) error {
	k := store.TimerKey(due, store.TimerNotify, id)
	val, err := e.db.Get(k)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var n Notification
	if err := store.DecodeRecord(val, (*store.OutboxEntry)(&n)); err != nil {
		return err
	}
	b := e.db.NewBatch()
	defer b.Close()
	b.Delete(k)
	if e.opts.Notifier != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		nerr := e.opts.Notifier.Notify(ctx, n)
		cancel()
		if nerr != nil {
			e.opts.Logger.Warn("delivering notification", "topic", n.Topic, "id", n.ID, "err", nerr)
			b.Set(store.TimerKey(e.now().Add(notifyRetry).UnixNano(), store.TimerNotify, id), val)
		}
	}
	return b.Commit()
}
