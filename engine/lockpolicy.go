package engine

import "github.com/firnstore/firn/vault"

// lockPolicyDoc is the vault lock policy in force on v by the engine's
// clock: that of a Locked lock or of an InProgress lock that has not
// expired, even if its expiry timer has not run yet; "" when none.
func (e *Engine) lockPolicyDoc(v *vault.Record) string { return v.Lock.At(e.now()).Policy }
