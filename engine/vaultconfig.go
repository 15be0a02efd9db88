package engine

import (
	"context"
	"maps"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/policy"
	"github.com/firnstore/firn/vault"
)

// AddTagsToVault implements firn.Glacier. A vault holds at most 10 tags
// (LimitExceededException); existing keys are overwritten.
func (e *Engine) AddTagsToVault(ctx context.Context, in *firn.AddTagsToVaultInput) (*firn.AddTagsToVaultOutput, error) {
	err := e.updateVault(ctx, "AddTagsToVault", in.AccountId, in.VaultName, func(v *vault.Record, _ *store.Batch) error {
		tags, err := vault.AddTags(v.Tags, in.Tags)
		v.Tags = tags
		return err
	})
	if err != nil {
		return nil, err
	}
	return &firn.AddTagsToVaultOutput{}, nil
}

// ListTagsForVault implements firn.Glacier.
func (e *Engine) ListTagsForVault(ctx context.Context, in *firn.ListTagsForVaultInput) (*firn.ListTagsForVaultOutput, error) {
	v, err := e.viewVault(ctx, "ListTagsForVault", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	tags := maps.Clone(v.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return &firn.ListTagsForVaultOutput{Tags: tags}, nil
}

// RemoveTagsFromVault implements firn.Glacier. Absent keys are ignored; an
// empty TagKeys is InvalidParameterValueException.
func (e *Engine) RemoveTagsFromVault(ctx context.Context, in *firn.RemoveTagsFromVaultInput) (*firn.RemoveTagsFromVaultOutput, error) {
	err := e.updateVault(ctx, "RemoveTagsFromVault", in.AccountId, in.VaultName, func(v *vault.Record, _ *store.Batch) error {
		tags, err := vault.RemoveTags(v.Tags, in.TagKeys)
		v.Tags = tags
		return err
	})
	if err != nil {
		return nil, err
	}
	return &firn.RemoveTagsFromVaultOutput{}, nil
}

// SetVaultNotifications implements firn.Glacier.
func (e *Engine) SetVaultNotifications(ctx context.Context, in *firn.SetVaultNotificationsInput) (*firn.SetVaultNotificationsOutput, error) {
	r, err := e.beginVault(ctx, "SetVaultNotifications", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if err := vault.ValidateNotifications(in.VaultNotificationConfig); err != nil {
		return nil, err
	}
	err = r.update(func(v *vault.Record, _ *store.Batch) error {
		c := *in.VaultNotificationConfig
		c.Events = append([]string(nil), c.Events...)
		v.Notifications = &c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &firn.SetVaultNotificationsOutput{}, nil
}

// GetVaultNotifications implements firn.Glacier; ResourceNotFoundException
// when the vault has no notification configuration.
func (e *Engine) GetVaultNotifications(ctx context.Context, in *firn.GetVaultNotificationsInput) (*firn.GetVaultNotificationsOutput, error) {
	v, err := e.viewVault(ctx, "GetVaultNotifications", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if v.Notifications == nil {
		return nil, firn.Errorf(firn.CodeResourceNotFound, "No notification configuration is set for vault: %s", e.vaultARN(v))
	}
	c := *v.Notifications
	c.Events = append([]string(nil), c.Events...)
	return &firn.GetVaultNotificationsOutput{VaultNotificationConfig: c}, nil
}

// DeleteVaultNotifications implements firn.Glacier; it is idempotent.
func (e *Engine) DeleteVaultNotifications(ctx context.Context, in *firn.DeleteVaultNotificationsInput) (*firn.DeleteVaultNotificationsOutput, error) {
	err := e.updateVault(ctx, "DeleteVaultNotifications", in.AccountId, in.VaultName, func(v *vault.Record, _ *store.Batch) error {
		v.Notifications = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &firn.DeleteVaultNotificationsOutput{}, nil
}

// SetVaultAccessPolicy implements firn.Glacier. The policy is stored
// verbatim.
func (e *Engine) SetVaultAccessPolicy(ctx context.Context, in *firn.SetVaultAccessPolicyInput) (*firn.SetVaultAccessPolicyOutput, error) {
	r, err := e.beginVault(ctx, "SetVaultAccessPolicy", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	doc := ""
	if in.Policy != nil {
		doc = in.Policy.Policy
	}
	if err := vault.ValidatePolicyDocument("Policy", doc); err != nil {
		return nil, err
	}
	if _, err := policy.Parse(doc); err != nil {
		return nil, err
	}
	err = r.update(func(v *vault.Record, _ *store.Batch) error {
		v.AccessPolicy = doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &firn.SetVaultAccessPolicyOutput{}, nil
}

// GetVaultAccessPolicy implements firn.Glacier; ResourceNotFoundException
// when the vault has no access policy.
func (e *Engine) GetVaultAccessPolicy(ctx context.Context, in *firn.GetVaultAccessPolicyInput) (*firn.GetVaultAccessPolicyOutput, error) {
	v, err := e.viewVault(ctx, "GetVaultAccessPolicy", in.AccountId, in.VaultName)
	if err != nil {
		return nil, err
	}
	if v.AccessPolicy == "" {
		return nil, firn.Errorf(firn.CodeResourceNotFound, "No vault access policy is set for: %s", e.vaultARN(v))
	}
	return &firn.GetVaultAccessPolicyOutput{Policy: firn.VaultAccessPolicy{Policy: v.AccessPolicy}}, nil
}

// DeleteVaultAccessPolicy implements firn.Glacier; it is idempotent.
func (e *Engine) DeleteVaultAccessPolicy(ctx context.Context, in *firn.DeleteVaultAccessPolicyInput) (*firn.DeleteVaultAccessPolicyOutput, error) {
	err := e.updateVault(ctx, "DeleteVaultAccessPolicy", in.AccountId, in.VaultName, func(v *vault.Record, _ *store.Batch) error {
		v.AccessPolicy = ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &firn.DeleteVaultAccessPolicyOutput{}, nil
}
