package engine

// registerTimers installs the handler of every timer kind but timerNotify,
// whose entries the outbox delivers. Each area adds its handlers here.
func (e *Engine) registerTimers() {
	e.timers[timerJobComplete] = e.onJobComplete
	e.timers[timerJobExpire] = e.onJobExpire
	e.timers[timerUploadExpire] = e.runUploadTimer
	e.timers[timerLockExpire] = e.onLockExpire
}
