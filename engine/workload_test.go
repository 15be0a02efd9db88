package engine_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/treehash"
)

// The crash tests (simulated power loss and SIGKILL) share this workload:
// workers, each owning one vault, run random valid operations one at a
// time and log each one when it begins and when it is acknowledged. After a
// crash, the acknowledged prefix of a worker's log determines the state its
// vault must be in, except that the one operation in flight, if any, may
// have happened or not — but never in part. observe reads a vault's state
// through the public API, and check compares it with both candidates.

// wop is one operation of the workload. It is small and prints as one JSON
// line: its bytes are regenerated from Seed and Size.
type wop struct {
	Worker int    `json:"w"`
	Kind   string `json:"k"`
	// Name is the description of the archive, upload or job the operation
	// creates, unique in the run; Target is the name of what it acts on.
	Name   string `json:"n,omitempty"`
	Target string `json:"t,omitempty"`
	// Part is the part index for "part", the part count for "initiate".
	Part int    `json:"p,omitempty"`
	Size int    `json:"s,omitempty"`
	Seed uint64 `json:"r,omitempty"`
	// Start and End are the inclusive range of a retrieval job.
	Start int64 `json:"a,omitempty"`
	End   int64 `json:"b,omitempty"`
	// ID is what the engine returned (archive, upload, job or lock ID);
	// set when acknowledged.
	ID  string `json:"id,omitempty"`
	Ack bool   `json:"ack,omitempty"`
}

func (o wop) String() string {
	b, _ := json.Marshal(o)
	return string(b)
}

