package main

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/spf13/pflag"

	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/snsnotify"
)

const snsHelp = `Notifications: with --sns or --sns-endpoint, serve publishes each job's
completion notification (the job description JSON, as the service sends it) to
the SNS topics of the vault's notification configuration and of the job's
SNSTopic, with the SNS Publish API, signed with the usual AWS credential chain
(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role,
...). --sns publishes to the real SNS endpoint of each topic's region,
--sns-endpoint URL to another SNS implementation. A notification that fails
(a topic that does not exist or refuses) is logged and retried 1, 2, 4, ...
minutes later, up to an hour apart, until SNS accepts it, also across
restarts; it holds back no other. Without either flag notifications are
dropped, so that serve never calls AWS unless asked to.`

// snsFlags are serve's --sns and --sns-endpoint.
type snsFlags struct {
	on       bool
	endpoint string
}

func (f *snsFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.on, "sns", false, "publish job-completion notifications to Amazon SNS (see Notifications below)")
	fs.StringVar(&f.endpoint, "sns-endpoint", "", "publish job-completion notifications to the SNS API at this URL (implies --sns)")
}

// notifier returns the engine's Notifier for the flags, nil if they ask for
// none. region is the client's region where a topic ARN names none.
func (f *snsFlags) notifier(ctx context.Context, region string) (engine.Notifier, error) {
	if !f.on && f.endpoint == "" {
		return nil, nil
	}
	if f.endpoint != "" {
		if u, err := url.Parse(f.endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, usagef("--sns-endpoint %q: must be an http:// or https:// URL", f.endpoint)
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, localErr(fmt.Errorf("loading the AWS configuration for SNS: %w", err), "check AWS_PROFILE and the AWS config files")
	}
	client := sns.NewFromConfig(cfg, func(o *sns.Options) {
		if f.endpoint != "" {
			o.BaseEndpoint = &f.endpoint
		}
	})
	return snsnotify.New(client), nil
}

// describe says where notifications go, for serve's banner.
func (f *snsFlags) describe() string {
	switch {
	case f.endpoint != "":
		return "notifications to SNS at " + f.endpoint
	case f.on:
		return "notifications to Amazon SNS"
	}
	return ""
}
