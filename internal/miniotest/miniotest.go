// Package miniotest runs real MinIO servers for tests: a distributed
// deployment of four server processes on the loopback addresses 127.0.0.1
// to 127.0.0.4, one drive each, erasure-coded across the four (two data and
// two parity shards, so writes need three live drives and reads two).
//
// The minio binary is taken from PATH or $(go env GOPATH)/bin, else
// installed with `go install github.com/minio/minio@latest` (which takes
// minutes, once per machine). Tests fail, never skip, when that fails.
package miniotest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The root credentials of every cluster.
const (
	AccessKey = "firntest"
	SecretKey = "firntest-secret-key"
)

// Nodes is the number of server processes (and drives) of a cluster.
const Nodes = 4

const (
	installTimeout = 30 * time.Minute
	readyTimeout   = time.Minute
)

// A Cluster is a running distributed MinIO deployment. Its methods are safe
// for concurrent use.
type Cluster struct {
	t    testing.TB
	bin  string
	dir  string
	port int // node i listens on port+2i, its console on port+2i+1
	// portLock holds the ports for the cluster's life (see claimPorts).
	portLock *os.File

	roots *x509.CertPool // trusts the certificate of a TLS cluster; nil for http
	env   []string       // the nodes' environment beyond the common one

	mu    sync.Mutex
	procs [Nodes]*exec.Cmd // nil while a node is down
	exits [Nodes]chan struct{}
}

// Start starts a cluster whose data lives in a temporary directory of t,
// waits until it accepts writes, and stops it when t's test ends. It fails
// t if MinIO cannot be found or installed, or does not become ready.
func Start(t testing.TB) *Cluster {
	t.Helper()
	return start(t, false)
}

// StartTLS is Start for a cluster that speaks https, with a self-signed
// certificate for the loopback addresses (see CAFile).
func StartTLS(t testing.TB) *Cluster {
	t.Helper()
	return start(t, true)
}

// KMSKeyID is the one key of a cluster from StartKMS.
const KMSKeyID = "firn-test-key"