const (
	wPartSize = 1 << 20
	// lockDoc denies nothing in-process: the workload can go on once locked.
	lockDoc = `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"glacier:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	// checkPrefix starts the descriptions of the checker's own jobs.
	checkPrefix = "check."
)

// wbytes regenerates the bytes of an operation: random for even seeds,
// compressible (a random 4 KiB, repeated) for odd ones, so that chunks are
// stored both raw and compressed.
func wbytes(seed uint64, n int) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	b := make([]byte, n)
	r := rand.NewChaCha8(key)
	if seed%2 == 0 {
		_, _ = r.Read(b)
		return b
	}
	_, _ = r.Read(b[:min(n, 4096)])
	for i := 4096; i < n; i *= 2 {
		copy(b[i:], b[:i])
	}
	return b
}

// wvault is the model of one worker's vault.
type wvault struct {
	archives map[string]warchive
	uploads  map[string]wupload // in progress
	jobs     map[string]wjob
	lock     string // "", "InProgress" or "Locked"
	lockID   string
}

type warchive struct {
	id     string
	data   []byte
	digest string
}

func newWArchive(id string, data []byte) warchive { return warchive{id, data, digest(data)} }

type wupload struct {
	id     string
	nparts int
	parts  map[int]wpart
}

type wpart struct {
	data     []byte
	treeHash string
}

type wjob struct {
	id     string
	digest string
}

func newWVault() *wvault {
	return &wvault{archives: map[string]warchive{}, uploads: map[string]wupload{}, jobs: map[string]wjob{}}
}

func (m *wvault) clone() *wvault {
	c := *m
	c.archives = maps.Clone(m.archives)
	c.jobs = maps.Clone(m.jobs)
	c.uploads = map[string]wupload{}
	for k, u := range m.uploads {
		u.parts = maps.Clone(u.parts)
		c.uploads[k] = u
	}
	return &c
}

// apply records the effect of o, acknowledged with ID o.ID ("" if unknown).
func (m *wvault) apply(o wop) {
	switch o.Kind {
	case "upload":
		m.archives[o.Name] = newWArchive(o.ID, wbytes(o.Seed, o.Size))
	case "delete":
		delete(m.archives, o.Target)
	case "initiate":
		m.uploads[o.Name] = wupload{id: o.ID, nparts: o.Part, parts: map[int]wpart{}}
	case "part":
		data := wbytes(o.Seed, o.Size)
		m.uploads[o.Target].parts[o.Part] = wpart{data, treehash.Hex(treehash.Sum(data))}
	case "complete":
		m.archives[o.Target] = newWArchive(o.ID, m.uploads[o.Target].data())
		delete(m.uploads, o.Target)
	case "abort":
		delete(m.uploads, o.Target)
	case "job":
		data := m.archives[o.Target].data[o.Start : o.End+1]
		m.jobs[o.Name] = wjob{o.ID, digest(data)}
	case "inventory":
		m.jobs[o.Name] = wjob{o.ID, m.inventoryDigest()}
	case "lock-initiate":
		m.lock, m.lockID = string(firn.LockStateInProgress), o.ID
	case "lock-complete":
		m.lock = string(firn.LockStateLocked)
	case "lock-abort":
		m.lock, m.lockID = "", ""
	default:
		panic("unknown operation " + o.Kind)
	}
}

func (u wupload) data() []byte {
	var b []byte
	for i := range u.nparts {
		b = append(b, u.parts[i].data...)
	}
	return b
}

func (u wupload) complete() bool {
	for i := range u.nparts {
		if _, ok := u.parts[i]; !ok {
			return false
		}
	}
	return true
}

func (m *wvault) inventoryDigest() string {
	var ids []string
	for _, a := range m.archives {
		ids = append(ids, a.id)
	}
	slices.Sort(ids)
	return "inventory:" + strings.Join(ids, ",")
}

// digest identifies bytes by their length and (SHA-256) tree hash.
func digest(data []byte) string {
	return fmt.Sprintf("%d:%s", len(data), treehash.Hex(treehash.Sum(data)))
}

// next returns a random valid operation for m; name makes it unique.
func (m *wvault) next(rng *rand.Rand, worker int, name string) wop {
	o := wop{Worker: worker, Seed: rng.Uint64()}
	var choices []string
	add := func(kind string, weight int) {
		for range weight {
			choices = append(choices, kind)
		}
	}
	add("upload", 4)
	if n := len(m.archives); n > 0 {
		add("delete", 1+n/3)
		add("job", 1)
	}
	if len(m.uploads) < 2 {
		add("initiate", 1)
	}
	for _, u := range m.uploads {
		add("part", 3)
		if u.complete() {
			add("complete", 4)
		}
		if rng.IntN(4) == 0 {
			add("abort", 1)
		}
	}
	if rng.IntN(3) == 0 {
		add("inventory", 1)
	}
	switch m.lock {
	case "":
		if rng.IntN(3) == 0 {
			add("lock-initiate", 1)
		}
	case string(firn.LockStateInProgress):
		add("lock-abort", 1)
		if m.lockID != "" && rng.IntN(4) == 0 {
			add("lock-complete", 1)
		}
	}
	o.Kind = choices[rng.IntN(len(choices))]
	switch o.Kind {
	case "upload", "initiate", "job", "inventory":
		o.Name = name
	}
	switch o.Kind {
	case "upload":
		switch r := rng.IntN(20); {
		case r < 2:
			o.Size = 1 + rng.IntN(1024)
		case r < 19:
			o.Size = 1 + rng.IntN(16<<10)
		default:
			o.Size = 1<<20 + 1 + rng.IntN(64<<10)
		}
	case "delete":
		o.Target = pick(rng, m.archives)
	case "job":
		o.Target = pick(rng, m.archives)
		size := int64(len(m.archives[o.Target].data))
		o.End = size - 1
		if size > 1<<20 && rng.IntN(2) == 0 {
			o.Start = 1 << 20
		}
	case "initiate":
		o.Part = 1 + rng.IntN(3)/2 // a third have a full first part
	case "part":
		o.Target = pick(rng, m.uploads)
		u := m.uploads[o.Target]
		o.Part = rng.IntN(u.nparts)
		o.Size = wPartSize
		if o.Part == u.nparts-1 {
			o.Size = 1 + rng.IntN(64<<10)
		}
	case "complete":
		var ready []string
		for k, u := range m.uploads {
			if u.complete() {
				ready = append(ready, k)
			}
		}
		slices.Sort(ready)
		o.Target = ready[rng.IntN(len(ready))]
	case "abort":
		o.Target = pick(rng, m.uploads)
	}
	return o
}

func pick[V any](rng *rand.Rand, m map[string]V) string {
	keys := slices.Sorted(maps.Keys(m))
	return keys[rng.IntN(len(keys))]
}

func wVaultName(worker int) string { return fmt.Sprintf("w%d", worker) }

// do runs o against vault of m's worker and returns the ID it acknowledged.
func (m *wvault) do(ctx context.Context, g firn.Glacier, o wop) (string, error) {
	v := wVaultName(o.Worker)
	switch o.Kind {
	case "upload":
		data := wbytes(o.Seed, o.Size)
		in := &firn.UploadArchiveInput{VaultName: v, ArchiveDescription: o.Name, Body: bytes.NewReader(data)}
		if o.Seed%3 == 0 {
			in.Checksum = treehash.Hex(treehash.Sum(data))
		}
		out, err := g.UploadArchive(ctx, in)
		if err != nil {
			return "", err
		}
		return out.ArchiveId, nil
	case "delete":
		_, err := g.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: v, ArchiveId: m.archives[o.Target].id})
		return "", err
	case "initiate":
		out, err := g.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: v, ArchiveDescription: o.Name, PartSize: wPartSize})
		if err != nil {
			return "", err
		}
		return out.UploadId, nil
	case "part":
		data := wbytes(o.Seed, o.Size)
		start := int64(o.Part) * wPartSize
		_, err := g.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{
			VaultName: v, UploadId: m.uploads[o.Target].id,
			Range:    fmt.Sprintf("bytes %d-%d/*", start, start+int64(len(data))-1),
			Checksum: treehash.Hex(treehash.Sum(data)),
			Body:     bytes.NewReader(data),
		})
		return "", err
	case "complete":
		u := m.uploads[o.Target]
		data := u.data()
		out, err := g.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{
			VaultName: v, UploadId: u.id, ArchiveSize: int64(len(data)), Checksum: treehash.Hex(treehash.Sum(data)),
		})
		if err != nil {
			return "", err
		}
		return out.ArchiveId, nil
	case "abort":
		_, err := g.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: v, UploadId: m.uploads[o.Target].id})
		return "", err
	case "job":
		p := firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: m.archives[o.Target].id, Description: o.Name}
		if o.Start > 0 {
			p.RetrievalByteRange = fmt.Sprintf("%d-%d", o.Start, o.End)
		}
		out, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: v, JobParameters: p})
		if err != nil {
			return "", err
		}
		return out.JobId, nil
	case "inventory":
		out, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: v, JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Description: o.Name}})
		if err != nil {
			return "", err
		}
		return out.JobId, nil
	case "lock-initiate":
		out, err := g.InitiateVaultLock(ctx, &firn.InitiateVaultLockInput{VaultName: v, Policy: &firn.VaultLockPolicy{Policy: lockDoc}})
		if err != nil {
			return "", err
		}
		return out.LockId, nil
	case "lock-complete":
		_, err := g.CompleteVaultLock(ctx, &firn.CompleteVaultLockInput{VaultName: v, LockId: m.lockID})
		return "", err
	case "lock-abort":
		_, err := g.AbortVaultLock(ctx, &firn.AbortVaultLockInput{VaultName: v})
		return "", err
	}
	return "", fmt.Errorf("unknown operation %s", o.Kind)
}

// wview is the observable state of a vault: names map to an ID and a
// digest of the content.
type wview struct {
	archives, uploads, jobs map[string]wobj
	lock                    string
}

type wobj struct{ id, digest string }

// view is what m says the engine must show.
func (m *wvault) view() wview {
	v := wview{archives: map[string]wobj{}, uploads: map[string]wobj{}, jobs: map[string]wobj{}, lock: m.lock}
	for k, a := range m.archives {
		v.archives[k] = wobj{a.id, a.digest}
	}
	for k, u := range m.uploads {
		var parts []string
		for i, p := range u.parts {
			parts = append(parts, fmt.Sprintf("%d=%s", i, p.treeHash))
		}
		slices.Sort(parts)
		v.uploads[k] = wobj{u.id, strings.Join(parts, ",")}
	}
	for k, j := range m.jobs {
		v.jobs[k] = wobj{j.id, j.digest}
	}
	return v
}

// matches reports whether got, as observed, is what want says; IDs that
// want does not know are not compared.
func (want wview) matches(got wview) bool {
	same := func(w, g map[string]wobj) bool {
		if len(w) != len(g) {
			return false
		}
		for k, wo := range w {
			gov, ok := g[k]
			if !ok || gov.digest != wo.digest || wo.id != "" && gov.id != wo.id {
				return false
			}
		}
		return true
	}
	return want.lock == got.lock && same(want.archives, got.archives) && same(want.uploads, got.uploads) && same(want.jobs, got.jobs)
}

func (v wview) String() string {
	var b strings.Builder
	for _, part := range []struct {
		what string
		m    map[string]wobj
	}{{"archive", v.archives}, {"upload", v.uploads}, {"job", v.jobs}} {
		for _, k := range slices.Sorted(maps.Keys(part.m)) {
			fmt.Fprintf(&b, "  %s %s id=%s %s\n", part.what, k, part.m[k].id, part.m[k].digest)
		}
	}
	fmt.Fprintf(&b, "  lock %q\n", v.lock)
	return b.String()
}

// observe reads the state of vault name through the API. It creates jobs
// of its own (described checkPrefix...), which later observations ignore,
// and checks on the way that every archive reads back with the tree hash
// the inventory lists and GetJobOutput returns.
func observe(ctx context.Context, g firn.Glacier, name string) (wview, error) {
	v := wview{archives: map[string]wobj{}, uploads: map[string]wobj{}, jobs: map[string]wobj{}}
	for j, err := range firn.AllJobs(ctx, g, firn.ListJobsInput{VaultName: name}) {
		if err != nil {
			return v, fmt.Errorf("ListJobs: %w", err)
		}
		if strings.HasPrefix(j.JobDescription, checkPrefix) {
			continue
		}
		if j.StatusCode != firn.StatusSucceeded {
			return v, fmt.Errorf("job %s (%s) is %s: %s", j.JobDescription, j.JobId, j.StatusCode, j.StatusMessage)
		}
		out, err := readOutput(ctx, g, name, j.JobId)
		if err != nil {
			return v, fmt.Errorf("job %s: %w", j.JobDescription, err)
		}
		d := digest(out)
		if j.Action == firn.ActionInventoryRetrieval {
			ids, err := inventoryIDs(out)
			if err != nil {
				return v, fmt.Errorf("job %s: %w", j.JobDescription, err)
			}
			d = "inventory:" + strings.Join(slices.Sorted(maps.Keys(ids)), ",")
		}
		v.jobs[j.JobDescription] = wobj{j.JobId, d}
	}
	for u, err := range firn.AllMultipartUploads(ctx, g, firn.ListMultipartUploadsInput{VaultName: name}) {
		if err != nil {
			return v, fmt.Errorf("ListMultipartUploads: %w", err)
		}
		var parts []string
		for p, err := range firn.AllParts(ctx, g, firn.ListPartsInput{VaultName: name, UploadId: u.MultipartUploadId}) {
			if err != nil {
				return v, fmt.Errorf("ListParts: %w", err)
			}
			var start, end int64
			if _, err := fmt.Sscanf(p.RangeInBytes, "%d-%d", &start, &end); err != nil {
				return v, fmt.Errorf("part range %q: %w", p.RangeInBytes, err)
			}
			parts = append(parts, fmt.Sprintf("%d=%s", start/u.PartSizeInBytes, p.SHA256TreeHash))
		}
		slices.Sort(parts)
		v.uploads[u.ArchiveDescription] = wobj{u.MultipartUploadId, strings.Join(parts, ",")}
	}
	lock, err := g.GetVaultLock(ctx, &firn.GetVaultLockInput{VaultName: name})
	switch {
	case errors.Is(err, firn.ErrResourceNotFound):
	case err != nil:
		return v, fmt.Errorf("GetVaultLock: %w", err)
	default:
		v.lock = lock.State
	}

	inv, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: name, JobParameters: firn.JobParameters{
		Type: firn.JobTypeInventoryRetrieval, Description: checkPrefix + "inventory"}})
	if err != nil {
		return v, fmt.Errorf("inventory: %w", err)
	}
	out, err := readOutput(ctx, g, name, inv.JobId)
	if err != nil {
		return v, fmt.Errorf("inventory: %w", err)
	}
	list, err := inventoryIDs(out)
	if err != nil {
		return v, err
	}
	for id, a := range list {
		job, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: name, JobParameters: firn.JobParameters{
			Type: firn.JobTypeArchiveRetrieval, ArchiveId: id, Description: checkPrefix + "read"}})
		if err != nil {
			return v, fmt.Errorf("archive %s (%s): InitiateJob: %w", a.ArchiveDescription, id, err)
		}
		o, err := g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: name, JobId: job.JobId})
		if err != nil {
			return v, fmt.Errorf("archive %s (%s): GetJobOutput: %w", a.ArchiveDescription, id, err)
		}
		data, err := io.ReadAll(o.Body)
		o.Body.Close()
		if err != nil {
			return v, fmt.Errorf("archive %s (%s): reading: %w", a.ArchiveDescription, id, err)
		}
		if th := treehash.Hex(treehash.Sum(data)); th != a.SHA256TreeHash || th != o.Checksum || int64(len(data)) != a.Size {
			return v, fmt.Errorf("archive %s (%s): read %d bytes with tree hash %s; inventory says %d bytes, %s; GetJobOutput says %s",
				a.ArchiveDescription, id, len(data), th, a.Size, a.SHA256TreeHash, o.Checksum)
		}
		v.archives[a.ArchiveDescription] = wobj{id, digest(data)}
	}
	if len(v.archives) != len(list) {
		return v, fmt.Errorf("inventory lists two archives with the same description: %s", out)
	}
	return v, nil
}

type inventoryArchive struct {
	ArchiveDescription string
	Size               int64
	SHA256TreeHash     string
}

func inventoryIDs(out []byte) (map[string]inventoryArchive, error) {
	var inv struct {
		ArchiveList []struct {
			ArchiveId string
			inventoryArchive
		}
	}
	if err := json.Unmarshal(out, &inv); err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	ids := map[string]inventoryArchive{}
	for _, a := range inv.ArchiveList {
		ids[a.ArchiveId] = a.inventoryArchive
	}
	return ids, nil
}

func readOutput(ctx context.Context, g firn.Glacier, vault, jobID string) ([]byte, error) {
	o, err := g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: vault, JobId: jobID})
	if err != nil {
		return nil, fmt.Errorf("GetJobOutput: %w", err)
	}
	defer o.Body.Close()
	return io.ReadAll(o.Body)
}

// whistory is one worker's log: the acknowledged operations, in order, and
// the one in flight, if any.
type whistory struct {
	acked   []wop
	pending *wop
}

// replayer keeps the model of one worker's acknowledged operations,
// replaying only those it has not seen: logs only grow.
type replayer struct {
	m *wvault
	n int
}

// model returns the model after the acknowledged operations of h, which
// must extend the logs given before. It must not be modified.
func (r *replayer) model(h whistory) *wvault {
	if r.m == nil {
		r.m = newWVault()
	}
	for _, o := range h.acked[r.n:] {
		r.m.apply(o)
	}
	r.n = len(h.acked)
	return r.m
}

// checkVault checks that the vault of worker w shows the state before, the
// model of h.acked, or that state after h.pending. It returns h resolved:
// the pending operation appended, with the ID observed, if it happened.
func checkVault(ctx context.Context, g firn.Glacier, w int, h whistory, before *wvault) (whistory, error) {
	got, err := observe(ctx, g, wVaultName(w))
	if err != nil {
		return h, fmt.Errorf("worker %d: %w", w, err)
	}
	if before.view().matches(got) {
		return whistory{acked: h.acked}, nil
	}
	if h.pending != nil {
		after := before.clone()
		after.apply(*h.pending)
		if after.view().matches(got) {
			o := *h.pending
			o.ID, o.Ack = resolveID(o, got), true
			return whistory{acked: append(slices.Clip(h.acked), o)}, nil
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "worker %d: the vault is in neither allowed state\nobserved:\n%swanted (acknowledged):\n%s", w, got, before.view())
	if h.pending != nil {
		fmt.Fprintf(&b, "or with the operation in flight %s done\n", h.pending)
	}
	fmt.Fprintf(&b, "log:\n")
	for _, o := range h.acked {
		fmt.Fprintf(&b, "  %s\n", o)
	}
	return h, errors.New(b.String())
}

// resolveID finds the ID that operation o, found to have happened, got.
func resolveID(o wop, got wview) string {
	switch o.Kind {
	case "upload":
		return got.archives[o.Name].id
	case "complete":
		return got.archives[o.Target].id
	case "initiate":
		return got.uploads[o.Name].id
	case "job", "inventory":
		return got.jobs[o.Name].id
	}
	return "" // a lock ID cannot be observed: the model then only aborts
}

// crashClock is the fixed clock of the crash tests: no timer falls due.
type crashClock struct{}

func (crashClock) Now() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }

var _ firn.Clock = crashClock{}

// openFixed opens an engine in dir of fs on crashClock, and fails t if it
// cannot. The caller closes the engine.
func openFixed(t testing.TB, dir string, fs vfs.FS) *engine.Engine {
	t.Helper()
	e, err := engine.Open(dir, &engine.Options{FS: fs, Clock: crashClock{}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// openFixedVault is openFixed with vault "v" created.
func openFixedVault(t testing.TB, dir string, fs vfs.FS) *engine.Engine {
	t.Helper()
	e := openFixed(t, dir, fs)
	if _, err := e.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// createWorkerVaults creates the vaults of n workers.
func createWorkerVaults(ctx context.Context, e *engine.Engine, n int) error {
	for w := range n {
		if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: wVaultName(w)}); err != nil {
			return err
		}
	}
	return nil
}
