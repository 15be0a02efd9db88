// Package firntest helps users of Firn test their own code: an in-memory
// engine in one call, a fake clock to fast-forward the hours Glacier takes,
// and a firn.Glacier wrapper that injects failures and latency.
//
//	func TestArchiver(t *testing.T) {
//		e := firntest.New(t, nil)
//		f := firntest.Inject(e)
//		f.FailNext("UploadArchive", 2, firn.ErrServiceUnavailable)
//		runMyArchiver(t.Context(), f) // must retry
//		e.Clock.Advance(5 * time.Hour) // retrieval jobs complete
//		...
//	}
//
// New closes the engine when the test ends, after running its consistency
// check (engine.Engine.Check). Nothing touches the disk.
//
// Package firntest/conformance is the other side: it tests an
// implementation of firn.Glacier, not code that uses one.
package firntest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn/engine"
)

// Epoch is where a Clock made by New or Open starts unless Options.Start
// says otherwise: a fixed instant, so that tests are repeatable.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Options configure New and Open. A nil *Options means all defaults.
type Options struct {
	// Engine configures the engine; nil means engine defaults. Its FS and
	// Clock are ignored: the engine runs on a fresh in-memory file system
	// and on the Engine's Clock. Set JobTiming (for example to
	// job.RealisticTiming) to make jobs take time.
	Engine *engine.Options
	// Start is the Clock's initial time. Default: Epoch.
	Start time.Time
}

// Engine is an in-memory engine and the Clock it runs on. The embedded
// *engine.Engine implements firn.Glacier.
type Engine struct {
	*engine.Engine
	// Clock is the engine's only source of time. The engine notices that
	// time has passed (jobs complete, uploads, locks and job outputs expire)
	// at its next operation.
	Clock *Clock

	closeOnce sync.Once
	closeErr  error
}

// Open opens an engine on a new in-memory file system. Close it when done.
func Open(opts *Options) (*Engine, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var eo engine.Options
	if o.Engine != nil {
		eo = *o.Engine
	}
	if o.Start.IsZero() {
		o.Start = Epoch
	}
	clock := NewClock(o.Start)
	eo.FS, eo.Clock = vfs.NewMem(), clock
	e, err := engine.Open("firn", &eo)
	if err != nil {
		return nil, fmt.Errorf("firntest: %w", err)
	}
	return &Engine{Engine: e, Clock: clock}, nil
}

// Close checks the engine's consistency (engine.Engine.Check), then closes
// it; it reports both failures. Operations in flight must have returned.
// Close is idempotent.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		err := e.Check(context.Background())
		if err != nil {
			err = fmt.Errorf("firntest: engine.Check: %w", err)
		}
		e.closeErr = errors.Join(err, e.Engine.Close())
	})
	return e.closeErr
}

// TB is the part of testing.TB that New uses. *testing.T, *testing.B,
// *testing.F and *rapid.T satisfy it.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// New opens an engine like Open and closes it with Close when tb and its
// subtests end (tb.Cleanup), reporting a failed consistency check with
// tb.Errorf. It calls tb.Fatalf if the engine cannot be opened. With a
// *rapid.T each check gets its own engine.
func New(tb TB, opts *Options) *Engine {
	tb.Helper()
	e, err := Open(opts)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	tb.Cleanup(func() {
		if err := e.Close(); err != nil {
			tb.Errorf("%v", err)
		}
	})
	return e
}
