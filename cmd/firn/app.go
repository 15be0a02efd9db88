package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/engine"
)

// Exit statuses.
const (
	exitOK      = 0
	exitUsage   = 1 // bad command line
	exitGlacier = 2 // the Glacier API answered with an error
	exitLocal   = 3 // local I/O, data directory or network failure
	exitFailed  = 4 // migrate, export: finished with failed archives
)

const defaultDataDir = "./firn-data"

const exitCodesHelp = `Exit status:
  0  success
  1  usage error: unknown command, bad flag or argument
  2  the Glacier API answered with an error (its code and message are
     printed), or a job failed or is not complete yet
  3  local failure: file I/O, data directory, network setup
  4  migrate, export: finished with failed archives, see the report`

// app is one invocation of the command line: its flags, its output streams
// and the Glacier it talks to.
type app struct {
	stdout, stderr io.Writer

	// Global flags.
	dataDir  string
	metadata string // --metadata: a PostgreSQL URL, or ""
	endpoint string
	region   string
	account  string
	jsonOut  bool
	quiet    bool
	s3       objectStoreFlags

	g      firn.Glacier
	closer func() error // closes g, if it needs closing

	// Hooks for tests.
	stateDir      string                          // resumable-upload state; "" means the user cache directory
	wrap          func(firn.Glacier) firn.Glacier // wraps the Glacier once opened
	onListen      func(addr string)               // serve: called with the bound address
	engineFS      vfs.FS                          // the engine's file system; nil means the OS's
	forceProgress bool                            // draw progress bars even without a terminal
}

func newApp(stdout, stderr io.Writer) *app {
	return &app{stdout: stdout, stderr: &lockedWriter{w: stderr}}
}

// lockedWriter serializes writes: progress bars and notes reach stderr
// from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// exitError is an error with the exit status it calls for and, optionally,
// a hint saying what to do next.
type exitError struct {
	code int
	err  error
	hint string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func localErr(err error, hint string) error {
	return &exitError{code: exitLocal, err: err, hint: hint}
}

// run executes args and reports any error on stderr.
func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if a.closer != nil {
		if cerr := a.closer(); cerr != nil && err == nil {
			err = localErr(fmt.Errorf("closing the data directory: %w", cerr), "")
		}
	}
	if err == nil {
		return exitOK
	}
	code, hint := a.classify(err)
	fmt.Fprintf(a.stderr, "firn: %v\n", err)
	if code == exitUsage && hint == "" {
		hint = fmt.Sprintf("run '%s --help' for usage", cmd.CommandPath())
	}
	if hint != "" {
		fmt.Fprintf(a.stderr, "firn: %s\n", hint)
	}
	return code
}

// classify maps err to an exit status and a hint. A Glacier error anywhere
// in the chain means status 2; errors that are neither *exitError nor
// *firn.Error come from cobra's parsing of the command line.
func (a *app) classify(err error) (int, string) {
	var ee *exitError
	hint := ""
	if errors.As(err, &ee) {
		hint = ee.hint
	}
	var fe *firn.Error
	if errors.As(err, &fe) {
		if hint == "" {
			hint = a.glacierHint(fe)
		}
		return exitGlacier, hint
	}
	if ee != nil {
		return ee.code, hint
	}
	return exitUsage, ""
}

// glacierHint suggests the next step after a Glacier error.
func (a *app) glacierHint(e *firn.Error) string {
	switch e.Code {
	case firn.CodeResourceNotFound:
		return "check the names and IDs: 'firn vault list', 'firn job list VAULT'"
	case firn.CodeServiceUnavailable:
		if a.endpoint != "" && e.Err != nil {
			return fmt.Sprintf("is a Glacier endpoint listening at %s? start one with 'firn serve'", a.endpoint)
		}
	case firn.CodeAccessDenied, firn.CodePolicyEnforced:
		return "the vault's access policy, vault lock or data retrieval policy forbids this; see 'firn policy get VAULT', 'firn lock get VAULT', 'firn retrieval-policy get'"
	case "InvalidSignatureException", "UnrecognizedClientException", "MissingAuthenticationTokenException", "IncompleteSignatureException":
		return "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key of the server's --credentials file"
	}
	return ""
}

// runE adapts a command body: errors that are not a Glacier error or an
// *exitError are local failures (exit status 3).
func runE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := f(cmd, args)
		var ee *exitError
		if err == nil || errors.As(err, &ee) || firn.CodeOf(err) != "" {
			return err
		}
		return localErr(err, "")
	}
}

// args returns a cobra.PositionalArgs requiring exactly the named arguments.
func args(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usagef("%s takes %d argument(s), %s; got %d", cmd.CommandPath(), len(names), strings.Join(names, " "), len(args))
		}
		return nil
	}
}

