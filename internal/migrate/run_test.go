package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/treehash"
)

const vault = "photos"

// source is an engine on a fake clock holding archives of many sizes.
type source struct {
	*engine.Engine
	clock *firntest.Clock
	data  map[string][]byte // by archive ID
	ids   []string          // in upload order
}

func newSource(t *testing.T, timing job.Timing) *source {
	t.Helper()
	return openSource(t, &engine.Options{JobTiming: timing})
}

// openSource is newSource with the engine's options, on a fake clock.
func openSource(t *testing.T, opts *engine.Options) *source {
	t.Helper()
	clock := firntest.NewClock(firntest.Epoch)
	opts.Clock = clock
	e, err := engine.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Check(context.Background()); err != nil {
			t.Error(err)
		}
		e.Close()
	})
	s := &source{Engine: e, clock: clock, data: map[string][]byte{}}
	ctx := t.Context()
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: vault}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	body := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	for _, a := range []struct {
		size int
		desc string
	}{
		{1, ""},
		{64<<10 + 1, `quotes " and, commas \ backslash`},
		{5<<20 + 3, strings.Repeat("x~", 512)},
	} {
		clock.Advance(time.Second)
		b := body(a.size)
		out, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: vault, ArchiveDescription: a.desc, Body: bytes.NewReader(b)})
		if err != nil {
			t.Fatal(err)
		}
		s.add(out.ArchiveId, b)
	}
	clock.Advance(time.Second)
	b := body(20 << 20)
	const part = 4 << 20
	up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: vault, ArchiveDescription: "multi part: 20 MiB", PartSize: part})
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(b); off += part {
		if _, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: vault, UploadId: up.UploadId,
			Range: fmt.Sprintf("bytes %d-%d/*", off, off+part-1), Body: bytes.NewReader(b[off : off+part])}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: vault, UploadId: up.UploadId,
		ArchiveSize: int64(len(b)), Checksum: treehashHex(b)})
	if err != nil {
		t.Fatal(err)
	}
	s.add(out.ArchiveId, b)
	clock.Advance(time.Second)
	return s
}

func (s *source) add(id string, b []byte) {
	s.data[id] = b
	s.ids = append(s.ids, id)
}

// sleep advances the source's clock instead of sleeping.
func (s *source) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.clock.Advance(d)
	return nil
}

// options are a run's options over g, reading s's clock.
func (s *source) options(t *testing.T, g firn.Glacier, sink Sink) *Options {
	return &Options{
		Source:    g,
		Vault:     vault,
		Sink:      sink,
		RangeSize: 1 << 20,
		StatePath: filepath.Join(t.TempDir(), "state.json"),
		TempDir:   t.TempDir(),
		Clock:     s.clock,
		Sleep:     s.sleep,
	}
}

// memSink records archives in memory and counts Puts.
type memSink struct {
	mu       sync.Mutex
	archives map[string][]byte
	meta     map[string]Archive
	puts     map[string]int
	finished []Result
	// putHook, when set, runs before each Put.
	putHook func(a *Archive) error
}

func newMemSink() *memSink {
	return &memSink{archives: map[string][]byte{}, meta: map[string]Archive{}, puts: map[string]int{}}
}

func (m *memSink) Begin(context.Context, []Archive) error { return nil }

func (m *memSink) Has(_ context.Context, a *Archive) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	got, ok := m.meta[a.ID]
	if ok && got.TreeHash != a.TreeHash {
		return "", false, errors.New("different archive under the ID")
	}
	return a.ID, ok, nil
}

