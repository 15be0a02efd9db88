package store

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"pgregory.net/rapid"

	"github.com/firnstore/firn/internal/testkit"
)

// gateDB stands for Pebble's side of the gate: compactions it wants to
// run (waiting), those the gate let start (running), and how many it
// allows at once.
type gateDB struct {
	mu      sync.Mutex
	allowed int
	waiting int
	running []pebble.CompactionGrantHandle
	// scheduled is sent a value on each accepted Schedule.
	scheduled chan struct{}
	// refused, when set, makes GetWaitingCompaction fail the test: the
	// gate may not call the DB then.
	refused bool
	t       interface{ Errorf(string, ...any) }
}

func (d *gateDB) GetAllowedWithoutPermission() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.allowed
}

func (d *gateDB) GetWaitingCompaction() (bool, pebble.WaitingCompaction) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.refused {
		d.t.Errorf("the gate called the DB after Unregister")
	}
	return d.waiting > 0, pebble.WaitingCompaction{}
}

func (d *gateDB) Schedule(h pebble.CompactionGrantHandle) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.waiting == 0 {
		return false
	}
	d.waiting--
	d.running = append(d.running, h)
	if d.scheduled != nil {
		d.scheduled <- struct{}{}
	}
	return true
}

// want is what Pebble's maybeScheduleCompaction does with a compaction it
// picked: it asks TrySchedule, and on a refusal leaves it waiting.
func (d *gateDB) want(g *compactionGate) {
	if ok, h := g.TrySchedule(); ok {
		d.mu.Lock()
		d.running = append(d.running, h)
		d.mu.Unlock()
		return
	}
	d.mu.Lock()
	d.waiting++
	d.mu.Unlock()
}

// finish ends the i-th running compaction.
func (d *gateDB) finish(i int) {
	d.mu.Lock()
	h := d.running[i]
	d.running = append(d.running[:i], d.running[i+1:]...)
	d.mu.Unlock()
	h.Done()
}

func (d *gateDB) counts() (running, waiting int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.running), d.waiting
}

// TestCompactionGate: no compaction starts before the gate opens; once it
// is open, compactions run up to the allowed number, a waiting one starts
// as soon as it may, and none is started after Unregister.
func TestCompactionGate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := &gateDB{allowed: rapid.IntRange(1, 3).Draw(t, "allowed"), t: t}
		g := newCompactionGate()
		g.Register(2, d)
		open := false
		t.Repeat(map[string]func(*rapid.T){
			"want": func(t *rapid.T) { d.want(g) },
			"start": func(t *rapid.T) {
				if open {
					t.Skip("open already")
				}
				g.start()
				open = true
			},
			"finish": func(t *rapid.T) {
				n, _ := d.counts()
				if n == 0 {
					t.Skip("nothing running")
				}
				d.finish(rapid.IntRange(0, n-1).Draw(t, "i"))
			},
			"": func(t *rapid.T) {
				running, waiting := d.counts()
				if !open && running > 0 {
					t.Fatalf("%d compactions started before Open returned", running)
				}
				if running > d.allowed {
					t.Fatalf("%d compactions running, %d allowed", running, d.allowed)
				}
				if open && waiting > 0 && running < d.allowed {
					t.Fatalf("%d compactions waiting with %d of %d running", waiting, running, d.allowed)
				}
			},
		})
		g.Unregister()
		d.mu.Lock()
		d.refused = true
		d.mu.Unlock()
		d.want(g)
		g.start()
		g.UpdateGetAllowedWithoutPermission()
		if n, _ := d.counts(); n > 0 {
			d.finish(0)
		}
	})
}

