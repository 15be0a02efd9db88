package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/pgtest"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/lock"
	"github.com/firnstore/firn/multipart"
	"github.com/firnstore/firn/vault"
)

// Clock-driven work on engines sharing one database: each engine ticks and
// delivers on its own, and the transactions make each piece of work, and
// each notification, happen once.

// TestSharedTimers runs its subtests on three engines sharing a fresh
// database and bucket, one MinIO cluster for all.
func TestSharedTimers(t *testing.T) {
	c := miniotest.Start(t)
	t.Run("Jobs", func(t *testing.T) { testSharedJobs(t, c) })
	t.Run("Expiry", func(t *testing.T) { testSharedExpiry(t, c) })
	t.Run("DeadClaimer", func(t *testing.T) { testSharedDeadClaimer(t, c) })
	t.Run("InventoryCadence", func(t *testing.T) { testSharedInventory(t, c) })
}

// testSharedInventory: with a daily inventory cadence, the engines that
// find an inventory due at once take it once between them: every engine
// then describes the vault alike, and its record holds one snapshot.
func testSharedInventory(t *testing.T, c *miniotest.Cluster) {
	ctx := context.Background()
	g := openSharedGroupWith(t, c, func(o *Options) { o.InventoryInterval = 24 * time.Hour })
	if _, err := g.es[0].CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(withCause(err))
	}
	var size, n int64 = 0, 6
	for i := range n {
		body := bytes.Repeat([]byte{byte(i)}, 100+int(i))
		size += int64(len(body))
		if _, err := g.es[i%3].UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(withCause(err))
		}
	}
	for day := 1; day <= 2; day++ {
		g.clock.Advance(24*time.Hour + time.Minute)
		got := make([]*firn.DescribeVaultOutput, 3)
		g.all(func(i int, e *Engine) {
			d, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
			if err != nil {
				t.Errorf("day %d, engine %d: DescribeVault: %v", day, i, withCause(err))
			}
			got[i] = d
		})
		if t.Failed() {
			return
		}
		for i, d := range got {
			if d.NumberOfArchives != n || d.SizeInBytes != size || !d.LastInventoryDate.Equal(got[0].LastInventoryDate) || d.LastInventoryDate.IsZero() {
				t.Errorf("day %d, engine %d: %d archives, %d bytes, inventory of %v; want %d, %d, the same date on every engine (%v)",
					day, i, d.NumberOfArchives, d.SizeInBytes, d.LastInventoryDate, n, size, got[0].LastInventoryDate)
			}
		}
		if v := vaultRecord(t, g.es[day%3], "v"); len(v.Segments) != 1 {
			t.Errorf("day %d: the vault record holds %d inventory snapshots, want 1", day, len(v.Segments))
		}
		// A write, so that the next day's inventory is due again.
		if _, err := g.es[day%3].UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("more"))}); err != nil {
			t.Fatal(withCause(err))
		}
		n, size = n+1, size+4
	}
}

// sharedTiming gives every tier one exact delay, so that the test knows
// when a job completes.
var sharedTiming = job.Timing{
	Expedited: job.Window{Min: 5 * time.Minute, Max: 5 * time.Minute},
	Standard:  job.Window{Min: 4 * time.Hour, Max: 4 * time.Hour},
	Bulk:      job.Window{Min: 8 * time.Hour, Max: 8 * time.Hour},
	Inventory: job.Window{Min: 4 * time.Hour, Max: 4 * time.Hour},
}

const (
	vaultTopic = "arn:aws:sns:us-east-1:000000000000:vault"
	jobTopic   = "arn:aws:sns:us-east-1:000000000000:job"
)

// noteLog is a Notifier that accepts and records every notification.
type noteLog struct {
	mu  sync.Mutex
	got []Notification
}

func (l *noteLog) Notify(_ context.Context, n Notification) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, n)
	return nil
}

// stuckNotifier is the notifier of an engine that dies delivering: its one
// call signals entered and blocks, ignoring its context, until release is
// closed, then fails.
type stuckNotifier struct{ entered, release chan struct{} }

func (s stuckNotifier) Notify(context.Context, Notification) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-s.release
	return errors.New("the engine died")
}

// sharedGroup is engines on one database and bucket, on one fake clock;
// logs[i] records what engine i delivers unless it was given a notifier.
type sharedGroup struct {
	es    []*Engine
	logs  []*noteLog
	clock *testkit.Clock
}

