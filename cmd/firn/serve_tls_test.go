package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firnstore/firn/internal/testkit"
)

// testCA issues server certificates for 127.0.0.1.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
	file string // the CA certificate in PEM
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1000),
		Subject:               pkix.Name{CommonName: "firn test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{cert: cert, key: key, pool: x509.NewCertPool(), file: filepath.Join(t.TempDir(), "ca.pem")}
	ca.pool.AddCert(cert)
	writeFile(t, ca.file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return ca
}

// issue returns a new certificate with serial for 127.0.0.1 and its key,
// in PEM.
func (ca *testCA) issue(t *testing.T, serial int64) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "firn test server"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})
}

// install writes a new pair with serial to certFile and keyFile.
func (ca *testCA) install(t *testing.T, certFile, keyFile string, serial int64) {
	t.Helper()
	c, k := ca.issue(t, serial)
	writeFile(t, certFile, c)
	writeFile(t, keyFile, k)
}

// writeFile replaces name with data by renaming a new file over it, as
// certificate managers do.
func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	tmp := name + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

// serial is the serial number of the certificate a server presents.
func serial(cs *tls.ConnectionState) int64 { return cs.PeerCertificates[0].SerialNumber.Int64() }

// needTool fails the test when a client is missing: CI installs them
// (.ci/run), so a missing client is a broken machine, never a skip.
func needTool(t *testing.T, name string, check ...string) {
	t.Helper()
	if out, err := exec.Command(name, check...).CombinedOutput(); err != nil {
		t.Fatalf("%s is required for this test (install Debian's python3-boto3 and awscli, as .ci/run does): %v\n%s", name, err, out)
	}
}

