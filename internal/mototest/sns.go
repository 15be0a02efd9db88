package mototest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Subscribed creates the SNS topic name and an SQS queue of the same name
// subscribed to it, and returns the topic's ARN and the queue's URL.
func (s *Server) Subscribed(t testing.TB, name string) (topicARN, queueURL string) {
	t.Helper()
	ctx := context.Background()
	cfg := s.Config()
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("mototest: CreateTopic %s: %v", name, err)
	}
	q := sqs.NewFromConfig(cfg)
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatalf("mototest: CreateQueue %s: %v", name, err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("mototest: GetQueueAttributes %s: %v", name, err)
	}
	if _, err := sns.NewFromConfig(cfg).Subscribe(ctx, &sns.SubscribeInput{
		TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(attrs.Attributes["QueueArn"]),
	}); err != nil {
		t.Fatalf("mototest: Subscribe %s: %v", name, err)
	}
	return *topic.TopicArn, *queue.QueueUrl
}

// A Message is an SNS notification as an SQS subscriber receives it, in
// SNS's JSON envelope.
type Message struct {
	Type      string
	MessageId string
	TopicArn  string
	Subject   string
	Message   string
}

// Receive receives and deletes the messages waiting in the queue, up to
// max, waiting up to wait seconds for the first.
func (s *Server) Receive(t testing.TB, queueURL string, max, wait int32) []Message {
	t.Helper()
	ctx := context.Background()
	q := sqs.NewFromConfig(s.Config())
	out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: max, WaitTimeSeconds: wait})
	if err != nil {
		t.Fatalf("mototest: ReceiveMessage %s: %v", queueURL, err)
	}
	var ms []Message
	for _, m := range out.Messages {
		var msg Message
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &msg); err != nil {
			t.Fatalf("mototest: a message of %s is not an SNS envelope: %v\n%s", queueURL, err, aws.ToString(m.Body))
		}
		ms = append(ms, msg)
		if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatalf("mototest: DeleteMessage %s: %v", queueURL, err)
		}
	}
	return ms
}
