package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SQSAPI is the part of the Amazon SQS API a run reads job-completion
// notifications with (see Options.Queue); *sqs.Client implements it.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// Long polling as SQS allows it at most: a receive waits up to 20 s for
// messages and returns up to 10.
const (
	queueWait  = 20
	queueBatch = 10
)

// Backoff of failed receives, in real time like the network calls it
// spaces: doubling from receiveBase to retryMax.
const receiveBase = time.Second

// notice is a message of the queue.
type notice struct {
	id, receipt string
	job         string // the notified job's ID; "" if not a job notification
}

// received is what the receiver hands the run: messages, or the error
// that stopped it.
type received struct {
	notices []notice
	err     error
}

// noticeJob returns the job ID of a job-completion notification: an SNS
// envelope whose Message is Glacier's job description JSON, or with raw
// message delivery that JSON itself. It returns "" for any other body.
func noticeJob(body string) string {
	var m struct {
		Type, Message string
		JobId, Action string
	}
	if json.Unmarshal([]byte(body), &m) != nil {
		return ""
	}
	if m.Type == "Notification" {
		if json.Unmarshal([]byte(m.Message), &m) != nil {
			return ""
		}
	}
	if m.Action == "" {
		return "" // an SNS envelope of another type, or JSON of another kind
	}
	return m.JobId
}

// receive long-polls Options.Queue and hands the run what it receives
// until ctx ends. After MaxAttempts failures in a row (the SDK's own
// retries spent on each) it hands over the error and returns.
func (r *run) receive(ctx context.Context) {
	o := r.o
	delay, failures := receiveBase, 0
	for {
		out, err := o.Queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(o.QueueURL), MaxNumberOfMessages: queueBatch, WaitTimeSeconds: queueWait})
		if ctx.Err() != nil {
			return
		}
		var b received
		if err != nil {
			if failures++; failures < o.MaxAttempts {
				if sleep(ctx, delay) != nil {
					return
				}
				delay = min(2*delay, retryMax)
				continue
			}
			b.err = fmt.Errorf("migrate: receiving notifications from %s: %w", o.QueueURL, err)
		} else {
			delay, failures = receiveBase, 0
			if len(out.Messages) == 0 {
				continue
			}
			for _, m := range out.Messages {
				b.notices = append(b.notices, notice{id: aws.ToString(m.MessageId), receipt: aws.ToString(m.ReceiptHandle), job: noticeJob(aws.ToString(m.Body))})
			}
		}
		select {
		case r.notices <- b:
		case <-ctx.Done():
			return
		}
		if b.err != nil {
			return
		}
	}
}

// startReceiving starts the receiver if the run has a queue, and returns
// the function that stops it.
func (r *run) startReceiving(ctx context.Context) (stop func()) {
	if r.o.Queue == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	r.notices = make(chan received)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		r.receive(ctx)
	}()
	return func() {
		cancel()
		<-exited
	}
}

// wait pauses for d with Options.Sleep, and returns early with the
// messages the queue delivers meanwhile.
func (r *run) wait(ctx context.Context, d time.Duration) ([]notice, error) {
	if r.notices == nil {
		return nil, r.o.Sleep(ctx, d)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slept := make(chan error, 1)
	go func() { slept <- r.o.Sleep(sctx, d) }()
	select {
	case b := <-r.notices:
		cancel()
		<-slept
		return b.notices, b.err
	case err := <-slept:
		return nil, err
	}
}

// onNotices handles messages of the queue. A notification of a job the
// run waits for (pending) is confirmed by settle, which asks the source
// and reports whether the job has ended; its message is then deleted,
// else left to come back after the queue's visibility timeout, a retry. A
// repeat of a notification handled is deleted. A notification of another
// job is left for whoever waits for it: another vault's, another tool's,
// or a job of this vault an earlier run requested and settled (the
// queue's retention ends those); deleting it could starve a run that
// shares the queue. A message that is not a job notification is counted
// and left too.
func (r *run) onNotices(ctx context.Context, ns []notice, pending func(job string) bool, settle func(job string) bool) {
	for _, n := range ns {
		switch {
		case n.job == "":
			if !r.malformed[n.id] {
				r.malformed[n.id] = true
				r.report.NotificationsMalformed++
			}
		case r.settled[n.job]:
			r.deleteNotice(ctx, n)
		case pending(n.job) && settle(n.job):
			r.settled[n.job] = true
			r.deleteNotice(ctx, n)
		}
	}
}

// deleteNotice deletes a handled message. A failure is not the run's: the
// message comes back, and is deleted then as a repeat.
func (r *run) deleteNotice(ctx context.Context, n notice) {
	if _, err := r.o.Queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.o.QueueURL), ReceiptHandle: aws.String(n.receipt)}); err == nil {
		r.report.Notifications++
	}
}
