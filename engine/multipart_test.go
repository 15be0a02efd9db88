package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/multipart"
	"github.com/firnstore/firn/vault"
	"github.com/oklog/ulid/v2"
	"pgregory.net/rapid"
)

const mib = 1 << 20

// tb is the part of testing.TB that the helpers of the multipart and lock
// tests need, which *rapid.T has.
type tb interface {
	Helper()
	Error(args ...any)
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// mpEngine is an engine on an in-memory file system with a fake clock, and
// a vault "v". Its consistency check runs before every close.
type mpEngine struct {
	*Engine
	fs    vfs.FS
	clock *testkit.Clock
}

func openMP(t testing.TB) *mpEngine {
	t.Helper()
	m := newMP(t)
	t.Cleanup(func() { m.close(t) })
	return m
}

// newMP is openMP for callers that close the engine themselves.
func newMP(t tb) *mpEngine {
	t.Helper()
	m := &mpEngine{fs: vfs.NewMem(), clock: testkit.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}
	m.open(t)
	if _, err := m.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatalf("CreateVault: %v", err)
	}
	return m
}

func (m *mpEngine) open(t tb) {
	t.Helper()
	// No background ticks: time-driven work happens in the operations that
	// observe it, so that every test is deterministic.
	e, err := Open("firn", &Options{Clock: m.clock, FS: m.fs, TickInterval: time.Hour})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	m.Engine = e
}

func (m *mpEngine) close(t tb) {
	t.Helper()
	if m.Engine == nil {
		return
	}
	m.check(t)
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	m.Engine = nil
}

func (m *mpEngine) reopen(t tb) {
	t.Helper()
	m.close(t)
	m.open(t)
}

func (m *mpEngine) check(t tb) {
	t.Helper()
	if err := m.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func (m *mpEngine) initiate(t tb, partSize int64, desc string) string {
	t.Helper()
	out, err := m.InitiateMultipartUpload(context.Background(), &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: partSize, ArchiveDescription: desc})
	if err != nil {
		t.Fatalf("InitiateMultipartUpload: %v", err)
	}
	return out.UploadId
}

func (m *mpEngine) uploadPart(id string, start int64, data []byte, checksum string) (*firn.UploadMultipartPartOutput, error) {
	return m.UploadMultipartPart(context.Background(), &firn.UploadMultipartPartInput{
		VaultName: "v",
		UploadId:  id,
		Range:     fmt.Sprintf("bytes %d-%d/*", start, start+int64(len(data))-1),
		Checksum:  checksum,
		Body:      bytes.NewReader(data),
	})
}

func (m *mpEngine) mustUploadPart(t tb, id string, start int64, data []byte) {
	t.Helper()
	out, err := m.uploadPart(id, start, data, testkit.TreeHashHex(data))
	if err != nil {
		t.Fatalf("UploadMultipartPart %d+%d: %v", start, len(data), err)
	}
	if out.Checksum != testkit.TreeHashHex(data) {
		t.Fatalf("UploadMultipartPart Checksum %s, want %s", out.Checksum, testkit.TreeHashHex(data))
	}
}

func (m *mpEngine) complete(id string, data []byte) (*firn.CompleteMultipartUploadOutput, error) {
	return m.CompleteMultipartUpload(context.Background(), &firn.CompleteMultipartUploadInput{
		VaultName: "v", UploadId: id, ArchiveSize: int64(len(data)), Checksum: testkit.TreeHashHex(data),
	})
}

// readArchive returns an archive's bytes, read from its segments.
func (m *mpEngine) readArchive(t tb, archiveID string) []byte {
	t.Helper()
	v, err := m.loadVault(m.opts.AccountID, "v")
	if err != nil {
		t.Fatalf("%v", err)
	}
	a, err := m.loadArchive(v, archiveID)
	if err != nil {
		t.Fatalf("archive %s: %v", archiveID, err)
	}
	var buf bytes.Buffer
	for i, s := range a.Segments {
		if i < len(a.Segments)-1 && a.SegmentSize != s.Size {
			t.Errorf("archive %s: segment %d holds %d bytes, SegmentSize is %d", archiveID, i, s.Size, a.SegmentSize)
		}
		r, err := m.blobs.Open(blob.ID(s.ID))
		if err != nil {
			t.Fatalf("%v", err)
		}
		rr, err := r.NewRangeReader(0, r.Size())
		if err != nil {
			t.Fatalf("%v", err)
		}
		if _, err := io.Copy(&buf, rr); err != nil {
			t.Fatalf("%v", err)
		}
		rr.Close()
		r.Close()
	}
	if int64(buf.Len()) != a.Size {
		t.Errorf("archive %s: read %d bytes, size is %d", archiveID, buf.Len(), a.Size)
	}
	return buf.Bytes()
}