// openSharedGroup opens three engines on a fresh database and a fresh
// bucket of c; engine i notifies notifiers[i] if given and not nil.
func openSharedGroup(t *testing.T, c *miniotest.Cluster, notifiers ...Notifier) *sharedGroup {
	t.Helper()
	return openSharedGroupWith(t, c, nil, notifiers...)
}

// openSharedGroupWith is openSharedGroup with options that set changes.
func openSharedGroupWith(t *testing.T, c *miniotest.Cluster, set func(*Options), notifiers ...Notifier) *sharedGroup {
	t.Helper()
	url, bucket := pgtest.NewDatabase(t), c.NewBucket()
	g := &sharedGroup{clock: testkit.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))}
	for i := range 3 {
		l := &noteLog{}
		var n Notifier = l
		if i < len(notifiers) && notifiers[i] != nil {
			n = notifiers[i]
		}
		o := &Options{
			Metadata: url,
			ObjectStore: &ObjectStore{Endpoint: c.Endpoint(i), Bucket: bucket,
				AccessKeyID: miniotest.AccessKey, SecretAccessKey: miniotest.SecretKey},
			FS: vfs.NewMem(), Clock: g.clock, Notifier: n, JobTiming: sharedTiming,
			TickInterval: time.Hour, Logger: slog.New(slog.DiscardHandler),
		}
		if set != nil {
			set(o)
		}
		e, err := Open(t.TempDir(), o)
		if err != nil {
			t.Fatalf("engine %d: %v", i, withCause(err))
		}
		g.es, g.logs = append(g.es, e), append(g.logs, l)
	}
	t.Cleanup(func() {
		for _, e := range g.es {
			if e != nil {
				closeChecked(t, e)
			}
		}
	})
	return g
}

// all runs fn on every open engine at once and waits for them.
func (g *sharedGroup) all(fn func(i int, e *Engine)) {
	var wg sync.WaitGroup
	for i, e := range g.es {
		if e != nil {
			wg.Go(func() { fn(i, e) })
		}
	}
	wg.Wait()
}

// deliverAll makes every engine deliver what is due at once, then each in
// turn, which waits for a delivery another pass of its own began.
func (g *sharedGroup) deliverAll(t *testing.T) {
	t.Helper()
	g.all(func(i int, e *Engine) {
		if err := e.DeliverNotifications(t.Context()); err != nil {
			t.Errorf("engine %d: DeliverNotifications: %v", i, withCause(err))
		}
	})
	for i, e := range g.es {
		if e != nil {
			if err := e.DeliverNotifications(t.Context()); err != nil {
				t.Errorf("engine %d: DeliverNotifications: %v", i, withCause(err))
			}
		}
	}
}

// delivered counts the notifications of all engines' logs by ID.
func (g *sharedGroup) delivered() map[string]int {
	got := map[string]int{}
	for _, l := range g.logs {
		l.mu.Lock()
		for _, n := range l.got {
			got[n.ID]++
		}
		l.mu.Unlock()
	}
	return got
}

// timerKinds counts the entries of the timer index by kind.
func timerKinds(t *testing.T, e *Engine) map[byte]int {
	t.Helper()
	kinds := map[byte]int{}
	err := e.db.Scan(store.TimerAll(), store.PrefixEnd(store.TimerAll()), func(k, _ []byte) (bool, error) {
		_, kind, _ := store.TimerSplit(k)
		kinds[kind]++
		return true, nil
	})
	if err != nil {
		t.Fatal(withCause(err))
	}
	return kinds
}

func wantNoTimers(t *testing.T, e *Engine, kinds ...byte) {
	t.Helper()
	got := timerKinds(t, e)
	for _, k := range kinds {
		if got[k] != 0 {
			t.Errorf("%d timers of kind %q left", got[k], k)
		}
	}
}

