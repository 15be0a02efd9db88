package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
)

// TestConcurrentWorkload runs 32 goroutines that mix uploads, multipart
// uploads with parts sent in parallel, deletes, retrieval and inventory
// jobs, tags, listings and clock advances on the same three vaults, under
// the race detector in CI. Each goroutine checks the answers it gets as it
// goes; at the end the vaults' counts and sizes, an inventory, every
// archive's bytes, the tags and the open multipart uploads must match the
// acknowledged operations exactly, before and after a reopen.
func TestConcurrentWorkload(t *testing.T) {
	const workers = 32
	opsEach := 16
	if testing.Short() {
		opsEach = 8
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)

	fs := vfs.NewMem()
	clock := testkit.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	open := func() *engine.Engine {
		// A short TickInterval makes the background ticker race with the
		// operations too.
		e, err := engine.Open("cc", &engine.Options{FS: fs, Clock: clock, TickInterval: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open()
	defer func() { e.Close() }()
	w := &ccWorld{e: e, clock: clock, vaults: []string{"v0", "v1", "v2"}, archives: map[string]*ccArchive{},
		tags: map[string]map[string]string{}, uploads: map[string]*ccUpload{}}
	ctx := context.Background()
	for _, v := range w.vaults {
		if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: v}); err != nil {
			t.Fatal(err)
		}
		w.tags[v] = map[string]string{}
	}

	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(g)))
			for i := range opsEach {
				if err := w.step(ctx, r, g, i); err != nil {
					errs <- fmt.Errorf("worker %d, op %d: %w", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	w.checkFinal(t)
	if err := e.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = open()
	w.e = e
	w.checkFinal(t)
	if err := e.Check(ctx); err != nil {
		t.Fatalf("Check after reopen: %v", err)
	}
	var n int
	for _, a := range w.archives {
		if !a.deleted {
			n++
		}
	}
	t.Logf("%d archives acknowledged, %d live, %d multipart uploads, %d inventories checked", len(w.archives), n, len(w.uploads), len(w.inventories))
}

// ccArchive is an acknowledged archive. Sequence numbers order the
// acknowledgements and the starts of deletes among all goroutines.
type ccArchive struct {
	vault, desc string
	data        []byte
	hash        string
	acked       int64 // when its upload was acknowledged
	delStart    int64 // when a delete of it started; 0 if none
	delAcked    int64 // when a delete of it was acknowledged; 0 if none
	deleted     bool  // a delete of it was acknowledged
}

type ccUpload struct {
	vault string
	ended bool // completed or aborted, and acknowledged
}

// ccInventory is an inventory taken during the workload: it must list the
// archives required and nothing but archives of its vault that were not
// deleted before it started.
type ccInventory struct {
	vault    string
	start    int64
	required []string
	listed   []ccEntry
}

type ccEntry struct {
	ArchiveId          string
	ArchiveDescription string
	Size               int64
	SHA256TreeHash     string
}

// ccWorld is the workload's record of acknowledged operations.
type ccWorld struct {
	e      *engine.Engine
	clock  *testkit.Clock
	vaults []string
	seq    atomic.Int64

	mu          sync.Mutex
	archives    map[string]*ccArchive
	tags        map[string]map[string]string // vault -> key -> value
	uploads     map[string]*ccUpload
	inventories []ccInventory
}

// randomArchive returns a random acknowledged archive, or "" if none.
func (w *ccWorld) randomArchive(r *rand.Rand) (string, *ccArchive) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.archives) == 0 {
		return "", nil
	}
	ids := slices.Sorted(maps.Keys(w.archives))
	id := ids[r.IntN(len(ids))]
	return id, w.archives[id]
}

func (w *ccWorld) step(ctx context.Context, r *rand.Rand, g, i int) error {
	vault := w.vaults[r.IntN(len(w.vaults))]
	switch p := r.IntN(100); {
	case p < 30:
		return w.upload(ctx, r, vault, fmt.Sprintf("g%d op %d", g, i))
	case p < 42:
		return w.deleteArchive(ctx, r)
	case p < 52:
		return w.multipart(ctx, r, vault, fmt.Sprintf("g%d mp %d", g, i))
	case p < 64:
		return w.retrieve(ctx, r)
	case p < 69:
		_, err := w.inventory(ctx, vault, true)
		return err
	case p < 79:
		return w.tag(ctx, r, vault, fmt.Sprintf("g%02d", g))
	case p < 97:
		return w.list(ctx, vault)
	default:
		w.clock.Advance(time.Minute)
		return nil
	}
}

