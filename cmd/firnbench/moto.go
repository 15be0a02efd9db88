package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// motoServer is a moto_server process on a loopback port, started as
// internal/mototest starts one for tests (which needs a testing.TB).
type motoServer struct {
	url    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// startMoto starts moto_server from PATH, else python3 -m moto.server,
// logging to logName, and waits until it answers.
func startMoto(ctx context.Context, logName string) (*motoServer, error) {
	exe, args := "moto_server", []string(nil)
	if _, err := exec.LookPath(exe); err != nil {
		if exec.Command("python3", "-c", "import moto.server").Run() != nil {
			return nil, errors.New(`the peer group needs moto_server on PATH or python3's moto.server: pip install 'moto[server]'`)
		}
		exe, args = "python3", []string{"-m", "moto.server"}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logf, err := os.Create(logName)
	if err != nil {
		return nil, err
	}
	m := &motoServer{url: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{})}
	m.cmd = exec.Command(exe, append(args, "-H", "127.0.0.1", "-p", strconv.Itoa(port))...)
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		m.cmd.Wait()
		logf.Close()
		close(m.exited)
	}()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/moto-api/data.json", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m, nil
			}
		}
		select {
		case <-m.exited:
			return nil, fmt.Errorf("moto_server exited before answering; see %s", logName)
		case <-ctx.Done():
			m.stop()
			return nil, fmt.Errorf("moto_server did not answer: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop kills the server and waits for it to exit.
func (m *motoServer) stop() {
	m.cmd.Process.Kill()
	<-m.exited
}
