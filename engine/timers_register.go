package engine

// registerTimers installs the handler of every timer kind. Each area adds
// its handlers here.
func (e *Engine) registerTimers() {
}