func (w *ccWorld) upload(ctx context.Context, r *rand.Rand, vault, desc string) error {
	data := make([]byte, 1+r.IntN(4096))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	hash := testkit.TreeHashHex(data)
	out, err := w.e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: vault, ArchiveDescription: desc, Checksum: hash, Body: bytes.NewReader(data)})
	if err != nil {
		return fmt.Errorf("UploadArchive: %w", err)
	}
	if out.Checksum != hash {
		return fmt.Errorf("UploadArchive: checksum %s, want %s", out.Checksum, hash)
	}
	w.ack(out.ArchiveId, &ccArchive{vault: vault, desc: desc, data: data, hash: hash})
	return nil
}

func (w *ccWorld) ack(id string, a *ccArchive) {
	w.mu.Lock()
	defer w.mu.Unlock()
	a.acked = w.seq.Add(1)
	w.archives[id] = a
}

func (w *ccWorld) deleteArchive(ctx context.Context, r *rand.Rand) error {
	id, a := w.randomArchive(r)
	if a == nil {
		return nil
	}
	w.mu.Lock()
	if a.delStart == 0 {
		a.delStart = w.seq.Add(1)
	}
	w.mu.Unlock()
	// Deleting twice, even concurrently, succeeds.
	if _, err := w.e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: a.vault, ArchiveId: id}); err != nil {
		return fmt.Errorf("DeleteArchive %s: %w", id, err)
	}
	w.mu.Lock()
	if !a.deleted {
		a.deleted, a.delAcked = true, w.seq.Add(1)
	}
	w.mu.Unlock()
	return nil
}

// multipart uploads an archive of one to three parts, sent in parallel;
// it then completes the upload, aborts it, or leaves it open.
func (w *ccWorld) multipart(ctx context.Context, r *rand.Rand, vault, desc string) error {
	const partSize = 1 << 20
	up, err := w.e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: vault, ArchiveDescription: desc, PartSize: partSize})
	if err != nil {
		return fmt.Errorf("InitiateMultipartUpload: %w", err)
	}
	w.mu.Lock()
	w.uploads[up.UploadId] = &ccUpload{vault: vault}
	w.mu.Unlock()
	n := 1
	if r.IntN(4) == 0 {
		n = 2 + r.IntN(2)
	}
	data := make([]byte, (n-1)*partSize+1+r.IntN(5000))
	for i := range data {
		data[i] = byte(i*7 + n)
	}
	perr := make([]error, n)
	var wg sync.WaitGroup
	for p := range n {
		wg.Go(func() {
			start := p * partSize
			part := data[start:min(start+partSize, len(data))]
			out, err := w.e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: vault, UploadId: up.UploadId,
				Range: fmt.Sprintf("bytes %d-%d/*", start, start+len(part)-1), Checksum: testkit.TreeHashHex(part), Body: bytes.NewReader(part)})
			if err == nil && out.Checksum != testkit.TreeHashHex(part) {
				err = fmt.Errorf("checksum %s", out.Checksum)
			}
			if err != nil {
				perr[p] = fmt.Errorf("UploadMultipartPart %d: %w", p, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(perr...); err != nil {
		return err
	}
	var parts []firn.PartListElement
	for p, err := range firn.AllParts(ctx, w.e, firn.ListPartsInput{VaultName: vault, UploadId: up.UploadId, Limit: 1}) {
		if err != nil {
			return fmt.Errorf("ListParts: %w", err)
		}
		parts = append(parts, p)
	}
	if len(parts) != n {
		return fmt.Errorf("ListParts: %d parts, want %d", len(parts), n)
	}
	switch r.IntN(5) {
	case 0:
		if _, err := w.e.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: vault, UploadId: up.UploadId}); err != nil {
			return fmt.Errorf("AbortMultipartUpload: %w", err)
		}
	case 1:
		return nil // left open
	default:
		hash := testkit.TreeHashHex(data)
		out, err := w.e.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: vault, UploadId: up.UploadId, ArchiveSize: int64(len(data)), Checksum: hash})
		if err != nil {
			return fmt.Errorf("CompleteMultipartUpload: %w", err)
		}
		w.ack(out.ArchiveId, &ccArchive{vault: vault, desc: desc, data: data, hash: hash})
	}
	w.mu.Lock()
	w.uploads[up.UploadId].ended = true
	w.mu.Unlock()
	return nil
}

