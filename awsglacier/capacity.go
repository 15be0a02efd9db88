package awsglacier

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/aws-sdk-go-v2/service/glacier/types"

	"github.com/firnstore/firn"
)

// PurchaseProvisionedCapacity implements [firn.Glacier]:
// POST /{account}/provisioned-capacity.
func (c *Client) PurchaseProvisionedCapacity(ctx context.Context, in *firn.PurchaseProvisionedCapacityInput) (*firn.PurchaseProvisionedCapacityOutput, error) {
	in = orZero(in)
	out, err := c.api.PurchaseProvisionedCapacity(ctx, &glacier.PurchaseProvisionedCapacityInput{
		AccountId: account(in.AccountId),
	})
	if err != nil {
		return nil, toError(err)
	}
	return &firn.PurchaseProvisionedCapacityOutput{CapacityId: aws.ToString(out.CapacityId)}, nil
}

// ListProvisionedCapacity implements [firn.Glacier]:
// GET /{account}/provisioned-capacity.
func (c *Client) ListProvisionedCapacity(ctx context.Context, in *firn.ListProvisionedCapacityInput) (*firn.ListProvisionedCapacityOutput, error) {
	in = orZero(in)
	out, err := c.api.ListProvisionedCapacity(ctx, &glacier.ListProvisionedCapacityInput{
		AccountId: account(in.AccountId),
	})
	if err != nil {
		return nil, toError(err)
	}
	var d dates
	res := &firn.ListProvisionedCapacityOutput{
		ProvisionedCapacityList: each(out.ProvisionedCapacityList, func(p types.ProvisionedCapacityDescription) firn.ProvisionedCapacityDescription {
			return firn.ProvisionedCapacityDescription{
				CapacityId:     aws.ToString(p.CapacityId),
				StartDate:      d.parse("StartDate", p.StartDate),
				ExpirationDate: d.parse("ExpirationDate", p.ExpirationDate),
			}
		}),
	}
	if d.err != nil {
		return nil, d.err
	}
	return res, nil
}
