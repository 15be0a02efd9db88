package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/firnstore/firn"
)

func TestMain(m *testing.M) {
	if env := os.Getenv(childEnv); env != "" {
		os.Exit(childCommand(env))
	}
	// Keep the user's AWS and firn settings out of the tests.
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", metadataEnv} {
		os.Unsetenv(k)
	}
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(os.TempDir(), "firn-test-no-such-credentials"))
	os.Exit(m.Run())
}

// cli runs firn commands in-process against one data directory (or
// endpoint), with the resumable-upload state in a temporary directory.
type cli struct {
	t        *testing.T
	dir      string   // scratch directory
	global   []string // flags before every command
	stateDir string
	wrap     func(firn.Glacier) firn.Glacier
	progress bool
}

func newCLI(t *testing.T) *cli {
	dir := t.TempDir()
	return &cli{t: t, dir: dir, global: []string{"--data", filepath.Join(dir, "data")}, stateDir: filepath.Join(dir, "state")}
}

type result struct {
	code           int
	stdout, stderr string
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	return c.runCtx(context.Background(), args...)
}

func (c *cli) runCtx(ctx context.Context, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	a := newApp(&out, &errb)
	a.stateDir = c.stateDir
	a.wrap = c.wrap
	a.forceProgress = c.progress
	code := a.run(ctx, append(append([]string(nil), c.global...), args...))
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != exitOK {
		c.t.Fatalf("firn %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// okJSON runs a command with --json that must succeed and decodes its
// output into v.
func (c *cli) okJSON(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("firn %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// fails runs a command that must exit with code and returns the result.
func (c *cli) fails(code int, args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != code {
		c.t.Fatalf("firn %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	return r
}

// file writes n random bytes to a new file and returns its path and bytes.
func (c *cli) file(name string, n int, seed uint64) (string, []byte) {
	c.t.Helper()
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	path := filepath.Join(c.dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		c.t.Fatal(err)
	}
	return path, b
}

// retrieve downloads an archive through a retrieval job into a file and
// returns its bytes.
func (c *cli) retrieve(vault, archiveID string, extra ...string) []byte {
	c.t.Helper()
	var job firn.InitiateJobOutput
	c.okJSON(&job, "job", "retrieve", vault, archiveID)
	out := filepath.Join(c.dir, "out-"+job.JobId)
	var res downloadResult
	c.okJSON(&res, append([]string{"job", "output", vault, job.JobId, "-o", out, "--wait"}, extra...)...)
	b, err := os.ReadFile(out)
	if err != nil {
		c.t.Fatal(err)
	}
	if res.Bytes != int64(len(b)) {
		c.t.Errorf("job output reports %d bytes, file holds %d", res.Bytes, len(b))
	}
	if !res.Verified {
		c.t.Errorf("job output of a whole archive not verified: %+v", res)
	}
	return b
}

// spy wraps a Glacier to count uploads, fail parts and delay jobs.
type spy struct {
	firn.Glacier

	mu      sync.Mutex
	singles int
	parts   []string // ranges of the successful UploadMultipartPart calls
	// failAfter, when positive, makes UploadMultipartPart fail once this
	// many parts have succeeded.
	failAfter int
	// pending is how many more DescribeJob calls report the job as still
	// in progress.
	pending int
}

var errInjected = errors.New("injected network failure")

func (s *spy) UploadArchive(ctx context.Context, in *firn.UploadArchiveInput) (*firn.UploadArchiveOutput, error) {
	s.mu.Lock()
	s.singles++
	s.mu.Unlock()
	return s.Glacier.UploadArchive(ctx, in)
}

func (s *spy) UploadMultipartPart(ctx context.Context, in *firn.UploadMultipartPartInput) (*firn.UploadMultipartPartOutput, error) {
	s.mu.Lock()
	if s.failAfter > 0 && len(s.parts) >= s.failAfter {
		s.mu.Unlock()
		return nil, errInjected
	}
	s.mu.Unlock()
	out, err := s.Glacier.UploadMultipartPart(ctx, in)
	if err == nil {
		s.mu.Lock()
		s.parts = append(s.parts, in.Range)
		s.mu.Unlock()
	}
	return out, err
}

func (s *spy) DescribeJob(ctx context.Context, in *firn.DescribeJobInput) (*firn.DescribeJobOutput, error) {
	out, err := s.Glacier.DescribeJob(ctx, in)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.pending > 0 {
		s.pending--
		out.Completed, out.StatusCode = false, firn.StatusInProgress
	}
	return out, err
}

// spyOn makes c's commands go through a new spy and returns it.
func (c *cli) spyOn() *spy {
	s := &spy{}
	c.wrap = func(g firn.Glacier) firn.Glacier {
		s.Glacier = g
		return s
	}
	return s
}