// retrieve reads a random archive back. An archive being deleted may be
// gone, but a job that started keeps its bytes.
func (w *ccWorld) retrieve(ctx context.Context, r *rand.Rand) error {
	id, a := w.randomArchive(r)
	if a == nil {
		return nil
	}
	j, err := w.e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: a.vault, JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
	if errors.Is(err, firn.ErrResourceNotFound) {
		w.mu.Lock()
		deleting := a.delStart != 0
		w.mu.Unlock()
		if deleting {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("InitiateJob for %s: %w", id, err)
	}
	got, err := ccJobOutput(ctx, w.e, a.vault, j.JobId)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, a.data) {
		return fmt.Errorf("archive %s read back as %d bytes, want %d", id, len(got), len(a.data))
	}
	return nil
}

func ccJobOutput(ctx context.Context, e *engine.Engine, vault, jobID string) ([]byte, error) {
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: vault, JobId: jobID})
	if err != nil {
		return nil, fmt.Errorf("GetJobOutput %s: %w", jobID, err)
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// inventory takes an inventory of vault; record keeps it for checkFinal.
func (w *ccWorld) inventory(ctx context.Context, vault string, record bool) ([]ccEntry, error) {
	start := w.seq.Add(1)
	j, err := w.e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: vault, JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
	if err != nil {
		return nil, fmt.Errorf("InitiateJob inventory: %w", err)
	}
	end := w.seq.Add(1)
	body, err := ccJobOutput(ctx, w.e, vault, j.JobId)
	if err != nil {
		return nil, err
	}
	var inv struct{ ArchiveList []ccEntry }
	if err := json.Unmarshal(body, &inv); err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	if record {
		w.mu.Lock()
		defer w.mu.Unlock()
		rec := ccInventory{vault: vault, start: start, listed: inv.ArchiveList}
		for id, a := range w.archives {
			if a.vault == vault && a.acked < start && (a.delStart == 0 || a.delStart > end) {
				rec.required = append(rec.required, id)
			}
		}
		w.inventories = append(w.inventories, rec)
	}
	return inv.ArchiveList, nil
}

func (w *ccWorld) tag(ctx context.Context, r *rand.Rand, vault, key string) error {
	// Only this goroutine writes key, so its last acknowledged write is
	// the key's final state.
	if r.IntN(3) == 0 {
		if _, err := w.e.RemoveTagsFromVault(ctx, &firn.RemoveTagsFromVaultInput{VaultName: vault, TagKeys: []string{key}}); err != nil {
			return fmt.Errorf("RemoveTagsFromVault: %w", err)
		}
		w.mu.Lock()
		delete(w.tags[vault], key)
		w.mu.Unlock()
		return nil
	}
	value := fmt.Sprint(r.IntN(1000))
	_, err := w.e.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{VaultName: vault, Tags: map[string]string{key: value}})
	if errors.Is(err, firn.ErrLimitExceeded) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("AddTagsToVault: %w", err)
	}
	w.mu.Lock()
	w.tags[vault][key] = value
	w.mu.Unlock()
	return nil
}

func (w *ccWorld) list(ctx context.Context, vault string) error {
	var names []string
	for v, err := range firn.AllVaults(ctx, w.e, firn.ListVaultsInput{Limit: 2}) {
		if err != nil {
			return fmt.Errorf("ListVaults: %w", err)
		}
		if v.NumberOfArchives < 0 || v.SizeInBytes < 0 {
			return fmt.Errorf("ListVaults: %s has %d archives of %d bytes", v.VaultName, v.NumberOfArchives, v.SizeInBytes)
		}
		names = append(names, v.VaultName)
	}
	if !slices.Equal(names, w.vaults) {
		return fmt.Errorf("ListVaults: %v, want %v", names, w.vaults)
	}
	prev := ""
	for j, err := range firn.AllJobs(ctx, w.e, firn.ListJobsInput{VaultName: vault, Limit: 3}) {
		if err != nil {
			return fmt.Errorf("ListJobs: %w", err)
		}
		if j.JobId <= prev || !j.Completed {
			return fmt.Errorf("ListJobs: job %s after %s, completed %v", j.JobId, prev, j.Completed)
		}
		prev = j.JobId
	}
	prev = ""
	for u, err := range firn.AllMultipartUploads(ctx, w.e, firn.ListMultipartUploadsInput{VaultName: vault, Limit: 2}) {
		if err != nil {
			return fmt.Errorf("ListMultipartUploads: %w", err)
		}
		if u.MultipartUploadId <= prev {
			return fmt.Errorf("ListMultipartUploads: upload %s after %s", u.MultipartUploadId, prev)
		}
		prev = u.MultipartUploadId
	}
	tags, err := w.e.ListTagsForVault(ctx, &firn.ListTagsForVaultInput{VaultName: vault})
	if err != nil {
		return fmt.Errorf("ListTagsForVault: %w", err)
	}
	if len(tags.Tags) > 10 {
		return fmt.Errorf("ListTagsForVault: %d tags", len(tags.Tags))
	}
	return nil
}