// testSharedJobs checks that jobs initiated on random engines complete
// once, with one notification per topic across all engines, when all of
// them tick and deliver at once.
func testSharedJobs(t *testing.T, c *miniotest.Cluster) {
	g := openSharedGroup(t, c)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(16, 1))
	pick := func() *Engine { return g.es[rng.IntN(len(g.es))] }
	createVault(t, pick(), "v")
	_, err := pick().SetVaultNotifications(ctx, &firn.SetVaultNotificationsInput{VaultName: "v",
		VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: vaultTopic,
			Events: []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}}})
	if err != nil {
		t.Fatal(withCause(err))
	}
	var archives []string
	for i := range 3 {
		archives = append(archives, upload(t, pick(), "v", []byte{byte(i)}))
	}
	tiers := []string{firn.TierExpedited, firn.TierStandard, firn.TierBulk}
	var jobs []string
	want := map[string]int{}
	for i := range 12 {
		p := firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: archives[i%3], Tier: tiers[i%3]}
		if i%2 == 0 {
			p.SNSTopic = jobTopic
		}
		out, err := pick().InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: p})
		if err != nil {
			t.Fatal(withCause(err))
		}
		jobs = append(jobs, out.JobId)
		want[out.JobId+"/"+vaultTopic] = 1
		if p.SNSTopic != "" {
			want[out.JobId+"/"+p.SNSTopic] = 1
		}
	}

	g.clock.Advance(sharedTiming.Bulk.Max)
	g.all(func(i int, e *Engine) {
		for _, j := range jobs {
			d, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j})
			if err != nil {
				t.Errorf("engine %d: DescribeJob %s: %v", i, j, withCause(err))
			} else if !d.Completed || d.StatusCode != firn.StatusSucceeded {
				t.Errorf("engine %d: job %s is %s, completed %v", i, j, d.StatusCode, d.Completed)
			}
		}
	})
	g.deliverAll(t)

	if got := g.delivered(); !maps.Equal(got, want) {
		t.Errorf("notifications delivered, by ID and times: %v, want each of %v once", got, want)
	}
	for i, e := range g.es {
		wantNoTimers(t, e, store.TimerJobComplete, store.TimerNotify)
		// One completion: every engine reports the same.
		for _, j := range jobs {
			d0, err0 := g.es[0].DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j})
			d, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j})
			if err0 != nil || err != nil || !d.CompletionDate.Equal(d0.CompletionDate) {
				t.Errorf("engine %d: job %s completed at %v (%v), engine 0 says %v (%v)", i, j, d.CompletionDate, err, d0.CompletionDate, err0)
			}
		}
	}
}

// testSharedExpiry checks that job output, multipart uploads and
// in-progress vault locks made on different engines expire once all
// engines tick at once, leaving every engine the same consistent state.
func testSharedExpiry(t *testing.T, c *miniotest.Cluster) {
	g := openSharedGroup(t, c)
	ctx := t.Context()
	vaults := []string{"v0", "v1", "v2"}
	var jobs, uploads []string
	for i, e := range g.es {
		createVault(t, e, vaults[i])
		a := upload(t, e, vaults[i], []byte("kept"))
		j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: vaults[i], JobParameters: firn.JobParameters{
			Type: firn.JobTypeArchiveRetrieval, ArchiveId: a, Tier: firn.TierExpedited}})
		if err != nil {
			t.Fatal(withCause(err))
		}
		jobs = append(jobs, j.JobId)
		up, err := e.InitiateMultipartUpload(ctx, &firn.InitiateMultipartUploadInput{VaultName: vaults[i], PartSize: 1 << 20})
		if err != nil {
			t.Fatal(withCause(err))
		}
		uploads = append(uploads, up.UploadId)
		part := bytes.Repeat([]byte{byte(i)}, 1<<20)
		if _, err := e.UploadMultipartPart(ctx, &firn.UploadMultipartPartInput{VaultName: vaults[i], UploadId: up.UploadId,
			Range: "bytes 0-1048575/*", Body: bytes.NewReader(part)}); err != nil {
			t.Fatal(withCause(err))
		}
		if _, err := e.InitiateVaultLock(ctx, &firn.InitiateVaultLockInput{VaultName: vaults[i],
			Policy: &firn.VaultLockPolicy{Policy: harmless}}); err != nil {
			t.Fatal(withCause(err))
		}
	}
	g.clock.Advance(sharedTiming.Expedited.Max)
	g.all(func(_ int, e *Engine) { e.tick() })
	for i, j := range jobs {
		if d, err := g.es[(i+1)%3].DescribeJob(ctx, &firn.DescribeJobInput{VaultName: vaults[i], JobId: j}); err != nil || !d.Completed {
			t.Fatalf("job %s not completed (%v)", j, withCause(err))
		}
	}

	// Job output, the idle uploads and the in-progress locks expire a day
	// after they began; the uploads' records a retention period later.
	g.clock.Advance(max(job.OutputLifetime, multipart.InactivityLimit, lock.TTL))
	g.all(func(i int, e *Engine) {
		e.tick()
		for k, name := range vaults {
			_, err := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: name, JobId: jobs[k]})
			wantCode(t, "DescribeJob after the output's expiry", err, firn.CodeResourceNotFound)
			_, err = e.GetVaultLock(ctx, &firn.GetVaultLockInput{VaultName: name})
			wantCode(t, "GetVaultLock after the lock's expiry", err, firn.CodeResourceNotFound)
			_, err = e.ListParts(ctx, &firn.ListPartsInput{VaultName: name, UploadId: uploads[k]})
			wantCode(t, "ListParts after the upload's expiry", err, firn.CodeResourceNotFound, "expired")
		}
	})
	g.clock.Advance(multipart.Retention)
	g.all(func(_ int, e *Engine) { e.tick() })
	for i, e := range g.es {
		wantNoTimers(t, e, store.TimerJobExpire, store.TimerUploadExpire, store.TimerLockExpire)
		for k, name := range vaults {
			if l := vaultRecord(t, e, name).Lock; l != (lock.Lock{}) {
				t.Errorf("engine %d: the lock of %s is %+v after its expiry, want none", i, name, l)
			}
			_, err := e.ListParts(ctx, &firn.ListPartsInput{VaultName: name, UploadId: uploads[k]})
			wantCode(t, "ListParts after the upload's retention", err, firn.CodeResourceNotFound)
			out, err := e.ListMultipartUploads(ctx, &firn.ListMultipartUploadsInput{VaultName: name})
			if err != nil || len(out.UploadsList) != 0 {
				t.Errorf("engine %d: uploads of %s after expiry: %+v (%v)", i, name, out, withCause(err))
			}
		}
		if err := e.Check(ctx); err != nil {
			t.Errorf("engine %d: Check: %v", i, withCause(err))
		}
	}
}

