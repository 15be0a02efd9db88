package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/internal/testkit"
)

// startServe runs 'firn serve' in-process on a free port and returns its
// URL and a function that stops it like SIGINT does and returns its result.
func startServe(t *testing.T, args ...string) (string, func() result) {
	t.Helper()
	url, stop, _ := startServeOutput(t, args...)
	return url, stop
}

// startServeOutput is startServe, also returning serve's standard output
// so far.
func startServeOutput(t *testing.T, args ...string) (string, func() result, *testkit.SyncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb testkit.SyncBuffer
	a := newApp(&out, &errb)
	addrs := make(chan string, 1)
	a.onListen = func(addr string) { addrs <- addr }
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	stop := sync.OnceValue(func() result {
		cancel()
		select {
		case code := <-done:
			return result{code: code, stdout: out.String(), stderr: errb.String()}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30 s")
			return result{code: -1}
		}
	})
	select {
	case addr := <-addrs:
		t.Cleanup(func() { stop() })
		return "http://" + addr, stop, &out
	case code := <-done:
		cancel()
		t.Fatalf("serve exited with %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not listen within 10 s")
	}
	return "", nil, nil
}

func TestServe(t *testing.T) {
	data := t.TempDir()
	url, stop := startServe(t, "--data", data, "--log-level", "debug")

	// An AWS SDK client.
	g := awsglacier.NewFromConfig(aws.Config{}, url)
	ctx := t.Context()
	if _, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "photos"}); err != nil {
		t.Fatal(err)
	}
	up, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "photos", ArchiveDescription: "hello", Body: strings.NewReader("hello, glacier")})
	if err != nil {
		t.Fatal(err)
	}

	// The CLI against the endpoint.
	c := newCLI(t)
	c.global = []string{"--endpoint-url", url}
	s := c.spyOn()
	if out := c.ok("vault", "list"); !strings.Contains(out, "photos") {
		t.Errorf("vault list through the endpoint:\n%s", out)
	}
	if got := c.retrieve("photos", up.ArchiveId); string(got) != "hello, glacier" {
		t.Errorf("retrieved %q", got)
	}
	path, content := c.file("big", 3<<20+5, 20)
	args := []string{"upload", "photos", path, "--threshold", "1MiB", "--part-size", "1MiB", "--concurrency", "1"}
	s.failAfter = 1
	c.fails(exitLocal, args...)
	s.failAfter, s.parts = 0, nil
	var mp firn.UploadArchiveOutput
	c.okJSON(&mp, args...)
	if len(s.parts) != 3 {
		t.Errorf("resumed upload through the endpoint sent %d parts, want 3", len(s.parts))
	}
	if got := c.retrieve("photos", mp.ArchiveId, "--chunk-size", "1MiB", "--concurrency", "2"); !bytes.Equal(got, content) {
		t.Error("multipart archive through the endpoint differs")
	}
	r := c.fails(exitGlacier, "vault", "describe", "nope")
	if !strings.Contains(r.stderr, "ResourceNotFoundException") {
		t.Errorf("error through the endpoint: %s", r.stderr)
	}

	// The data directory is the server's while it runs.
	local := newCLI(t)
	local.global = []string{"--data", data}
	local.fails(exitLocal, "vault", "list")

	res := stop()
	if res.code != 0 {
		t.Fatalf("serve exited with %d\nstderr: %s", res.code, res.stderr)
	}
	if want := "aws glacier list-vaults --account-id - --endpoint-url " + url; !strings.Contains(res.stdout, want) {
		t.Errorf("startup message lacks %q:\n%s", want, res.stdout)
	}
	for _, want := range []string{"SigV4 verification disabled", "msg=request request_id=", "operation=CreateVault method=PUT path=/-/vaults/photos account=- vault=photos status=201", "msg=stopped"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("log lacks %q:\n%s", want, res.stderr)
		}
	}
	// Stopped gracefully: the engine was closed and the data is there.
	if out := local.ok("vault", "list"); !strings.Contains(out, "photos") {
		t.Errorf("vault list after serve stopped:\n%s", out)
	}
	if r := c.run("vault", "list"); r.code != exitGlacier || !strings.Contains(r.stderr, "firn serve") {
		t.Errorf("endpoint down: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestServeCredentials(t *testing.T) {
	dir := t.TempDir()
	credFile := filepath.Join(dir, "credentials")
	os.WriteFile(credFile, []byte(`# test keys
[alice]
aws_access_key_id     = AKIAALICE
aws_secret_access_key = alice-secret
aws_account_id        = 111122223333
principal_arn         = arn:aws:iam::111122223333:user/alice

[bob]
aws_access_key_id     = AKIABOB
aws_secret_access_key = bob-secret
`), 0o600)
	url, stop := startServe(t, "--data", filepath.Join(dir, "data"), "--credentials", credFile, "--account", "444455556666")

	c := newCLI(t)
	c.global = []string{"--endpoint-url", url}
	r := c.fails(exitGlacier, "vault", "list")
	if !strings.Contains(r.stderr, "MissingAuthenticationToken") || !strings.Contains(r.stderr, "AWS_ACCESS_KEY_ID") {
		t.Errorf("unsigned request: %s", r.stderr)
	}

	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAALICE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	r = c.fails(exitGlacier, "vault", "list")
	if !strings.Contains(r.stderr, "InvalidSignatureException") {
		t.Errorf("wrong secret: %s", r.stderr)
	}

	t.Setenv("AWS_SECRET_ACCESS_KEY", "alice-secret")
	c.ok("vault", "create", "v")
	var v firn.DescribeVaultOutput
	c.okJSON(&v, "vault", "describe", "v")
	if v.VaultARN != "arn:aws:glacier:us-east-1:111122223333:vaults/v" {
		t.Errorf("a signed request's \"-\" is not the key's account: %s", v.VaultARN)
	}

	// A key without aws_account_id is of the server's --account, not the
	// root of every account.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIABOB")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "bob-secret")
	for _, args := range [][]string{{"vault", "list"}, {"vault", "describe", "v"}} {
		r := c.fails(exitGlacier, append([]string{"--account-id", "111122223333"}, args...)...)
		if !strings.Contains(r.stderr, "AccessDeniedException") || !strings.Contains(r.stderr, "arn:aws:iam::444455556666:root") {
			t.Errorf("bob's %s in alice's account: %s", args, r.stderr)
		}
	}
	c.ok("vault", "create", "b")
	c.okJSON(&v, "vault", "describe", "b")
	if v.VaultARN != "arn:aws:glacier:us-east-1:444455556666:vaults/b" {
		t.Errorf("a key without aws_account_id: \"-\" is %s, not --account", v.VaultARN)
	}

	// The shared credentials file is the fallback.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credFile)
	t.Setenv("AWS_PROFILE", "alice")
	c.ok("vault", "describe", "v")
	t.Setenv("AWS_PROFILE", "carol")
	c.fails(exitLocal, "vault", "describe", "v")

	if res := stop(); res.code != 0 || strings.Contains(res.stderr, "SigV4 verification disabled") || !strings.Contains(res.stdout, "signed with a key") {
		t.Errorf("serve with credentials: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
}

func TestServeBadSetup(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("[a]\naws_access_key_id = A\n[b]\naws_access_key_id = B\naws_secret_access_key = s\naws_account_id = 12\n"+
		"[c]\naws_access_key_id = C\naws_secret_access_key = s\naws_account_id = 111122223333\nprincipal_arn = arn:aws:iam::999988887777:user/c\n"+
		"[d]\naws_access_key_id = D\naws_secret_access_key = s\nprincipal_arn = arn:aws:iam::999988887777:user/d\n"), 0o600)
	c := newCLI(t)
	r := c.fails(exitLocal, "serve", "--addr", "127.0.0.1:0", "--credentials", bad)
	for _, want := range []string{"bad:1: [a]: aws_secret_access_key is missing", `bad:3: [b]: aws_account_id "12" is not 12 digits`,
		`bad:7: [c]: principal_arn arn:aws:iam::999988887777:user/c is not of account 111122223333`,
		`bad:12: [d]: principal_arn arn:aws:iam::999988887777:user/d is not of account 000000000000 (--account; give aws_account_id)`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	c.fails(exitLocal, "serve", "--addr", "127.0.0.1:0", "--credentials", filepath.Join(dir, "missing"))
	c.fails(exitLocal, "serve", "--addr", "256.0.0.1:0")
	r = c.fails(exitUsage, "serve", "--addr", "127.0.0.1:0", "--account", "12")
	if !strings.Contains(r.stderr, "12-digit") {
		t.Errorf("bad --account: %s", r.stderr)
	}
}

// serve checks signatures against its --region.
func TestServeRegion(t *testing.T) {
	dir := t.TempDir()
	credFile := filepath.Join(dir, "credentials")
	os.WriteFile(credFile, []byte("[k]\naws_access_key_id = AKIAK\naws_secret_access_key = s\n"), 0o600)
	url, _ := startServe(t, "--data", filepath.Join(dir, "data"), "--credentials", credFile, "--region", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAK")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	c := newCLI(t)
	c.global = []string{"--endpoint-url", url, "--region", "us-east-1"}
	if r := c.fails(exitGlacier, "vault", "list"); !strings.Contains(r.stderr, "Credential should be scoped to a valid region, not 'us-east-1'") {
		t.Errorf("a client of another region: %s", r.stderr)
	}
	c.global = []string{"--endpoint-url", url, "--region", "eu-west-1"}
	c.ok("vault", "list")
}

// --body-idle-timeout cuts a request body that stops arriving.
func TestServeBodyIdleTimeout(t *testing.T) {
	url, _ := startServe(t, "--data", filepath.Join(t.TempDir(), "data"), "--body-idle-timeout", "50ms")
	if _, err := awsglacier.NewFromConfig(aws.Config{}, url).CreateVault(t.Context(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /-/vaults/v/archives HTTP/1.1\r\nHost: x\r\nX-Amz-Glacier-Version: 2012-06-01\r\nContent-Length: 100\r\nX-Amz-Content-Sha256: %[1]s\r\nX-Amz-Sha256-Tree-Hash: %[1]s\r\n\r\nstalled", strings.Repeat("ab", 32)) // any hash: the body never completes
	// The deadline only keeps a broken server from hanging the test.
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 408 || !strings.Contains(string(body), "RequestTimeoutException") || !strings.Contains(string(body), "no data for 50ms") {
		t.Errorf("stalled body: %d %s", resp.StatusCode, body)
	}
}
