package engine_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
)

// flakyNotifier records deliveries and fails while down is set.
type flakyNotifier struct {
	mu   sync.Mutex
	down bool
	got  []engine.Notification
}

func (n *flakyNotifier) Notify(_ context.Context, m engine.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return errors.New("sns unreachable")
	}
	n.got = append(n.got, m)
	return nil
}

func (n *flakyNotifier) delivered() []engine.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]engine.Notification(nil), n.got...)
}

// TestNotificationDelivery checks that a completion notification survives a
// failing notifier and a restart between completion and delivery, and is
// delivered once per topic with a stable ID.
func TestNotificationDelivery(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	clock := testkit.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	n := &flakyNotifier{down: true}
	open := func() *engine.Engine {
		e, err := engine.Open("d", &engine.Options{FS: fs, Clock: clock, Notifier: n, JobTiming: fixedTiming, TickInterval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open()
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	topic := "arn:aws:sns:us-east-1:000000000000:done"
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("data"))})
	if err != nil {
		t.Fatal(err)
	}
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId, Tier: firn.TierExpedited, SNSTopic: topic}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	if d, _ := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "v", JobId: j.JobId}); !d.Completed {
		t.Fatal("job not completed")
	}
	if got := n.delivered(); len(got) != 0 {
		t.Fatalf("delivered while the notifier is down: %+v", got)
	}
	// A restart with the delivery still pending.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	n.mu.Lock()
	n.down = false
	n.mu.Unlock()
	e = open()
	defer e.Close()
	// The failed attempt is retried a minute later.
	clock.Advance(time.Minute)
	e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	clock.Advance(time.Hour)
	e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
	got := n.delivered()
	if len(got) != 1 || got[0].Topic != topic || got[0].ID != j.JobId+"/"+topic || !bytes.Contains(got[0].Message, []byte(`"StatusCode":"Succeeded"`)) {
		t.Fatalf("deliveries %+v, want exactly one to %s", got, topic)
	}
	if err := e.Check(ctx); err != nil {
		t.Error(err)
	}
}
