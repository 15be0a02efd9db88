package engine

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/blob"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/pgtest"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/oklog/ulid/v2"
)

// sharedEnv is a PostgreSQL database and a MinIO bucket that the engines
// of one test share, on one clock.
type sharedEnv struct {
	url    string
	os     ObjectStore
	clock  *testkit.Clock
	engine []*Engine
}

func newSharedEnv(t *testing.T, c *miniotest.Cluster) *sharedEnv {
	return &sharedEnv{
		url: pgtest.NewDatabase(t),
		os: ObjectStore{
			Endpoint:        c.Endpoint(0),
			Bucket:          c.NewBucket(),
			AccessKeyID:     miniotest.AccessKey,
			SecretAccessKey: miniotest.SecretKey,
			PartSize:        blob.MinPartSize,
			// The tests sweep themselves.
			SweepInterval:  time.Hour,
			IntentLifetime: time.Hour,
		},
		clock: testkit.NewClock(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)),
	}
}

// open opens another engine on the database and bucket.
func (env *sharedEnv) open(t *testing.T) *Engine {
	t.Helper()
	s := env.os
	e, err := Open(t.TempDir(), &Options{Metadata: env.url, ObjectStore: &s, Clock: env.clock,
		TickInterval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// listed returns the segments e lists, blob and inline.
func listed(t *testing.T, e *Engine) []blob.ID {
	t.Helper()
	ids, err := e.blobs.List()
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// intentIDs returns the segments that have an intent.
func intentIDs(t *testing.T, e *Engine) []ulid.ULID {
	t.Helper()
	var ids []ulid.ULID
	p := store.IntentAll()
	err := e.db.Scan(p, store.PrefixEnd(p), func(k, _ []byte) (bool, error) {
		ids = append(ids, store.IntentID(k))
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// gateReader returns the first at bytes of data, then closes reached and
// waits for release to be closed before returning the rest.
type gateReader struct {
	data    []byte
	at      int
	reached chan struct{}
	release chan struct{}
}

func (g *gateReader) Read(p []byte) (int, error) {
	if len(g.data) == 0 {
		return 0, io.EOF
	}
	if g.at == 0 {
		close(g.reached)
		<-g.release
		g.at = -1
	}
	if g.at > 0 {
		p = p[:min(len(p), g.at)]
	}
	n := copy(p, g.data)
	g.data = g.data[n:]
	if g.at > 0 {
		g.at -= n
	}
	return n, nil
}

// TestSharedSweep checks the sweep of unreferenced segments on engines that
// share a database and a bucket: it spares a segment another engine is
// writing, whether its bytes are still arriving or its metadata is yet to
// commit; it deletes a crashed writer's segment once its intent expires,
// and the segments that deletions leave.
func TestSharedSweep(t *testing.T) {
	c := miniotest.Start(t)
	t.Run("UploadInFlight", func(t *testing.T) { testSharedSweepUploadInFlight(t, c) })
	t.Run("CrashedWriter", func(t *testing.T) { testSharedSweepCrashedWriter(t, c) })
	t.Run("Released", func(t *testing.T) { testSharedSweepReleased(t, c) })
}

func testSharedSweepUploadInFlight(t *testing.T, c *miniotest.Cluster) {
	env := newSharedEnv(t, c)
	a, b := env.open(t), env.open(t)
	createVault(t, a, "v")
	// Parts of the segment are stored before the body stops.
	data := randomBytes(90, 3*blob.MinPartSize+12345)
	body := &gateReader{data: data, at: 2*blob.MinPartSize + 1, reached: make(chan struct{}), release: make(chan struct{})}
	// Held by the test, the vault's lock keeps A's upload from committing
	// its metadata once its segment is stored.
	_, unlock, err := a.lockVault(DefaultAccountID, "v", exclusive)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	go func() {
		defer close(done)
		out, err := a.UploadArchive(context.Background(), &firn.UploadArchiveInput{VaultName: "v", Body: body})
		if err != nil {
			t.Error(err)
			return
		}
		done <- out.ArchiveId
	}()

	<-body.reached
	intents := intentIDs(t, b)
	if len(intents) != 1 {
		t.Fatalf("intents %v while an upload's body is read, want 1", intents)
	}
	seg := intents[0]
	b.sweepOnce(b.sweepOnce(nil))
	close(body.release)

	waitFor(t, "A's segment to be stored", func() bool { return slices.Contains(listed(t, b), seg) })
	b.sweepOnce(b.sweepOnce(nil))
	if !slices.Contains(listed(t, b), seg) {
		t.Fatalf("B's sweeps deleted segment %s, which A had stored and not yet referenced", seg)
	}
	unlock()
	id, ok := <-done
	if !ok {
		t.FailNow()
	}
	if ids := intentIDs(t, b); len(ids) != 0 {
		t.Fatalf("intents %v left after the upload committed", ids)
	}
	b.sweepOnce(b.sweepOnce(nil))
	for _, e := range []*Engine{a, b} {
		wantArchives(t, e, "v", map[string][]byte{id: data}, "uploaded during another engine's sweeps")
	}
	closeChecked(t, a)
	closeChecked(t, b)
}

func testSharedSweepCrashedWriter(t *testing.T, c *miniotest.Cluster) {
	env := newSharedEnv(t, c)
	env.os.IntentLifetime = time.Minute
	a, b := env.open(t), env.open(t)
	// A dies after storing one segment, and while writing another: it
	// never references the first and never completes the second.
	stored := blob.ID(a.newID())
	w, err := a.blobs.Create(stored)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(randomBytes(91, 100<<10)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	writing := blob.ID(a.newID())
	w2, err := a.blobs.Create(writing)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w2.Write(randomBytes(92, blob.MinPartSize+1)); err != nil {
		t.Fatal(err)
	}
	// Past the segWriter, which would delete the intent, as a crash does.
	w2.Writer.Abort()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	want := []ulid.ULID{stored, writing}
	if ids := intentIDs(t, b); !slices.Equal(ids, want) {
		t.Fatalf("intents %v after A's crash, want %v", ids, want)
	}

	env.clock.Advance(env.os.IntentLifetime - time.Second)
	b.sweepOnce(b.sweepOnce(nil))
	if !slices.Contains(listed(t, b), stored) {
		t.Fatalf("sweeps within the intent's lifetime deleted segment %s", stored)
	}
	if ids := intentIDs(t, b); !slices.Equal(ids, want) {
		t.Fatalf("intents %v after sweeps within their lifetime, want %v", ids, want)
	}

	env.clock.Advance(2 * time.Second)
	b.sweepOnce(b.sweepOnce(nil))
	if ids := listed(t, b); slices.Contains(ids, stored) {
		t.Fatalf("segments %v after sweeps past the intent's lifetime: %s is still there", ids, stored)
	}
	if ids := intentIDs(t, b); len(ids) != 0 {
		t.Fatalf("intents %v left after sweeps past their lifetime", ids)
	}
	closeChecked(t, b)
}

func testSharedSweepReleased(t *testing.T, c *miniotest.Cluster) {
	ctx := context.Background()
	env := newSharedEnv(t, c)
	a, b := env.open(t), env.open(t)
	createVault(t, a, "v")
	kept, gone := randomBytes(93, 200<<10), randomBytes(94, 300<<10)
	keptID, goneID := upload(t, a, "v", kept), upload(t, a, "v", gone)
	segs := listed(t, b)
	if len(segs) != 2 {
		t.Fatalf("segments %v after two uploads, want 2", segs)
	}
	if _, err := b.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: goneID}); err != nil {
		t.Fatal(err)
	}
	// On a shared database a deletion leaves the segment to the sweep.
	if ids := listed(t, b); !slices.Equal(ids, segs) {
		t.Fatalf("segments %v after DeleteArchive, want %v left for the sweep", ids, segs)
	}
	b.sweepOnce(nil)
	if ids := listed(t, b); !slices.Equal(ids, segs) {
		t.Fatalf("segments %v after one sweep, want %v: a segment is deleted by the second sweep to find it unreferenced", ids, segs)
	}
	b.sweepOnce(b.sweepOnce(nil))
	ids := listed(t, b)
	if len(ids) != 1 {
		t.Fatalf("segments %v after two sweeps, want only the kept archive's", ids)
	}
	wantArchives(t, a, "v", map[string][]byte{keptID: kept}, "after the sweeps")
	closeChecked(t, a)
	closeChecked(t, b)
}