// StartKMS is Start for a cluster that encrypts objects on request
// (SSE-S3, and SSE-KMS with KMSKeyID), with a static key of MinIO's own
// KMS (MINIO_KMS_SECRET_KEY) rather than an external one.
func StartKMS(t testing.TB) *Cluster {
	t.Helper()
	return start(t, false, "MINIO_KMS_SECRET_KEY="+KMSKeyID+":"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
}

func start(t testing.TB, tls bool, env ...string) *Cluster {
	t.Helper()
	bin := Binary(t)
	var err error
	for range startAttempts {
		// Not t.TempDir: the drives' paths go into URLs, which a test
		// name's characters ("#" of -count, say) could break.
		dir, derr := os.MkdirTemp("", "firn-minio-")
		if derr != nil {
			t.Fatal(derr)
		}
		port, lock := freePort(t)
		c := &Cluster{t: t, bin: bin, dir: dir, port: port, portLock: lock, env: env}
		if tls {
			if err := c.makeCert(); err != nil {
				t.Fatal(err)
			}
		}
		if err = c.startAll(); err == nil {
			t.Cleanup(c.stop)
			return c
		}
		c.stop()
	}
	t.Fatal(err)
	return nil
}

// startAttempts bounds the starts of a cluster: another process may take
// its ports between their choice and MinIO's listening on them.
const startAttempts = 3

func (c *Cluster) startAll() error {
	for i := range Nodes {
		if err := os.MkdirAll(c.drive(i), 0o755); err != nil {
			return err
		}
		if err := c.start(i); err != nil {
			return err
		}
	}
	for i := range Nodes {
		if err := c.waitReady(i); err != nil {
			return err
		}
	}
	return c.waitWritable()
}

// writableRounds is how many rounds of writes in a row waitWritable needs.
const writableRounds = 3

// waitWritable waits until writableRounds rounds in a row, 200 ms apart,
// each write one object through every node at the first attempt. Every
// node reporting write quorum (waitReady) is not enough: under load, nodes
// still finishing their start were seen to lose sight of a peer's drive
// seconds later, so that a test's first writes failed with SlowDownWrite
// beyond minio-go's retries.
func (c *Cluster) waitWritable() error {
	tr := c.Transport()
	defer tr.(*http.Transport).CloseIdleConnections()
	var nodes [Nodes]*minio.Client
	for i := range nodes {
		cl, err := c.client(i, tr, 1)
		if err != nil {
			return err
		}
		nodes[i] = cl
	}
	ctx := context.Background()
	const bucket = "miniotest-probe"
	deadline := time.Now().Add(readyTimeout)
	ok := 0
	var err error
	for ok < writableRounds {
		if err = probeWrites(ctx, nodes, bucket); err == nil {
			ok++
		} else {
			ok = 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("miniotest: writes through every node did not succeed %d times in a row within %v: %w", writableRounds, readyTimeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for i := range nodes {
		if err := nodes[0].RemoveObject(ctx, bucket, fmt.Sprintf("node%d", i), minio.RemoveObjectOptions{}); err != nil {
			return fmt.Errorf("miniotest: removing a probe object: %w", err)
		}
	}
	return nodes[0].RemoveBucket(ctx, bucket)
}

// probeWrites writes an object of one byte through each node, creating
// bucket first if needed.
func probeWrites(ctx context.Context, nodes [Nodes]*minio.Client, bucket string) error {
	err := nodes[0].MakeBucket(ctx, bucket, minio.MakeBucketOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
		return fmt.Errorf("node 0: make bucket: %w", err)
	}
	for i, n := range nodes {
		if _, err := n.PutObject(ctx, bucket, fmt.Sprintf("node%d", i), strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			return fmt.Errorf("node %d: put: %w", i, err)
		}
	}
	return nil
}

// Endpoint returns the host:port of node i (0 to 3).
func (c *Cluster) Endpoint(i int) string { return nodeAddr(i, c.port+2*i) }

// nodeAddr is the address of node i on port. Each node has its own ports
// too: MinIO also listens on 127.0.0.1 and [::1] at its port, sharing it
// with SO_REUSEPORT, so nodes on one port would answer for each other.
func nodeAddr(i, port int) string {
	return net.JoinHostPort(fmt.Sprintf("127.0.0.%d", i+1), strconv.Itoa(port))
}

func (c *Cluster) drive(i int) string { return filepath.Join(c.dir, fmt.Sprintf("drive%d", i+1)) }
func (c *Cluster) log(i int) string   { return filepath.Join(c.dir, fmt.Sprintf("node%d.log", i+1)) }

func (c *Cluster) start(i int) error {
	args := []string{"server", "--quiet", "--address", c.Endpoint(i), "--console-address", nodeAddr(i, c.port+2*i+1)}
	if c.roots != nil {
		args = append(args, "--certs-dir", c.certsDir())
	}
	for j := range Nodes {
		args = append(args, c.scheme()+c.Endpoint(j)+c.drive(j))
	}
	logf, err := os.OpenFile(c.log(i), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+AccessKey,
		"MINIO_ROOT_PASSWORD="+SecretKey,
		"MINIO_CI_CD=on", // drives may share the root filesystem
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		// In a container MinIO takes loopback hosts for unresolved peers;
		// this names the endpoint that is this node's own.
		"_MINIO_SERVER_LOCAL="+c.Endpoint(i),
	)
	cmd.Env = append(cmd.Env, c.env...)
	// Killed with the test binary, should it die without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("miniotest: starting node %d: %w", i, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(exited)
	}()
	c.mu.Lock()
	c.procs[i], c.exits[i] = cmd, exited
	c.mu.Unlock()
	return nil
}

// waitReady waits until node i reports that the cluster has write quorum.
func (c *Cluster) waitReady(i int) error {
	url := c.scheme() + c.Endpoint(i) + "/minio/health/cluster"
	client := &http.Client{Transport: c.Transport()}
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		c.mu.Lock()
		exited := c.exits[i]
		c.mu.Unlock()
		select {
		case <-exited:
			return fmt.Errorf("miniotest: node %d exited while starting:\n%s", i, c.logTail(i))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("miniotest: node %d not ready after %v:\n%s", i, readyTimeout, c.logTail(i))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Kill kills node i with SIGKILL, as a crash would, and waits for it to
// exit.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	cmd, exited := c.procs[i], c.exits[i]
	c.procs[i] = nil
	c.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-exited
}

// Restart starts node i again after Kill and waits until every running
// node reports write quorum and, if every node runs, until each serves
// every object: a node that reports write quorum may still answer
// NoSuchKey for objects until it has reconnected to its peers (seen for
// more than 10 s under load), and a test of what follows a node's return
// means a node fully back.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	err := c.start(i)
	all := true
	for j := 0; err == nil && j < Nodes; j++ {
		c.mu.Lock()
		up := c.procs[j] != nil
		c.mu.Unlock()
		if up {
			err = c.waitReady(j)
		}
		all = all && up
	}
	if err == nil && all {
		err = c.waitServing()
	}
	if err != nil {
		c.t.Fatal(err)
	}
}

// waitServing waits until every node serves a byte of every object that
// a node lists.
func (c *Cluster) waitServing() error {
	tr := c.Transport()
	defer tr.(*http.Transport).CloseIdleConnections()
	var nodes [Nodes]minio.Core
	for i := range nodes {
		cl, err := c.client(i, tr, 0)
		if err != nil {
			return err
		}
		nodes[i] = minio.Core{Client: cl}
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		err := serving(nodes)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("miniotest: not every node serves every object %v after a restart: %w", readyTimeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serving returns nil if every node serves a byte of every object that a
// node lists, else the first failure.
func serving(nodes [Nodes]minio.Core) error {
	ctx := context.Background()
	type object struct{ bucket, key string }
	objects := map[object]bool{}
	for i, n := range nodes {
		buckets, err := n.Client.ListBuckets(ctx)
		if err != nil {
			return fmt.Errorf("node %d: listing buckets: %w", i, err)
		}
		for _, b := range buckets {
			for o := range n.Client.ListObjects(ctx, b.Name, minio.ListObjectsOptions{Recursive: true}) {
				if o.Err != nil {
					return fmt.Errorf("node %d: listing %s: %w", i, b.Name, o.Err)
				}
				objects[object{b.Name, o.Key}] = true
			}
		}
	}
	for o := range objects {
		for i, n := range nodes {
			var opts minio.GetObjectOptions
			opts.SetRange(0, 0)
			rc, _, _, err := n.GetObject(ctx, o.bucket, o.key, opts)
			if err == nil {
				_, err = io.Copy(io.Discard, rc)
				rc.Close()
			}
			if err != nil && minio.ToErrorResponse(err).Code != "InvalidRange" { // InvalidRange: empty
				return fmt.Errorf("node %d: GET %s/%s: %w", i, o.bucket, o.key, err)
			}
		}
	}
	return nil
}

func (c *Cluster) stop() {
	for i := range Nodes {
		c.Kill(i)
	}
	if c.t.Failed() {
		for i := range Nodes {
			c.t.Logf("miniotest: node %d log:\n%s", i, c.logTail(i))
		}
	}
	os.RemoveAll(c.dir)
	c.portLock.Close()
}

func (c *Cluster) logTail(i int) string {
	b, _ := os.ReadFile(c.log(i))
	const keep = 4 << 10
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}

// Client returns a minio-go client of node 0, signed with the root
// credentials.
func (c *Cluster) Client() *minio.Client {
	cl, err := c.client(0, c.Transport(), 0)
	if err != nil {
		c.t.Fatal(err)
	}
	return cl
}

// client returns a minio-go client of node i that makes up to attempts
// attempts of each request (0: minio-go's default).
func (c *Cluster) client(i int, tr http.RoundTripper, attempts int) (*minio.Client, error) {
	return minio.New(c.Endpoint(i), &minio.Options{
		Creds:      credentials.NewStaticV4(AccessKey, SecretKey, ""),
		Secure:     c.roots != nil,
		Transport:  tr,
		MaxRetries: attempts,
	})
}

// NewBucket creates a bucket with a name unique to the cluster and returns
// the name.
func (c *Cluster) NewBucket() string {
	c.t.Helper()
	name := fmt.Sprintf("firn-%d", bucketSeq.Add(1))
	// The name is new to this process's cluster, so that it being ours
	// already means the client retried a creation that had succeeded (a
	// slow answer on a loaded machine).
	err := c.Client().MakeBucket(context.Background(), name, minio.MakeBucketOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
		c.t.Fatalf("miniotest: make bucket %s: %v", name, err)
	}
	return name
}

var bucketSeq atomic.Int64

// freePort returns a base port such that the 2*Nodes ports from it are
// free on the loopback addresses the nodes listen on, and the lock that
// claims them (see claimPorts). It is below Linux's ephemeral range (32768
// up), so that the many connections between nodes do not take one
// meanwhile.
func freePort(t testing.TB) (int, *os.File) {
	t.Helper()
	for range 100 {
		base := 20000 + 2*Nodes*mrand.IntN(12000/(2*Nodes))
		lock, err := claimPorts(base)
		if err != nil {
			t.Fatal(err)
		}
		if lock == nil {
			continue
		}
		if allFree(base) {
			return base, lock
		}
		lock.Close()
	}
	t.Fatal("miniotest: no free ports on 127.0.0.1-4")
	return 0, nil
}

// claimPorts takes an exclusive lock on the ports from base, or returns nil
// if another cluster holds it. Test binaries run in parallel and each starts
// clusters: MinIO binds its ports with SO_REUSEPORT, so two clusters that
// chose the same ports (one between the other's choice and its listening,
// or while one of its nodes is down for a restart) would both listen and
// answer each other's requests. The lock, held until the cluster stops and
// released by the kernel if the process dies, keeps them apart.
func claimPorts(base int) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), fmt.Sprintf("firn-miniotest-%d.lock", base)), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("miniotest: port lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, fmt.Errorf("miniotest: port lock: %w", err)
	}
	return f, nil
}

func allFree(base int) bool {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for port := base; port < base+2*Nodes; port++ {
		for _, host := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "::1"} {
			l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
			if err != nil {
				if host == "::1" && !errors.Is(err, syscall.EADDRINUSE) {
					continue // no IPv6 loopback here
				}
				return false
			}
			ls = append(ls, l)
		}
	}
	return true
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// Binary returns the path of the minio binary, installing it if needed
// (see the package documentation). It fails t if that fails.
func Binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() { binPath, binErr = findOrInstall() })
	if binErr != nil {
		t.Fatalf("miniotest: %v", binErr)
	}
	return binPath
}

func findOrInstall() (string, error) {
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	bin, err := goBin()
	if err != nil {
		return "", err
	}
	p := filepath.Join(bin, "minio")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	// Test binaries of several packages may get here at once: one
	// installs, the others wait for it.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "firn-miniotest-install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking the install: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/minio/minio@latest")
	cmd.Dir = os.TempDir() // outside any module, so that @latest resolves alone
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GO111MODULE=on")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("minio is not in PATH nor in %s, and go install github.com/minio/minio@latest failed: %v\n%s", bin, err, out.String())
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("go install github.com/minio/minio@latest did not leave %s: %w", p, err)
	}
	return p, nil
}