// group returns a command that only holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			var names []string
			for _, s := range cmd.Commands() {
				if s.IsAvailableCommand() {
					names = append(names, s.Name())
				}
			}
			if len(args) == 0 {
				return usagef("%s needs a subcommand: %s", cmd.CommandPath(), strings.Join(names, ", "))
			}
			return usagef("unknown command %q for %q; valid: %s", args[0], cmd.CommandPath(), strings.Join(names, ", "))
		},
	}
	c.AddCommand(subs...)
	return c
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "firn",
		Short: "Amazon S3 Glacier, embedded: serve the API and manage vaults, archives and jobs",
		Long: `firn serves the Amazon S3 Glacier (vault) API from a local data directory
and manages vaults, archives and jobs from the command line.

Commands work on a data directory directly (--data, default ./firn-data;
not while a server has it open) or on an endpoint (--endpoint-url: a firn
server, or Amazon S3 Glacier itself). Against an endpoint, requests are signed
with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment, else with
the AWS_PROFILE (or default) profile of ~/.aws/credentials, else unsigned.

With --metadata and an object store (--s3-*), commands work on metadata in a
PostgreSQL database and archive bytes in a bucket, which any number of
'firn serve' processes and commands may share (see 'firn serve --help').`,
		Example: `  firn serve --data ./firn-data
  firn vault create photos
  firn upload photos ./holiday.tar --description "holiday 2026"
  firn job retrieve photos ARCHIVE_ID
  firn job output photos JOB_ID -o holiday.tar --wait`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: a.checkGlobals,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q", args[0])
			}
			return usagef("missing command")
		},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err}
	})
	// Every command's help ends with the exit statuses.
	root.SetHelpTemplate(root.HelpTemplate() + "\n" + exitCodesHelp + "\n")
	pf := root.PersistentFlags()
	pf.StringVar(&a.dataDir, "data", "", "data directory to work on directly (default "+defaultDataDir+" unless --endpoint-url is given; with --metadata, only select output, see 'firn serve --help')")
	pf.StringVar(&a.metadata, "metadata", "", "PostgreSQL URL, such as postgres://firn@db:5432/firn, of the database keeping the metadata; needs --s3-* (default $"+metadataEnv+"; see 'firn serve --help')")
	pf.StringVar(&a.endpoint, "endpoint-url", "", "Glacier endpoint to talk to, such as http://127.0.0.1:9000")
	pf.StringVar(&a.region, "region", envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", engine.DefaultRegion)), "AWS region: signs requests, and names ARNs in a data directory")
	pf.StringVar(&a.account, "account-id", "-", `account ID; "-" is the credentials' own account`)
	pf.BoolVar(&a.jsonOut, "json", false, "print results as JSON, for scripts")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "no progress bars or notes on stderr")
	a.s3.register(pf)

	root.AddCommand(
		a.serveCmd(),
		a.vaultCmd(),
		a.uploadCmd(),
		a.archiveCmd(),
		a.jobCmd(),
		a.tagsCmd(),
		a.notificationsCmd(),
		a.policyCmd(),
		a.lockCmd(),
		a.retrievalPolicyCmd(),
		a.capacityCmd(),
		a.scrubCmd(),
		a.backupCmd(),
		a.restoreCmd(),
		a.migrateCmd(),
		a.exportCmd(),
	)
	return root
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func (a *app) checkGlobals(cmd *cobra.Command, _ []string) error {
	if !cmd.Flags().Changed("metadata") && a.endpoint == "" {
		// An endpoint given explicitly wins over the environment.
		a.metadata = os.Getenv(metadataEnv)
	}
	if a.dataDir != "" && a.endpoint != "" {
		return usagef("--data and --endpoint-url exclude each other: work on a data directory or talk to an endpoint")
	}
	if a.endpoint != "" && !strings.HasPrefix(a.endpoint, "http://") && !strings.HasPrefix(a.endpoint, "https://") {
		return usagef("--endpoint-url %q: must start with http:// or https://", a.endpoint)
	}
	if a.metadata != "" {
		if a.endpoint != "" {
			return usagef("--metadata and --endpoint-url exclude each other: work on the database or talk to an endpoint")
		}
		if err := checkMetadata(a.metadata); err != nil {
			return err
		}
	}
	switch {
	case a.dataDir != "" || a.endpoint != "":
	case a.metadata != "":
		a.dataDir = metadataDataDir()
	default:
		a.dataDir = defaultDataDir
	}
	return nil
}

