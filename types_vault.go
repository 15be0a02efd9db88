package firn

import "time"

// CreateVaultInput names the vault to create. VaultName is 1 to 255
// characters of a-z, A-Z, 0-9, '_', '-' and '.'.
type CreateVaultInput struct {
	AccountId string
	VaultName string
}

// CreateVaultOutput is the result of CreateVault.
type CreateVaultOutput struct {
	// Location is the vault's relative URI, /ACCOUNT/vaults/NAME.
	Location string
}

// DescribeVaultInput names a vault.
type DescribeVaultInput struct {
	AccountId string
	VaultName string
}

// DescribeVaultOutput describes a vault; it is also the element of
// [ListVaultsOutput].VaultList.
type DescribeVaultOutput struct {
	VaultARN     string
	VaultName    string
	CreationDate time.Time
	// LastInventoryDate is zero until the vault's first inventory.
	LastInventoryDate time.Time
	// NumberOfArchives and SizeInBytes are as of the last inventory (or
	// current, when the implementation keeps inventories always current).
	NumberOfArchives int64
	SizeInBytes      int64
}

// ListVaultsInput pages through an account's vaults.
type ListVaultsInput struct {
	AccountId string
	// Limit is the page size, 1 to 1000; 0 means the default, 10.
	Limit int32
	// Marker is the vault ARN to continue from, as returned by the previous
	// page; "" starts at the beginning.
	Marker string
}

// ListVaultsOutput is one page of vaults.
type ListVaultsOutput struct {
	VaultList []DescribeVaultOutput
	// Marker continues the listing; "" when this is the last page.
	Marker string
}

// DeleteVaultInput names the vault to delete.
type DeleteVaultInput struct {
	AccountId string
	VaultName string
}

// DeleteVaultOutput is the (empty) result of DeleteVault.
type DeleteVaultOutput struct{}

// AddTagsToVaultInput adds or overwrites tags. A vault holds at most 10 tags;
// keys are 1 to 128 Unicode characters and must not start with "aws:";
// values are 0 to 255. Both are made of Unicode letters, digits, spaces and
// _ . / = + - @ (the developer guide's tag restrictions).
type AddTagsToVaultInput struct {
	AccountId string
	VaultName string
	Tags      map[string]string
}

// AddTagsToVaultOutput is the (empty) result of AddTagsToVault.
type AddTagsToVaultOutput struct{}

// ListTagsForVaultInput names a vault.
type ListTagsForVaultInput struct {
	AccountId string
	VaultName string
}

// ListTagsForVaultOutput holds a vault's tags (never nil).
type ListTagsForVaultOutput struct {
	Tags map[string]string
}

// RemoveTagsFromVaultInput removes tags by key; absent keys are ignored.
// TagKeys must hold at least one key.
type RemoveTagsFromVaultInput struct {
	AccountId string
	VaultName string
	TagKeys   []string
}

// RemoveTagsFromVaultOutput is the (empty) result of RemoveTagsFromVault.
type RemoveTagsFromVaultOutput struct{}
