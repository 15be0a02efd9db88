package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/firnstore/firn/engine"
)

const objectStoreHelp = `Object store: with --s3-endpoint and --s3-bucket, archive bytes live in a
bucket of an S3-compatible object store (MinIO, Ceph RGW, AWS S3) and the data
directory keeps the metadata; metadata backups ('firn backup', serve
--backup-interval) go to the same bucket, and 'firn restore' rebuilds a data
directory from them. A data directory that keeps its bytes in a bucket opens
only with the same --s3-bucket and --s3-prefix. Every --s3-* flag defaults to
an environment variable: FIRN_S3_ENDPOINT, FIRN_S3_BUCKET, FIRN_S3_PREFIX,
FIRN_S3_REGION, FIRN_S3_CA_FILE, FIRN_S3_ACCESS_KEY_ID,
FIRN_S3_SECRET_ACCESS_KEY (prefer it to the flag, which other users of the
machine can see), and FIRN_S3_SESSION_TOKEN (no flag).`

// objectStoreFlags are the global --s3-* flags.
type objectStoreFlags struct {
	endpoint, bucket, prefix, region, caFile string
	accessKeyID, secretAccessKey             string
}

func (f *objectStoreFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.endpoint, "s3-endpoint", os.Getenv("FIRN_S3_ENDPOINT"), "object store URL, http:// or https://host[:port], to keep archive bytes in (see 'firn restore --help')")
	fs.StringVar(&f.bucket, "s3-bucket", os.Getenv("FIRN_S3_BUCKET"), "object store bucket, which must exist")
	fs.StringVar(&f.prefix, "s3-prefix", os.Getenv("FIRN_S3_PREFIX"), `prefix of the object names in the bucket, such as "firn/"`)
	fs.StringVar(&f.region, "s3-region", os.Getenv("FIRN_S3_REGION"), "object store region (default: asked of the store)")
	fs.StringVar(&f.caFile, "s3-ca-file", os.Getenv("FIRN_S3_CA_FILE"), "PEM certificates to trust for an https object store, beside the system's")
	fs.StringVar(&f.accessKeyID, "s3-access-key-id", os.Getenv("FIRN_S3_ACCESS_KEY_ID"), "object store access key ID")
	fs.StringVar(&f.secretAccessKey, "s3-secret-access-key", os.Getenv("FIRN_S3_SECRET_ACCESS_KEY"), "object store secret key (prefer FIRN_S3_SECRET_ACCESS_KEY)")
}

// options returns the engine's ObjectStore for the flags, or nil if no
// object store is given.
func (f *objectStoreFlags) options() (*engine.ObjectStore, error) {
	if f.endpoint == "" && f.bucket == "" {
		return nil, nil
	}
	if f.endpoint == "" || f.bucket == "" {
		return nil, usagef("--s3-endpoint and --s3-bucket go together")
	}
	ep, err := parseEndpoint("--s3", f.endpoint, f.caFile)
	if err != nil {
		return nil, err
	}
	return &engine.ObjectStore{
		Endpoint:        ep.host,
		TLS:             ep.tls,
		Transport:       ep.transport,
		Bucket:          f.bucket,
		Prefix:          f.prefix,
		Region:          f.region,
		AccessKeyID:     f.accessKeyID,
		SecretAccessKey: f.secretAccessKey,
		SessionToken:    os.Getenv("FIRN_S3_SESSION_TOKEN"),
	}, nil
}

// endpoint is where an object store is reached.
type endpoint struct {
	host      string
	tls       bool
	transport http.RoundTripper // nil: minio-go's
}

// parseEndpoint checks the flags flag+"-endpoint" (http[s]://host[:port])
// and flag+"-ca-file" (PEM certificates to trust besides the system's).
func parseEndpoint(flag, rawURL, caFile string) (endpoint, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return endpoint{}, usagef("%s-endpoint %q: give http://host[:port] or https://host[:port]", flag, rawURL)
	}
	ep := endpoint{host: u.Host, tls: u.Scheme == "https"}
	if caFile != "" {
		if !ep.tls {
			return endpoint{}, usagef("%s-ca-file needs an https:// %s-endpoint", flag, flag)
		}
		if ep.transport, err = transportTrusting(caFile); err != nil {
			return endpoint{}, localErr(err, "give a file of PEM certificates")
		}
	}
	return ep, nil
}

// transportTrusting returns minio-go's transport, trusting the
// certificates in the PEM file too.
func transportTrusting(caFile string) (http.RoundTripper, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	tr, err := minio.DefaultTransport(true)
	if err != nil {
		return nil, err
	}
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	return tr, nil
}

