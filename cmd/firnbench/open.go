package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// crashUploaders is the number of uploads the crash child keeps in flight.
const crashUploaders = 8

// benchOpen: engine.Open of the scale fixture after a clean Close, against
// Open of a data directory holding one empty vault; and after a process
// uploading into it was killed, against the same crash of the directory
// with the empty vault: what the archive count adds to recovery.
func benchOpen(ctx context.Context, b *bench) ([]Result, error) {
	dir, err := b.scaleFixture(ctx)
	if err != nil {
		return nil, err
	}
	emptyDir := b.path("open-empty")
	empty, err := b.openEngine(ctx, "open-empty", nil)
	if err != nil {
		return nil, err
	}
	if err := empty.Close(); err != nil {
		return nil, err
	}
	defer os.RemoveAll(emptyDir)
	// The sides alternate; each keeps its best. An open takes a few
	// milliseconds, most of them in Pebble's own Open, which varies from
	// one open to the next by up to 3x on either side: hence more runs
	// than the other rows'.
	var base, clean, baseCrashed, crashed time.Duration
	for i := range b.openReps {
		bd, err := timedOpen(emptyDir)
		if err != nil {
			return nil, err
		}
		bkd, err := b.timedCrashOpen(ctx, emptyDir)
		if err != nil {
			return nil, err
		}
		cd, err := timedOpen(dir)
		if err != nil {
			return nil, err
		}
		kd, err := b.timedCrashOpen(ctx, dir)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			base, clean, baseCrashed, crashed = bd, cd, bkd, kd
		}
		base, clean = min(base, bd), min(clean, cd)
		baseCrashed, crashed = min(baseCrashed, bkd), min(crashed, kd)
	}
	size := fmt.Sprintf("%d archives of %s", b.scaleArchives, sizeName(segmentArchiveSize))
	rows := []Result{
		compared("open", "after Close", size, "ms", millis(clean), "empty data directory", millis(base), atMost(2)),
		compared("open", "after a crash", size, "ms", millis(crashed), "the same crash, empty vault", millis(baseCrashed), atMost(2)),
	}
	rows[0].Note = "engine.Open, Close not counted; best of each side, alternating"
	rows[1].Note = fmt.Sprintf("engine.Open after SIGKILL of a process with %d uploads in flight, on both sides", crashUploaders)
	return rows, nil
}

// timedCrashOpen kills a process uploading into dir (see crashUploads) and
// returns how long the next engine.Open of dir takes.
func (b *bench) timedCrashOpen(ctx context.Context, dir string) (time.Duration, error) {
	if err := b.crashUploads(ctx, dir); err != nil {
		return 0, err
	}
	return timedOpen(dir)
}

// timedOpen returns how long engine.Open of dir takes, and closes the
// engine, untimed: an engine cannot be left open for the next one.
func timedOpen(dir string) (time.Duration, error) {
	start := time.Now()
	e, err := engine.Open(dir, nil)
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	return d, e.Close()
}

func millis(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// crashUploads starts a child uploading into the engine in dir and kills it
// with SIGKILL once its first upload has returned, with the others in
// flight.
func (b *bench) crashUploads(ctx context.Context, dir string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), childEnv+"=crash", childDirEnv+"="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	line, rerr := bufio.NewReader(out).ReadString('\n')
	cmd.Process.Signal(syscall.SIGKILL)
	werr := cmd.Wait()
	if rerr != nil || line != "ready\n" {
		return fmt.Errorf("crash child: %q, %v, %v: %s", line, rerr, werr, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// uploadUntilKilled is the crash child: it uploads into the engine in dir
// on crashUploaders goroutines, and prints "ready" when an upload has
// returned.
func uploadUntilKilled(dir string) error {
	ctx := context.Background()
	e, err := engine.Open(dir, nil)
	if err != nil {
		return err
	}
	errs := make(chan error, crashUploaders)
	done := make(chan struct{}, crashUploaders)
	for range crashUploaders {
		go func() {
			for {
				if _, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(segmentBody)}); err != nil {
					errs <- err
					return
				}
				select {
				case done <- struct{}{}:
				default:
				}
			}
		}()
	}
	select {
	case err := <-errs:
		return err
	case <-done:
	}
	if _, err := fmt.Println("ready"); err != nil {
		return err
	}
	return <-errs // the parent kills the process first
}
