package engine_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn/engine"
)

// The kill test runs this test binary again as a writer process: with
// killDirEnv set, TestKillWriter runs the workload on the engine in that
// directory until it is killed.
const (
	killDirEnv  = "FIRN_KILL_DIR"
	killRunEnv  = "FIRN_KILL_RUN"
	killWorkers = 2
)

// TestKill9 runs a writer process — the workload of the crash tests on
// killWorkers goroutines, on the real file system — and kills it with
// SIGKILL at a random moment, 20 times, each time continuing on the same
// data directory. The writer logs each operation to a file before it
// starts and again, synced, when acknowledged. After each kill the engine
// is reopened and must pass Check and show, in every vault, the state of
// the acknowledged operations, or that state plus the operation then in
// flight (see checkVault).
func TestKill9(t *testing.T) {
	kills := 20
	if testing.Short() {
		kills = 5
	}
	ctx := context.Background()
	dir := t.TempDir()
	e, err := engine.Open(filepath.Join(dir, "data"), &engine.Options{FS: vfs.Default, Clock: crashClock{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := createWorkerVaults(ctx, e, killWorkers); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	history := make([]whistory, killWorkers)
	models := make([]replayer, killWorkers)
	acked, inFlight, happened := 0, 0, 0
	for run := range kills {
		if err := writeHistory(filepath.Join(dir, "history"), history); err != nil {
			t.Fatal(err)
		}
		logPath := filepath.Join(dir, "log")
		if err := os.Remove(logPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		killWriter(t, dir, run, time.Duration(rng.IntN(300))*time.Millisecond)

		logs, err := readLog(logPath, history)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		e, err := engine.Open(filepath.Join(dir, "data"), &engine.Options{FS: vfs.Default, Clock: crashClock{}})
		if err != nil {
			t.Fatalf("run %d: reopening after the kill: %v", run, err)
		}
		if err := e.Check(ctx); err != nil {
			t.Fatalf("run %d: Check after the kill: %v", run, err)
		}
		for w, h := range logs {
			acked += len(h.acked) - len(history[w].acked)
			if h.pending != nil {
				inFlight++
			}
			if history[w], err = checkVault(ctx, e, w, h, models[w].model(h)); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			if len(history[w].acked) > len(h.acked) {
				happened++
			}
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d kills, %d operations acknowledged, %d in flight when killed (%d of which happened)", kills, acked, inFlight, happened)
	if acked < kills {
		t.Fatalf("the writers acknowledged only %d operations in %d runs", acked, kills)
	}
}

// killWriter starts the writer process, waits until it is ready, and
// kills it after delay.
func killWriter(t *testing.T, dir string, run int, delay time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillWriter$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), killDirEnv+"="+dir, killRunEnv+"="+strconv.Itoa(run))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready, _ := bufio.NewReader(stdout).ReadString('\n')
	if ready != "ready\n" {
		cmd.Wait()
		t.Fatalf("run %d: the writer did not start: %q\n%s", run, ready, stderr.Bytes())
	}
	time.Sleep(delay)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Exited() {
		t.Fatalf("run %d: the writer ended before it was killed: %v\n%s", run, err, stderr.Bytes())
	}
}

// TestKillWriter is the writer process of TestKill9; run directly, it is
// skipped.
func TestKillWriter(t *testing.T) {
	dir := os.Getenv(killDirEnv)
	if dir == "" {
		t.Skip("the writer process of TestKill9")
	}
	if err := runKillWriter(dir, os.Getenv(killRunEnv)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}

// runKillWriter continues the workload whose acknowledged operations are
// in dir/history, logging to dir/log, until it is killed (or for a minute).
func runKillWriter(dir, run string) error {
	ctx := context.Background()
	history, err := readHistory(filepath.Join(dir, "history"))
	if err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(dir, "log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	var logMu sync.Mutex
	record := func(o wop) error {
		b, err := json.Marshal(o)
		if err != nil {
			return err
		}
		logMu.Lock()
		defer logMu.Unlock()
		if _, err := log.Write(append(b, '\n')); err != nil {
			return err
		}
		if o.Ack {
			return log.Sync()
		}
		return nil
	}
	e, err := engine.Open(filepath.Join(dir, "data"), &engine.Options{FS: vfs.Default, Clock: crashClock{}})
	if err != nil {
		return err
	}
	fmt.Println("ready")

	deadline := time.Now().Add(time.Minute)
	errs := make(chan error, killWorkers)
	for w := range killWorkers {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
			m := history[w].model()
			for i := 0; time.Now().Before(deadline); i++ {
				o := m.next(rng, w, fmt.Sprintf("w%d.%s.%d", w, run, i))
				if err := record(o); err != nil {
					errs <- err
					return
				}
				id, err := m.do(ctx, e, o)
				if err != nil {
					errs <- fmt.Errorf("%s: %w", o, err)
					return
				}
				o.ID, o.Ack = id, true
				if err := record(o); err != nil {
					errs <- err
					return
				}
				m.apply(o)
			}
			errs <- nil
		}()
	}
	for range killWorkers {
		if err := <-errs; err != nil {
			return err
		}
	}
	return e.Close()
}

// model replays the acknowledged operations of h.
func (h whistory) model() *wvault {
	var r replayer
	return r.model(h)
}

// writeHistory writes the acknowledged operations of every worker, one
// JSON line each.
func writeHistory(path string, history []whistory) error {
	var b bytes.Buffer
	for _, h := range history {
		for _, o := range h.acked {
			line, err := json.Marshal(o)
			if err != nil {
				return err
			}
			b.Write(append(line, '\n'))
		}
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func readHistory(path string) ([]whistory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	history := make([]whistory, killWorkers)
	for line := range bytes.Lines(data) {
		var o wop
		if err := json.Unmarshal(line, &o); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		history[o.Worker].acked = append(history[o.Worker].acked, o)
	}
	return history, nil
}

// readLog extends history with the writer's log: the operations
// acknowledged, and the one each worker had in flight. A last line cut
// short by the kill is an operation that had not started.
func readLog(path string, history []whistory) ([]whistory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	logs := make([]whistory, len(history))
	for w, h := range history {
		logs[w].acked = h.acked[:len(h.acked):len(h.acked)]
	}
	for line := range bytes.Lines(data) {
		var o wop
		if err := json.Unmarshal(line, &o); err != nil {
			if !bytes.HasSuffix(line, []byte("\n")) {
				break
			}
			return nil, fmt.Errorf("log: %w", err)
		}
		h := &logs[o.Worker]
		switch {
		case !o.Ack:
			h.pending = &o
		case h.pending == nil || h.pending.Name != o.Name || h.pending.Kind != o.Kind || h.pending.Target != o.Target:
			return nil, fmt.Errorf("log: %s acknowledged, but %v was in flight", o, h.pending)
		default:
			h.acked = append(h.acked, o)
			h.pending = nil
		}
	}
	return logs, nil
}
