package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/pgtest"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/treehash"
)

// childEnv, set to a JSON list of arguments, makes the test binary run
// that firn command line as a process of its own, for a test to SIGKILL:
// the serve nodes of TestServeSharedKill, the migrations of
// TestMigrateE2EKilled.
const childEnv = "FIRN_TEST_COMMAND"

const sharedNodes = 3

// TestServeSharedKill runs three 'firn serve' processes on one PostgreSQL
// database and one MinIO bucket, drives a random workload through all of
// them with the AWS SDK (uploads, multipart uploads whose steps go to
// different nodes, retrieval jobs, DescribeVault), and SIGKILLs a random
// node ten times, restarting it each time. At the end every acknowledged
// archive reads back byte-identical through every node, every acknowledged
// job is described alike by every node and listed once, the vaults count
// what was acknowledged (plus at most what failed on a killed node), and
// Check passes on an engine opened on the same database and bucket.
func TestServeSharedKill(t *testing.T) {
	c := miniotest.Start(t)
	meta := pgtest.NewDatabase(t)
	bucket := c.NewBucket()
	cl := &sharedCluster{t: t, dir: t.TempDir(), args: []string{
		"serve", "--addr", "127.0.0.1:0", "--log-level", "warn", "--metadata", meta,
		"--s3-endpoint", "http://" + c.Endpoint(0), "--s3-bucket", bucket,
		"--s3-access-key-id", miniotest.AccessKey, "--s3-secret-access-key", miniotest.SecretKey,
	}}
	for i := range sharedNodes {
		cl.start(i)
	}
	t.Cleanup(cl.killAll)

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	ctx := t.Context()
	const workers = 3
	ws := make([]*sharedWorker, workers)
	for i := range ws {
		ws[i] = &sharedWorker{cl: cl, vault: fmt.Sprintf("w%d", i), rng: rand.New(rand.NewPCG(seed, uint64(i+1))),
			archives: map[string][]byte{}}
		g, _, _ := cl.pick(ws[i].rng)
		if _, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: ws[i].vault}); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() { w.run(ctx, stop) })
	}
	const kills = 10
	for range kills {
		time.Sleep(time.Duration(200+rng.IntN(500)) * time.Millisecond)
		cl.kill(rng.IntN(sharedNodes))
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()

	acked, unknown := 0, 0
	for _, w := range ws {
		if w.err != nil {
			t.Fatalf("%s: %v", w.vault, w.err)
		}
		acked += len(w.archives)
		unknown += w.unknown
	}
	t.Logf("%d kills; %d uploads acknowledged, %d failed on a killed node", kills, acked, unknown)
	if acked < workers {
		t.Fatalf("only %d uploads were acknowledged", acked)
	}
	for _, w := range ws {
		w.verify(t, ctx)
	}

	e, err := engine.Open(t.TempDir(), &engine.Options{Metadata: meta, Logger: slog.New(slog.DiscardHandler),
		ObjectStore: &engine.ObjectStore{Endpoint: c.Endpoint(0), Bucket: bucket,
			AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// childCommand runs the firn command line of childEnv; TestMain calls it
// before any test runs.
func childCommand(env string) int {
	var args []string
	if err := json.Unmarshal([]byte(env), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return run(stopContext(context.Background()), args, os.Stdout, os.Stderr)
}

// sharedCluster is the serve processes of TestServeSharedKill. A node's
// generation counts its restarts, so that a caller tells whether the node
// it called was killed meanwhile.
type sharedCluster struct {
	t     *testing.T
	dir   string
	args  []string
	mu    sync.Mutex
	nodes [sharedNodes]sharedNode
}

type sharedNode struct {
	cmd    *exec.Cmd
	stderr *testkit.SyncBuffer
	url    string
	g      firn.Glacier
	gen    int
}

// start starts node i and waits until it serves.
func (cl *sharedCluster) start(i int) {
	t := cl.t
	t.Helper()
	args, _ := json.Marshal(append(cl.args, "--data", filepath.Join(cl.dir, fmt.Sprint(i))))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+string(args))
	stderr := &testkit.SyncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	line, _ := r.ReadString('\n')
	const serving = "firn serving the Glacier API at "
	if !strings.HasPrefix(line, serving) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("node %d did not start: %q\n%s", i, line, stderr.String())
	}
	go io.Copy(io.Discard, r)
	url, _, _ := strings.Cut(strings.TrimPrefix(line, serving), " ")
	cl.mu.Lock()
	n := &cl.nodes[i]
	n.cmd, n.stderr, n.url = cmd, stderr, url
	n.g = awsglacier.NewFromConfig(aws.Config{}, url)
	cl.mu.Unlock()
}

// kill SIGKILLs node i and restarts it.
func (cl *sharedCluster) kill(i int) {
	t := cl.t
	t.Helper()
	cl.mu.Lock()
	n := &cl.nodes[i]
	cmd := n.cmd
	n.gen++
	n.g = nil
	cl.mu.Unlock()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || cmd.ProcessState.Exited() {
		t.Fatalf("node %d ended before it was killed: %v\n%s", i, err, n.stderr.String())
	}
	cl.start(i)
}

func (cl *sharedCluster) killAll() {
	for i := range cl.nodes {
		if cmd := cl.nodes[i].cmd; cmd != nil && cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	if cl.t.Failed() {
		for i := range cl.nodes {
			cl.t.Logf("node %d stderr:\n%s", i, cl.nodes[i].stderr.String())
		}
	}
}

// pick returns the client of a random running node, the node and its
// generation.
func (cl *sharedCluster) pick(rng *rand.Rand) (firn.Glacier, int, int) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for {
		i := rng.IntN(sharedNodes)
		if n := cl.nodes[i]; n.g != nil {
			return n.g, i, n.gen
		}
	}
}

// client returns node i's client, waiting while it restarts.
func (cl *sharedCluster) client(i int) firn.Glacier {
	for {
		cl.mu.Lock()
		g := cl.nodes[i].g
		cl.mu.Unlock()
		if g != nil {
			return g
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// killedSince reports whether node i was killed since generation gen.
func (cl *sharedCluster) killedSince(i, gen int) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.nodes[i].gen != gen
}

// sharedWorker runs the workload on one vault through random nodes,
// keeping what was acknowledged. An error is allowed only from a node
// killed during the call.
type sharedWorker struct {
	cl       *sharedCluster
	vault    string
	rng      *rand.Rand
	archives map[string][]byte // acknowledged uploads
	ids      []string          // archives' keys, for picking
	jobs     []string          // acknowledged retrieval jobs
	unknown  int               // uploads that failed on a killed node
	err      error             // the first error not explained by a kill
}

func (w *sharedWorker) run(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if w.err = w.step(ctx); w.err != nil {
			return
		}
	}
}

// call calls fn on a random node and returns whether it succeeded, or an
// error if it failed on a node that was not killed meanwhile.
func (w *sharedWorker) call(what string, fn func(firn.Glacier) error) (bool, error) {
	g, i, gen := w.cl.pick(w.rng)
	err := fn(g)
	if err == nil {
		return true, nil
	}
	if w.cl.killedSince(i, gen) {
		return false, nil
	}
	return false, fmt.Errorf("%s on node %d: %w", what, i, err)
}

func (w *sharedWorker) step(ctx context.Context) error {
	switch r := w.rng.IntN(10); {
	case r < 4 || len(w.ids) == 0:
		data := wbytes(w.rng.Uint64(), w.rng.IntN(128<<10))
		var id string
		ok, err := w.call("UploadArchive", func(g firn.Glacier) error {
			out, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: w.vault, Body: bytes.NewReader(data)})
			if err == nil {
				id = out.ArchiveId
			}
			return err
		})
		w.record(ok, id, data)
		return err
	case r < 6:
		return w.multipart(ctx, wbytes(w.rng.Uint64(), 1<<20+w.rng.IntN(1<<20)))
	case r < 7:
		_, err := w.call("DescribeVault", func(g firn.Glacier) error {
			_, err := g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: w.vault})
			return err
		})
		return err
	default:
		id := w.ids[w.rng.IntN(len(w.ids))]
		var jobID string
		ok, err := w.call("InitiateJob", func(g firn.Glacier) error {
			out, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: w.vault,
				JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
			if err == nil {
				jobID = out.JobId
			}
			return err
		})
		if !ok {
			return err
		}
		w.jobs = append(w.jobs, jobID)
		var got []byte
		if ok, err = w.call("GetJobOutput", func(g firn.Glacier) (err error) {
			got, err = jobOutput(ctx, g, w.vault, jobID)
			return err
		}); ok && !bytes.Equal(got, w.archives[id]) {
			return fmt.Errorf("archive %s of %d bytes read back as %d different bytes", id, len(w.archives[id]), len(got))
		}
		return err
	}
}

