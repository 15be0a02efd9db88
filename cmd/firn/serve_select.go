package main

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/firnstore/firn/engine"
)

const selectOutputHelp = `Select results: a select job writes its results to the bucket its
OutputLocation names, as the service does, in the object store of --s3-endpoint
(reached with the --s3-* settings), or, with --select-s3-endpoint, in an object
store of its own, reached with the --select-s3-* settings alone (each defaults
to its environment variable, FIRN_SELECT_S3_ENDPOINT and so on; the session
token is FIRN_SELECT_S3_SESSION_TOKEN). The bucket must exist. A write the
store refuses (a missing bucket, a storage class or an encryption it does not
offer) fails the job, with the store's answer as its status message. Without
an object store the results are files under the data directory's
select-output/BUCKET/. Either way GetJobOutput of a select job returns its
results too, which the service does not.`

// selectOutputFlags are serve's --select-s3-* flags.
type selectOutputFlags struct {
	endpoint, region, caFile, accessKeyID, secretAccessKey string
}

func (f *selectOutputFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.endpoint, "select-s3-endpoint", os.Getenv("FIRN_SELECT_S3_ENDPOINT"), "object store URL, http:// or https://host[:port], for select results (default: --s3-endpoint's)")
	fs.StringVar(&f.region, "select-s3-region", os.Getenv("FIRN_SELECT_S3_REGION"), "region of the select results' object store (default: asked of the store)")
	fs.StringVar(&f.caFile, "select-s3-ca-file", os.Getenv("FIRN_SELECT_S3_CA_FILE"), "PEM certificates to trust for an https --select-s3-endpoint, beside the system's")
	fs.StringVar(&f.accessKeyID, "select-s3-access-key-id", os.Getenv("FIRN_SELECT_S3_ACCESS_KEY_ID"), "access key ID for --select-s3-endpoint")
	fs.StringVar(&f.secretAccessKey, "select-s3-secret-access-key", os.Getenv("FIRN_SELECT_S3_SECRET_ACCESS_KEY"), "secret key for --select-s3-endpoint (prefer FIRN_SELECT_S3_SECRET_ACCESS_KEY)")
}

// output returns the engine's SelectOutput: the store of the flags, else
// the archive bytes' store, else nil (the engine's local default).
func (f *selectOutputFlags) output(archives *engine.ObjectStore) (engine.SelectOutput, error) {
	if f.endpoint == "" {
		// The archive store's secret is never sent to another endpoint
		// than its own: select settings without one are a mistake.
		if f.region != "" || f.caFile != "" || f.accessKeyID != "" || f.secretAccessKey != "" {
			return nil, usagef("the --select-s3-* settings need --select-s3-endpoint")
		}
		if archives == nil {
			return nil, nil
		}
		return newS3Output(engine.S3OutputConfig{
			Endpoint:        archives.Endpoint,
			TLS:             archives.TLS,
			Region:          archives.Region,
			AccessKeyID:     archives.AccessKeyID,
			SecretAccessKey: archives.SecretAccessKey,
			SessionToken:    archives.SessionToken,
			Transport:       archives.Transport,
		})
	}
	ep, err := parseEndpoint("--select-s3", f.endpoint, f.caFile)
	if err != nil {
		return nil, err
	}
	return newS3Output(engine.S3OutputConfig{
		Endpoint:        ep.host,
		TLS:             ep.tls,
		Transport:       ep.transport,
		Region:          f.region,
		AccessKeyID:     f.accessKeyID,
		SecretAccessKey: f.secretAccessKey,
		SessionToken:    os.Getenv("FIRN_SELECT_S3_SESSION_TOKEN"),
	})
}

func newS3Output(cfg engine.S3OutputConfig) (engine.SelectOutput, error) {
	o, err := engine.NewS3Output(cfg)
	if err != nil {
		return nil, localErr(err, "")
	}
	return o, nil
}