// glacier opens the Glacier the command works on: the engine in the data
// directory, or a client of the endpoint. It is closed by run.
func (a *app) glacier() (firn.Glacier, error) {
	if a.g != nil {
		return a.g, nil
	}
	if a.endpoint != "" {
		creds, err := clientCredentials()
		if err != nil {
			return nil, localErr(err, "fix the credentials file, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
		}
		cfg := aws.Config{Region: a.region}
		if creds != nil {
			cfg.Credentials = aws.NewCredentialsCache(creds)
		}
		a.g = awsglacier.NewFromConfig(cfg, a.endpoint)
	} else {
		e, err := a.openEngine(slog.New(slog.DiscardHandler))
		if err != nil {
			return nil, err
		}
		a.g, a.closer = e, e.Close
	}
	if a.wrap != nil {
		a.g = a.wrap(a.g)
	}
	return a.g, nil
}

// call runs one operation, given as a method expression such as
// firn.Glacier.DescribeVault, on the Glacier the command works on.
func call[In, Out any](ctx context.Context, a *app, op func(firn.Glacier, context.Context, *In) (*Out, error), in *In) (*Out, error) {
	g, err := a.glacier()
	if err != nil {
		return nil, err
	}
	return op(g, ctx, in)
}

// confirm runs an operation as call does and, when it succeeds, reports it
// as done does: its output as JSON with --json, else the one-line message.
func confirm[In, Out any](ctx context.Context, a *app, op func(firn.Glacier, context.Context, *In) (*Out, error), in *In, format string, args ...any) error {
	out, err := call(ctx, a, op, in)
	if err != nil {
		return err
	}
	return a.done(out, format, args...)
}

// show runs an operation as call does and, when it succeeds, prints its
// output as print does: JSON with --json, else as human writes it.
func show[In, Out any](ctx context.Context, a *app, op func(firn.Glacier, context.Context, *In) (*Out, error), in *In, human func(w io.Writer, out *Out) error) error {
	out, err := call(ctx, a, op, in)
	if err != nil {
		return err
	}
	return a.print(out, func(w io.Writer) error { return human(w, out) })
}

// listAll returns every item of a listing, given as a paginator such as
// firn.AllVaults, of the Glacier the command works on; never nil, so that
// JSON shows [] for none.
func listAll[In, Item any](ctx context.Context, a *app, all func(context.Context, firn.Glacier, In) iter.Seq2[Item, error], in In) ([]Item, error) {
	g, err := a.glacier()
	if err != nil {
		return nil, err
	}
	items := []Item{}
	for it, err := range all(ctx, g, in) {
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// openEngine opens the engine of the global flags.
func (a *app) openEngine(log *slog.Logger) (*engine.Engine, error) {
	opts, err := a.engineOptions()
	if err != nil {
		return nil, err
	}
	opts.Logger = log
	return a.openEngineWith(opts)
}

// engineOptions returns the engine options of the global flags: the
// metadata database and the object store. An explicit 12-digit
// --account-id becomes the engine's own account, so that "-" and it name
// the same vaults.
func (a *app) engineOptions() (*engine.Options, error) {
	opts := &engine.Options{Region: a.region, Metadata: a.metadata}
	if a.account != "-" && a.account != "" {
		opts.AccountID = a.account
	}
	var err error
	if opts.ObjectStore, err = a.s3.options(); err != nil {
		return nil, err
	}
	if a.metadata != "" && opts.ObjectStore == nil {
		return nil, usagef("--metadata needs an object store for the archive bytes: give --s3-endpoint and --s3-bucket")
	}
	return opts, nil
}

func (a *app) openEngineWith(opts *engine.Options) (*engine.Engine, error) {
	if a.engineFS != nil {
		opts.FS = a.engineFS
	}
	e, err := engine.Open(a.dataDir, opts)
	if err != nil && opts.Metadata != "" {
		return nil, localErr(fmt.Errorf("opening metadata %s with archive bytes in s3://%s/%s: %w", metadataName(opts.Metadata), opts.ObjectStore.Bucket, opts.ObjectStore.Prefix, err),
			"check --metadata and --s3-*: is the database server up and reachable, does the database exist (createdb), may its user create tables in it?")
	}
	if err != nil {
		return nil, localErr(fmt.Errorf("opening data directory %s: %w", a.dataDir, err),
			"if 'firn serve' is running on this directory, talk to it with --endpoint-url instead of --data")
	}
	return e, nil
}

// print writes v as indented JSON with --json, or calls human otherwise.
func (a *app) print(v any, human func(w io.Writer) error) error {
	if a.jsonOut {
		enc := jsonEncoder(a.stdout)
		return enc.Encode(v)
	}
	return human(a.stdout)
}

// done prints out as JSON with --json, or a one-line confirmation.
func (a *app) done(out any, format string, args ...any) error {
	return a.print(out, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, format+"\n", args...)
		return err
	})
}

// note writes an informational line on stderr unless --quiet.
func (a *app) note(format string, args ...any) {
	if !a.quiet {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
}

// absPath is p made absolute, or p when that fails.
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
