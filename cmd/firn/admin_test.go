package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/internal/testkit"
)

// lineWriter hands every write, one log record for slog's handlers, to a
// channel.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

// servedAdmin is a 'firn serve --admin-addr' running in-process.
type servedAdmin struct {
	api, admin string
	logs       lineWriter
}

// startServeAdmin runs serve with args and an admin endpoint on free
// ports until the test ends; fs, if not nil, is the engine's file system.
func startServeAdmin(t *testing.T, fs vfs.FS, args ...string) *servedAdmin {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out testkit.SyncBuffer
	s := &servedAdmin{logs: make(lineWriter, 1000)}
	a := newApp(&out, s.logs)
	a.engineFS = fs
	addrs := make(chan string, 1)
	a.onListen = func(addr string) { addrs <- addr }
	// Made here, not in the goroutine: its removal must be registered
	// before the cleanup below, so that it runs after serve has stopped.
	data := t.TempDir()
	done := make(chan int, 1)
	go func() {
		done <- a.run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--data", data}, args...))
	}()
	t.Cleanup(func() {
		cancel()
		go func() {
			for range s.logs {
			}
		}()
		<-done
		close(s.logs)
	})
	select {
	case addr := <-addrs:
		s.api = "http://" + addr
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, out.String())
	}
	// The admin endpoint is announced before onListen is called.
	m := regexp.MustCompile(`admin endpoint .* at (http://\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no admin endpoint announced: %s", out.String())
	}
	s.admin = m[1]
	return s
}

// get returns the status and body of GET url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// accessLine is the JSON access-log line of one request.
type accessLine struct {
	Msg           string `json:"msg"`
	RequestID     string `json:"request_id"`
	Operation     string `json:"operation"`
	Vault         string `json:"vault"`
	Status        int    `json:"status"`
	ErrorCode     string `json:"error_code"`
	BytesReceived int64  `json:"bytes_received"`
}

// accessLines reads the next n access-log lines, skipping other records.
// Each request is counted in the metrics before its line is logged.
func (s *servedAdmin) accessLines(t *testing.T, n int) []accessLine {
	t.Helper()
	var lines []accessLine
	for len(lines) < n {
		raw := <-s.logs
		var l accessLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line is not JSON: %v: %q", err, raw)
		}
		if l.Msg == "request" {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestServeAdmin runs a workload through serve's API and checks the admin
// endpoint: /metrics, parsed with expfmt, counts the requests per
// operation and error code, the latencies and bytes, and shows the job;
// /healthz and /readyz answer 200; the JSON access log has a line per
// request with the request ID the client saw.
func TestServeAdmin(t *testing.T) {
	s := startServeAdmin(t, nil, "--log-format", "json")
	ctx := context.Background()
	g := awsglacier.NewFromConfig(aws.Config{RetryMaxAttempts: 1}, s.api)
	for i := range 3 {
		if _, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: fmt.Sprint("v", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var archive string
	for _, n := range []int{1000, 5000} {
		up, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v0", Body: bytes.NewReader(bytes.Repeat([]byte("x"), n))})
		if err != nil {
			t.Fatal(err)
		}
		archive = up.ArchiveId
	}
	req, err := http.NewRequest("GET", s.api+"/-/vaults/missing", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Glacier-Version", "2012-06-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	missingID := resp.Header.Get("X-Amzn-Requestid")
	if resp.StatusCode != 404 || missingID == "" {
		t.Fatalf("DescribeVault of a missing vault: %s, request ID %q", resp.Status, missingID)
	}
	j, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v0", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: archive}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v0", JobId: j.JobId}); err != nil {
		t.Fatal(err)
	}

	lines := s.accessLines(t, 8)
	found := false
	for _, l := range lines {
		if l.RequestID == missingID {
			found = true
			if l.Operation != "DescribeVault" || l.Vault != "missing" || l.Status != 404 || l.ErrorCode != "ResourceNotFoundException" {
				t.Errorf("access line of the missing vault: %+v", l)
			}
		}
		if l.RequestID == "" || l.Operation == "" {
			t.Errorf("access line without request ID or operation: %+v", l)
		}
	}
	if !found {
		t.Errorf("no access line carries the request ID %s the client saw: %+v", missingID, lines)
	}

	code, body := get(t, s.admin+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	wantRequests := map[[2]string]float64{
		{"CreateVault", "OK"}: 3, {"UploadArchive", "OK"}: 2, {"DescribeVault", "ResourceNotFoundException"}: 1,
		{"InitiateJob", "OK"}: 1, {"DescribeJob", "OK"}: 1,
	}
	gotRequests := map[[2]string]float64{}
	for _, m := range family(t, families, "firn_requests_total").Metric {
		gotRequests[[2]string{label(m, "operation"), label(m, "code")}] = m.GetCounter().GetValue()
	}
	if fmt.Sprint(gotRequests) != fmt.Sprint(wantRequests) {
		t.Errorf("firn_requests_total %v, want %v", gotRequests, wantRequests)
	}
	perOp := map[string]float64{}
	for k, v := range wantRequests {
		perOp[k[0]] += v
	}
	for _, m := range family(t, families, "firn_request_duration_seconds").Metric {
		op := label(m, "operation")
		if h := m.GetHistogram(); float64(h.GetSampleCount()) != perOp[op] || h.GetSampleSum() <= 0 {
			t.Errorf("firn_request_duration_seconds{operation=%q}: %d samples summing to %g, want %g", op, h.GetSampleCount(), h.GetSampleSum(), perOp[op])
		}
	}
	for _, m := range family(t, families, "firn_received_bytes_total").Metric {
		if op := label(m, "operation"); op == "UploadArchive" && m.GetCounter().GetValue() < 6000 {
			t.Errorf("firn_received_bytes_total{operation=UploadArchive} %g, want at least the 6000 uploaded", m.GetCounter().GetValue())
		}
	}
	for _, m := range family(t, families, "firn_sent_bytes_total").Metric {
		if op := label(m, "operation"); op == "DescribeJob" && m.GetCounter().GetValue() <= 0 {
			t.Errorf("firn_sent_bytes_total{operation=DescribeJob} %g, want its JSON body", m.GetCounter().GetValue())
		}
	}
	for _, m := range family(t, families, "firn_jobs").Metric {
		want := 0.0
		if label(m, "action") == "ArchiveRetrieval" && label(m, "status") == "Succeeded" {
			want = 1
		}
		if m.GetGauge().GetValue() != want {
			t.Errorf("firn_jobs{action=%q,status=%q} %g, want %g", label(m, "action"), label(m, "status"), m.GetGauge().GetValue(), want)
		}
	}
	if free := family(t, families, "firn_free_bytes").Metric[0].GetGauge().GetValue(); free <= 0 {
		t.Errorf("firn_free_bytes %g", free)
	}
	if r := family(t, families, "firn_free_space_reserve_bytes").Metric[0].GetGauge().GetValue(); r != 1<<30 {
		t.Errorf("firn_free_space_reserve_bytes %g, want the default 1 GiB", r)
	}
	for _, name := range []string{"firn_due_timers", "firn_pending_notifications", "go_goroutines", "process_cpu_seconds_total"} {
		family(t, families, name)
	}

	for _, path := range []string{"/healthz", "/readyz", "/debug/pprof/"} {
		if code, body := get(t, s.admin+path); code != 200 {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
}

// family returns the metric family name, failing the test without it.
func family(t *testing.T, fams map[string]*dto.MetricFamily, name string) *dto.MetricFamily {
	t.Helper()
	f, ok := fams[name]
	if !ok || len(f.Metric) == 0 {
		t.Fatalf("/metrics has no %s", name)
	}
	return f
}

// label returns the value of m's label name.
func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestServeReadyz checks that /readyz answers 503 while the free space is
// below --reserve, and once a failed write of the metadata (a full disk)
// has put the engine in the failed state, while /healthz stays 200.
func TestServeReadyz(t *testing.T) {
	t.Run("Reserve", func(t *testing.T) {
		// No file system has 2^62 bytes free.
		s := startServeAdmin(t, nil, "--reserve", fmt.Sprint(int64(1)<<62))
		if code, body := get(t, s.admin+"/readyz"); code != 503 || !strings.Contains(body, "FreeSpaceReserve") {
			t.Errorf("/readyz below the reserve: %d %s", code, body)
		}
		if code, _ := get(t, s.admin+"/healthz"); code != 200 {
			t.Errorf("/healthz below the reserve: %d", code)
		}
	})
	t.Run("Failed", func(t *testing.T) {
		var failing atomic.Bool
		fs := errorfs.Wrap(vfs.Default, errorfs.InjectorFunc(func(op errorfs.Op) error {
			if failing.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsWrite && op.Kind != errorfs.OpRemove && strings.Contains(op.Path, "/meta/") {
				return fmt.Errorf("%s: %w", op.Path, syscall.ENOSPC)
			}
			return nil
		}))
		s := startServeAdmin(t, fs)
		if code, body := get(t, s.admin+"/readyz"); code != 200 {
			t.Fatalf("/readyz: %d %s", code, body)
		}
		failing.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		g := awsglacier.NewFromConfig(aws.Config{RetryMaxAttempts: 1}, s.api)
		if _, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err == nil {
			t.Fatal("CreateVault on a full disk succeeded")
		}
		if code, body := get(t, s.admin+"/readyz"); code != 503 || !strings.Contains(body, "metadata store failed") {
			t.Errorf("/readyz in the failed state: %d %s", code, body)
		}
		if code, _ := get(t, s.admin+"/healthz"); code != 200 {
			t.Errorf("/healthz in the failed state: %d", code)
		}
	})
}
