// Command firn serves the Amazon S3 Glacier (vault) API from a local data
// directory and manages vaults, archives and jobs from the command line.
//
// Serve the REST API, then point the AWS CLI, boto3 or any AWS SDK at it:
//
//	firn serve --addr 127.0.0.1:9000 --data ./firn-data
//	aws glacier list-vaults --account-id - --endpoint-url http://127.0.0.1:9000 --region us-east-1 --no-sign-request
//
// Every other command works either on a data directory directly (--data DIR,
// the default being ./firn-data; the directory must not be open in a running
// server at the same time) or on a Glacier endpoint (--endpoint-url URL:
// a firn server, or the real service). Against an endpoint, requests are
// signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN) from the environment, else with the AWS_PROFILE (or
// "default") profile of the shared credentials file, else sent unsigned.
//
// With --metadata URL (or FIRN_METADATA) and an object store (--s3-*), the
// metadata lives in a PostgreSQL database and the archive bytes in a
// bucket, which any number of servers and commands may share at once:
//
//	firn serve --metadata postgres://firn@db:5432/firn --s3-endpoint http://minio:9000 --s3-bucket firn
//
//	firn vault create|list|describe|delete
//	firn upload VAULT FILE            (multipart, parallel and resumable above --threshold)
//	firn archive delete VAULT ARCHIVE_ID
//	firn job retrieve|inventory|list|describe|output
//	firn tags, notifications, policy, lock, retrieval-policy, capacity
//
// Output is a table for people, or JSON with --json. Exit status: 0 success;
// 1 usage error (bad command, flag or argument); 2 the Glacier API refused
// the request (its error code and message are printed); 3 a local failure
// (file I/O, data directory, network setup); 4 migrate or export finished
// with failed archives (see its report).
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(stopContext(context.Background()), os.Args[1:], os.Stdout, os.Stderr))
}

// stopContext returns a context done at the first SIGINT or SIGTERM, which
// stops the command gracefully ('firn serve' finishes its requests and
// closes the data directory). After it, a second signal kills the process
// the default way, in case a graceful stop hangs.
func stopContext(parent context.Context) context.Context {
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx
}

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return newApp(stdout, stderr).run(ctx, args)
}