// TestCompactionGateAllowedRises: when Pebble allows more compactions (a
// flush raised its read amplification), a waiting one starts without
// another ending first.
func TestCompactionGateAllowedRises(t *testing.T) {
	d := &gateDB{allowed: 1, scheduled: make(chan struct{}, 1), t: t}
	g := newCompactionGate()
	g.Register(2, d)
	g.start()
	d.want(g)
	d.want(g)
	if running, waiting := d.counts(); running != 1 || waiting != 1 {
		t.Fatalf("running %d, waiting %d; want 1 and 1", running, waiting)
	}
	d.mu.Lock()
	d.allowed = 2
	d.mu.Unlock()
	g.UpdateGetAllowedWithoutPermission()
	<-d.scheduled
	if running, waiting := d.counts(); running != 2 || waiting != 0 {
		t.Fatalf("running %d, waiting %d; want 2 and 0", running, waiting)
	}
	g.Unregister()
}

// crashedStore returns a crash's copy of a store whose last write, in its
// log only, overlaps its one flushed table: replaying it adds a second L0
// sublevel, which Pebble compacts.
func crashedStore(t *testing.T) vfs.FS {
	fs := vfs.NewCrashableMem()
	s, err := Open("db", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	writeOverlapping(t, s, "flushed")
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	writeOverlapping(t, s, "in the log")
	crashed := fs.CrashClone(vfs.CrashCloneCfg{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return crashed
}

// writeOverlapping sets the same 100 keys to v.
func writeOverlapping(t *testing.T, s *DB, v string) {
	t.Helper()
	b := s.NewBatch()
	for i := range 100 {
		b.setT(fmt.Sprintf("k%03d", i), v)
	}
	commitT(t, b)
}

// compactions is how many compactions have run or are running.
func compactions(s *DB) int64 {
	m := s.db.Metrics()
	return m.Compact.Count + m.Compact.NumInProgress
}

// waitCompaction waits for a compaction to have run in s.
func waitCompaction(t *testing.T, s *DB) {
	t.Helper()
	err := testkit.Within(t, "waiting for a compaction", func() error {
		for s.db.Metrics().Compact.Count == 0 {
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenAfterCrashCompactsLater: Open returns without waiting for the
// compaction the replayed log calls for, which then runs; with
// DeferCompactions, it waits for StartCompactions.
func TestOpenAfterCrashCompactsLater(t *testing.T) {
	for _, deferred := range []bool{false, true} {
		var sublevels int
		var ran int64
		afterPebbleOpen = func(db *pebble.DB) {
			m := db.Metrics()
			sublevels, ran = int(m.Levels[0].Sublevels), m.Compact.Count+m.Compact.NumInProgress
		}
		s, err := Open("db", Options{FS: crashedStore(t), DeferCompactions: deferred})
		afterPebbleOpen = nil
		if err != nil {
			t.Fatal(err)
		}
		if sublevels != 2 || ran != 0 {
			t.Fatalf("deferred %v: as Pebble's Open returned: %d L0 sublevels and %d compactions, want 2 and none yet", deferred, sublevels, ran)
		}
		if deferred {
			if v, err := s.Get([]byte("k042")); err != nil || string(v) != "in the log" {
				t.Fatalf("before the compaction, k042 = %q, %v", v, err)
			}
			if n := compactions(s); n != 0 {
				t.Fatalf("%d compactions before StartCompactions", n)
			}
			s.StartCompactions()
		}
		waitCompaction(t, s)
		if v, err := s.Get([]byte("k042")); err != nil || string(v) != "in the log" {
			t.Fatalf("deferred %v: after the compaction, k042 = %q, %v", deferred, v, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeferredCompactionsStartOnStall: a store whose opener never calls
// StartCompactions still compacts once its writes would stall without:
// L0 past Pebble's L0StopWritesThreshold of sublevels.
func TestDeferredCompactionsStartOnStall(t *testing.T) {
	s, err := Open("db", Options{FS: vfs.NewMem(), DeferCompactions: true})
	if err != nil {
		t.Fatal(err)
	}
	// Not deferred: a store stalled for good would not close.
	err = testkit.Within(t, "writing with compactions deferred", func() error {
		// Each flush of overlapping keys adds an L0 sublevel.
		for i := range 20 {
			writeOverlapping(t, s, fmt.Sprint(i))
			if err := s.db.Flush(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := compactions(s); n == 0 {
		t.Fatal("20 overlapping flushes with no compaction")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
