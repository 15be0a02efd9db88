package main

import (
	"context"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/internal/migrate"
)

// sourceFlags are the --from-* flags: the Glacier a vault is copied from.
type sourceFlags struct {
	endpoint, region, profile, account string
	queueURL                           string // --sns-queue-url

	cfg aws.Config // the source's configuration, once glacier has loaded it
}

func (f *sourceFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.endpoint, "from-endpoint-url", "", "Glacier endpoint to copy from, such as http://127.0.0.1:9000 (default: Amazon S3 Glacier in --from-region)")
	fs.StringVar(&f.region, "from-region", "", "region of the source (default: the --from-profile's, AWS_REGION, else --region)")
	fs.StringVar(&f.profile, "from-profile", "", "AWS profile of ~/.aws/config and ~/.aws/credentials signing the source's requests (default: the usual AWS chain: environment, AWS_PROFILE or default profile, SSO, instance role)")
	fs.StringVar(&f.account, "from-account", "-", `account ID of the source vault; "-" is the credentials' own account`)
	fs.StringVar(&f.queueURL, "sns-queue-url", "", "URL of an SQS queue subscribed to the SNS topic of the source vault's notifications: job completions are read from it instead of waiting for the next DescribeJob poll (credentials and region as for the source)")
}

// given reports whether cmd has any --from-* flag but --from-account.
func (f *sourceFlags) given(cmd *cobra.Command) bool {
	for _, name := range []string{"from-endpoint-url", "from-region", "from-profile"} {
		if cmd.Flags().Changed(name) {
			return true
		}
	}
	return false
}

// check reports a bad --from-endpoint-url as a usage error.
func (f *sourceFlags) check() error {
	if f.endpoint != "" && !strings.HasPrefix(f.endpoint, "http://") && !strings.HasPrefix(f.endpoint, "https://") {
		return usagef("--from-endpoint-url %q: must start with http:// or https://", f.endpoint)
	}
	if f.queueURL != "" {
		u, err := url.Parse(f.queueURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return usagef("--sns-queue-url %q: give a queue URL such as https://sqs.us-east-1.amazonaws.com/111122223333/glacier-jobs", f.queueURL)
		}
	}
	return nil
}

// notifications sets o to read job completions from the --sns-queue-url
// queue, with the source's configuration (glacier must have run). A queue
// not on AWS (moto, LocalStack, ElasticMQ) is reached at its URL's host.
func (f *sourceFlags) notifications(o *migrate.Options) {
	if f.queueURL == "" {
		return
	}
	u, _ := url.Parse(f.queueURL) // checked by check
	o.QueueURL = f.queueURL
	o.Queue = sqs.NewFromConfig(f.cfg, func(so *sqs.Options) {
		if !strings.HasSuffix(u.Hostname(), ".amazonaws.com") {
			so.BaseEndpoint = aws.String(u.Scheme + "://" + u.Host)
		}
	})
}

// glacier returns a client of the source and a name for it: its endpoint,
// or "aws:" and its region. Credentials come from the AWS SDK's default
// chain with --from-profile. Without any, requests to an endpoint go
// unsigned, as to a firn serve that verifies no signature; Amazon S3
// Glacier needs them.
func (f *sourceFlags) glacier(ctx context.Context, a *app) (firn.Glacier, string, error) {
	var opts []func(*config.LoadOptions) error
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", localErr(err, "check --from-profile against ~/.aws/config and ~/.aws/credentials")
	}
	if cfg.Region == "" {
		cfg.Region = a.region
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if f.endpoint == "" {
			return nil, "", localErr(err, "give the source's credentials: --from-profile, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an SSO session (aws sso login)")
		}
		a.note("no AWS credentials found: sending the requests to %s unsigned", f.endpoint)
		cfg.Credentials = nil
	}
	f.cfg = cfg
	name := f.endpoint
	if name == "" {
		name = "aws:" + cfg.Region
	}
	return awsglacier.NewFromConfig(cfg, f.endpoint), name, nil
}
