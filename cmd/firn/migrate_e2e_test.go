package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/internal/migrate"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/server"
	"github.com/firnstore/firn/treehash"
)

// The end-to-end tests of firn migrate: a real Glacier endpoint as the
// source (server.New over an engine on a test clock), the real command
// (in process, or as a process of its own to SIGKILL), a data directory as
// the destination, checked through the engine, the AWS CLI and boto3.

const e2eVault = "family-archive"

// e2eSource is a Glacier endpoint standing in for Amazon S3 Glacier.
type e2eSource struct {
	t     *testing.T
	e     *engine.Engine
	clock *firntest.Clock
	// url is the endpoint migrate is given: the proxy in front of the
	// server.
	url string
	// ids are the archives in creation order, data their bytes.
	ids  []string
	data map[string][]byte

	mu sync.Mutex
	// beforeOutput, when set, is called by the proxy with each
	// GetJobOutput request of an archive retrieval before it is
	// forwarded; onOutput with each successful response before it is
	// passed on, and may replace its body.
	beforeOutput func(jobID string)
	onOutput     func(jobID string, resp *http.Response)
	// archiveOutputs counts the successful GetJobOutput requests of
	// archive retrievals through the proxy; fetched the bytes of each
	// job's output passed on whole.
	archiveOutputs int
	fetched        map[string]int64
}

