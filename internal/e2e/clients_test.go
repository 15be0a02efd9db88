// Package e2e proves the REST endpoint with real AWS clients: boto3 and the
// AWS CLI, driven against an in-process Firn server.
package e2e

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/server"
)

// serve starts a server over a fresh in-memory engine.
func serve(t *testing.T) string {
	t.Helper()
	e, err := engine.Open("firn", &engine.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(e, server.Options{Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(func() {
		srv.Close()
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv.URL
}

// need fails the test when a client is missing: CI installs them
// (.ci/run), so a missing client is a broken machine, never a skip.
func need(t *testing.T, name string, check ...string) {
	t.Helper()
	if out, err := exec.Command(name, check...).CombinedOutput(); err != nil {
		t.Fatalf("%s is required for this test (install Debian's python3-boto3 and awscli, as .ci/run does): %v\n%s", name, err, out)
	}
}

func run(t *testing.T, endpoint string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "FIRN_ENDPOINT="+endpoint, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestBoto3 drives all 33 operations, the 4 paginators and the 2 waiters
// through boto3.
func TestBoto3(t *testing.T) {
	need(t, "python3", "-c", "import boto3")
	run(t, serve(t), "python3", "boto3_all.py")
}

// TestAWSCLI runs create-vault, upload-archive, list-vaults, initiate-job
// and get-job-output through the AWS CLI.
func TestAWSCLI(t *testing.T) {
	need(t, "aws", "--version")
	run(t, serve(t), "bash", "awscli.sh")
}
