package awsglacier

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"

	"github.com/firnstore/firn"
)

// InitiateVaultLock implements [firn.Glacier]:
// POST /{account}/vaults/{name}/lock-policy with {"Policy": ...} as the
// whole body (none when Policy is nil).
func (c *Client) InitiateVaultLock(ctx context.Context, in *firn.InitiateVaultLockInput) (*firn.InitiateVaultLockOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	var policy *types.VaultLockPolicy
	if in.Policy != nil {
		policy = &types.VaultLockPolicy{Policy: optional(in.Policy.Policy)}
	}
	out, err := c.api.InitiateVaultLock(ctx, &glacier.InitiateVaultLockInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		Policy:    policy,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.InitiateVaultLockOutput{LockId: aws.ToString(out.LockId)}, nil
}

// CompleteVaultLock implements [firn.Glacier]:
// POST /{account}/vaults/{name}/lock-policy/{lockId}.
func (c *Client) CompleteVaultLock(ctx context.Context, in *firn.CompleteVaultLockInput) (*firn.CompleteVaultLockOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}, param{"LockId", in.LockId}); err != nil {
		return nil, err
	}
	_, err := c.api.CompleteVaultLock(ctx, &glacier.CompleteVaultLockInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		LockId:    &in.LockId,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.CompleteVaultLockOutput{}, nil
}

// AbortVaultLock implements [firn.Glacier]:
// DELETE /{account}/vaults/{name}/lock-policy.
func (c *Client) AbortVaultLock(ctx context.Context, in *firn.AbortVaultLockInput) (*firn.AbortVaultLockOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	_, err := c.api.AbortVaultLock(ctx, &glacier.AbortVaultLockInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.AbortVaultLockOutput{}, nil
}

// GetVaultLock implements [firn.Glacier]:
// GET /{account}/vaults/{name}/lock-policy.
func (c *Client) GetVaultLock(ctx context.Context, in *firn.GetVaultLockInput) (*firn.GetVaultLockOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	out, err := c.api.GetVaultLock(ctx, &glacier.GetVaultLockInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	var d dates
	res := &firn.GetVaultLockOutput{
		Policy:         aws.ToString(out.Policy),
		State:          aws.ToString(out.State),
		CreationDate:   d.parse("CreationDate", out.CreationDate),
		ExpirationDate: d.parse("ExpirationDate", out.ExpirationDate),
	}
	if d.err != nil {
		return nil, d.err
	}
	return res, nil
}