// segments returns the number of stored segments.
func (m *mpEngine) segments(t tb) int {
	t.Helper()
	ids, err := m.blobs.List()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return len(ids)
}

// randomBytes returns n pseudo-random bytes determined by seed.
func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{0: byte(seed), 1: byte(seed >> 8), 2: byte(seed >> 16), 3: byte(seed >> 24), 4: byte(seed >> 32)})
	r.Read(b)
	return b
}

func wantCode(t tb, what string, err error, code firn.Code, mentions ...string) {
	t.Helper()
	var fe *firn.Error
	if !errors.As(err, &fe) || fe.Code != code {
		t.Fatalf("%s: error %v, want %s", what, err, code)
	}
	for _, s := range mentions {
		if !strings.Contains(fe.Message, s) {
			t.Fatalf("%s: message %q does not mention %q", what, fe.Message, s)
		}
	}
}

// TestMultipartParallelParts uploads 64 parts of one upload from 8
// goroutines at once, in an interleaved order, and checks that the archive
// holds exactly the bytes sent, in the parts' own segments.
func TestMultipartParallelParts(t *testing.T) {
	m := openMP(t)
	const parts, workers = 64, 8
	data := randomBytes(1, parts*mib-12345)
	id := m.initiate(t, mib, "parallel")
	var wg sync.WaitGroup
	errs := make(chan error, parts)
	for w := range workers {
		wg.Go(func() {
			for i := parts - 1 - w; i >= 0; i -= workers {
				p := data[i*mib : min((i+1)*mib, len(data))]
				out, err := m.uploadPart(id, int64(i)*mib, p, testkit.TreeHashHex(p))
				if err == nil && out.Checksum != testkit.TreeHashHex(p) {
					err = fmt.Errorf("part %d: Checksum %s, want %s", i, out.Checksum, testkit.TreeHashHex(p))
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	for p, err := range firn.AllParts(t.Context(), m, firn.ListPartsInput{VaultName: "v", UploadId: id, Limit: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%d-%d", n*mib, min((n+1)*mib, len(data))-1)
		if p.RangeInBytes != want {
			t.Fatalf("part %d: RangeInBytes %s, want %s", n, p.RangeInBytes, want)
		}
		n++
	}
	if n != parts {
		t.Fatalf("AllParts listed %d parts, want %d", n, parts)
	}
	out, err := m.complete(id, data)
	if err != nil {
		t.Fatal(err)
	}
	if out.Checksum != testkit.TreeHashHex(data) {
		t.Errorf("Checksum %s, want %s", out.Checksum, testkit.TreeHashHex(data))
	}
	if got := m.readArchive(t, out.ArchiveId); !bytes.Equal(got, data) {
		t.Fatalf("archive differs from the data sent (%d bytes read, %d sent)", len(got), len(data))
	}
	if n := m.segments(t); n != parts {
		t.Errorf("%d segments stored, want the %d parts' own", n, parts)
	}
	d, err := m.DescribeVault(t.Context(), &firn.DescribeVaultInput{VaultName: "v"})
	if err != nil || d.NumberOfArchives != 1 || d.SizeInBytes != int64(len(data)) {
		t.Errorf("DescribeVault = %+v, %v; want 1 archive of %d bytes", d, err, len(data))
	}
}

// TestMultipartPartsRaceTransitions uploads parts while the upload is
// aborted (or completed) and checks that no part survives its upload and
// no segment leaks.
func TestMultipartPartsRaceTransitions(t *testing.T) {
	for _, end := range []string{"abort", "complete"} {
		t.Run(end, func(t *testing.T) {
			m := openMP(t)
			first := randomBytes(2, mib)
			id := m.initiate(t, mib, "")
			m.mustUploadPart(t, id, 0, first)
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					for i := 1 + w; i < 16; i += 4 {
						p := randomBytes(uint64(i), mib)
						_, err := m.uploadPart(id, int64(i)*mib, p, "")
						if err != nil && !errors.Is(err, firn.ErrResourceNotFound) {
							t.Errorf("part %d: %v", i, err)
						}
					}
				})
			}
			var err error
			if end == "abort" {
				_, err = m.AbortMultipartUpload(t.Context(), &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: id})
			} else {
				// Completes only if it wins the race for all but part 0.
				_, err = m.complete(id, first)
				if err != nil && !errors.Is(err, firn.ErrInvalidParameterValue) {
					t.Errorf("complete: %v", err)
				}
			}
			wg.Wait()
			if end == "abort" && err != nil {
				t.Fatal(err)
			}
			m.check(t)
			if end == "abort" {
				if n := m.segments(t); n != 0 {
					t.Errorf("%d segments left after abort", n)
				}
			}
		})
	}
}

// TestMultipartReplacePart re-uploads a range and checks that the new bytes
// win and the old segment is reclaimed.
func TestMultipartReplacePart(t *testing.T) {
	m := openMP(t)
	id := m.initiate(t, mib, "")
	a, b := randomBytes(3, 1000), randomBytes(4, 2000)
	m.mustUploadPart(t, id, 0, a)
	m.mustUploadPart(t, id, 0, b)
	m.mustUploadPart(t, id, 0, b)
	if n := m.segments(t); n != 1 {
		t.Errorf("%d segments after replacing a part, want 1", n)
	}
	m.check(t)
	out, err := m.complete(id, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.readArchive(t, out.ArchiveId); !bytes.Equal(got, b) {
		t.Error("the archive does not hold the replacement part")
	}
}

// TestMultipartExpiry checks that an upload expires 24 hours after its
// last part upload, by the engine's clock, and is forgotten a retention
// period later.
func TestMultipartExpiry(t *testing.T) {
	m := openMP(t)
	ctx := t.Context()
	id := m.initiate(t, mib, "")
	idle := m.initiate(t, mib, "")
	m.clock.Advance(5 * time.Hour)
	m.mustUploadPart(t, id, 0, randomBytes(5, 10))
	m.clock.Advance(19 * time.Hour)
	// idle: 24 h without activity; id: 19 h since its part.
	wantUploads(t, m, id)
	m.clock.Advance(5*time.Hour - time.Nanosecond)
	m.reopen(t)
	wantUploads(t, m, id)
	m.clock.Advance(time.Nanosecond)
	wantUploads(t, m)
	if n := m.segments(t); n != 0 {
		t.Errorf("%d segments left after expiry", n)
	}
	_, err := m.ListParts(ctx, &firn.ListPartsInput{VaultName: "v", UploadId: id})
	wantCode(t, "ListParts after expiry", err, firn.CodeResourceNotFound, id, "expired")
	_, err = m.uploadPart(id, 0, []byte("x"), "")
	wantCode(t, "UploadMultipartPart after expiry", err, firn.CodeResourceNotFound, id)
	_, err = m.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: idle})
	wantCode(t, "AbortMultipartUpload after expiry", err, firn.CodeResourceNotFound, idle, "expired")
	m.clock.Advance(multipart.Retention)
	_, err = m.ListParts(ctx, &firn.ListPartsInput{VaultName: "v", UploadId: id})
	wantCode(t, "ListParts after retention", err, firn.CodeResourceNotFound, id)
	m.check(t)
	wantNoUploadKeys(t, m)
}

// TestMultipartRetention checks the repeat windows of completion and abort.
func TestMultipartRetention(t *testing.T) {
	m := openMP(t)
	ctx := t.Context()
	data := randomBytes(6, mib+1)
	id := m.initiate(t, mib, "kept")
	m.mustUploadPart(t, id, mib, data[mib:])
	m.mustUploadPart(t, id, 0, data[:mib])
	out, err := m.complete(id, data)
	if err != nil {
		t.Fatal(err)
	}
	m.clock.Advance(multipart.Retention - time.Second)
	m.reopen(t)
	again, err := m.complete(id, data)
	if err != nil || *again != *out {
		t.Fatalf("repeated completion = %+v, %v; want %+v", again, err, out)
	}
	_, err = m.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: id})
	wantCode(t, "abort completed", err, firn.CodeInvalidParameterValue, "UploadId", out.ArchiveId)

	ab := m.initiate(t, mib, "")
	m.mustUploadPart(t, ab, 0, data[:10])
	for range 2 {
		if _, err := m.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: ab}); err != nil {
			t.Fatalf("abort: %v", err)
		}
	}
	m.clock.Advance(time.Second)
	_, err = m.complete(id, data)
	wantCode(t, "completion repeated after retention", err, firn.CodeResourceNotFound, id)
	m.clock.Advance(multipart.Retention)
	_, err = m.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: ab})
	wantCode(t, "abort repeated after retention", err, firn.CodeResourceNotFound, ab)
	if got := m.readArchive(t, out.ArchiveId); !bytes.Equal(got, data) {
		t.Error("archive bytes differ")
	}
	wantNoUploadKeys(t, m)
}