// goBin returns where go install puts binaries.
func goBin() (string, error) {
	out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output()
	if err != nil {
		return "", fmt.Errorf("go env: %w", err)
	}
	gobin, gopath, _ := strings.Cut(strings.TrimRight(string(out), "\n"), "\n")
	if gobin != "" {
		return gobin, nil
	}
	if gopath == "" {
		return "", errors.New("go env GOPATH is empty")
	}
	return filepath.Join(filepath.SplitList(gopath)[0], "bin"), nil
}

func (c *Cluster) scheme() string {
	if c.roots != nil {
		return "https://"
	}
	return "http://"
}

func (c *Cluster) certsDir() string { return filepath.Join(c.dir, "certs") }

// CAFile returns the PEM file of the certificate a TLS cluster serves,
// which is its own certificate authority; "" for an http cluster.
func (c *Cluster) CAFile() string {
	if c.roots == nil {
		return ""
	}
	return filepath.Join(c.certsDir(), "public.crt")
}

// Transport returns an http.RoundTripper that trusts the cluster's
// certificate.
func (c *Cluster) Transport() http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if c.roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: c.roots}
	}
	return tr
}

// makeCert writes a self-signed certificate for the nodes' addresses where
// MinIO finds it (public.crt, private.key), and as a CA the nodes trust
// each other by (CAs/).
func (c *Cluster) makeCert() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "firn miniotest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv6loopback},
	}
	for i := range Nodes {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IPv4(127, 0, 0, byte(i+1)))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.MkdirAll(filepath.Join(c.certsDir(), "CAs"), 0o700); err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		"public.crt":  certPEM,
		"private.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		"CAs/ca.crt":  certPEM,
	} {
		if err := os.WriteFile(filepath.Join(c.certsDir(), name), data, 0o600); err != nil {
			return err
		}
	}
	c.roots = x509.NewCertPool()
	c.roots.AppendCertsFromPEM(certPEM)
	return nil
}

