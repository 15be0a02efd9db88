package engine

import (
	"context"

	"github.com/firnstore/firn"
)

// The operations below arrive with a later issue; until then they fail with
// a clear ServiceUnavailableException rather than misbehave.

// InitiateVaultLock implements firn.Glacier (not yet).
func (e *Engine) InitiateVaultLock(ctx context.Context, in *firn.InitiateVaultLockInput) (*firn.InitiateVaultLockOutput, error) {
	return nil, notImplemented("InitiateVaultLock")
}

// CompleteVaultLock implements firn.Glacier (not yet).
func (e *Engine) CompleteVaultLock(ctx context.Context, in *firn.CompleteVaultLockInput) (*firn.CompleteVaultLockOutput, error) {
	return nil, notImplemented("CompleteVaultLock")
}

// AbortVaultLock implements firn.Glacier (not yet).
func (e *Engine) AbortVaultLock(ctx context.Context, in *firn.AbortVaultLockInput) (*firn.AbortVaultLockOutput, error) {
	return nil, notImplemented("AbortVaultLock")
}

// GetVaultLock implements firn.Glacier (not yet).
func (e *Engine) GetVaultLock(ctx context.Context, in *firn.GetVaultLockInput) (*firn.GetVaultLockOutput, error) {
	return nil, notImplemented("GetVaultLock")
}
