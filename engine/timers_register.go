package engine

// registerTimers installs the handler of every timer kind. Each area adds
// its handlers here.
func (e *Engine) registerTimers() {
	e.timers[timerJobComplete] = e.onJobComplete
	e.timers[timerJobExpire] = e.onJobExpire
	e.timers[timerNotify] = e.onNotify
	e.timers[timerUploadExpire] = e.runUploadTimer
	e.timers[timerLockExpire] = e.onLockExpire
}