// record records an upload: acknowledged, or failed on a killed node.
func (w *sharedWorker) record(ok bool, id string, data []byte) {
	if !ok {
		w.unknown++
		return
	}
	w.archives[id] = data
	w.ids = append(w.ids, id)
}

// multipart uploads data in parts of 1 MiB, each step through a random
// node; a step that fails on a killed node abandons the upload.
func (w *sharedWorker) multipart(ctx context.Context, data []byte) error {
	const partSize = 1 << 20
	var uploadID string
	ok, err := w.call("InitiateMultipartUpload", func(g firn.Glacier) error {
		up, err := g.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: w.vault, PartSize: partSize})
		if err == nil {
			uploadID = up.UploadId
		}
		return err
	})
	if !ok {
		return err
	}
	for off := 0; off < len(data); off += partSize {
		end := min(off+partSize, len(data))
		if ok, err := w.call("UploadMultipartPart", func(g firn.Glacier) error {
			_, err := g.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: w.vault, UploadId: uploadID,
				Range: fmt.Sprintf("bytes %d-%d/*", off, end-1), Body: bytes.NewReader(data[off:end])})
			return err
		}); !ok {
			return err
		}
	}
	var id string
	ok, err = w.call("CompleteMultipartUpload", func(g firn.Glacier) error {
		out, err := g.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: w.vault, UploadId: uploadID,
			ArchiveSize: int64(len(data)), Checksum: treehash.Hex(treehash.Sum(data))})
		if err == nil {
			id = out.ArchiveId
		}
		return err
	})
	w.record(ok, id, data)
	return err
}

