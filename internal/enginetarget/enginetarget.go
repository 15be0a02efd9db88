// Package enginetarget makes targets of the conformance suite
// (firntest/conformance) out of Firn's engine, with every optional
// capability: the engine runs on an in-memory file system that it can be
// reopened on, its limits can be lowered, and what it delivers to its
// Notifier is recorded. Firn's own tests run the suite on them, directly
// and behind the REST endpoint.
package enginetarget

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/firntest/conformance"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/pgtest"
)

// New opens an engine with opts on a fresh in-memory file system and a
// clock at conformance.Start, and returns it as a Target. New sets the
// options' FS, Clock, Logger and Notifier; an empty AccountID or Region
// leaves the engine's default under test. The engine's consistency check
// (engine.Engine.Check) runs before each close: at each Reopen and when t
// ends.
func New(t *testing.T, opts engine.Options) *conformance.Target {
	t.Helper()
	return newTarget(t, opts, func(t *testing.T, o engine.Options) *conformance.Target { return New(t, o) })
}

// NewShared is New for an engine whose metadata is in a fresh PostgreSQL
// database (pgtest.NewDatabase) and whose archive bytes are in a fresh
// bucket of c (Options.Metadata and Options.ObjectStore): the
// configuration in which any number of engines share one state. Reopen
// opens a new engine on the same database and bucket.
func NewShared(t *testing.T, opts engine.Options, c *miniotest.Cluster) *conformance.Target {
	t.Helper()
	opts.Metadata = pgtest.NewDatabase(t)
	opts.ObjectStore = &engine.ObjectStore{
		Endpoint:        c.Endpoint(0),
		Bucket:          c.NewBucket(),
		AccessKeyID:     miniotest.AccessKey,
		SecretAccessKey: miniotest.SecretKey,
	}
	return newTarget(t, opts, func(t *testing.T, o engine.Options) *conformance.Target {
		return NewShared(t, o, c)
	})
}

// newTarget is New with the constructor that WithLimits calls.
func newTarget(t *testing.T, opts engine.Options, renew func(*testing.T, engine.Options) *conformance.Target) *conformance.Target {
	t.Helper()
	notes := &notifications{}
	opts.FS = vfs.NewMem()
	clock := firntest.NewClock(conformance.Start)
	opts.Clock = clock
	opts.Logger = slog.New(slog.DiscardHandler)
	opts.Notifier = notes
	const dir = "firn"
	open := func(t *testing.T) *engine.Engine {
		t.Helper()
		o := opts
		e, err := engine.Open(dir, &o)
		if err != nil {
			t.Fatalf("engine.Open: %v", err)
		}
		return e
	}
	closeChecked := func(t *testing.T, e *engine.Engine) {
		t.Helper()
		if err := e.Check(context.Background()); err != nil {
			t.Errorf("engine.Check: %v", err)
		}
		if err := e.Close(); err != nil {
			t.Errorf("engine.Close: %v", err)
		}
	}

	e := open(t)
	t.Cleanup(func() {
		if e != nil {
			closeChecked(t, e)
		}
	})
	return &conformance.Target{
		Glacier: e,
		Clock:   clock,
		Account: opts.AccountID,
		Region:  opts.Region,
		Reopen: func(t *testing.T) firn.Glacier {
			t.Helper()
			old := e
			e = nil
			closeChecked(t, old)
			e = open(t)
			return e
		},
		WithLimits: func(t *testing.T, l conformance.Limits) *conformance.Target {
			o := opts
			o.MaxVaults, o.MaxArchiveSize = l.MaxVaults, l.MaxArchiveSize
			o.JobTiming, o.LimitExpedited, o.FreeTierBytesPerDay = l.JobTiming, l.LimitExpedited, l.FreeTierBytesPerDay
			return renew(t, o)
		},
		Notifications: func() []conformance.Notification {
			// Delivery is in the background; wait for what is due.
			if err := e.DeliverNotifications(context.Background()); err != nil {
				t.Errorf("engine.DeliverNotifications: %v", err)
			}
			return notes.list()
		},
	}
}

// notifications records what an engine delivers to its Notifier.
type notifications struct {
	mu   sync.Mutex
	sent []conformance.Notification
}

func (n *notifications) Notify(_ context.Context, m engine.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, conformance.Notification{Topic: m.Topic, Message: m.Message})
	return nil
}

func (n *notifications) list() []conformance.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.sent)
}