// errBackupsInDatabase refuses firn's own backups of metadata that a
// database keeps: only the database's tools take a copy consistent with
// its transactions.
var errBackupsInDatabase = &exitError{
	code: exitUsage,
	err:  errors.New("with --metadata, backups are the database's own: firn backup, firn restore and serve --backup-interval only copy a data directory's metadata"),
	hint: "back the database up with pg_dump (restore with pg_restore), or with continuous archiving and point-in-time recovery (PostgreSQL's manual, \"Backup and Restore\"); the archive bytes stay in the object store",
}

// dataDirOptions returns the engine options for commands that work on the
// data directory themselves, with the object store of the flags.
func (a *app) dataDirOptions() (*engine.Options, error) {
	if a.endpoint != "" {
		return nil, usagef("this command works on a data directory: give --data, not --endpoint-url")
	}
	if a.metadata != "" {
		return nil, errBackupsInDatabase
	}
	s, err := a.s3.options()
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, usagef("give the object store: --s3-endpoint and --s3-bucket")
	}
	opts := &engine.Options{Region: a.region, ObjectStore: s}
	if a.account != "-" && a.account != "" {
		opts.AccountID = a.account
	}
	return opts, nil
}

func (a *app) backupCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "backup",
		Short: "Back the data directory's metadata up to its object store",
		Long: `backup stores a consistent copy of the metadata of the data directory (--data)
in its object store, beside the archive bytes, under PREFIX backups/. It keeps
the 7 latest backups. The directory must not be open in a running server: that
one backs up by itself with --backup-interval. Metadata in a database
(--metadata) is backed up with the database's own tools, pg_dump or
continuous archiving: backup refuses to run with --metadata.

` + objectStoreHelp,
		Example: `  FIRN_S3_SECRET_ACCESS_KEY=... firn backup --data ./firn-data --s3-endpoint https://s3.example.com --s3-bucket cold --s3-access-key-id AKIA...`,
		Args:    args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			opts, err := a.dataDirOptions()
			if err != nil {
				return err
			}
			e, err := a.openEngineWith(opts)
			if err != nil {
				return err
			}
			a.closer = e.Close
			info, err := e.Backup(cmd.Context())
			if err != nil {
				return err
			}
			return a.print(info, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "backup %s: %d files, %d bytes of metadata\n", info.ID, info.Files, info.Bytes)
				return err
			})
		}),
	}
}

func (a *app) restoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore",
		Short: "Rebuild a data directory from the latest backup in an object store",
		Long: `restore puts in a new data directory (--data) the metadata of the latest
complete backup in the object store, after which serve and every other
command work on it with the archive bytes already in the bucket. Archives
uploaded after that backup are not known to it; their bytes are deleted by
the engine's sweep. The engine that wrote the backups must no longer run:
only one may use a bucket and prefix, and restore, like every command, fails
naming the engine that holds their lease (taken over some time after its
holder crashed, 75 s with the default lifetime).

restore checks every file against the backup's manifest, and that the
bucket holds every segment of archive bytes the metadata references; it
exits with status 3 if some are missing, naming them.

Metadata in a database (--metadata) is restored with the database's own
tools, pg_restore or point-in-time recovery: restore refuses to run with
--metadata.

` + objectStoreHelp,
		Example: `  FIRN_S3_SECRET_ACCESS_KEY=... firn restore --data ./firn-data --s3-endpoint https://s3.example.com --s3-bucket cold --s3-access-key-id AKIA...
  firn serve --data ./firn-data --s3-endpoint https://s3.example.com --s3-bucket cold --s3-access-key-id AKIA...`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			opts, err := a.dataDirOptions()
			if err != nil {
				return err
			}
			info, err := engine.Restore(cmd.Context(), a.dataDir, opts)
			if errors.Is(err, engine.ErrNoBackup) {
				return localErr(err, "take one with 'firn backup', or serve with --backup-interval")
			}
			if err != nil {
				return err
			}
			if err := a.print(info, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "restored backup %s taken %s into %s: %d files, %d bytes of metadata; %d segments of archive bytes referenced, %d missing; %d unreferenced (uploaded after the backup), to be swept\n",
					info.Backup.ID, info.Backup.Created.Format("2006-01-02T15:04:05Z07:00"), absPath(a.dataDir),
					info.Backup.Files, info.Backup.Bytes, info.Segments, len(info.Missing), info.Unreferenced)
				return err
			}); err != nil {
				return err
			}
			if n := len(info.Missing); n > 0 {
				shown := info.Missing[:min(n, 10)]
				return localErr(fmt.Errorf("the bucket lacks %d segments the metadata references: %s", n, strings.Join(shown, ", ")),
					"the archives holding them cannot be read; check --s3-bucket and --s3-prefix")
			}
			return nil
		}),
	}
}