// verify checks, through every node, the worker's vault against what was
// acknowledged.
func (w *sharedWorker) verify(t *testing.T, ctx context.Context) {
	t.Helper()
	var counts [sharedNodes]int64
	for i := range sharedNodes {
		g := w.cl.client(i)
		d, err := g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: w.vault})
		if err != nil {
			t.Fatalf("node %d: DescribeVault %s: %v", i, w.vault, err)
		}
		counts[i] = d.NumberOfArchives
		for id, data := range w.archives {
			j, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: w.vault,
				JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
			if err != nil {
				t.Fatalf("node %d: InitiateJob for %s: %v", i, id, err)
			}
			got, err := jobOutput(ctx, g, w.vault, j.JobId)
			if err != nil {
				t.Fatalf("node %d: archive %s: %v", i, id, err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("node %d: archive %s of %d bytes read back as %d different bytes", i, id, len(data), len(got))
			}
		}
	}
	if n := int(counts[0]); counts[1] != counts[0] || counts[2] != counts[0] || n < len(w.archives) || n > len(w.archives)+w.unknown {
		t.Errorf("%s: the nodes count %v archives; %d uploads were acknowledged and %d failed on a killed node",
			w.vault, counts, len(w.archives), w.unknown)
	}

	listed := map[string]int{}
	g := w.cl.client(0)
	for j, err := range firn.AllJobs(ctx, g, firn.ListJobsInput{VaultName: w.vault}) {
		if err != nil {
			t.Fatalf("ListJobs %s: %v", w.vault, err)
		}
		listed[j.JobId]++
	}
	for _, id := range w.jobs {
		if listed[id] != 1 {
			t.Errorf("%s: job %s listed %d times", w.vault, id, listed[id])
		}
		var first *firn.DescribeJobOutput
		for i := range sharedNodes {
			j, err := w.cl.client(i).DescribeJob(ctx, &firn.DescribeJobInput{VaultName: w.vault, JobId: id})
			if err != nil {
				t.Fatalf("node %d: DescribeJob %s: %v", i, id, err)
			}
			if !j.Completed || j.StatusCode != firn.StatusSucceeded {
				t.Errorf("node %d: acknowledged job %s is %s", i, id, j.StatusCode)
			}
			if first == nil {
				first = j
			} else if !j.CompletionDate.Equal(first.CompletionDate) || j.StatusCode != first.StatusCode {
				t.Errorf("job %s: node 0 says %s at %s, node %d %s at %s", id, first.StatusCode, first.CompletionDate, i, j.StatusCode, j.CompletionDate)
			}
		}
	}
}

// jobOutput reads a job's whole output.
func jobOutput(ctx context.Context, g firn.Glacier, vault, jobID string) ([]byte, error) {
	o, err := g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: vault, JobId: jobID})
	if err != nil {
		return nil, err
	}
	defer o.Body.Close()
	return io.ReadAll(o.Body)
}

// wbytes returns n pseudo-random bytes from seed.
func wbytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for k := range 8 {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}
