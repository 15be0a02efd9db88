// Package snsnotify delivers an engine's job-completion notifications to
// Amazon SNS topics with the SNS Publish API, as Amazon S3 Glacier does: the
// job description JSON as the message and the service's subject, to the
// topic ARN of the vault's notification configuration or of the job's
// SNSTopic. A Notifier is an engine.Notifier, so the engine itself needs no
// AWS SDK; the engine's outbox supplies the retries (see engine.Notifier).
package snsnotify

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/firnstore/firn/engine"
)

// Notifier publishes notifications with an SNS client. It is safe for
// concurrent use.
type Notifier struct {
	client *sns.Client
}

// New returns a Notifier that publishes with client, with its endpoint,
// credentials and retries.
func New(client *sns.Client) *Notifier { return &Notifier{client: client} }

// Notify publishes n's message and subject to n.Topic. The request goes to
// the topic's region, which its ARN names (the client's region if the ARN
// does not parse), as SNS topics are regional. Any failure, SNS's
// NotFoundException or AuthorizationErrorException included, is returned
// for the engine to log and retry.
func (p *Notifier) Notify(ctx context.Context, n engine.Notification) error {
	var optFns []func(*sns.Options)
	if a, err := arn.Parse(n.Topic); err == nil && a.Region != "" {
		optFns = append(optFns, func(o *sns.Options) { o.Region = a.Region })
	}
	_, err := p.client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(n.Topic),
		Subject:  aws.String(n.Subject),
		Message:  aws.String(string(n.Message)),
	}, optFns...)
	if err != nil {
		return fmt.Errorf("snsnotify: publishing %s to %s: %w", n.ID, n.Topic, err)
	}
	return nil
}
