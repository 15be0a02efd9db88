package main

import (
	"cmp"
	"context"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/migrate"
)

// exportFlags are the flags of firn export's destination, the --to-s3-*
// ones named as the global --s3-* ones are.
type exportFlags struct {
	endpoint, region, caFile, profile string
	name, storageClass                string
}

func (a *app) exportCmd() *cobra.Command {
	var (
		src sourceFlags
		cf  copyFlags
		ef  exportFlags
	)
	cmd := &cobra.Command{
		Use:   "export VAULT s3://BUCKET[/PREFIX]",
		Short: "Copy a vault to an S3 bucket, one object per archive, with its identity as metadata and a manifest",
		Long: `export copies every archive of VAULT into an S3 bucket (AWS S3, or any
S3-compatible store with --to-s3-endpoint), one object per archive under
PREFIX, named by --name. Each object carries the archive's identity as user
metadata: x-amz-meta-archive-id and x-amz-meta-description (percent-encoded),
x-amz-meta-sha256-tree-hash, x-amz-meta-creation-date and x-amz-meta-size.
PREFIX/manifest.json lists every archive with its key and what the run did
with it; every run rewrites it. An object that is not the archive is never
overwritten.

The source is the Glacier the command works on (--data, --metadata or
--endpoint-url) or, with --from-endpoint-url, --from-region or
--from-profile, that Glacier: Amazon S3 Glacier by default, so that a vault
goes straight from AWS Glacier to S3. Archives are retrieved as by 'firn
migrate': an inventory, retrieval jobs in the --tier in waves within
--max-bytes-per-hour, verified ranged downloads, a --state file that makes
the same command resume, a --report CSV, exit status 4 if any archive failed.

The bucket must exist. Its requests are signed with the credentials of the
AWS SDK's default chain (the environment, AWS_PROFILE, --to-profile).
--storage-class is passed through: DEEP_ARCHIVE (the cheapest to keep) and
GLACIER (Flexible Retrieval) are the classes AWS recommends for vault data
moved to S3.`,
		Example: `  firn export photos s3://cold-photos/glacier --dry-run
  firn export photos s3://cold-photos/glacier --storage-class DEEP_ARCHIVE --from-region eu-west-1
  firn export photos s3://backup/photos --name '{date}/{description}' --to-s3-endpoint https://minio.example.com:9000`,
		Args: args("VAULT", "s3://BUCKET[/PREFIX]"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			vaultName := args[0]
			bucket, prefix, err := parseS3URL(args[1])
			if err != nil {
				return err
			}
			if err := src.check(); err != nil {
				return err
			}
			if err := cf.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			sink, destName, err := ef.sink(ctx, a, bucket, prefix)
			if err != nil {
				return err
			}
			var source firn.Glacier
			sourceName, account := a.target(), a.account
			if src.given(cmd) {
				source, sourceName, err = src.glacier(ctx, a)
			} else if src.queueURL != "" {
				return usagef("--sns-queue-url reads the notifications of a --from-endpoint-url, --from-region or --from-profile source")
			} else {
				source, err = a.glacier()
			}
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("from-account") {
				account = src.account
			}
			opts := migrate.Options{Source: source, SourceAccount: account, Vault: vaultName, Sink: sink}
			src.notifications(&opts)
			return a.runCopy(ctx, &copyJob{
				verb:   "export",
				flags:  &cf,
				opts:   opts,
				source: sourceName,
				dest:   destName,
			})
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&ef.endpoint, "to-s3-endpoint", "", "S3 URL, http:// or https://host[:port] (default: AWS S3 in --to-s3-region)")
	fs.StringVar(&ef.region, "to-s3-region", "", "S3 region (default: --region on AWS S3; asked of the store otherwise)")
	fs.StringVar(&ef.caFile, "to-s3-ca-file", "", "PEM certificates to trust for an https --to-s3-endpoint, beside the system's")
	fs.StringVar(&ef.profile, "to-profile", "", "AWS profile signing the S3 requests (default: the usual AWS chain)")
	fs.StringVar(&ef.name, "name", "{id}", "object name of an archive after PREFIX: text with {id}, {description} (when it makes a safe name, else the ID), {date} (2006-01-02) and {treehash}; it must hold {id} or {description}")
	fs.StringVar(&ef.storageClass, "storage-class", "", "storage class of the archives' objects, passed through: DEEP_ARCHIVE or GLACIER are the ones AWS recommends (default: the bucket's)")
	src.register(fs)
	cf.register(fs, "export")
	return cmd
}

// parseS3URL splits s3://BUCKET[/PREFIX].
func parseS3URL(s string) (bucket, prefix string, err error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", "", usagef("%q: give the destination as s3://BUCKET or s3://BUCKET/PREFIX", s)
	}
	return u.Host, strings.TrimPrefix(u.Path, "/"), nil
}

// sink returns the S3Sink of the flags, signed with the credentials of the
// AWS SDK's default chain, or unsigned when there are none, and a name for
// it: its endpoint and URL.
func (f *exportFlags) sink(ctx context.Context, a *app, bucket, prefix string) (*migrate.S3Sink, string, error) {
	cfg := migrate.S3SinkConfig{Bucket: bucket, Prefix: prefix, Name: f.name, StorageClass: f.storageClass, Region: f.region}
	if f.endpoint == "" {
		cfg.Region = cmp.Or(f.region, a.region)
		cfg.Endpoint, cfg.TLS = "s3."+cfg.Region+".amazonaws.com", true
	} else {
		ep, err := parseEndpoint("--to-s3", f.endpoint, f.caFile)
		if err != nil {
			return nil, "", err
		}
		cfg.Endpoint, cfg.TLS, cfg.Transport = ep.host, ep.tls, ep.transport
	}
	var opts []func(*config.LoadOptions) error
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", localErr(err, "check --to-profile against ~/.aws/config and ~/.aws/credentials")
	}
	if creds, err := awsCfg.Credentials.Retrieve(ctx); err == nil {
		cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken = creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken
	} else {
		a.note("no AWS credentials found: sending the S3 requests unsigned")
	}
	s, err := migrate.NewS3Sink(cfg)
	if err != nil {
		return nil, "", usagef("%v", err)
	}
	return s, cfg.Endpoint + " " + s.String(), nil
}