// TestMultipartDeleteVault deletes a vault with uploads in progress and
// checks that their parts' bytes are reclaimed and their timers retire.
func TestMultipartDeleteVault(t *testing.T) {
	m := openMP(t)
	ctx := t.Context()
	id := m.initiate(t, mib, "")
	m.mustUploadPart(t, id, 0, randomBytes(7, mib))
	m.mustUploadPart(t, id, mib, randomBytes(8, 5))
	if _, err := m.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	if n := m.segments(t); n != 0 {
		t.Errorf("%d segments left after DeleteVault", n)
	}
	m.check(t)
	if _, err := m.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	_, err := m.ListParts(ctx, &firn.ListPartsInput{VaultName: "v", UploadId: id})
	wantCode(t, "ListParts in the new vault", err, firn.CodeResourceNotFound, id)
	m.clock.Advance(multipart.InactivityLimit)
	m.tick()
	wantNoUploadKeys(t, m)
}

// TestMultipartTimerIdempotent runs an upload's expiry twice, as a crash
// between the work and the next tick could, and checks the repeat is a
// no-op.
func TestMultipartTimerIdempotent(t *testing.T) {
	m := openMP(t)
	id := m.initiate(t, mib, "")
	m.mustUploadPart(t, id, 0, []byte("abc"))
	v, err := m.loadVault(m.opts.AccountID, "v")
	if err != nil {
		t.Fatal(err)
	}
	uid := ulid.MustParseStrict(id)
	rec, err := m.loadUpload(v, uid, id)
	if err != nil {
		t.Fatal(err)
	}
	due := rec.Timer
	m.clock.Advance(multipart.InactivityLimit)
	for range 2 {
		if err := m.runUploadTimer(due.UnixNano(), store.UploadTimerID(v.ID, uid)); err != nil {
			t.Fatal(err)
		}
		m.check(t)
	}
	if rec, err = m.loadUpload(v, uid, id); err != nil || rec.State != multipart.Expired {
		t.Fatalf("upload after expiry: %+v, %v", rec, err)
	}
}