// checkFinal checks the engine against the acknowledged operations once
// the workload is over.
func (w *ccWorld) checkFinal(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	// Inventories taken during the workload.
	for _, inv := range w.inventories {
		listed := map[string]bool{}
		for _, ent := range inv.listed {
			a := w.archives[ent.ArchiveId]
			switch {
			case a == nil || a.vault != inv.vault:
				t.Errorf("inventory of %s lists %s, which was never acknowledged in it", inv.vault, ent.ArchiveId)
			case a.deleted && a.delAcked < inv.start:
				t.Errorf("inventory of %s lists %s, deleted before it started", inv.vault, ent.ArchiveId)
			case ent.Size != int64(len(a.data)) || ent.SHA256TreeHash != a.hash || ent.ArchiveDescription != a.desc:
				t.Errorf("inventory of %s lists %+v, want %d bytes, %s, %q", inv.vault, ent, len(a.data), a.hash, a.desc)
			}
			listed[ent.ArchiveId] = true
		}
		for _, id := range inv.required {
			if !listed[id] {
				t.Errorf("inventory of %s misses %s, acknowledged before it started", inv.vault, id)
			}
		}
	}
	for _, v := range w.vaults {
		want := map[string]*ccArchive{}
		var size int64
		for id, a := range w.archives {
			if a.vault == v && !a.deleted {
				want[id] = a
				size += int64(len(a.data))
			}
		}
		d, err := w.e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: v})
		if err != nil {
			t.Fatal(err)
		}
		if d.NumberOfArchives != int64(len(want)) || d.SizeInBytes != size {
			t.Errorf("vault %s: %d archives of %d bytes, want %d of %d", v, d.NumberOfArchives, d.SizeInBytes, len(want), size)
		}
		list, err := w.inventory(ctx, v, false)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, ent := range list {
			a := want[ent.ArchiveId]
			if a == nil || ent.Size != int64(len(a.data)) || ent.SHA256TreeHash != a.hash {
				t.Errorf("final inventory of %s lists %+v, not a live acknowledged archive", v, ent)
			}
			got[ent.ArchiveId] = true
		}
		if len(got) != len(want) {
			t.Errorf("final inventory of %s lists %d archives, want %d", v, len(got), len(want))
		}
		if tags, err := w.e.ListTagsForVault(ctx, &firn.ListTagsForVaultInput{VaultName: v}); err != nil {
			t.Fatal(err)
		} else if !maps.Equal(tags.Tags, w.tags[v]) {
			t.Errorf("vault %s: tags %v, want %v", v, tags.Tags, w.tags[v])
		}
		var open []string
		for u, err := range firn.AllMultipartUploads(ctx, w.e, firn.ListMultipartUploadsInput{VaultName: v}) {
			if err != nil {
				t.Fatal(err)
			}
			open = append(open, u.MultipartUploadId)
		}
		var wantOpen []string
		for id, u := range w.uploads {
			if u.vault == v && !u.ended {
				wantOpen = append(wantOpen, id)
			}
		}
		slices.Sort(wantOpen)
		if !slices.Equal(open, wantOpen) {
			t.Errorf("vault %s: open uploads %v, want %v", v, open, wantOpen)
		}
	}
	// Every live archive reads back; every deleted one stays deleted.
	ids := slices.Sorted(maps.Keys(w.archives))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, id := range ids {
		a := w.archives[id]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			j, err := w.e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: a.vault, JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
			if a.deleted {
				if !errors.Is(err, firn.ErrResourceNotFound) {
					t.Errorf("retrieving deleted archive %s: %v", id, err)
				}
				return
			}
			if err != nil {
				t.Errorf("retrieving %s: %v", id, err)
				return
			}
			got, err := ccJobOutput(ctx, w.e, a.vault, j.JobId)
			if err != nil || !bytes.Equal(got, a.data) {
				t.Errorf("archive %s: %d bytes, %v; want its %d bytes", id, len(got), err, len(a.data))
			}
		})
	}
	wg.Wait()
}