// Flaky is an http.RoundTripper to a cluster that answers, on request, as
// a MinIO node that has just restarted and not yet reconnected to its
// peers was seen to (or any erasure set whose drives disagree about an
// object): a GET of an object that exists gets 404 NoSuchKey, and a
// listing lacks objects. Other requests reach the cluster. Its methods are
// safe for concurrent use.
type Flaky struct {
	rt http.RoundTripper

	mu      sync.Mutex
	lose    int // GETs of objects still to answer NoSuchKey; negative: all
	hide    bool
	hideSub string // listings omit the objects whose names contain it
	lost    int
	listing int
}

// Flaky returns a Flaky to c that passes every request through until told
// otherwise.
func (c *Cluster) Flaky() *Flaky { return &Flaky{rt: c.Transport()} }

// LoseGets makes the next n GETs of objects answer NoSuchKey; a negative
// n makes all of them do so, until the next LoseGets.
func (f *Flaky) LoseGets(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lose = n
}

// HideListings makes listings of objects answer that there are none, or
// stops doing so.
func (f *Flaky) HideListings(hide bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hide = hide
}

// HideKeys makes listings omit the objects whose names contain sub, or,
// with sub "", stops doing so.
func (f *Flaky) HideKeys(sub string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hideSub = sub
}

// Lost returns the number of GETs answered NoSuchKey so far.
func (f *Flaky) Lost() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lost
}

