package firn

import "time"

// VaultAccessPolicy is a vault's access policy: an IAM policy document in
// JSON, at most 20 KB, stored verbatim.
type VaultAccessPolicy struct {
	Policy string
}

// SetVaultAccessPolicyInput sets (replaces) a vault's access policy.
type SetVaultAccessPolicyInput struct {
	AccountId string
	VaultName string
	Policy    *VaultAccessPolicy
}

// SetVaultAccessPolicyOutput is the (empty) result of SetVaultAccessPolicy.
type SetVaultAccessPolicyOutput struct{}

// GetVaultAccessPolicyInput names a vault.
type GetVaultAccessPolicyInput struct {
	AccountId string
	VaultName string
}

// GetVaultAccessPolicyOutput holds a vault's access policy.
type GetVaultAccessPolicyOutput struct {
	Policy VaultAccessPolicy
}

// DeleteVaultAccessPolicyInput names a vault.
type DeleteVaultAccessPolicyInput struct {
	AccountId string
	VaultName string
}

// DeleteVaultAccessPolicyOutput is the (empty) result of
// DeleteVaultAccessPolicy.
type DeleteVaultAccessPolicyOutput struct{}

// Data retrieval strategies.
const (
	StrategyBytesPerHour = "BytesPerHour"
	StrategyFreeTier     = "FreeTier"
	StrategyNone         = "None"
)

// DataRetrievalPolicy is an account's data retrieval policy: exactly one
// rule.
type DataRetrievalPolicy struct {
	Rules []DataRetrievalRule
}

// DataRetrievalRule is one data retrieval rule. BytesPerHour is required
// (and positive) with StrategyBytesPerHour and must be absent otherwise.
type DataRetrievalRule struct {
	Strategy     string
	BytesPerHour *int64
}

// SetDataRetrievalPolicyInput sets an account's data retrieval policy.
type SetDataRetrievalPolicyInput struct {
	AccountId string
	Policy    *DataRetrievalPolicy
}

// SetDataRetrievalPolicyOutput is the (empty) result of
// SetDataRetrievalPolicy.
type SetDataRetrievalPolicyOutput struct{}

// GetDataRetrievalPolicyInput names an account.
type GetDataRetrievalPolicyInput struct {
	AccountId string
}

// GetDataRetrievalPolicyOutput holds an account's data retrieval policy.
type GetDataRetrievalPolicyOutput struct {
	Policy DataRetrievalPolicy
}

// PurchaseProvisionedCapacityInput names an account.
type PurchaseProvisionedCapacityInput struct {
	AccountId string
}

// PurchaseProvisionedCapacityOutput identifies the purchased unit.
type PurchaseProvisionedCapacityOutput struct {
	CapacityId string
}

// ListProvisionedCapacityInput names an account.
type ListProvisionedCapacityInput struct {
	AccountId string
}

// ProvisionedCapacityDescription describes one provisioned capacity unit.
type ProvisionedCapacityDescription struct {
	CapacityId string
	// StartDate is when the unit was purchased.
	StartDate time.Time
	// ExpirationDate is one calendar month after StartDate, to the second;
	// a unit bought on the 31st expires on the last day of the next month
	// (January 31 to February 28 or 29). The unit is active until then.
	ExpirationDate time.Time
}

// ListProvisionedCapacityOutput lists an account's capacity units.
type ListProvisionedCapacityOutput struct {
	ProvisionedCapacityList []ProvisionedCapacityDescription
}
