package pgtest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// Ports are chosen below Linux's ephemeral range (32768 up), so that no
// outgoing connection takes one while a server is down for a restart, and
// below internal/miniotest's range (20000 up), so that its clusters do not
// either.
const (
	portMin  = 15000
	portSpan = 5000
)

// freePort returns a loopback port that is free and the lock that claims
// it for the server's life (see claimPort).
func freePort() (int, *os.File, error) {
	for range 100 {
		port := portMin + rand.IntN(portSpan)
		lock, err := claimPort(port)
		if err != nil {
			return 0, nil, err
		}
		if lock == nil {
			continue
		}
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			l.Close()
			return port, lock, nil
		}
		lock.Close()
	}
	return 0, nil, errors.New("no free port on 127.0.0.1")
}

// claimPort takes an exclusive lock on port, or returns nil if another
// server holds it. Test binaries run in parallel and each starts servers;
// the lock, held until the server is removed and released by the kernel if
// the process dies, keeps a server's port its own while it is stopped
// between Stop and Restart.
func claimPort(port int) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), fmt.Sprintf("firn-pgtest-%d.lock", port)), os.O_CREATE|os.O_RDWR, 0o644)
	if errors.Is(err, os.ErrPermission) {
		return nil, nil // another user's claim
	}
	if err != nil {
		return nil, fmt.Errorf("port lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, fmt.Errorf("port lock: %w", err)
	}
	return f, nil
}
