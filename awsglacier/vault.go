package awsglacier

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"

	"github.com/firnstore/firn"
)

// CreateVault implements [firn.Glacier]: PUT /{account}/vaults/{name}.
func (c *Client) CreateVault(ctx context.Context, in *firn.CreateVaultInput) (*firn.CreateVaultOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	out, err := c.api.CreateVault(ctx, &glacier.CreateVaultInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.CreateVaultOutput{Location: aws.ToString(out.Location)}, nil
}

// DescribeVault implements [firn.Glacier]: GET /{account}/vaults/{name}.
func (c *Client) DescribeVault(ctx context.Context, in *firn.DescribeVaultInput) (*firn.DescribeVaultOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	out, err := c.api.DescribeVault(ctx, &glacier.DescribeVaultInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	var d dates
	v := vaultFromSDK(&d, types.DescribeVaultOutput{
		VaultARN:          out.VaultARN,
		VaultName:         out.VaultName,
		CreationDate:      out.CreationDate,
		LastInventoryDate: out.LastInventoryDate,
		NumberOfArchives:  out.NumberOfArchives,
		SizeInBytes:       out.SizeInBytes,
	})
	if d.err != nil {
		return nil, d.err
	}
	return &v, nil
}

// ListVaults implements [firn.Glacier]: GET /{account}/vaults.
func (c *Client) ListVaults(ctx context.Context, in *firn.ListVaultsInput) (*firn.ListVaultsOutput, error) {
	in = orZero(in)
	out, err := c.api.ListVaults(ctx, &glacier.ListVaultsInput{
		AccountId: account(in.AccountId),
		Limit:     limit(in.Limit),
		Marker:    optional(in.Marker),
	})
	if err != nil {
		return nil, toError(err)
	}
	var d dates
	res := &firn.ListVaultsOutput{
		VaultList: each(out.VaultList, func(v types.DescribeVaultOutput) firn.DescribeVaultOutput {
			return vaultFromSDK(&d, v)
		}),
		Marker: aws.ToString(out.Marker),
	}
	if d.err != nil {
		return nil, d.err
	}
	return res, nil
}

// vaultFromSDK converts a vault description; the SDK reads null counts as 0.
func vaultFromSDK(d *dates, v types.DescribeVaultOutput) firn.DescribeVaultOutput {
	return firn.DescribeVaultOutput{
		VaultARN:          aws.ToString(v.VaultARN),
		VaultName:         aws.ToString(v.VaultName),
		CreationDate:      d.parse("CreationDate", v.CreationDate),
		LastInventoryDate: d.parse("LastInventoryDate", v.LastInventoryDate),
		NumberOfArchives:  v.NumberOfArchives,
		SizeInBytes:       v.SizeInBytes,
	}
}

// DeleteVault implements [firn.Glacier]: DELETE /{account}/vaults/{name}.
func (c *Client) DeleteVault(ctx context.Context, in *firn.DeleteVaultInput) (*firn.DeleteVaultOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	_, err := c.api.DeleteVault(ctx, &glacier.DeleteVaultInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.DeleteVaultOutput{}, nil
}

// AddTagsToVault implements [firn.Glacier]:
// POST /{account}/vaults/{name}/tags?operation=add with {"Tags": ...}.
func (c *Client) AddTagsToVault(ctx context.Context, in *firn.AddTagsToVaultInput) (*firn.AddTagsToVaultOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	_, err := c.api.AddTagsToVault(ctx, &glacier.AddTagsToVaultInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		Tags:      in.Tags,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.AddTagsToVaultOutput{}, nil
}

// ListTagsForVault implements [firn.Glacier]:
// GET /{account}/vaults/{name}/tags. The returned map is never nil.
func (c *Client) ListTagsForVault(ctx context.Context, in *firn.ListTagsForVaultInput) (*firn.ListTagsForVaultOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	out, err := c.api.ListTagsForVault(ctx, &glacier.ListTagsForVaultInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	tags := out.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return &firn.ListTagsForVaultOutput{Tags: tags}, nil
}

// RemoveTagsFromVault implements [firn.Glacier]:
// POST /{account}/vaults/{name}/tags?operation=remove with {"TagKeys": ...}.
func (c *Client) RemoveTagsFromVault(ctx context.Context, in *firn.RemoveTagsFromVaultInput) (*firn.RemoveTagsFromVaultOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	_, err := c.api.RemoveTagsFromVault(ctx, &glacier.RemoveTagsFromVaultInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
		TagKeys:   in.TagKeys,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.RemoveTagsFromVaultOutput{}, nil
}
