package store

import (
	"fmt"
	"github.com/cockroachdb/pebble/v2/vfs"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"pgregory.net/rapid"
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

// TestOpenAfterCrashCompactsLater: the log replayed after a crash adds a
// second L0 sublevel over the first, which Pebble compacts; Open returns
// without waiting for that compaction, which then runs.
func TestOpenAfterCrashCompactsLater(t *testing.T) {
	fs := vfs.NewCrashableMem()
	s, err := Open("db", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	write := func(v string) {
		b := s.NewBatch()
		for i := range 100 {
			b.setT(fmt.Sprintf("k%03d", i), v)
		}
		commitT(t, b)
	}
	write("flushed")
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	write("in the log")
	crashed := fs.CrashClone(vfs.CrashCloneCfg{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	var sublevels int
	var compactions int64
	afterPebbleOpen = func(db *pebble.DB) {
		m := db.Metrics()
		sublevels, compactions = int(m.Levels[0].Sublevels), m.Compact.Count+m.Compact.NumInProgress
	}
	defer func() { afterPebbleOpen = nil }()
	s, err = Open("db", Options{FS: crashed})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if sublevels != 2 || compactions != 0 {
		t.Fatalf("as Pebble's Open returned: %d L0 sublevels and %d compactions, want 2 and none yet", sublevels, compactions)
	}
	for s.db.Metrics().Compact.Count == 0 {
		time.Sleep(time.Millisecond)
	}
	if v, err := s.Get([]byte("k042")); err != nil || string(v) != "in the log" {
		t.Fatalf("after the compaction, k042 = %q, %v", v, err)
	}
}
