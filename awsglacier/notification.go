package awsglacier

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"

	"github.com/firnstore/firn"
)

// SetVaultNotifications implements [firn.Glacier]:
// PUT /{account}/vaults/{name}/notification-configuration with the
// configuration as the whole body (none when it is nil).
func (c *Client) SetVaultNotifications(ctx context.Context, in *firn.SetVaultNotificationsInput) (*firn.SetVaultNotificationsOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	var cfg *types.VaultNotificationConfig
	if n := in.VaultNotificationConfig; n != nil {
		cfg = &types.VaultNotificationConfig{
			SNSTopic: optional(n.SNSTopic),
			Events:   n.Events,
		}
	}
	_, err := c.api.SetVaultNotifications(ctx, &glacier.SetVaultNotificationsInput{
		AccountId:               account(in.AccountId),
		VaultName:               &in.VaultName,
		VaultNotificationConfig: cfg,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.SetVaultNotificationsOutput{}, nil
}

// GetVaultNotifications implements [firn.Glacier]:
// GET /{account}/vaults/{name}/notification-configuration.
func (c *Client) GetVaultNotifications(ctx context.Context, in *firn.GetVaultNotificationsInput) (*firn.GetVaultNotificationsOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	out, err := c.api.GetVaultNotifications(ctx, &glacier.GetVaultNotificationsInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	res := &firn.GetVaultNotificationsOutput{}
	if n := out.VaultNotificationConfig; n != nil {
		res.VaultNotificationConfig = firn.VaultNotificationConfig{
			SNSTopic: aws.ToString(n.SNSTopic),
			Events:   n.Events,
		}
	}
	return res, nil
}

// DeleteVaultNotifications implements [firn.Glacier]:
// DELETE /{account}/vaults/{name}/notification-configuration.
func (c *Client) DeleteVaultNotifications(ctx context.Context, in *firn.DeleteVaultNotificationsInput) (*firn.DeleteVaultNotificationsOutput, error) {
	in = orZero(in)
	if err := required(param{"VaultName", in.VaultName}); err != nil {
		return nil, err
	}
	_, err := c.api.DeleteVaultNotifications(ctx, &glacier.DeleteVaultNotificationsInput{
		AccountId: account(in.AccountId),
		VaultName: &in.VaultName,
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.DeleteVaultNotificationsOutput{}, nil
}
