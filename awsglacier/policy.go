package awsglacier

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"

	"github.com/firnstore/firn"
)

// SetVaultAccessPolicy implements [firn.Glacier]:
// PUT /{account}/vaults/{name}/access-policy with {"Policy": ...} as the
// whole body (none when Policy is nil).
func (c *Client) SetVaultAccessPolicy(ctx context.Context, in *firn.SetVaultAccessPolicyInput) (*firn.SetVaultAccessPolicyOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	var policy *types.VaultAccessPolicy
	if in.Policy != nil {
		policy = &types.VaultAccessPolicy{Policy: optional(in.Policy.Policy)}
	}
	_, err := c.api.SetVaultAccessPolicy(ctx, &glacier.SetVaultAccessPolicyInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		Policy:    policy,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.SetVaultAccessPolicyOutput{}, nil
}

// GetVaultAccessPolicy implements [firn.Glacier]:
// GET /{account}/vaults/{name}/access-policy.
func (c *Client) GetVaultAccessPolicy(ctx context.Context, in *firn.GetVaultAccessPolicyInput) (*firn.GetVaultAccessPolicyOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	out, err := c.api.GetVaultAccessPolicy(ctx, &glacier.GetVaultAccessPolicyInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	res := &firn.GetVaultAccessPolicyOutput{}
	if out.Policy != nil {
		res.Policy.Policy = aws.ToString(out.Policy.Policy)
	}
	return res, nil
}

// DeleteVaultAccessPolicy implements [firn.Glacier]:
// DELETE /{account}/vaults/{name}/access-policy.
func (c *Client) DeleteVaultAccessPolicy(ctx context.Context, in *firn.DeleteVaultAccessPolicyInput) (*firn.DeleteVaultAccessPolicyOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	_, err := c.api.DeleteVaultAccessPolicy(ctx, &glacier.DeleteVaultAccessPolicyInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.DeleteVaultAccessPolicyOutput{}, nil
}

// SetDataRetrievalPolicy implements [firn.Glacier]:
// PUT /{account}/policies/data-retrieval with {"Policy": {"Rules": ...}}
// ({} when Policy is nil).
func (c *Client) SetDataRetrievalPolicy(ctx context.Context, in *firn.SetDataRetrievalPolicyInput) (*firn.SetDataRetrievalPolicyOutput, error) {
	in = orZero(in)
	var policy *types.DataRetrievalPolicy
	if in.Policy != nil {
		policy = &types.DataRetrievalPolicy{
			Rules: each(in.Policy.Rules, func(r firn.DataRetrievalRule) types.DataRetrievalRule {
				return types.DataRetrievalRule{Strategy: optional(r.Strategy), BytesPerHour: r.BytesPerHour}
			}),
		}
	}
	_, err := c.api.SetDataRetrievalPolicy(ctx, &glacier.SetDataRetrievalPolicyInput{
		AccountId: account(in.AccountId),
		Policy:    policy,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.SetDataRetrievalPolicyOutput{}, nil
}

// GetDataRetrievalPolicy implements [firn.Glacier]:
// GET /{account}/policies/data-retrieval.
func (c *Client) GetDataRetrievalPolicy(ctx context.Context, in *firn.GetDataRetrievalPolicyInput) (*firn.GetDataRetrievalPolicyOutput, error) {
	in = orZero(in)
	out, err := c.api.GetDataRetrievalPolicy(ctx, &glacier.GetDataRetrievalPolicyInput{
		AccountId: account(in.AccountId),
	})
	if err != nil {
		return nil, toError(err)
	}
	res := &firn.GetDataRetrievalPolicyOutput{}
	if out.Policy != nil {
		res.Policy.Rules = each(out.Policy.Rules, func(r types.DataRetrievalRule) firn.DataRetrievalRule {
			return firn.DataRetrievalRule{Strategy: aws.ToString(r.Strategy), BytesPerHour: r.BytesPerHour}
		})
	}
	return res, nil
}