// vaultRecord reads the record of vault name as e stores it.
func vaultRecord(t *testing.T, e *Engine, name string) *vault.Record {
	t.Helper()
	v, err := e.loadVault(DefaultAccountID, name)
	if err != nil {
		t.Fatal(withCause(err))
	}
	return v
}

// testSharedDeadClaimer checks that a notification whose claimer dies
// mid-delivery is not delivered by another engine while the claim holds,
// and is delivered once by one of them when it lapses.
func testSharedDeadClaimer(t *testing.T, c *miniotest.Cluster) {
	stuck := stuckNotifier{entered: make(chan struct{}, 1), release: make(chan struct{})}
	t.Cleanup(func() { close(stuck.release) })
	g := openSharedGroup(t, c, stuck)
	ctx := t.Context()
	e0 := g.es[0]
	createVault(t, e0, "v")
	a := upload(t, e0, "v", []byte("data"))
	j, err := e0.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: a, Tier: firn.TierExpedited, SNSTopic: jobTopic}})
	if err != nil {
		t.Fatal(withCause(err))
	}
	// Only engine 0 runs: it completes the job, claims the notification
	// and blocks delivering it. The others' outboxes wake when their
	// operations find work due.
	g.clock.Advance(sharedTiming.Expedited.Max)
	if _, err := e0.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(withCause(err))
	}
	select {
	case <-stuck.entered:
	case <-time.After(time.Minute):
		t.Fatal("engine 0 did not try to deliver the notification")
	}
	if err := e0.Close(); err != nil {
		t.Fatal(withCause(err))
	}
	g.es[0] = nil

	g.clock.Advance(notifyRetry - time.Nanosecond)
	g.deliverAll(t)
	if got := g.delivered(); len(got) != 0 {
		t.Fatalf("delivered %v while engine 0's claim holds", got)
	}
	// No engine signals another: engine 1's operation finds the lapsed
	// claim due in the timer index and wakes its own outbox.
	g.clock.Advance(time.Nanosecond)
	if _, err := g.es[1].DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(withCause(err))
	}
	waitFor(t, "engine 1 to deliver the lapsed claim's notification", func() bool { return len(g.delivered()) > 0 })
	g.deliverAll(t)
	want := map[string]int{j.JobId + "/" + jobTopic: 1}
	if got := g.delivered(); !maps.Equal(got, want) {
		t.Errorf("delivered %v after engine 0's claim lapsed, want %v", got, want)
	}
	wantNoTimers(t, g.es[1], store.TimerNotify)
}

// withCause is err's text followed by the cause that a *firn.Error keeps
// from clients: what a failure on MinIO or PostgreSQL is read by.
func withCause(err error) string {
	var fe *firn.Error
	if errors.As(err, &fe) && fe.Err != nil {
		return fmt.Sprintf("%v (cause: %v)", err, fe.Err)
	}
	return fmt.Sprint(err)
}