// Listings returns the number of listings of objects sent so far, hidden
// or not.
func (f *Flaky) Listings() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listing
}

// RoundTrip implements http.RoundTripper.
func (f *Flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	// Path-style requests: /bucket for listings, /bucket/key for objects.
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	listing := r.Method == http.MethodGet && key == "" && q.Has("list-type")
	f.mu.Lock()
	if listing {
		f.listing++
	}
	var answer string
	switch {
	case listing && f.hide:
		answer = xml.Header + `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>` + bucket +
			`</Name><Prefix>` + escape(q.Get("prefix")) + `</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`
	case r.Method == http.MethodGet && key != "" && f.lose != 0:
		if f.lose > 0 {
			f.lose--
		}
		f.lost++
		answer = xml.Header + `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>` + escape(key) +
			`</Key><BucketName>` + bucket + `</BucketName><Resource>` + escape(r.URL.Path) + `</Resource></Error>`
	}
	sub := f.hideSub
	f.mu.Unlock()
	if answer == "" && listing && sub != "" {
		return f.filterListing(r, sub)
	}
	if answer == "" {
		return f.rt.RoundTrip(r)
	}
	status := http.StatusOK
	if !listing {
		status = http.StatusNotFound
	}
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/xml"}},
		Body:          io.NopCloser(strings.NewReader(answer)),
		ContentLength: int64(len(answer)),
		Request:       r,
	}, nil
}

var listedObject = regexp.MustCompile(`(?s)<Contents>.*?<Key>(.*?)</Key>.*?</Contents>`)

// filterListing sends listing r and drops from the answer the objects
// whose names contain sub.
func (f *Flaky) filterListing(r *http.Request, sub string) (*http.Response, error) {
	resp, err := f.rt.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = listedObject.ReplaceAllFunc(body, func(c []byte) []byte {
		key := string(listedObject.FindSubmatch(c)[1])
		if k, err := url.QueryUnescape(key); err == nil { // encoding-type=url
			key = k
		}
		if strings.Contains(key, sub) {
			return nil
		}
		return c
	})
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}

func escape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
