package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/mototest"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/snsnotify"
)

// describing counts DescribeJob calls by job ID.
type describing struct {
	firn.Glacier
	mu    sync.Mutex
	calls map[string]int
}

func (g *describing) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	g.mu.Lock()
	g.calls[in.JobId]++
	g.mu.Unlock()
	return g.Glacier.DescribeJob(ctx, in)
}

// untilNotified is a Sleep for runs that wait on a queue. A pause under an
// hour (a retry's backoff) passes on the clock at once. A longer one
// advances the clock until no job of the vault is in progress, has the
// engine publish the notifications, and then waits in real time for the
// run to end the pause, which only a message of the queue does: it fails
// after a minute.
func (s *source) untilNotified(ctx context.Context, d time.Duration) error {
	if d < time.Hour {
		return s.sleep(ctx, d)
	}
	for {
		out, err := s.ListJobs(ctx, &firn.ListJobsInput{VaultName: vault, Completed: aws.Bool(false), Limit: 1})
		if err != nil {
			return err
		}
		if len(out.JobList) == 0 {
			break
		}
		s.clock.Advance(time.Hour)
	}
	if err := s.DeliverNotifications(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Minute):
		return errors.New("test: no message of the queue woke the run in a minute")
	}
}

// TestRunNotifications runs migrations that learn of their jobs'
// completions from an SQS queue subscribed to the vault's SNS topic, in
// moto, with the source engine publishing there: with SNS envelopes, with
// raw message delivery, with notifications lost, and from a queue that
// cannot be read.
func TestRunNotifications(t *testing.T) {
	moto := mototest.Start(t)
	t.Run("envelope", func(t *testing.T) { testNotifications(t, moto, false) })
	t.Run("raw", func(t *testing.T) { testNotifications(t, moto, true) })
	t.Run("lost", func(t *testing.T) {
		// The vault notifies nobody: the fallback rounds, PollMax
		// apart, find the jobs complete.
		_, queueURL := moto.Subscribed(t, "silent")
		s := newSource(t, job.RealisticTiming)
		g := &describing{Glacier: s, calls: map[string]int{}}
		sink := newMemSink()
		o := s.options(t, g, sink)
		o.Queue, o.QueueURL, o.PollMax = sqs.NewFromConfig(moto.Config()), queueURL, 6*time.Hour
		r, err := Run(t.Context(), o)
		if err != nil {
			t.Fatal(err)
		}
		wantCounts(t, r, 4, 0, 0, 0)
		sink.check(t, s)
		for id, calls := range g.calls {
			if calls > 3 { // the inventory's first look, and rounds at 6 and 12 hours
				t.Errorf("job %s described %d times, want rounds PollMax apart", id, calls)
			}
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		s := newSource(t, job.RealisticTiming)
		o := s.options(t, s, newMemSink())
		o.Queue, o.QueueURL = sqs.NewFromConfig(moto.Config()), moto.URL+"/123456789012/missing"
		o.MaxAttempts, o.PollMax, o.Sleep = 1, 1000*time.Hour, s.untilNotified
		if _, err := Run(t.Context(), o); err == nil || !strings.Contains(err.Error(), "receiving notifications from "+o.QueueURL) {
			t.Fatalf("Run with a missing queue: %v, want the queue's error", err)
		}
	})
}

// testNotifications migrates a vault whose jobs take hours, with PollMax so
// long that only notifications can wake the run: every job is described
// once when notified (the inventory also when requested), each
// notification is deleted, and the messages that are not the run's are
// left in the queue.
func testNotifications(t *testing.T, moto *mototest.Server, raw bool) {
	ctx := t.Context()
	cfg := moto.Config()
	name := "jobs"
	if raw {
		name = "raw-jobs"
	}
	topic, queueURL := moto.Subscribed(t, name)
	q, n := sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	// A message left in the queue comes back a second after a receive.
	if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &queueURL, Attributes: map[string]string{"VisibilityTimeout": "1"}}); err != nil {
		t.Fatal(err)
	}
	if raw {
		subs, err := n.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &topic})
		if err != nil || len(subs.Subscriptions) != 1 {
			t.Fatalf("subscriptions of %s: %v %v", topic, subs, err)
		}
		if _, err := n.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: subs.Subscriptions[0].SubscriptionArn,
			AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("true")}); err != nil {
			t.Fatal(err)
		}
	}

	s := openSource(t, &engine.Options{JobTiming: job.RealisticTiming, Notifier: snsnotify.New(n)})
	if _, err := s.SetVaultNotifications(ctx, &firn.SetVaultNotificationsInput{VaultName: vault, VaultNotificationConfig: &firn.VaultNotificationConfig{
		SNSTopic: topic, Events: []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}}}); err != nil {
		t.Fatal(err)
	}
	// Not the run's: another vault's job, notified through the topic,
	// another tool's, sent raw, and a message that is no notification.
	const junk = "not a notification"
	if _, err := n.Publish(ctx, &sns.PublishInput{TopicArn: &topic,
		Message: aws.String(`{"JobId":"other-vault-job","Action":"ArchiveRetrieval","VaultARN":"arn:aws:glacier:us-east-1:123456789012:vaults/other","Completed":true,"StatusCode":"Succeeded"}`)}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"JobId":"other-tool-job","Action":"InventoryRetrieval","Completed":true,"StatusCode":"Succeeded"}`, junk} {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &queueURL, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}

	g := &describing{Glacier: s, calls: map[string]int{}}
	sink := newMemSink()
	o := s.options(t, g, sink)
	o.Queue, o.QueueURL = q, queueURL
	o.PollMax, o.Sleep = 1000*time.Hour, s.untilNotified
	start := s.clock.Now()
	r, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, 4, 0, 0, 0)
	sink.check(t, s)
	if d := s.clock.Now().Sub(start); d < 8*time.Hour || d > 1000*time.Hour {
		t.Errorf("run took %v on the clock: want an inventory and a Bulk wave, no fallback round", d)
	}
	if len(g.calls) != 5 {
		t.Errorf("DescribeJob of %d jobs, want the inventory's and 4 archives': %v", len(g.calls), g.calls)
	}
	for id, calls := range g.calls {
		d, err := s.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: vault, JobId: id})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[firn.ActionCode]int{firn.ActionInventoryRetrieval: 2, firn.ActionArchiveRetrieval: 1}[d.Action]; calls != want {
			t.Errorf("%s job %s described %d times, want %d", d.Action, id, calls, want)
		}
	}
	if r.Notifications != 5 || r.NotificationsMalformed != 1 {
		t.Errorf("%d notifications handled, %d malformed; want 5 and 1", r.Notifications, r.NotificationsMalformed)
	}

	// Left in the queue: exactly the three messages that were not the run's.
	left := map[string]int{}
	for deadline := time.Now().Add(30 * time.Second); len(left) < 3 && time.Now().Before(deadline); {
		receive(t, q, queueURL, 1, left)
	}
	receive(t, q, queueURL, 2, left) // longer than the visibility timeout: any other message
	published := "other-vault-job in an envelope"
	if raw {
		published = "other-vault-job"
	}
	if want := map[string]int{published: 1, "other-tool-job": 1, junk: 1}; !maps.Equal(left, want) {
		t.Errorf("left in the queue %v, want %v", left, want)
	}
}

// receive receives and deletes the messages of the queue, waiting up to
// wait seconds, and counts them in got by job ID, noting an SNS envelope
// (by body if no job's).
func receive(t *testing.T, q *sqs.Client, url string, wait int32, got map[string]int) {
	t.Helper()
	out, err := q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: wait})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Messages {
		body := aws.ToString(m.Body)
		key := noticeJob(body)
		switch {
		case key == "":
			key = body
		case strings.Contains(body, `"Type"`):
			key += " in an envelope"
		}
		got[key]++
		if _, err := q.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNoticeJob(t *testing.T) {
	job := `{"Action":"ArchiveRetrieval","ArchiveId":"a","Completed":true,"CreationDate":"2012-05-15T17:21:39.339Z","JobId":"j1","StatusCode":"Succeeded"}`
	envelope := func(typ, msg string) string {
		b, _ := json.Marshal(map[string]string{"Type": typ, "MessageId": "m", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Subject": "Notification From AWS Glacier", "Message": msg})
		return string(b)
	}
	for _, c := range []struct{ body, want string }{
		{envelope("Notification", job), "j1"},
		{job, "j1"}, // raw message delivery
		{envelope("SubscriptionConfirmation", "You have chosen to subscribe"), ""},
		{envelope("Notification", "not JSON"), ""},
		{envelope("Notification", `{"JobId":"j1"}`), ""},
		{`{"Records":[]}`, ""},
		{"", ""},
		{"plain text", ""},
	} {
		if got := noticeJob(c.body); got != c.want {
			t.Errorf("noticeJob(%s) = %q, want %q", c.body, got, c.want)
		}
	}
}

func TestValidateQueue(t *testing.T) {
	for _, o := range []Options{{Queue: &sqs.Client{}}, {QueueURL: "https://sqs.us-east-1.amazonaws.com/1/q"}} {
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "Options.Queue and Options.QueueURL: set both or neither") {
			t.Errorf("Validate(Queue %v, QueueURL %q) = %v, want both or neither", o.Queue != nil, o.QueueURL, err)
		}
	}
}
