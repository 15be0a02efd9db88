package store

import (
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// compactionGate is the store's Pebble compaction scheduler. Once started
// it runs as many compactions as Pebble allows without permission, as
// Pebble's default scheduler does; before, none. Open starts it when
// Pebble's Open returns, or, with Options.DeferCompactions, leaves that to
// the opener (DB.StartCompactions) or to the first write stall.
//
// Pebble's Open waits for every compaction in progress before it returns,
// and after a crash the flush of the replayed log usually starts one: a
// second L0 sublevel over Lbase, which rewrites whole Lbase tables for a
// few kilobytes. On a store of a million archives that made Open after a
// crash ten times slower than an empty store's; with the gate the
// compaction runs after Open, as any other does.
type compactionGate struct {
	mu       sync.Mutex
	db       pebble.DBForCompaction
	done     *sync.Cond // broadcast when granting ends
	open     bool       // compactions may run
	closed   bool       // unregistered: the DB is no longer called
	granting bool       // a grant loop is calling the DB
	running  int
}

func newCompactionGate() *compactionGate {
	g := &compactionGate{}
	g.done = sync.NewCond(&g.mu)
	return g
}

// Register implements pebble.CompactionScheduler.
func (g *compactionGate) Register(_ int, db pebble.DBForCompaction) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.db = db
}

// Unregister implements pebble.CompactionScheduler: it returns once no
// grant loop calls the DB, and none will.
func (g *compactionGate) Unregister() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for g.granting {
		g.done.Wait()
	}
}

// TrySchedule implements pebble.CompactionScheduler. Pebble calls it
// holding its DB mutex.
func (g *compactionGate) TrySchedule() (bool, pebble.CompactionGrantHandle) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.open || g.closed || g.running >= g.db.GetAllowedWithoutPermission() {
		return false, nil
	}
	g.running++
	return true, g
}

// UpdateGetAllowedWithoutPermission implements pebble.CompactionScheduler:
// a flush may allow more compactions. Pebble calls it holding its DB
// mutex, which granting takes: the grant runs on a goroutine of its own.
func (g *compactionGate) UpdateGetAllowedWithoutPermission() {
	g.mu.Lock()
	more := g.open && !g.closed && g.running < g.db.GetAllowedWithoutPermission()
	g.mu.Unlock()
	if more {
		go g.grant()
	}
}

// Started, MeasureCPU and CumulativeStats implement
// pebble.CompactionGrantHandle; the gate measures nothing.
func (g *compactionGate) Started()                                          {}
func (g *compactionGate) MeasureCPU(pebble.CompactionGoroutineKind)         {}
func (g *compactionGate) CumulativeStats(pebble.CompactionGrantHandleStats) {}

// Done implements pebble.CompactionGrantHandle: a compaction ended, which
// may let a waiting one run. Pebble calls it without its DB mutex.
func (g *compactionGate) Done() {
	g.mu.Lock()
	g.running--
	g.mu.Unlock()
	g.grant()
}

// start opens the gate and runs the compactions Pebble asked for meanwhile;
// called again, it only offers compactions again.
func (g *compactionGate) start() {
	g.mu.Lock()
	g.open = true
	g.mu.Unlock()
	g.grant()
}

// grant offers the DB as many compactions as it may run now, one grant
// loop at a time. It must not be called holding Pebble's DB mutex.
func (g *compactionGate) grant() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.granting {
		g.done.Wait()
	}
	if !g.open || g.closed || g.db == nil {
		return
	}
	g.granting = true
	defer g.done.Broadcast()
	for g.running < g.db.GetAllowedWithoutPermission() {
		// Counted before Schedule, which may start a compaction that ends
		// (Done) before Schedule returns.
		g.running++
		g.mu.Unlock()
		accepted := false
		if waiting, _ := g.db.GetWaitingCompaction(); waiting {
			accepted = g.db.Schedule(g)
		}
		g.mu.Lock()
		if !accepted {
			g.running--
			break
		}
	}
	g.granting = false
}
