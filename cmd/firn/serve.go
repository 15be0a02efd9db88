package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/server"
	"github.com/firnstore/firn/vault"
)

// shutdownGrace bounds how long serve waits for in-flight requests after a
// stop signal.
const shutdownGrace = 30 * time.Second

func (a *app) serveCmd() *cobra.Command {
	var (
		addr, account, credsFile, logLevel, timing string
		backupInterval, bodyIdle                   time.Duration
		reserve                                    = byteSize(engine.DefaultFreeSpaceReserve)
		metaReserve                                byteSize
		notify                                     snsFlags
		tlsCert, tlsKey                            string
		importPrincipals                           []string
		selectOut                                  selectOutputFlags
		adminAddr, logFormat                       string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the Glacier REST API from a data directory",
		Long: `serve opens the data directory (--data, default ./firn-data) and serves the
Amazon S3 Glacier REST API (version 2012-06-01) on --addr, for the AWS CLI,
boto3 and the AWS SDKs (pass them --endpoint-url). SIGINT or SIGTERM stops it
gracefully: in-flight requests finish (up to 30 s), then the data directory
is closed; a second signal stops it at once.

Without --credentials every request is accepted, signed or not, as local
emulators do. With it, every request must carry a valid AWS Signature
Version 4 made with one of the file's keys for --region (clients must be
configured with the same region).

With --tls-cert and --tls-key, serve speaks HTTPS only (aws:SecureTransport
is then true in policies). It reloads the pair on SIGHUP and within seconds
of either file changing, without dropping connections; a pair that fails to
load is logged and the current one kept.

` + credentialsHelp + `

` + objectStoreHelp + ` With --backup-interval, serve backs the
metadata up that often.

` + selectOutputHelp + `

` + metadataHelp + ` Start as many servers as needed, on
other machines or ports, and put any HTTP load balancer in front of them:
each request may go to any of them, and a job, upload or lock started
through one is seen by all.

Uploads are refused (ServiceUnavailableException) when they would leave less
than --reserve free on the data directory's file system, other writes below
--metadata-reserve; deletes always work, so that space can be freed, and
writes resume as soon as it is. If a write of the metadata fails all the same
(the disk filled from elsewhere), the server answers every write with
ServiceUnavailableException and keeps serving reads until it is stopped;
restart it once space is freed: nothing acknowledged is lost. With
--metadata nothing but select output is written locally, and neither reserve
applies: the database and the object store manage their own space.

Every request is logged at info level, one line with its request ID,
operation, account, vault, status, error code, bytes and duration (never
credentials, signatures or query strings); --log-format json makes every
log line JSON. --admin-addr serves, on a listener of its own, /metrics
(Prometheus), /healthz (200 while the process runs) and /readyz (503 in the
failed state, while the metadata database cannot be read, or below
--reserve), and /debug/pprof/.

` + snsHelp,
		Example: `  firn serve --addr 127.0.0.1:9000 --data ./firn-data
  aws glacier list-vaults --account-id - --endpoint-url http://127.0.0.1:9000 --region us-east-1 --no-sign-request
  FIRN_METADATA=postgres://firn@db:5432/firn FIRN_S3_SECRET_ACCESS_KEY=... firn serve --addr :9000 --s3-endpoint http://minio:9000 --s3-bucket firn --s3-access-key-id firn
  firn serve --addr :9443 --tls-cert tls.crt --tls-key tls.key --credentials credentials --admin-addr 127.0.0.1:9090 --log-format json --sns`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if a.endpoint != "" {
				return usagef("serve serves a data directory: give --data, not --endpoint-url")
			}
			if !vault.IsAccountID(account) {
				return usagef("--account %q: must be a 12-digit account ID", account)
			}
			if bodyIdle <= 0 {
				return usagef("--body-idle-timeout %s: must be positive", bodyIdle)
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return usagef("--log-level %q: use debug, info, warn or error", logLevel)
			}
			opts, err := a.engineOptions()
			if err != nil {
				return err
			}
			opts.AccountID = account
			if opts.Logger, err = newLogger(a.stderr, logFormat, level); err != nil {
				return err
			}
			switch timing {
			case "instant":
			case "realistic":
				opts.JobTiming = job.RealisticTiming
			default:
				return usagef("--job-timing %q: use instant or realistic", timing)
			}
			var sopts server.Options
			if credsFile != "" {
				creds, err := loadServerCredentials(credsFile, account)
				if err != nil {
					return localErr(err, "see 'firn serve --help' for the credentials file format")
				}
				sopts.Credentials = creds
			}
			for _, p := range importPrincipals {
				if !strings.HasPrefix(p, "arn:") || strings.Count(p, ":") < 5 {
					return usagef("--import-principal %q: give an IAM ARN, such as arn:aws:iam::%s:root", p, account)
				}
			}
			sopts.ImportPrincipals = importPrincipals
			sopts.Logger = opts.Logger
			sopts.Region, sopts.AccountID = a.region, account
			sopts.BodyIdleTimeout = bodyIdle
			if backupInterval != 0 && opts.Metadata != "" {
				return errBackupsInDatabase
			}
			if backupInterval != 0 && opts.ObjectStore == nil {
				return usagef("--backup-interval needs an object store (--s3-endpoint, --s3-bucket)")
			}
			opts.BackupInterval = backupInterval
			if opts.Notifier, err = notify.notifier(cmd.Context(), a.region); err != nil {
				return err
			}
			if d := notify.describe(); d != "" {
				opts.Logger.Info(d)
			}
			if opts.FreeSpaceReserve, opts.MetadataFreeSpaceReserve, err = reserves(cmd, reserve, metaReserve); err != nil {
				return err
			}
			if opts.SelectOutput, err = selectOut.output(opts.ObjectStore); err != nil {
				return err
			}
			if (tlsCert == "") != (tlsKey == "") {
				return usagef("--tls-cert and --tls-key go together: give both, or neither to serve plain HTTP")
			}
			var certs *certReloader
			if tlsCert != "" {
				if certs, err = newCertReloader(tlsCert, tlsKey, opts.Logger); err != nil {
					return localErr(err, "--tls-cert is a PEM certificate (chain), --tls-key its PEM private key")
				}
			}
			return a.serve(cmd.Context(), addr, adminAddr, opts, sopts, certs)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:9000", "host:port to listen on; port 0 picks a free one")
	f.StringVar(&account, "account", engine.DefaultAccountID, `the server's own 12-digit account: what "-" means for unsigned requests, and the account of keys without aws_account_id`)
	f.StringVar(&credsFile, "credentials", "", "credentials file: require SigV4 signatures by its keys (format below)")
	f.StringArrayVar(&importPrincipals, "import-principal", nil, "IAM ARN allowed to import archives with their own IDs, dates and descriptions (firn migrate's destination; Firn's extension, not Glacier's API); repeatable; without --credentials requests act as arn:aws:iam::ACCOUNT:root")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info (logs every request), warn or error")
	f.StringVar(&logFormat, "log-format", "text", "log format: text (key=value) or json")
	f.StringVar(&adminAddr, "admin-addr", "", "host:port to serve /metrics (Prometheus), /healthz, /readyz and /debug/pprof/ on (default: none)")
	f.StringVar(&timing, "job-timing", "instant", "how long jobs take: instant, or realistic (the service's published times, hours for Standard)")
	f.DurationVar(&bodyIdle, "body-idle-timeout", server.DefaultBodyIdleTimeout, "answer a request whose body sends nothing for this long with 408 RequestTimeoutException and close its connection")
	f.DurationVar(&backupInterval, "backup-interval", 0, "back the metadata up to the object store this often, such as 1h (default: never)")
	f.Var(&reserve, "reserve", "free space that uploads must leave on the data directory's file system; 0 turns the check off")
	notify.register(f)
	f.StringVar(&tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain); reloaded on SIGHUP and when the file changes")
	f.StringVar(&tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	selectOut.register(f)
	f.Var(&metaReserve, "metadata-reserve", "free space below which writes other than deletes are refused (default: an eighth of --reserve); 0 turns the check off")
	return cmd
}

// reserves returns the engine's free-space reserves for the --reserve and
// --metadata-reserve flags: 0 turns a check off (a negative reserve for the
// engine), and an unset --metadata-reserve is the engine's default.
func reserves(cmd *cobra.Command, reserve, metaReserve byteSize) (int64, int64, error) {
	up, meta := int64(reserve), int64(metaReserve)
	if up == 0 {
		up = -1
	}
	if cmd.Flags().Changed("metadata-reserve") && meta == 0 {
		meta = -1
	}
	if up > 0 && meta > up {
		return 0, 0, usagef("--metadata-reserve %s: must not exceed --reserve %s", metaReserve.String(), reserve.String())
	}
	return up, meta, nil
}

// serve runs the server until ctx is done, then shuts it down gracefully
// and closes the engine. With certs it serves HTTPS; with adminAddr it
// serves the admin endpoint there too.
func (a *app) serve(ctx context.Context, addr, adminAddr string, opts *engine.Options, sopts server.Options, certs *certReloader) (err error) {
	log := opts.Logger
	eng, err := a.openEngineWith(opts)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := eng.Close(); cerr != nil && err == nil {
			err = localErr(fmt.Errorf("closing %s: %w", a.dataDir, cerr), "")
		}
	}()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return localErr(err, "pick another --addr, or stop what is listening there")
	}
	logAccess := accessLog(log)
	sopts.Observe = logAccess
	if adminAddr != "" {
		adm, err := startAdmin(adminAddr, eng, log)
		if err != nil {
			return err
		}
		defer adm.close()
		sopts.Observe = func(info *server.RequestInfo) { adm.metrics.observe(info); logAccess(info) }
		fmt.Fprintf(a.stdout, "admin endpoint (/metrics, /healthz, /readyz, /debug/pprof/) at http://%s\n", adm.addr)
	}
	srv := server.NewHTTPServer(addr, server.New(eng, sopts))
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)

	scheme, trust, note := "http", "", ""
	if certs != nil {
		ln = certs.listener(ln)
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		scheme = "https"
		trust, note = certs.cliFlags(host)
	}
	defer reloadOnHangup(log, certs)()
	url := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(a.stdout, "firn serving the Glacier API at %s (data %s, account %s, region %s)\n",
		url, absPath(a.dataDir), opts.AccountID, opts.Region)
	if opts.Metadata != "" {
		fmt.Fprintf(a.stdout, "metadata in %s\n", metadataName(opts.Metadata))
	}
	if s := opts.ObjectStore; s != nil {
		fmt.Fprintf(a.stdout, "archive bytes in s3://%s/%s at %s\n", s.Bucket, s.Prefix, s.Endpoint)
	}
	if s, ok := opts.SelectOutput.(fmt.Stringer); ok {
		fmt.Fprintf(a.stdout, "select results in the buckets jobs name at %s\n", s)
	}
	if len(sopts.Credentials) == 0 {
		fmt.Fprintf(a.stdout, "try: aws glacier list-vaults --account-id - --endpoint-url %s --region %s --no-sign-request%s%s\n", url, opts.Region, trust, note)
	} else {
		fmt.Fprintf(a.stdout, "try: aws glacier list-vaults --account-id - --endpoint-url %s --region %s%s   (signed with a key of %d)%s\n", url, opts.Region, trust, len(sopts.Credentials), note)
	}
	if a.onListen != nil {
		a.onListen(ln.Addr().String())
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return localErr(fmt.Errorf("serving: %w", err), "")
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for in-flight requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Requests still running after the grace period are cut off, so
		// that closing the engine does not race with them.
		srv.Close()
		log.Warn("forced shutdown", "err", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return localErr(fmt.Errorf("serving: %w", err), "")
	}
	log.Info("stopped")
	return nil
}
