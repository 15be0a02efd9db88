package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/multipart"
	"github.com/oklog/ulid/v2"
)

const mib = 1 << 20

// mpClock is a firn.Clock that moves only when a test advances it.
type mpClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *mpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *mpClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// mpEngine is an engine on an in-memory file system with a fake clock, and
// a vault "v". Its consistency check runs before every close.
type mpEngine struct {
	*Engine
	fs    vfs.FS
	clock *mpClock
}

func openMP(t testing.TB) *mpEngine {
	t.Helper()
	m := &mpEngine{fs: vfs.NewMem(), clock: &mpClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	m.open(t)
	t.Cleanup(func() { m.close(t) })
	if _, err := m.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *mpEngine) open(t testing.TB) {
	t.Helper()
	// No background ticks: time-driven work happens in the operations that
	// observe it, so that every test is deterministic.
	e, err := Open("firn", &Options{Clock: m.clock, FS: m.fs, TickInterval: time.Hour})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	m.Engine = e
}

func (m *mpEngine) close(t testing.TB) {
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

func (m *mpEngine) reopen(t testing.TB) {
	t.Helper()
	m.close(t)
	m.open(t)
}

func (m *mpEngine) check(t testing.TB) {
	t.Helper()
	if err := m.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func (m *mpEngine) initiate(t testing.TB, partSize int64, desc string) string {
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

func (m *mpEngine) mustUploadPart(t testing.TB, id string, start int64, data []byte) {
	t.Helper()
	out, err := m.uploadPart(id, start, data, naiveTreeHash(data))
	if err != nil {
		t.Fatalf("UploadMultipartPart %d+%d: %v", start, len(data), err)
	}
	if out.Checksum != naiveTreeHash(data) {
		t.Fatalf("UploadMultipartPart Checksum %s, want %s", out.Checksum, naiveTreeHash(data))
	}
}

func (m *mpEngine) complete(id string, data []byte) (*firn.CompleteMultipartUploadOutput, error) {
	return m.CompleteMultipartUpload(context.Background(), &firn.CompleteMultipartUploadInput{
		VaultName: "v", UploadId: id, ArchiveSize: int64(len(data)), Checksum: naiveTreeHash(data),
	})
}

// readArchive returns an archive's bytes, read from its segments.
func (m *mpEngine) readArchive(t testing.TB, archiveID string) []byte {
	t.Helper()
	v, err := m.loadVault(m.opts.AccountID, "v")
	if err != nil {
		t.Fatal(err)
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
			t.Fatal(err)
		}
		rr, err := r.NewRangeReader(0, r.Size())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(&buf, rr); err != nil {
			t.Fatal(err)
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
func (m *mpEngine) segments(t testing.TB) int {
	t.Helper()
	ids, err := m.blobs.List()
	if err != nil {
		t.Fatal(err)
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

// naiveTreeHash is an independent implementation of the SHA-256 tree hash,
// the oracle for every checksum of these tests.
func naiveTreeHash(data []byte) string {
	var level [][32]byte
	for off := 0; off < len(data) || off == 0; off += mib {
		level = append(level, sha256.Sum256(data[off:min(off+mib, len(data))]))
	}
	for len(level) > 1 {
		var next [][32]byte
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				break
			}
			next = append(next, sha256.Sum256(append(level[i][:], level[i+1][:]...)))
		}
		level = next
	}
	return hex.EncodeToString(level[0][:])
}

func wantCode(t testing.TB, what string, err error, code firn.Code, mentions ...string) {
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
				out, err := m.uploadPart(id, int64(i)*mib, p, naiveTreeHash(p))
				if err == nil && out.Checksum != naiveTreeHash(p) {
					err = fmt.Errorf("part %d: Checksum %s, want %s", i, out.Checksum, naiveTreeHash(p))
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
	if out.Checksum != naiveTreeHash(data) {
		t.Errorf("Checksum %s, want %s", out.Checksum, naiveTreeHash(data))
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
		if err := m.runUploadTimer(due.UnixNano(), uploadTimerID(v.ID, uid)); err != nil {
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
	for _, p := range [][]byte{{0x06}, {0x07}} {
		if any, err := m.db.Any(p, store.PrefixEnd(p)); err != nil || any {
			t.Errorf("keys with prefix %x remain (%v)", p, err)
		}
	}
	lower, upper := store.TimerRange(1 << 62)
	err := m.db.Scan(lower, upper, func(k, _ []byte) (bool, error) {
		if _, kind, _ := store.TimerSplit(k); kind == timerUploadExpire {
			t.Errorf("upload timer %x remains", k)
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
