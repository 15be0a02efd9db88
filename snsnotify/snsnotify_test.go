package snsnotify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/mototest"
	"github.com/firnstore/firn/snsnotify"
)

// TestNotify publishes through moto's SNS to a subscribed SQS queue: the
// queue receives the message and subject once, and a topic that does not
// exist is an error.
func TestNotify(t *testing.T) {
	moto := mototest.Start(t)
	topic, queue := moto.Subscribed(t, "done")
	p := snsnotify.New(sns.NewFromConfig(moto.Config()))
	ctx := context.Background()
	msg := `{"JobId":"j1","Action":"ArchiveRetrieval","StatusCode":"Succeeded"}`
	if err := p.Notify(ctx, engine.Notification{ID: "j1/" + topic, Topic: topic, Subject: "Notification From AWS Glacier", Message: []byte(msg)}); err != nil {
		t.Fatal(err)
	}
	got := moto.Receive(t, queue, 10, 1)
	if len(got) != 1 || got[0].TopicArn != topic || got[0].Subject != "Notification From AWS Glacier" || got[0].Message != msg {
		t.Fatalf("received %+v, want one message %s from %s", got, msg, topic)
	}

	missing := strings.TrimSuffix(topic, "done") + "missing"
	err := p.Notify(ctx, engine.Notification{ID: "j2/" + missing, Topic: missing, Subject: "s", Message: []byte("{}")})
	if err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("Notify to a missing topic: %v, want NotFound", err)
	}
}
