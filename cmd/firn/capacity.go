package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

func (a *app) capacityCmd() *cobra.Command {
	purchase := &cobra.Command{
		Use:   "purchase",
		Short: "Buy a provisioned capacity unit (Expedited retrievals)",
		Args:  args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			out, err := call(cmd.Context(), a, firn.Glacier.PurchaseProvisionedCapacity, &firn.PurchaseProvisionedCapacityInput{AccountId: a.account})
			if err != nil {
				return err
			}
			return a.done(out, "purchased capacity unit %s", out.CapacityId)
		}),
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the account's provisioned capacity units",
		Args:  args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			out, err := call(cmd.Context(), a, firn.Glacier.ListProvisionedCapacity, &firn.ListProvisionedCapacityInput{AccountId: a.account})
			if err != nil {
				return err
			}
			out.ProvisionedCapacityList = orEmpty(out.ProvisionedCapacityList)
			return a.print(out, func(w io.Writer) error {
				if len(out.ProvisionedCapacityList) == 0 {
					_, err := fmt.Fprintln(w, "no provisioned capacity; buy a unit with 'firn capacity purchase'")
					return err
				}
				t := newTable(w, "CAPACITY ID", "START", "EXPIRES")
				for _, c := range out.ProvisionedCapacityList {
					t.row(c.CapacityId, date(c.StartDate), date(c.ExpirationDate))
				}
				return t.flush()
			})
		}),
	}
	return group("capacity", "Purchase and list provisioned capacity", purchase, list)
}
