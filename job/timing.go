package job

import (
	"encoding/binary"
	"time"

	"github.com/firnstore/firn"
	"github.com/oklog/ulid/v2"
)

// Window is a range of completion delays.
type Window struct {
	Min, Max time.Duration
}

// Timing says how long jobs take, per tier; inventory jobs use Inventory
// and select jobs the window of their tier. The zero Timing completes every
// job immediately.
type Timing struct {
	Expedited, Standard, Bulk, Inventory Window
}

// RealisticTiming follows the service's published completion times:
// Expedited 1-5 minutes, Standard 3-5 hours, Bulk 5-12 hours, and about
// 4 hours (3-5) for an inventory.
var RealisticTiming = Timing{
	Expedited: Window{1 * time.Minute, 5 * time.Minute},
	Standard:  Window{3 * time.Hour, 5 * time.Hour},
	Bulk:      Window{5 * time.Hour, 12 * time.Hour},
	Inventory: Window{3 * time.Hour, 5 * time.Hour},
}

// Delay is how long a job takes: a point of the action's and tier's window
// chosen by seed (the job ID), so that it is deterministic.
func (t Timing) Delay(action firn.ActionCode, tier string, seed ulid.ULID) time.Duration {
	w := t.Standard
	switch {
	case action == firn.ActionInventoryRetrieval:
		w = t.Inventory
	case tier == firn.TierExpedited:
		w = t.Expedited
	case tier == firn.TierBulk:
		w = t.Bulk
	}
	if w.Max <= w.Min {
		return max(w.Min, 0)
	}
	r := binary.BigEndian.Uint64(seed[8:])
	return w.Min + time.Duration(r%uint64(w.Max-w.Min+1))
}
