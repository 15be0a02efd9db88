// Package pgtest runs throwaway PostgreSQL servers for tests, as
// internal/miniotest does MinIO.
//
// NewDatabase gives a test a fresh database (CREATE DATABASE with a name
// unique to the cluster, dropped when the test ends) on one cluster that
// the test binary shares, started at the first call. Start gives a test a
// server of its own, which it may Stop, Kill and Restart. Either is
// created with initdb in a temporary directory, listens on a loopback port
// only (127.0.0.1, no Unix socket), and lets the superuser User in without
// a password.
//
// Durability: a server of Start runs with fsync on, as deployed, so that
// tests of crash safety run the server as production does; the shared
// cluster runs with fsync off, for speed, since no test can stop it. What
// survives Kill is the same either way (the kernel keeps what the killed
// processes wrote): only a crash of the machine tells them apart.
//
// PostgreSQL refuses to run as root: under root the servers run as the
// user postgres (which Debian's postgresql package creates), in
// directories that user owns; otherwise as the current user.
//
// The programs are found through `pg_config --bindir`, in
// /usr/lib/postgresql/*/bin, or in PATH. Tests fail, never skip, when
// PostgreSQL is missing or does not start; the message says what is
// missing and how to install it.
//
// Servers are killed with their test binary should it die without
// cleaning up, and the directories they leave are removed by the next
// server to start. Linux only.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is the superuser of every server.
const User = "firn"

const (
	readyTimeout  = time.Minute
	stopTimeout   = time.Minute
	startAttempts = 3
)

// A Server is a running PostgreSQL cluster. Its methods are safe for
// concurrent use.
type Server struct {
	t        testing.TB // of Start; nil for the shared cluster
	bins     binaries
	cred     *syscall.Credential // nil: run as the current user
	fsync    bool
	dir      string
	dirLock  *os.File // see makeDir
	port     int
	portLock *os.File // see claimPort

	mu     sync.Mutex
	proc   *os.Process // nil while stopped
	exited chan struct{}
}

// Start starts a server of t's own, with fsync on, waits until it accepts
// connections, and removes it when t's test ends. It fails t if PostgreSQL
// is missing or does not start.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start(true)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	s.t = t
	t.Cleanup(s.remove)
	return s
}

var shared struct {
	once sync.Once
	s    *Server
	err  error
}

// NewDatabase creates a database on the test binary's shared cluster,
// starting the cluster at the first call, and returns its connection URL;
// the database is dropped, whoever is still connected, when t's test ends.
// It fails t if the cluster cannot start.
func NewDatabase(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() { shared.s, shared.err = start(false) })
	if shared.err != nil {
		t.Fatalf("pgtest: %v", shared.err)
	}
	return shared.s.NewDatabase(t)
}

func start(fsync bool) (*Server, error) {
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	sweep()
	dir, dirLock, err := makeDir()
	if err != nil {
		return nil, err
	}
	s := &Server{bins: bins, cred: cred, fsync: fsync, dir: dir, dirLock: dirLock}
	if err := s.initdb(); err != nil {
		s.remove()
		return nil, err
	}
	// Another program may take the port between its choice and the
	// server's listening on it.
	for range startAttempts {
		if s.port, s.portLock, err = freePort(); err != nil {
			break
		}
		if err = s.run(); err == nil {
			return s, nil
		}
		s.kill()
		s.portLock.Close()
		s.portLock = nil
	}
	s.remove()
	return nil, err
}

// credential returns whom to run PostgreSQL as: nil for the current user,
// the user postgres under root.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, which PostgreSQL refuses, and there is no user postgres to run it as (%v); Debian's postgresql package creates it: apt-get install postgresql", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("user postgres: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) data() string    { return filepath.Join(s.dir, "data") }
func (s *Server) logPath() string { return filepath.Join(s.dir, "postgres.log") }

func (s *Server) initdb() error {
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return err
		}
	}
	// --no-sync: a crash of the machine ends the test that made the
	// cluster anyway.
	cmd := exec.Command(s.bins.initdb, "-D", s.data(), "-U", User, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s failed: %v\n%s", s.bins.initdb, err, out)
	}
	return nil
}

