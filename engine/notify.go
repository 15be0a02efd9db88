package engine

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
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

// Notifier delivers job-completion notifications. The engine calls Notify
// from a goroutine of its own, never inside an operation, one call at a
// time; first attempts follow the order of completion. A call that returns
// an error or panics is tried again a minute of Options.Clock after it
// began, then after 2, 4, ... minutes up to an hour between attempts, until
// one returns nil, after a reopen too: delivery is at least
// once, and Notification.ID tells a repeat. ctx is canceled after 30 s of
// real time and by Close, which does not wait for a call that ignores it:
// that call's result is lost, and its notification is tried again once the
// engine is reopened (while the call runs, an engine reopened with the
// same Notifier may call it too). Engines sharing a database
// (Options.Metadata) deliver each notification through one of them, whose
// Notifier is called; if that engine dies mid-call, another tries again
// when the call's retry is due.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// notifyRetry is how long after a first failed delivery it is tried again;
// each further failure doubles the delay, up to notifyMaxRetry.
const (
	notifyRetry    = time.Minute
	notifyMaxRetry = time.Hour
)

// scheduleNotifications records in b one outbox entry per topic to notify
// of j's completion: the job's own SNSTopic, and the vault's topic if its
// configuration lists the job's event. Entries live in the timer index, due
// at the completion, so delivery survives a crash between completion and
// delivery; the outbox delivers them.
func (e *Engine) scheduleNotifications(b *store.Batch, v *vault.Record, j *job.Record, k []byte) error {
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
	id := j.ID.String()
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
