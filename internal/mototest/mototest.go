// Package mototest runs moto's server for tests: one moto_server process on
// a free loopback port, serving the AWS services moto emulates (SNS and SQS
// among them) with the real services' wire protocols.
//
// The server is moto_server from PATH, else python3 -m moto.server; .ci/run
// installs moto when neither works. Tests fail, never skip, when moto cannot
// be found or does not start.
package mototest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region of the clients Config makes.
const Region = "us-east-1"

// Credentials moto accepts (it checks none).
const (
	AccessKey = "firntest"
	SecretKey = "firntest-secret-key"
)

const (
	readyTimeout  = time.Minute
	startAttempts = 3 // another process may take the port before moto binds it
)

// A Server is a running moto server.
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:PORT.
	URL string

	cmd    *exec.Cmd
	exited chan struct{}
	log    string
}

// Start starts a moto server, waits until it answers, and stops it when
// t's test ends. It fails t if moto cannot be found or does not start.
func Start(t testing.TB) *Server {
	t.Helper()
	name, args, err := command()
	if err != nil {
		t.Fatalf("mototest: %v", err)
	}
	for range startAttempts {
		var s *Server
		if s, err = start(t.TempDir(), name, args); err == nil {
			t.Cleanup(func() { s.stop(t) })
			return s
		}
	}
	t.Fatalf("mototest: %v", err)
	return nil
}

// command returns how to run moto's server.
func command() (string, []string, error) {
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p, nil, nil
	}
	if err := exec.Command("python3", "-c", "import moto.server").Run(); err == nil {
		return "python3", []string{"-m", "moto.server"}, nil
	}
	return "", nil, errors.New(`neither moto_server nor python3's moto.server is installed: pip install 'moto[server]' (.ci/run does)`)
}

func start(dir, name string, args []string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{}), log: filepath.Join(dir, "moto.log")}
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(name, append(args, "-H", "127.0.0.1", "-p", strconv.Itoa(port))...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Killed with the test binary, should it die without cleaning up.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		s.cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	if err := s.waitReady(); err != nil {
		s.cmd.Process.Kill()
		<-s.exited
		return nil, err
	}
	return s, nil
}

// waitReady polls the server's own API until it answers.
func (s *Server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/moto-api/data.json", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("moto server exited while starting:\n%s", s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("moto server not ready after %v:\n%s", readyTimeout, s.logTail())
		case <-tick.C:
		}
	}
}

func (s *Server) stop(t testing.TB) {
	s.cmd.Process.Kill()
	<-s.exited
	if t.Failed() {
		t.Logf("mototest: server log:\n%s", s.logTail())
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.log)
	const keep = 4 << 10
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}

// Config returns an AWS SDK configuration for the server: Region, static
// credentials and the server's URL as the base endpoint of every service.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
		BaseEndpoint: aws.String(s.URL),
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