// run starts the postmaster and waits until it accepts connections.
func (s *Server) run() error {
	logf, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := []string{"-D", s.data(), "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="}
	if s.fsync {
		args = append(args, "-c", "fsync=on")
	} else {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
	}
	cmd := exec.Command(s.bins.postgres, args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: s.cred,
		Setpgid:    true, // Kill reaches the backends too
		Pdeathsig:  syscall.SIGQUIT,
	}
	started := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		// Pdeathsig comes when the thread that started the process ends,
		// not the process: this goroutine keeps its thread until the
		// server exits. It then gives the thread back rather than end it
		// locked, which would end the thread: the children that other
		// code started from it earlier (MinIO's nodes, with Pdeathsig of
		// their own) would be killed.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			cmd.Wait()
		}
		logf.Close()
		close(exited)
	}()
	if err := <-started; err != nil {
		<-exited
		return fmt.Errorf("starting %s: %w", s.bins.postgres, err)
	}
	s.mu.Lock()
	s.proc, s.exited = cmd.Process, exited
	s.mu.Unlock()
	return s.waitReady(exited)
}

func (s *Server) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, s.url("postgres"))
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		select {
		case <-exited:
			return fmt.Errorf("postgres exited while starting:\n%s", s.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not accepting connections after %v (%v):\n%s", readyTimeout, err, s.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// url is the connection URL of database.
func (s *Server) url(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(User),
		Host:     fmt.Sprintf("127.0.0.1:%d", s.port),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

var dbSeq atomic.Int64

// NewDatabase creates a database with a name unique to s and returns its
// connection URL; the database is dropped, whoever is still connected,
// when t's test ends if s is running then. It fails t if s is not
// running.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("firn_%d", dbSeq.Add(1))
	if err := s.exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if s.running() {
			if err := s.exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
				t.Errorf("pgtest: %v", err)
			}
		}
	})
	return s.url(name)
}

// exec runs sql in the maintenance database.
func (s *Server) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// Stop shuts the server down cleanly (PostgreSQL's fast shutdown: open
// transactions roll back, connections close) and waits for it to exit; a
// server that has not exited after a minute is killed. It does nothing if
// the server is stopped.
func (s *Server) Stop() {
	s.mu.Lock()
	proc, exited := s.proc, s.exited
	s.proc = nil
	s.mu.Unlock()
	if proc == nil {
		return
	}
	proc.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		syscall.Kill(-proc.Pid, syscall.SIGKILL)
		<-exited
	}
}

// Kill kills the server and its backends with SIGKILL, as a crash would,
// and waits for the server to exit; Restart recovers from the write-ahead
// log. It does nothing if the server is stopped.
func (s *Server) Kill() { s.kill() }

func (s *Server) kill() {
	s.mu.Lock()
	proc, exited := s.proc, s.exited
	s.proc = nil
	s.mu.Unlock()
	if proc == nil {
		return
	}
	// Stopped, the postmaster forks no child that the list would miss.
	syscall.Kill(proc.Pid, syscall.SIGSTOP)
	kids := children(proc.Pid)
	syscall.Kill(-proc.Pid, syscall.SIGKILL)
	killAll(kids)
	<-exited
}

// Restart starts the server again on its data directory and port, after
// Stop or Kill (or stops it first if it runs), and waits until it accepts
// connections. It fails the test of Start if the server does not start.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	// After Kill, a backend may still hold the shared memory that the new
	// postmaster refuses to share, until it has exited.
	for range startAttempts {
		if err = s.run(); err == nil {
			return
		}
		s.kill()
	}
	s.t.Fatalf("pgtest: restart: %v", err)
}

// remove kills the server and removes its directory.
func (s *Server) remove() {
	s.kill()
	if s.t != nil && s.t.Failed() {
		s.t.Logf("pgtest: server log:\n%s", s.logTail())
	}
	os.RemoveAll(s.dir)
	s.dirLock.Close()
	if s.portLock != nil {
		s.portLock.Close()
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.logPath())
	const keep = 4 << 10
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}
