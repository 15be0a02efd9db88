package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/job"
	"pgregory.net/rapid"
)

// fixedTiming gives every tier one exact delay, so the model knows when a
// job completes.
var fixedTiming = job.Timing{
	Expedited: job.Window{Min: 5 * time.Minute, Max: 5 * time.Minute},
	Standard:  job.Window{Min: 4 * time.Hour, Max: 4 * time.Hour},
	Bulk:      job.Window{Min: 8 * time.Hour, Max: 8 * time.Hour},
	Inventory: job.Window{Min: 4 * time.Hour, Max: 4 * time.Hour},
}

type modelJob struct {
	archive    string
	start, end int // inclusive range of the archive
	due        time.Time
	failed     bool
}

type jobsMachine struct {
	t        *rapid.T
	fs       vfs.FS
	clock    *testkit.Clock
	e        *engine.Engine
	archives map[string][]byte
	retired  map[string][]byte // deleted archives, still readable by jobs
	deleted  map[string]time.Time
	jobs     map[string]*modelJob
	order    []string
}

func (m *jobsMachine) open() {
	e, err := engine.Open("d", &engine.Options{FS: m.fs, Clock: m.clock, JobTiming: fixedTiming, TickInterval: time.Hour})
	if err != nil {
		m.t.Fatal(err)
	}
	m.e = e
}

func (m *jobsMachine) close() {
	if err := m.e.Check(context.Background()); err != nil {
		m.t.Fatalf("Check: %v", err)
	}
	if err := m.e.Close(); err != nil {
		m.t.Fatal(err)
	}
}

func (m *jobsMachine) Upload(t *rapid.T) {
	size := rapid.SampledFrom([]int{1, 1000, 1<<20 + 5, 2<<20 + 7}).Draw(t, "size")
	data := make([]byte, size)
	seed := rapid.Byte().Draw(t, "seed")
	for i := range data {
		data[i] = byte(i%251) ^ seed
	}
	out, err := m.e.UploadArchive(context.Background(), &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	m.archives[out.ArchiveId] = data
}

func (m *jobsMachine) Initiate(t *rapid.T) {
	if len(m.archives) == 0 {
		t.Skip("no archives")
	}
	id := rapid.SampledFrom(keys(m.archives)).Draw(t, "archive")
	data := m.archives[id]
	tier := rapid.SampledFrom([]string{firn.TierExpedited, firn.TierStandard, firn.TierBulk}).Draw(t, "tier")
	start, end := 0, len(data)-1
	rng := ""
	if len(data) > 1<<20 && rapid.Bool().Draw(t, "ranged") {
		start = 1 << 20
		rng = fmt.Sprintf("%d-%d", start, end)
	}
	out, err := m.e.InitiateJob(context.Background(), &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: id, Tier: tier, RetrievalByteRange: rng}})
	if err != nil {
		t.Fatal(err)
	}
	m.jobs[out.JobId] = &modelJob{archive: id, start: start, end: end, due: m.clock.Now().Add(fixedTiming.Delay(firn.ActionArchiveRetrieval, tier, [16]byte{}))}
	m.order = append(m.order, out.JobId)
}

func (m *jobsMachine) DeleteArchive(t *rapid.T) {
	if len(m.archives) == 0 {
		t.Skip("no archives")
	}
	id := rapid.SampledFrom(keys(m.archives)).Draw(t, "archive")
	if _, err := m.e.DeleteArchive(context.Background(), &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: id}); err != nil {
		t.Fatal(err)
	}
	m.retired[id] = m.archives[id]
	delete(m.archives, id)
	m.deleted[id] = m.clock.Now()
}

func (m *jobsMachine) Advance(t *rapid.T) {
	m.clock.Advance(time.Duration(rapid.IntRange(1, 60*30).Draw(t, "minutes")) * time.Minute)
}

func (m *jobsMachine) Reopen(t *rapid.T) {
	m.close()
	m.open()
}

