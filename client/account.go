package client

import (
	"context"
	"iter"

	"github.com/firnstore/firn"
)

// Account is a handle on the vaults of one account of a Glacier, the
// counterpart of the reference's Glacier.Account resource. It is the root
// of the resource handles: Account.Vault gives a Vault, which gives its
// archives, jobs, multipart uploads and notification configuration.
//
// Handles hold identifiers, not state: making one calls nothing, and an
// action on a handle whose resource does not exist fails with the service's
// error (ResourceNotFoundException). Handles are safe for concurrent use,
// except that Load methods update the handle's Attrs and must not run
// concurrently with other uses of the same handle.
type Account struct {
	g  firn.Glacier
	id string
}

// NewAccount returns a handle on the account id of g. An id of "" or "-"
// is the account of the caller's credentials (the implementation's own
// account).
func NewAccount(g firn.Glacier, id string) *Account {
	return &Account{g: g, id: id}
}

// ID returns the account's ID as given to NewAccount.
func (a *Account) ID() string { return a.id }

// Vault returns a handle on the vault named name; it calls nothing.
func (a *Account) Vault(name string) *Vault {
	return &Vault{g: a.g, account: a.id, name: name}
}

// CreateVault creates the vault named name (CreateVault, idempotent) and
// returns a handle on it.
func (a *Account) CreateVault(ctx context.Context, name string) (*Vault, error) {
	v := a.Vault(name)
	if err := v.Create(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

// Vaults iterates over the account's vaults in ASCII order of name
// (ListVaults), each with its Attrs set from the listing. See ListOptions
// for the listing contract.
func (a *Account) Vaults(ctx context.Context, opts *ListOptions) iter.Seq2[*Vault, error] {
	o := optsOrZero(opts)
	in := firn.ListVaultsInput{AccountId: a.id, Limit: o.PageSize, Marker: o.Marker}
	return mapSeq(firn.AllVaults(ctx, a.g, in), func(d firn.DescribeVaultOutput) *Vault {
		v := a.Vault(d.VaultName)
		v.Attrs = &d
		return v
	})
}