// newE2ESource starts a source with timing, holding in e2eVault archives of
// 1 byte, 64 KiB + 1, 5 MiB + 3 and a multipart 20 MiB one, uploaded with
// descriptions an upload takes (quotes, commas, backslashes, spaces at the
// ends), and two imported through the engine with descriptions no upload
// takes (UTF-8 and a tab), under IDs shaped as Amazon S3 Glacier's.
func newE2ESource(t *testing.T, timing job.Timing) *e2eSource {
	t.Helper()
	clock := firntest.NewClock(firntest.Epoch)
	e, err := engine.Open(t.TempDir(), &engine.Options{Clock: clock, JobTiming: timing, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s := &e2eSource{t: t, e: e, clock: clock, data: map[string][]byte{}, fetched: map[string]int64{}}
	srv := httptest.NewServer(server.New(e, server.Options{Logger: slog.New(slog.DiscardHandler)}))
	target, _ := url.Parse(srv.URL)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			if id := s.archiveOutput(r.In); id != "" && s.beforeOutput != nil {
				s.mu.Lock()
				s.beforeOutput(id)
				s.mu.Unlock()
			}
		},
		ModifyResponse: s.modify,
		// The run cancels the downloads it no longer needs.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	front := httptest.NewServer(proxy)
	s.url = front.URL
	t.Cleanup(func() {
		front.Close()
		srv.Close()
		if err := e.Check(context.Background()); err != nil {
			t.Error(err)
		}
		e.Close()
	})

	ctx := t.Context()
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: e2eVault}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(18, 18))
	body := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for i, desc := range []string{"übersicht – 日本の写真 ☃", "tab\tinside, \"quoted\""} {
		b := body(1000 + i)
		id := glacierStyleID(rng)
		if _, err := e.ImportArchive(ctx, &firn.ImportArchiveInput{VaultName: e2eVault, ArchiveId: id, ArchiveDescription: desc,
			CreationDate: clock.Now().Add(-time.Duration(48-i) * time.Hour), Checksum: treehash.Hex(treehash.Sum(b)),
			Size: int64(len(b)), Body: bytes.NewReader(b)}); err != nil {
			t.Fatal(err)
		}
		s.add(id, b)
	}
	for _, a := range []struct {
		size int
		desc string
	}{
		{1, `a "quoted" word, a comma, a \backslash\`},
		{64<<10 + 1, "  leading and trailing spaces  "},
		{5<<20 + 3, `,,"\\",,`},
	} {
		clock.Advance(time.Second)
		b := body(a.size)
		out, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: e2eVault, ArchiveDescription: a.desc, Body: bytes.NewReader(b)})
		if err != nil {
			t.Fatal(err)
		}
		s.add(out.ArchiveId, b)
	}
	clock.Advance(time.Second)
	b := body(20 << 20)
	const part = 4 << 20
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: e2eVault, ArchiveDescription: " multipart, 20 MiB ", PartSize: part})
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(b); off += part {
		if _, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: e2eVault, UploadId: up.UploadId,
			Range: fmt.Sprintf("bytes %d-%d/*", off, off+part-1), Body: bytes.NewReader(b[off : off+part])}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: e2eVault, UploadId: up.UploadId,
		ArchiveSize: int64(len(b)), Checksum: treehash.Hex(treehash.Sum(b))})
	if err != nil {
		t.Fatal(err)
	}
	s.add(out.ArchiveId, b)
	clock.Advance(time.Second)
	return s
}

func (s *e2eSource) add(id string, b []byte) {
	s.ids = append(s.ids, id)
	s.data[id] = b
}

// glacierStyleID returns an ID shaped as Amazon S3 Glacier's: 138
// characters of the URL-safe base64 alphabet.
func glacierStyleID(rng *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 138)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// archiveOutput returns the job ID of a GetJobOutput request of an
// archive retrieval, else "".
func (s *e2eSource) archiveOutput(r *http.Request) string {
	parts := strings.Split(r.URL.Path, "/")
	if r.Method != http.MethodGet || len(parts) < 3 || parts[len(parts)-1] != "output" || parts[len(parts)-3] != "jobs" {
		return ""
	}
	id := parts[len(parts)-2]
	d, err := s.e.DescribeJob(r.Context(), &firn.DescribeJobInput{VaultName: e2eVault, JobId: id})
	if err != nil || d.Action != firn.ActionArchiveRetrieval {
		return ""
	}
	return id
}

// modify is the proxy's ModifyResponse: it counts the successful outputs
// of archive retrievals and hands them to onOutput.
func (s *e2eSource) modify(resp *http.Response) error {
	if resp.StatusCode/100 != 2 {
		return nil
	}
	id := s.archiveOutput(resp.Request)
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archiveOutputs++
	if s.onOutput != nil {
		s.onOutput(id, resp)
	}
	resp.Body = &countedBody{ReadCloser: resp.Body, s: s, job: id}
	return nil
}

// countedBody adds the bytes of a job output read to EOF to s.fetched.
type countedBody struct {
	io.ReadCloser
	s   *e2eSource
	job string
	n   int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		b.s.mu.Lock()
		b.s.fetched[b.job] += b.n
		b.s.mu.Unlock()
		b.n = 0
	}
	return n, err
}

// drive advances the source's clock by step every 5 ms while a job of the
// vault is in progress and the output of every completed archive retrieval
// has been passed on whole: hours of the service's job timing pass
// in a second, and an output ages at most by the longest job (Bulk's 12
// hours) before it is downloaded, far from its 24 hours, however slowly
// the run goes. It stops when the test ends.
func (s *e2eSource) drive(step time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			jobs, err := s.jobs(ctx)
			if err != nil {
				continue
			}
			running, waiting := false, false
			s.mu.Lock()
			for _, j := range jobs {
				running = running || !j.Completed
				waiting = waiting || j.Completed && j.Action == firn.ActionArchiveRetrieval && s.fetched[j.JobId] < j.ArchiveSizeInBytes
			}
			s.mu.Unlock()
			if running && !waiting {
				s.clock.Advance(step)
			}
		}
	}()
	s.t.Cleanup(func() { cancel(); <-done })
}

// jobs returns the vault's jobs.
func (s *e2eSource) jobs(ctx context.Context) ([]firn.GlacierJobDescription, error) {
	var all []firn.GlacierJobDescription
	in := &firn.ListJobsInput{VaultName: e2eVault}
	for {
		out, err := s.e.ListJobs(ctx, in)
		if err != nil {
			return nil, err
		}
		all = append(all, out.JobList...)
		if out.Marker == "" {
			return all, nil
		}
		in.Marker = out.Marker
	}
}

// retrievalJobs returns the IDs of the vault's archive retrieval jobs.
func (s *e2eSource) retrievalJobs() map[string]bool {
	jobs, err := s.jobs(context.Background())
	if err != nil {
		s.t.Error(err)
	}
	ids := map[string]bool{}
	for _, j := range jobs {
		if j.Action == firn.ActionArchiveRetrieval {
			ids[j.JobId] = true
		}
	}
	return ids
}

// e2eMigrate returns the arguments of firn migrate from s into the data
// directory dir, keeping its state and report in dir's parent; polls are
// milliseconds apart, as the source's clock runs fast.
func e2eMigrate(s *e2eSource, dir string) []string {
	work := filepath.Dir(dir)
	return []string{"--data", dir, "migrate", "--vault", e2eVault, "--from-endpoint-url", s.url,
		"--poll-min", "1ms", "--poll-max", "20ms", "--range-size", "1MiB", "--concurrency", "3",
		"--state", filepath.Join(work, "migrate-state.json"), "--temp-dir", filepath.Join(work, "migrate-tmp"),
		"--report", filepath.Join(work, "migrate-report.csv")}
}

// migrateJSON runs firn migrate in process with --json; it must exit 0
// within 3 minutes.
func migrateJSON(t *testing.T, args []string) *migrate.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code := newApp(&out, &errb).run(ctx, append(args, "--json"))
	if code != exitOK {
		t.Fatalf("firn %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	var rep migrate.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	return &rep
}

// inventoryEntry is an archive of an inventory job's output.
type inventoryEntry struct {
	ArchiveId, ArchiveDescription, CreationDate, SHA256TreeHash string
	Size                                                        int64
}

// e2eJobOutput runs a job on g and returns its output, advancing clock (if
// not nil) past the longest job of job.RealisticTiming.
func e2eJobOutput(t *testing.T, g firn.Glacier, clock *firntest.Clock, params firn.JobParameters) []byte {
	t.Helper()
	ctx := t.Context()
	j, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: e2eVault, JobParameters: params})
	if err != nil {
		t.Fatal(err)
	}
	if clock != nil {
		clock.Advance(job.RealisticTiming.Bulk.Max + time.Second)
	}
	out, err := g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: e2eVault, JobId: j.JobId})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func inventoryList(t *testing.T, g firn.Glacier, clock *firntest.Clock) []inventoryEntry {
	t.Helper()
	var inv struct{ ArchiveList []inventoryEntry }
	b := e2eJobOutput(t, g, clock, firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: firn.FormatJSON})
	if err := json.Unmarshal(b, &inv); err != nil {
		t.Fatalf("inventory: %v\n%s", err, b)
	}
	return inv.ArchiveList
}

// checkDestination asserts that the vault of the data directory dir holds
// exactly s's archives: DescribeVault's counts, the inventory (IDs,
// descriptions, dates, sizes, tree hashes, in order) and every archive's
// bytes, retrieved by its source ID.
func checkDestination(t *testing.T, s *e2eSource, dir string) {
	t.Helper()
	ctx := t.Context()
	dest, err := engine.Open(dir, &engine.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := dest.Check(context.Background()); err != nil {
			t.Error(err)
		}
		dest.Close()
	}()
	want, err := s.e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: e2eVault})
	if err != nil {
		t.Fatal(err)
	}
	got, err := dest.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: e2eVault})
	if err != nil {
		t.Fatal(err)
	}
	if got.NumberOfArchives != want.NumberOfArchives || got.SizeInBytes != want.SizeInBytes || want.NumberOfArchives != int64(len(s.ids)) {
		t.Errorf("destination vault holds %d archives, %d bytes; the source %d, %d (%d uploaded)",
			got.NumberOfArchives, got.SizeInBytes, want.NumberOfArchives, want.SizeInBytes, len(s.ids))
	}
	wantInv, gotInv := inventoryList(t, s.e, s.clock), inventoryList(t, dest, nil)
	if !reflect.DeepEqual(gotInv, wantInv) {
		t.Errorf("destination inventory\n%+v\nwant the source's\n%+v", gotInv, wantInv)
	}
	for _, id := range s.ids {
		b := e2eJobOutput(t, dest, nil, firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id})
		if !bytes.Equal(b, s.data[id]) {
			t.Errorf("archive %s: the destination's %d bytes differ from the source's %d", id, len(b), len(s.data[id]))
		}
	}
}

// TestMigrateE2ERealisticTiming migrates from a source whose jobs take the
// service's time (an inventory about 4 hours, Bulk retrievals 5 to 12),
// on a clock the test runs fast, and lets the first archive output
// downloaded expire first (the clock jumps 25 hours at its GetJobOutput):
// its archive is requested again and copied once. A second run copies
// nothing and requests no retrieval.
func TestMigrateE2ERealisticTiming(t *testing.T) {
	sourceEnv(t)
	s := newE2ESource(t, job.RealisticTiming)
	// At the first download, the clock jumps 25 hours: the outputs
	// completed within the hour after (all of them, when the run polls
	// slower than the clock runs) expire.
	gone := -1
	s.beforeOutput = func(string) {
		if gone >= 0 {
			return
		}
		before := s.retrievalJobs()
		s.clock.Advance(25 * time.Hour)
		gone = len(before) - len(s.retrievalJobs())
	}
	s.drive(30 * time.Minute)
	dir := filepath.Join(t.TempDir(), "data")
	args := e2eMigrate(s, dir)
	rep := migrateJSON(t, args)
	s.mu.Lock() // the proxy's handlers set gone
	expired := gone
	s.mu.Unlock()
	t.Logf("copied %d archives with %d jobs, %d outputs expired, in %v of the source's time",
		rep.Copied, rep.JobsRequested, expired, s.clock.Now().Sub(firntest.Epoch))
	if rep.Copied != len(s.ids) || rep.Failed != 0 || rep.Present != 0 {
		t.Errorf("report: copied %d, present %d, failed %d; want %d, 0, 0", rep.Copied, rep.Present, rep.Failed, len(s.ids))
	}
	if expired < 1 {
		t.Fatalf("%d outputs expired: no archive retrieval output went through the proxy", expired)
	}
	// An inventory, a job per archive, and one more per expired output.
	if want := 1 + len(s.ids) + expired; rep.JobsRequested != want {
		t.Errorf("%d jobs requested for %d archives, %d of whose outputs expired; want %d", rep.JobsRequested, len(s.ids), expired, want)
	}
	checkDestination(t, s, dir)

	before := s.retrievalJobs()
	again := migrateJSON(t, args)
	if again.Copied != 0 || again.Present != len(s.ids) || again.JobsRequested != 0 || again.BytesCopied != 0 {
		t.Errorf("second run: copied %d (%d bytes), present %d, %d jobs requested; want 0, %d, 0",
			again.Copied, again.BytesCopied, again.Present, again.JobsRequested, len(s.ids))
	}
	for _, r := range again.Results {
		if r.Status != migrate.Present {
			t.Errorf("second run: archive %s %s, want present", r.ID, r.Status)
		}
	}
	for id := range s.retrievalJobs() {
		if !before[id] {
			t.Errorf("the second run requested the retrieval job %s", id)
		}
	}
}

// TestMigrateE2EFlippedByte flips one byte of the first archive output the
// source sends: the range fails its tree hash, is fetched again, and the
// migration ends with identical bytes.
func TestMigrateE2EFlippedByte(t *testing.T) {
	sourceEnv(t)
	s := newE2ESource(t, job.Timing{})
	var flipped atomic.Bool
	s.onOutput = func(_ string, resp *http.Response) {
		if !flipped.Swap(true) {
			resp.Body = &flipReader{r: resp.Body, at: resp.ContentLength / 2}
		}
	}
	dir := filepath.Join(t.TempDir(), "data")
	rep := migrateJSON(t, e2eMigrate(s, dir))
	if rep.Copied != len(s.ids) || rep.Failed != 0 {
		t.Errorf("report: copied %d, failed %d; want %d, 0", rep.Copied, rep.Failed, len(s.ids))
	}
	if !flipped.Load() {
		t.Fatal("no archive output went through the proxy")
	}
	// Each archive is one range or more; the flipped one is fetched twice.
	ranges := 0
	for _, b := range s.data {
		ranges += (len(b) + 1<<20 - 1) >> 20
	}
	s.mu.Lock()
	fetched := s.archiveOutputs
	s.mu.Unlock()
	if fetched != ranges+1 {
		t.Errorf("%d archive outputs fetched, want %d ranges and the one refetched", fetched, ranges)
	}
	checkDestination(t, s, dir)
}

// flipReader inverts the byte at offset at of r.
type flipReader struct {
	r   io.ReadCloser
	at  int64
	off int64
}

func (f *flipReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if i := f.at - f.off; i >= 0 && i < int64(n) {
		p[i] ^= 0xff
	}
	f.off += int64(n)
	return n, err
}

func (f *flipReader) Close() error { return f.r.Close() }

// TestMigrateE2EKilled runs firn migrate as a process of its own (the test
// binary, given the command line in childEnv) from a source with the
// service's job timing, SIGKILLs it after random delays
// (seeded and logged) and restarts it until it exits 0: the destination
// then holds every archive once, byte-identical.
func TestMigrateE2EKilled(t *testing.T) {
	sourceEnv(t)
	s := newE2ESource(t, job.RealisticTiming)
	// At 10 minutes a tick, the inventory and the Bulk jobs take at least
	// (3+5) * 6 ticks of 5 ms, longer than the longest first delay: the
	// first run is always killed.
	s.drive(10 * time.Minute)
	dir := filepath.Join(t.TempDir(), "data")
	args, _ := json.Marshal(e2eMigrate(s, dir))
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	const maxKills, maxRuns = 10, 25
	kills := 0
	for run := 1; ; run++ {
		if run > maxRuns {
			t.Fatalf("firn migrate did not finish in %d runs", maxRuns)
		}
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), childEnv+"="+string(args))
		var out testkit.SyncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// The delays grow with the runs, so that the kills reach the
		// downloads and imports however slow the machine; past maxKills,
		// a run is left to finish, within a bound.
		limit, kill := 3*time.Minute, false
		if kills < maxKills {
			limit, kill = time.Duration(10+rng.IntN(150*run))*time.Millisecond, true
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("run %d: %v\n%s", run, err, out.String())
			}
			t.Logf("run %d exited 0 after %d kills", run, kills)
			if kills == 0 {
				t.Fatal("the first run was not killed")
			}
			checkDestination(t, s, dir)
			return
		case <-time.After(limit):
		}
		cmd.Process.Kill()
		<-exited
		if !kill {
			t.Fatalf("run %d did not finish within %v\n%s", run, limit, out.String())
		}
		kills++
		t.Logf("run %d killed after %v, the destination holding %d archives", run, limit, destArchives(t, dir))
	}
}

// destArchives returns the number of archives of the destination's vault,
// 0 before the vault is created.
func destArchives(t *testing.T, dir string) int64 {
	t.Helper()
	e, err := engine.Open(dir, &engine.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	v, err := e.DescribeVault(t.Context(), &firn.DescribeVaultInput{VaultName: e2eVault})
	if err != nil {
		return 0
	}
	return v.NumberOfArchives
}

// clientView is what a Glacier client sees of e2eVault: list-vaults and
// describe-vault without the dates the destination sets itself (the
// vault's CreationDate and LastInventoryDate), an inventory's archive
// list, and the SHA-256 of every archive retrieved by its ID.
type clientView struct {
	Vaults    []map[string]any  `json:"vaults"`
	Describe  map[string]any    `json:"describe"`
	Inventory []map[string]any  `json:"inventory"`
	Archives  map[string]string `json:"archives"`
}

// withoutDates deletes the vault dates the destination sets itself.
func (v *clientView) withoutDates() *clientView {
	for _, m := range append(v.Vaults, v.Describe) {
		delete(m, "CreationDate")
		delete(m, "LastInventoryDate")
	}
	return v
}

// awsCLIView is the clientView of endpoint through the AWS CLI.
func awsCLIView(t *testing.T, endpoint string, ids []string) *clientView {
	t.Helper()
	tmp := t.TempDir()
	aws := func(v any, args ...string) {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"glacier", "--endpoint-url", endpoint, "--output", "json", "--region", "us-east-1"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("aws glacier %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		if v != nil {
			if err := json.Unmarshal(out, v); err != nil {
				t.Fatalf("aws glacier %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
	}
	output := func(params string) []byte {
		t.Helper()
		var j struct{ JobId string }
		aws(&j, "initiate-job", "--account-id", "-", "--vault-name", e2eVault, "--job-parameters", params)
		path := filepath.Join(tmp, j.JobId)
		aws(nil, "get-job-output", "--account-id", "-", "--vault-name", e2eVault, "--job-id", j.JobId, path)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v := &clientView{Archives: map[string]string{}}
	var list struct{ VaultList []map[string]any }
	aws(&list, "list-vaults", "--account-id", "-")
	v.Vaults = list.VaultList
	aws(&v.Describe, "describe-vault", "--account-id", "-", "--vault-name", e2eVault)
	var inv struct{ ArchiveList []map[string]any }
	if err := json.Unmarshal(output(`{"Type":"inventory-retrieval","Format":"JSON"}`), &inv); err != nil {
		t.Fatal(err)
	}
	v.Inventory = inv.ArchiveList
	for _, id := range ids {
		sum := sha256.Sum256(output(`{"Type":"archive-retrieval","ArchiveId":"` + id + `"}`))
		v.Archives[id] = hex.EncodeToString(sum[:])
	}
	return v.withoutDates()
}

// boto3View is the clientView of endpoint through boto3
// (testdata/migrate_view.py).
func boto3View(t *testing.T, endpoint string, ids []string) *clientView {
	t.Helper()
	cmd := exec.Command("python3", append([]string{filepath.Join("testdata", "migrate_view.py"), endpoint, e2eVault}, ids...)...)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boto3 view of %s: %v\n%s", endpoint, err, stderr.String())
	}
	var v clientView
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("boto3 view: %v\n%s", err, out)
	}
	return v.withoutDates()
}

// TestMigrateE2EClients: after a migration, the AWS CLI and boto3 see the
// destination vault, served by firn serve --data, exactly as they see the
// source: the vault's name, ARN, archive count and size (not its creation
// and inventory dates, the destination's own), the inventory's archives
// (IDs, descriptions, dates, sizes, tree hashes) and every archive's bytes,
// retrieved by its source ID.
func TestMigrateE2EClients(t *testing.T) {
	needTool(t, "aws", "--version")
	needTool(t, "python3", "-c", "import boto3")
	sourceEnv(t)
	s := newE2ESource(t, job.Timing{})
	dir := filepath.Join(t.TempDir(), "data")
	if rep := migrateJSON(t, e2eMigrate(s, dir)); rep.Copied != len(s.ids) || rep.Failed != 0 {
		t.Fatalf("report: copied %d, failed %d; want %d, 0", rep.Copied, rep.Failed, len(s.ids))
	}
	dest, _ := startServe(t, "--data", dir, "--log-level", "warn")

	for _, tc := range []struct {
		name string
		view func(*testing.T, string, []string) *clientView
	}{{"aws", awsCLIView}, {"boto3", boto3View}} {
		want, got := tc.view(t, s.url, s.ids), tc.view(t, dest, s.ids)
		if len(want.Inventory) != len(s.ids) || len(want.Archives) != len(s.ids) {
			t.Fatalf("%s sees %d archives in the source's inventory, %d retrieved; want %d", tc.name, len(want.Inventory), len(want.Archives), len(s.ids))
		}
		for id, b := range s.data {
			sum := sha256.Sum256(b)
			if want.Archives[id] != hex.EncodeToString(sum[:]) {
				t.Errorf("%s retrieves other bytes than archive %s's from the source", tc.name, id)
			}
		}
		if !reflect.DeepEqual(got, want) {
			gj, _ := json.MarshalIndent(got, "", " ")
			wj, _ := json.MarshalIndent(want, "", " ")
			t.Errorf("%s sees the destination as\n%s\nand the source as\n%s", tc.name, gj, wj)
		}
	}
}
