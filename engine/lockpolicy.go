package engine

import "github.com/firnstore/firn/vault"

// lockPolicyDoc is the vault lock policy in force on v (in progress and not
// expired, or locked), "" when none. Vault locks arrive with their own
// issue.
func (e *Engine) lockPolicyDoc(v *vault.Vault) string { return "" }
