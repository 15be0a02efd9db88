package firn

import "time"

// Vault lock states.
const (
	LockStateInProgress = "InProgress"
	LockStateLocked     = "Locked"
)

// VaultLockPolicy is a vault lock policy: an IAM policy document in JSON,
// at most 20 KB.
type VaultLockPolicy struct {
	Policy string
}

// InitiateVaultLockInput starts locking a vault with a policy.
type InitiateVaultLockInput struct {
	AccountId string
	VaultName string
	Policy    *VaultLockPolicy
}

// InitiateVaultLockOutput identifies the in-progress lock.
type InitiateVaultLockOutput struct {
	LockId string
}

// CompleteVaultLockInput completes an in-progress lock.
type CompleteVaultLockInput struct {
	AccountId string
	VaultName string
	LockId    string
}

// CompleteVaultLockOutput is the (empty) result of CompleteVaultLock.
type CompleteVaultLockOutput struct{}

// AbortVaultLockInput names a vault whose in-progress lock is removed.
type AbortVaultLockInput struct {
	AccountId string
	VaultName string
}

// AbortVaultLockOutput is the (empty) result of AbortVaultLock.
type AbortVaultLockOutput struct{}

// GetVaultLockInput names a vault.
type GetVaultLockInput struct {
	AccountId string
	VaultName string
}

// GetVaultLockOutput describes a vault's lock.
type GetVaultLockOutput struct {
	Policy string
	// State is LockStateInProgress or LockStateLocked.
	State        string
	CreationDate time.Time
	// ExpirationDate is when an in-progress lock expires; zero once locked.
	ExpirationDate time.Time
}