func (m *memSink) Put(_ context.Context, a *Archive, body io.Reader) (string, error) {
	if m.putHook != nil {
		if err := m.putHook(a); err != nil {
			return "", err
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.archives[a.ID], m.meta[a.ID] = b, *a
	m.puts[a.ID]++
	return a.ID, nil
}

func (m *memSink) Finish(_ context.Context, results []Result) error {
	m.finished = results
	return nil
}

// check asserts that the sink holds every archive of s exactly, with its
// identity, each put once.
func (m *memSink) check(t *testing.T, s *source) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range s.ids {
		if !bytes.Equal(m.archives[id], s.data[id]) {
			t.Errorf("archive %s: %d bytes copied, want %d identical", id, len(m.archives[id]), len(s.data[id]))
		}
		if m.puts[id] != 1 {
			t.Errorf("archive %s put %d times, want once", id, m.puts[id])
		}
		if got := m.meta[id]; got.TreeHash != treehashHex(s.data[id]) || got.Size != int64(len(s.data[id])) || got.CreationDate.IsZero() {
			t.Errorf("archive %s: identity %+v", id, got)
		}
	}
}

// counting counts InitiateJob calls per archive and records when each was
// made, on the source's clock.
type counting struct {
	firn.Glacier
	clock     firn.Clock
	mu        sync.Mutex
	initiated map[string]int
	at        []time.Time
	ids       []string
}

func count(g firn.Glacier, clock firn.Clock) *counting {
	return &counting{Glacier: g, clock: clock, initiated: map[string]int{}}
}

func (c *counting) InitiateJob(ctx context.Context, in *firn.InitiateJobInput) (*firn.InitiateJobOutput, error) {
	out, err := c.Glacier.InitiateJob(ctx, in)
	if err == nil && in.JobParameters.Type == firn.JobTypeArchiveRetrieval {
		c.mu.Lock()
		c.initiated[in.JobParameters.ArchiveId]++
		c.at = append(c.at, c.clock.Now())
		c.ids = append(c.ids, in.JobParameters.ArchiveId)
		c.mu.Unlock()
	}
	return out, err
}

func wantCounts(t *testing.T, r *Report, copied, present, deleted, failed int) {
	t.Helper()
	if r.Copied != copied || r.Present != present || r.DeletedAtSource != deleted || r.Failed != failed {
		t.Errorf("copied %d present %d deleted %d failed %d, want %d %d %d %d", r.Copied, r.Present, r.DeletedAtSource, r.Failed, copied, present, deleted, failed)
		for _, res := range r.Results {
			t.Logf("%s %s %s", res.ID, res.Status, res.Error)
		}
	}
}

func TestRunInstant(t *testing.T) {
	s := newSource(t, job.Timing{})
	sink := newMemSink()
	g := count(s, s.clock)
	o := s.options(t, g, sink)
	var progress []Progress
	o.Progress = func(p Progress) { progress = append(progress, p) }
	r, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, 4, 0, 0, 0)
	sink.check(t, s)
	if len(sink.finished) != 4 {
		t.Errorf("Finish got %d results", len(sink.finished))
	}
	if last := progress[len(progress)-1]; last.ArchivesDone != 4 || last.BytesDone != last.BytesTotal {
		t.Errorf("last progress %+v", last)
	}
	for i := 1; i < len(r.Results); i++ {
		if r.Results[i].CreationDate.Before(r.Results[i-1].CreationDate) {
			t.Errorf("results not in creation order")
		}
	}

	// A second run copies nothing and requests nothing.
	r, err = Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, 0, 4, 0, 0)
	if r.JobsRequested != 0 {
		t.Errorf("second run requested %d jobs", r.JobsRequested)
	}
	sink.check(t, s)
}

func TestRunWaves(t *testing.T) {
	s := newSource(t, job.RealisticTiming)
	sink := newMemSink()
	g := count(s, s.clock)
	o := s.options(t, g, sink)
	o.MaxBytesPerHour = 6 << 20
	start := s.clock.Now()
	r, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, 4, 0, 0, 0)
	sink.check(t, s)
	// The inventory takes hours; then waves of the 1 B, 64 KiB + 1 and
	// 5 MiB + 3 archives, then of the 20 MiB one alone.
	if len(r.Plan.Waves) != 2 || r.Plan.Waves[0].Archives != 3 || r.Plan.Waves[1].Bytes != 20<<20 {
		t.Fatalf("waves %+v", r.Plan.Waves)
	}
	if len(g.at) != 4 || g.ids[3] != s.ids[3] {
		t.Fatalf("jobs requested %v at %v", g.ids, g.at)
	}
	if g.at[0].Sub(start) < 3*time.Hour || !g.at[2].Equal(g.at[0]) || g.at[3].Sub(g.at[0]) != time.Hour {
		t.Errorf("jobs requested at %v after %v: want a wave after the inventory and one an hour later", g.at, start)
	}
	if s.clock.Now().Sub(g.at[3]) < 5*time.Hour {
		t.Errorf("done %v after the last wave, before a Bulk job could complete", s.clock.Now().Sub(g.at[3]))
	}
}

func TestRunDryRun(t *testing.T) {
	s := newSource(t, job.Timing{})
	sink := newMemSink()
	g := count(s, s.clock)
	o := s.options(t, g, sink)
	o.DryRun, o.MaxBytesPerHour, o.Tier = true, 6<<20, firn.TierStandard
	r, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Plan
	var bytes int64
	for _, b := range s.data {
		bytes += int64(len(b))
	}
	if p.Archives != 4 || p.Bytes != bytes || len(p.Waves) != 2 || p.EstimatedMin != 4*time.Hour || p.EstimatedMax != 6*time.Hour || r.Planned != 4 {
		t.Errorf("plan %+v, planned %d", p, r.Planned)
	}
	if len(g.at) != 0 || len(sink.puts) != 0 {
		t.Errorf("a dry run requested %d jobs, put %d archives", len(g.at), len(sink.puts))
	}
}

func treehashHex(b []byte) string { return treehash.Hex(treehash.Sum(b)) }