// wantUploads checks the IDs ListMultipartUploads returns.
func wantUploads(t *testing.T, m *mpEngine, ids ...string) {
	t.Helper()
	var got []string
	for u, err := range firn.AllMultipartUploads(t.Context(), m, firn.ListMultipartUploadsInput{VaultName: "v", Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.MultipartUploadId)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("uploads in progress: %v, want %v", got, ids)
	}
}

// wantNoUploadKeys checks that no upload, part or upload timer is stored.
func wantNoUploadKeys(t *testing.T, m *mpEngine) {
	t.Helper()
	// The first byte of an upload or part key is its kind's prefix.
	for _, p := range [][]byte{store.UploadPrefix([16]byte{})[:1], store.PartVaultPrefix([16]byte{})[:1]} {
		if any, err := m.db.Any(p, store.PrefixEnd(p)); err != nil || any {
			t.Errorf("keys with prefix %x remain (%v)", p, err)
		}
	}
	lower, upper := store.TimerRange(1 << 62)
	err := m.db.Scan(lower, upper, func(k, _ []byte) (bool, error) {
		if _, kind, _ := store.TimerSplit(k); kind == store.TimerUploadExpire {
			t.Errorf("upload timer %x remains", k)
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mpModelUpload is the model of one upload: what the engine should hold.
type mpModelUpload struct {
	id       string
	partSize int64
	desc     string
	created  time.Time
	state    multipart.State
	last     time.Time // initiation or the latest part upload
	ended    time.Time
	parts    map[int64][]byte // by start
	archive  string           // when Completed
	size     int64
	sum      string
}

// whole returns the upload's parts in order of start, concatenated, and
// whether they form a valid archive: contiguous from 0, each a whole part
// but the last.
func (u *mpModelUpload) whole() ([]byte, bool) {
	var data []byte
	ok := len(u.parts) > 0
	for i := int64(0); len(data) < sumLens(u.parts); i++ {
		p, present := u.parts[i*u.partSize]
		if !present {
			return nil, false
		}
		if int64(len(p)) != u.partSize && int64(len(data)+len(p)) != int64(sumLens(u.parts)) {
			ok = false
		}
		data = append(data, p...)
	}
	return data, ok
}

func sumLens(parts map[int64][]byte) int {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	return n
}

// TestMultipartStateMachine drives random sequences of multipart operations,
// clock advances and reopens against a simple model, checking every response,
// the archives' bytes and the engine's invariants after every step.
func TestMultipartStateMachine(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		m := newMP(rt)
		// Check runs at every reopen and after the last step, not after
		// every step: it scans everything, which the race detector makes
		// slow.
		defer func() { m.Close() }()
		ctx := context.Background()
		uploads := map[string]*mpModelUpload{}
		var forgotten []string
		archives := map[string][]byte{}

		// pick returns an upload ID and its model (nil if none): one in
		// progress, one that ended, one the engine forgot, or one that never
		// existed. Rapid favours small indexes, so the candidates are
		// ordered in that sequence if open, and in the reverse otherwise.
		pick := func(rt *rapid.T, open bool) (string, *mpModelUpload) {
			var inProgress, ended []string
			for _, id := range slices.Sorted(maps.Keys(uploads)) {
				if uploads[id].state == multipart.InProgress {
					inProgress = append(inProgress, id)
				} else {
					ended = append(ended, id)
				}
			}
			unknown := ulid.ULID(rapid.Make[[16]byte]().Draw(rt, "unknown")).String()
			ids := slices.Concat(inProgress, ended, forgotten, []string{unknown})
			if !open {
				slices.Reverse(ids)
			}
			id := ids[rapid.IntRange(0, len(ids)-1).Draw(rt, "upload")]
			return id, uploads[id]
		}

		rt.Repeat(map[string]func(*rapid.T){
			"initiate": func(rt *rapid.T) {
				partSize := rapid.SampledFrom([]int64{mib, mib, 2 * mib, 0, 3 * mib}).Draw(rt, "partSize")
				desc := rapid.SampledFrom([]string{"", "a", "archive x"}).Draw(rt, "desc")
				out, err := m.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: "v", PartSize: partSize, ArchiveDescription: desc})
				switch partSize {
				case 0:
					wantCode(rt, "initiate", err, firn.CodeMissingParameterValue, "PartSize")
					return
				case 3 * mib:
					wantCode(rt, "initiate", err, firn.CodeInvalidParameterValue, "PartSize")
					return
				}
				if err != nil {
					rt.Fatalf("initiate: %v", err)
				}
				now := m.clock.Now()
				uploads[out.UploadId] = &mpModelUpload{id: out.UploadId, partSize: partSize, desc: desc, created: now, last: now,
					state: multipart.InProgress, parts: map[int64][]byte{}}
			},
			"uploadPart": func(rt *rapid.T) {
				id, u := pick(rt, true)
				index := int64(rapid.IntRange(0, 3).Draw(rt, "index"))
				kind := rapid.SampledFrom([]string{"full", "short", "short", "noChecksum", "badChecksum", "misaligned", "bodyShort"}).Draw(rt, "kind")
				partSize := int64(mib)
				if u != nil {
					partSize = u.partSize
				}
				n := partSize
				if kind != "full" && kind != "noChecksum" || rapid.Bool().Draw(rt, "shortPart") {
					n = int64(rapid.IntRange(2, 3000).Draw(rt, "size"))
				}
				data := randomBytes(rapid.Uint64().Draw(rt, "seed"), int(n))
				start, body, sum := index*partSize, data, testkit.TreeHashHex(data)
				switch kind {
				case "noChecksum":
					sum = ""
				case "badChecksum":
					sum = testkit.TreeHashHex(data[1:])
				case "misaligned":
					start++
				case "bodyShort":
					body = data[1:]
				}
				out, err := m.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: "v", UploadId: id,
					Range: fmt.Sprintf("bytes %d-%d/*", start, start+n-1), Checksum: sum, Body: bytes.NewReader(body)})
				switch {
				case u == nil || u.state != multipart.InProgress:
					wantCode(rt, "uploadPart", err, firn.CodeResourceNotFound, id)
				case kind == "misaligned" || kind == "bodyShort":
					wantCode(rt, "uploadPart", err, firn.CodeInvalidParameterValue, "Range")
				case kind == "badChecksum":
					wantCode(rt, "uploadPart", err, firn.CodeInvalidParameterValue, "Checksum")
				case err != nil:
					rt.Fatalf("uploadPart: %v", err)
				case out.Checksum != testkit.TreeHashHex(data):
					rt.Fatalf("uploadPart: Checksum %s, want %s", out.Checksum, testkit.TreeHashHex(data))
				default:
					u.parts[start] = data
					u.last = m.clock.Now()
				}
			},
			"fill": func(rt *rapid.T) {
				var open []string
				for _, id := range slices.Sorted(maps.Keys(uploads)) {
					if uploads[id].state == multipart.InProgress {
						open = append(open, id)
					}
				}
				if len(open) == 0 {
					id := m.initiate(rt, mib, "filled")
					now := m.clock.Now()
					uploads[id] = &mpModelUpload{id: id, partSize: mib, desc: "filled", created: now, last: now,
						state: multipart.InProgress, parts: map[int64][]byte{}}
					open = append(open, id)
				}
				u := uploads[rapid.SampledFrom(open).Draw(rt, "upload")]
				n := rapid.IntRange(1, 3).Draw(rt, "parts")
				last := rapid.IntRange(1, 5000).Draw(rt, "lastSize")
				for _, i := range rapid.Permutation(slices.Collect(func(yield func(int) bool) {
					for i := range n {
						yield(i)
					}
				})).Draw(rt, "order") {
					size := int(u.partSize)
					if i == n-1 {
						size = last
					}
					data := randomBytes(rapid.Uint64().Draw(rt, "seed"), size)
					m.mustUploadPart(rt, u.id, int64(i)*u.partSize, data)
					u.parts[int64(i)*u.partSize] = data
					u.last = m.clock.Now()
				}
			},
			"complete": func(rt *rapid.T) {
				id, u := pick(rt, true)
				mode := rapid.SampledFrom([]string{"right", "right", "wrongSize", "wrongChecksum"}).Draw(rt, "mode")
				var data []byte
				valid := false
				size, sum := int64(1), testkit.TreeHashHex([]byte("x"))
				if u != nil && u.state == multipart.Completed {
					size, sum, valid = u.size, u.sum, true
				} else if u != nil {
					data, valid = u.whole()
					size, sum = int64(sumLens(u.parts)), testkit.TreeHashHex(data)
				}
				switch mode {
				case "wrongSize":
					size++
					valid = false
				case "wrongChecksum":
					sum = testkit.TreeHashHex(append(data, 0))
					valid = false
				}
				out, err := m.CompleteMultipartUpload(ctx, &firn.CompleteMultipartUploadInput{VaultName: "v", UploadId: id, ArchiveSize: size, Checksum: sum})
				switch {
				case size == 0:
					wantCode(rt, "complete", err, firn.CodeMissingParameterValue, "ArchiveSize")
				case u == nil || u.state == multipart.Aborted || u.state == multipart.Expired:
					wantCode(rt, "complete", err, firn.CodeResourceNotFound, id)
				case !valid:
					wantCode(rt, "complete", err, firn.CodeInvalidParameterValue)
				case err != nil:
					rt.Fatalf("complete: %v", err)
				case u.state == multipart.Completed:
					if out.ArchiveId != u.archive || out.Checksum != u.sum {
						rt.Fatalf("repeated complete = %+v, want archive %s", out, u.archive)
					}
				default:
					if out.Checksum != sum || archives[out.ArchiveId] != nil {
						rt.Fatalf("complete = %+v", out)
					}
					archives[out.ArchiveId] = data
					u.state, u.ended, u.parts = multipart.Completed, m.clock.Now(), nil
					u.archive, u.size, u.sum = out.ArchiveId, size, sum
				}
			},
			"abort": func(rt *rapid.T) {
				id, u := pick(rt, false)
				_, err := m.AbortMultipartUpload(ctx, &firn.AbortMultipartUploadInput{VaultName: "v", UploadId: id})
				switch {
				case u == nil || u.state == multipart.Expired:
					wantCode(rt, "abort", err, firn.CodeResourceNotFound, id)
				case u.state == multipart.Completed:
					wantCode(rt, "abort", err, firn.CodeInvalidParameterValue, "UploadId")
				case err != nil:
					rt.Fatalf("abort: %v", err)
				case u.state == multipart.InProgress:
					u.state, u.ended, u.parts = multipart.Aborted, m.clock.Now(), nil
				}
			},
			"listParts": func(rt *rapid.T) {
				id, u := pick(rt, true)
				limit := int32(rapid.IntRange(0, 3).Draw(rt, "limit"))
				var got []firn.PartListElement
				var err error
				for p, perr := range firn.AllParts(ctx, m, firn.ListPartsInput{VaultName: "v", UploadId: id, Limit: limit}) {
					if err = perr; err != nil {
						break
					}
					got = append(got, p)
				}
				if u == nil || u.state != multipart.InProgress {
					wantCode(rt, "listParts", err, firn.CodeResourceNotFound, id)
					return
				}
				if err != nil {
					rt.Fatalf("listParts: %v", err)
				}
				var want []firn.PartListElement
				for _, s := range slices.Sorted(maps.Keys(u.parts)) {
					p := u.parts[s]
					want = append(want, firn.PartListElement{RangeInBytes: fmt.Sprintf("%d-%d", s, s+int64(len(p))-1), SHA256TreeHash: testkit.TreeHashHex(p)})
				}
				if !slices.Equal(got, want) {
					rt.Fatalf("parts of %s: %v, want %v", id, got, want)
				}
			},
			"listUploads": func(rt *rapid.T) {
				limit := int32(rapid.IntRange(0, 3).Draw(rt, "limit"))
				var got []firn.UploadListElement
				for u, err := range firn.AllMultipartUploads(ctx, m, firn.ListMultipartUploadsInput{VaultName: "v", Limit: limit}) {
					if err != nil {
						rt.Fatalf("listUploads: %v", err)
					}
					got = append(got, u)
				}
				var want []firn.UploadListElement
				for _, id := range slices.Sorted(maps.Keys(uploads)) {
					if u := uploads[id]; u.state == multipart.InProgress {
						want = append(want, firn.UploadListElement{MultipartUploadId: id, VaultARN: vault.ARN(DefaultRegion, DefaultAccountID, "v"),
							ArchiveDescription: u.desc, PartSizeInBytes: u.partSize, CreationDate: u.created})
					}
				}
				if !slices.Equal(got, want) {
					rt.Fatalf("uploads: %+v, want %+v", got, want)
				}
			},
			"advance": func(rt *rapid.T) {
				d := rapid.SampledFrom([]time.Duration{time.Minute, time.Hour, time.Hour, 3 * time.Hour, 23 * time.Hour, 24 * time.Hour, 30 * time.Hour}).Draw(rt, "advance")
				m.clock.Advance(d)
				now := m.clock.Now()
				for _, id := range slices.Sorted(maps.Keys(uploads)) {
					switch u := uploads[id]; {
					case u.state == multipart.InProgress && !now.Before(u.last.Add(multipart.InactivityLimit)):
						u.state, u.ended, u.parts = multipart.Expired, now, nil
					case u.state != multipart.InProgress && !now.Before(u.ended.Add(multipart.Retention)):
						delete(uploads, id)
						forgotten = append(forgotten, id)
					}
				}
			},
			"reopen": func(rt *rapid.T) { m.reopen(rt) },
			"readArchive": func(rt *rapid.T) {
				if len(archives) == 0 {
					rt.Skip("no archive yet")
				}
				id := rapid.SampledFrom(slices.Sorted(maps.Keys(archives))).Draw(rt, "archive")
				if got := m.readArchive(rt, id); !bytes.Equal(got, archives[id]) {
					rt.Fatalf("archive %s differs from its parts", id)
				}
			},
			"": func(rt *rapid.T) {
				d, err := m.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
				var size int64
				for _, a := range archives {
					size += int64(len(a))
				}
				if err != nil || d.NumberOfArchives != int64(len(archives)) || d.SizeInBytes != size {
					rt.Fatalf("DescribeVault = %+v, %v; want %d archives of %d bytes", d, err, len(archives), size)
				}
			},
		})
		m.check(rt)
	})
}
