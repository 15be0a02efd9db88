package engine

import "github.com/firnstore/firn/internal/store"

// registerTimers installs the handler of every timer kind (see
// store.TimerJobComplete and the kinds after it) but store.TimerNotify,
// whose entries the outbox delivers. Each area adds its handlers here.
func (e *Engine) registerTimers() {
	e.timers[store.TimerJobComplete] = e.onJobComplete
	e.timers[store.TimerJobExpire] = e.onJobExpire
	e.timers[store.TimerUploadExpire] = e.runUploadTimer
	e.timers[store.TimerLockExpire] = e.onLockExpire
}