// state is what the model says of a job now: gone, in progress, failed or
// succeeded.
func (m *jobsMachine) state(j *modelJob) string {
	now := m.clock.Now()
	switch {
	case now.Before(j.due):
		return "InProgress"
	case !now.Before(j.due.Add(24 * time.Hour)):
		return "gone"
	}
	// Work due at an instant runs before an operation at that instant, so a
	// deletion at the due time comes after the completion.
	if at, ok := m.deleted[j.archive]; ok && at.Before(j.due) {
		return "Failed"
	}
	return "Succeeded"
}

func (m *jobsMachine) Describe(t *rapid.T) {
	if len(m.jobs) == 0 {
		t.Skip("no jobs")
	}
	id := rapid.SampledFrom(m.order).Draw(t, "job")
	want := m.state(m.jobs[id])
	d, err := m.e.DescribeJob(context.Background(), &firn.DescribeJobInput{VaultName: "v", JobId: id})
	if want == "gone" {
		if !errors.Is(err, firn.ErrResourceNotFound) {
			t.Fatalf("expired job: %v, %v", d, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(d.StatusCode) != want || d.Completed != (want != "InProgress") {
		t.Fatalf("job %s: status %s completed %v, model says %s", id, d.StatusCode, d.Completed, want)
	}
	if want != "InProgress" && !d.CompletionDate.Equal(m.jobs[id].due) {
		t.Fatalf("CompletionDate %v, due %v", d.CompletionDate, m.jobs[id].due)
	}
}

func (m *jobsMachine) Output(t *rapid.T) {
	if len(m.jobs) == 0 {
		t.Skip("no jobs")
	}
	id := rapid.SampledFrom(m.order).Draw(t, "job")
	j := m.jobs[id]
	n := j.end - j.start + 1
	a := rapid.IntRange(0, n-1).Draw(t, "a")
	b := rapid.IntRange(a, n-1).Draw(t, "b")
	out, err := m.e.GetJobOutput(context.Background(), &firn.GetJobOutputInput{VaultName: "v", JobId: id, Range: fmt.Sprintf("bytes=%d-%d", a, b)})
	switch m.state(j) {
	case "gone":
		if !errors.Is(err, firn.ErrResourceNotFound) {
			t.Fatalf("output of an expired job: %v", err)
		}
		return
	case "InProgress", "Failed":
		if !errors.Is(err, firn.ErrInvalidParameterValue) {
			t.Fatalf("output of an unavailable job: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("model says %s (due %v, now %v): %v", m.state(j), j.due, m.clock.Now(), err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	data, ok := m.archives[j.archive]
	if !ok {
		data = m.retired[j.archive]
	}
	if want := data[j.start+a : j.start+b+1]; !bytes.Equal(got, want) {
		t.Fatalf("output bytes %d-%d of job %s differ", a, b, id)
	}
}

func (m *jobsMachine) List(t *rapid.T) {
	n := 0
	for _, id := range m.order {
		if m.state(m.jobs[id]) != "gone" {
			n++
		}
	}
	got := 0
	for _, err := range firn.AllJobs(context.Background(), m.e, firn.ListJobsInput{VaultName: "v", Limit: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	if got != n {
		t.Fatalf("ListJobs: %d jobs, model has %d", got, n)
	}
}

// Check is rapid's invariant hook; the engine's own consistency check runs
// at every close instead, since it reads all metadata.
func (m *jobsMachine) Check(t *rapid.T) {}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestJobsStateMachine drives random sequences of uploads, retrieval jobs,
// clock advances, archive deletions, reads of random output ranges and
// reopens against a model of the job lifecycle.
func TestJobsStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &jobsMachine{t: t, fs: vfs.NewMem(), clock: testkit.NewClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)),
			archives: map[string][]byte{}, retired: map[string][]byte{}, deleted: map[string]time.Time{}, jobs: map[string]*modelJob{}}
		m.open()
		defer m.close()
		if _, err := m.e.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
			t.Fatal(err)
		}
		t.Repeat(rapid.StateMachineActions(m))
	})
}