// runClient runs an AWS client with test keys and no user configuration.
func runClient(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), append([]string{"AWS_CONFIG_FILE=/dev/null", "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret"}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

const boto3OverTLS = `
import json, os
import boto3, botocore
g = boto3.client("glacier", endpoint_url=os.environ["FIRN_ENDPOINT"], region_name="us-east-1", verify=os.environ["FIRN_CA"])
g.create_vault(vaultName="py")
names = [v["VaultName"] for v in g.list_vaults()["VaultList"]]
assert names == ["cli", "py"], names
# Over TLS, aws:SecureTransport is true: the first Deny does not apply, the second does.
g.set_vault_access_policy(vaultName="py", policy={"Policy": json.dumps({"Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "glacier:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Effect": "Deny", "Principal": "*", "Action": "glacier:ListTagsForVault", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
]})})
assert g.describe_vault(vaultName="py")["VaultName"] == "py"
try:
    g.list_tags_for_vault(vaultName="py")
    raise SystemExit("ListTagsForVault allowed despite a Deny when aws:SecureTransport is true")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDeniedException", e
print("boto3 over TLS: OK")
`

// TestServeTLS serves HTTPS to the AWS CLI and boto3 trusting a test CA,
// and swaps the certificate on SIGHUP under a keep-alive connection.
func TestServeTLS(t *testing.T) {
	needTool(t, "aws", "--version")
	needTool(t, "python3", "-c", "import boto3")
	dir := t.TempDir()
	ca := newTestCA(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.install(t, certFile, keyFile, 1)
	plain, stop, stdout := startServeOutput(t, "--data", filepath.Join(dir, "data"), "--tls-cert", certFile, "--tls-key", keyFile)
	addr := strings.TrimPrefix(plain, "http://")
	url := "https://" + addr

	aws := func(args ...string) string {
		return runClient(t, nil, "aws", append([]string{"glacier", "--endpoint-url", url, "--ca-bundle", ca.file, "--region", "us-east-1", "--output", "json"}, args...)...)
	}
	aws("create-vault", "--account-id", "-", "--vault-name", "cli")
	if out := aws("list-vaults", "--account-id", "-"); !strings.Contains(out, `"VaultName": "cli"`) {
		t.Errorf("list-vaults over TLS:\n%s", out)
	}
	runClient(t, []string{"FIRN_ENDPOINT=" + url, "FIRN_CA=" + ca.file}, "python3", "-c", boto3OverTLS)

	// The try: line works once CA.pem is named.
	_, try, ok := strings.Cut(stdout.String(), "try: ")
	if !ok {
		t.Fatalf("no try: line:\n%s", stdout)
	}
	try, _, _ = strings.Cut(try, "\n")
	cmdline, note, _ := strings.Cut(try, "   (")
	if !strings.Contains(cmdline, "--endpoint-url "+url+" ") || !strings.Contains(cmdline, "--ca-bundle CA.pem") || !strings.Contains(note, "CA.pem: the certificate of the CA") {
		t.Errorf("try: line %q", try)
	}
	args := strings.Fields(strings.Replace(cmdline, "CA.pem", ca.file, 1))
	if out := runClient(t, nil, args[0], args[1:]...); !strings.Contains(out, "cli") {
		t.Errorf("%s:\n%s", cmdline, out)
	}

	// A keep-alive connection, then a new pair and SIGHUP.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool}}}
	list := func() (cs *tls.ConnectionState, reused bool) {
		t.Helper()
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), "GET", url+"/-/vaults", nil)
		req.Header.Set("X-Amz-Glacier-Version", "2012-06-01")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("list-vaults: %s", resp.Status)
		}
		return resp.TLS, reused
	}
	if cs, _ := list(); serial(cs) != 1 {
		t.Fatalf("serial %d, want 1", serial(cs))
	}
	ca.install(t, certFile, keyFile, 2)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// New connections see the new pair once serve has handled the signal.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ca.pool})
		if err != nil {
			t.Fatal(err)
		}
		cs := conn.ConnectionState()
		conn.Close()
		if serial(&cs) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("new connections still see serial 1 10 s after SIGHUP")
		}
	}
	if cs, reused := list(); !reused || serial(cs) != 1 {
		t.Errorf("the keep-alive connection after the reload: reused %v, serial %d (want the old connection, serial 1)", reused, serial(cs))
	}
	client.CloseIdleConnections()
	if cs, reused := list(); reused || serial(cs) != 2 {
		t.Errorf("a new connection after the reload: reused %v, serial %d, want 2", reused, serial(cs))
	}

	res := stop()
	if res.code != 0 || !strings.Contains(res.stdout, "serving the Glacier API at "+url) ||
		!strings.Contains(res.stderr, `subject="CN=firn test server" serial=2`) {
		t.Errorf("serve: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
}

// The reloader picks up changed files on a handshake, and keeps its pair
// when the new one fails to load.
func TestCertReloader(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.install(t, certFile, keyFile, 1)
	var logs testkit.SyncBuffer
	c, err := newCertReloader(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	current := func() int64 {
		t.Helper()
		cert, err := c.getCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		return cert.Leaf.SerialNumber.Int64()
	}
	// check makes the next handshake look at the files, as it does once
	// certCheckInterval has passed.
	check := func() {
		c.mu.Lock()
		c.checked = time.Time{}
		c.mu.Unlock()
	}

	ca.install(t, certFile, keyFile, 2)
	if got := current(); got != 1 {
		t.Errorf("serial %d before the check interval, want 1", got)
	}
	check()
	if got := current(); got != 2 {
		t.Errorf("serial %d after the files changed, want 2", got)
	}
	check()
	current()
	if n := strings.Count(logs.String(), "reloaded"); n != 1 {
		t.Errorf("unchanged files reloaded: %d reloads\n%s", n, logs.String())
	}

	// A certificate without its key: the current pair stays.
	c3, k3 := ca.issue(t, 3)
	writeFile(t, certFile, c3)
	check()
	if got := current(); got != 2 {
		t.Errorf("serial %d after a broken pair, want 2", got)
	}
	if !strings.Contains(logs.String(), `level=ERROR msg="keeping the current TLS certificate" reason="files changed" err="loading the TLS certificate: tls: private key does not match public key"`) {
		t.Errorf("log:\n%s", logs.String())
	}
	// Its key arrives: the pair loads.
	writeFile(t, keyFile, k3)
	check()
	if got := current(); got != 3 {
		t.Errorf("serial %d once the key arrived, want 3", got)
	}
	ca.install(t, certFile, keyFile, 4)
	c.reload("test")
	if got := current(); got != 4 {
		t.Errorf("serial %d after reload, want 4", got)
	}
}

// SIGHUP reloads the pair: without handshakes, nothing else looks at the
// files.
func TestReloadOnHangup(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.install(t, certFile, keyFile, 1)
	var logs testkit.SyncBuffer
	c, err := newCertReloader(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stop := reloadOnHangup(slog.New(slog.DiscardHandler), c)
	defer stop()
	ca.install(t, certFile, keyFile, 2)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		n := c.cert.Leaf.SerialNumber.Int64()
		c.mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serial 1 10 s after SIGHUP")
		}
	}
	if !strings.Contains(logs.String(), `msg="reloaded the TLS certificate" reason=SIGHUP subject="CN=firn test server" serial=2`) {
		t.Errorf("log:\n%s", logs.String())
	}
}

func TestServeTLSBadSetup(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.install(t, certFile, keyFile, 1)
	c := newCLI(t)
	for _, args := range [][]string{{"--tls-cert", certFile}, {"--tls-key", keyFile}} {
		if r := c.fails(exitUsage, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...); !strings.Contains(r.stderr, "--tls-cert and --tls-key go together") {
			t.Errorf("%s: %s", args, r.stderr)
		}
	}
	r := c.fails(exitLocal, "serve", "--addr", "127.0.0.1:0", "--tls-cert", keyFile, "--tls-key", keyFile)
	if !strings.Contains(r.stderr, "loading the TLS certificate") {
		t.Errorf("a key as the certificate: %s", r.stderr)
	}
}
