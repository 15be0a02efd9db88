package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// The RSS benchmark runs the upload in a child process, this same binary
// started with childEnv set, so that the peak resident set is the upload's
// alone and not the parent's buffers. The child reads its own VmHWM, which
// exec resets; getrusage's maxrss of a child also counts the parent's
// pages it shared before exec.
const (
	childEnv     = "FIRNBENCH_CHILD" // "rss" or "crash" (open.go)
	childFileEnv = "FIRNBENCH_CHILD_FILE"
	childDirEnv  = "FIRNBENCH_CHILD_DIR"
)

// childReport is what the child prints on stdout.
type childReport struct {
	VmHWMKiB int64   `json:"vmhwmKiB"`
	Seconds  float64 `json:"seconds"`
	Bytes    int64   `json:"bytes"`
}

func isChild() bool { return os.Getenv(childEnv) != "" }

// childMain runs the child's mode: "rss" uploads the file named by
// childFileEnv into a new engine in childDirEnv and prints a childReport;
// "crash" uploads into the engine in childDirEnv until it is killed. It
// returns the exit status.
func childMain() int {
	var err error
	switch mode := os.Getenv(childEnv); mode {
	case "rss":
		var rep *childReport
		rep, err = uploadFromFile(os.Getenv(childDirEnv), os.Getenv(childFileEnv))
		if err == nil {
			err = json.NewEncoder(os.Stdout).Encode(rep)
		}
	case "crash":
		err = uploadUntilKilled(os.Getenv(childDirEnv))
	default:
		fmt.Fprintf(os.Stderr, "firnbench child: unknown mode %q\n", mode)
		return 2
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "firnbench child: %v\n", err)
		return 1
	}
	return 0
}

func uploadFromFile(dir, name string) (*childReport, error) {
	ctx := context.Background()
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	e, err := engine.Open(dir, nil)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		return nil, err
	}
	start := time.Now()
	if _, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: f}); err != nil {
		return nil, err
	}
	rep := &childReport{Seconds: time.Since(start).Seconds(), Bytes: fi.Size()}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			rep.VmHWMKiB, err = strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("VmHWM %q: %w", v, err)
			}
		}
	}
	return rep, nil
}

// benchRSS: the peak resident set of a process uploading a large archive
// from a file.
func benchRSS(ctx context.Context, b *bench) ([]Result, error) {
	name := b.path("rss-source")
	defer os.Remove(name)
	if err := writeRandomFile(name, b.rss); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir := b.path("rss")
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), childEnv+"=rss", childFileEnv+"="+name, childDirEnv+"="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("child: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var rep childReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("child output %q: %w", stdout.Bytes(), err)
	}
	peak := float64(rep.VmHWMKiB) / 1024
	r := absolute("rss", "upload from file", sizeName(b.rss), "MiB", peak, atMost(256))
	r.Note = fmt.Sprintf("peak RSS (VmHWM) of the uploading process; the upload ran at %.0f MiB/s", float64(rep.Bytes)/(1<<20)/rep.Seconds)
	return []Result{r}, nil
}

// writeRandomFile writes n incompressible bytes to a new file.
func writeRandomFile(name string, n int64) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	rng := rand.NewChaCha8([32]byte{'r', 's', 's'})
	buf := make([]byte, 1<<20)
	for left := n; left > 0; left -= int64(len(buf)) {
		p := buf[:min(left, int64(len(buf)))]
		rng.Read(p)
		if _, err := f.Write(p); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
