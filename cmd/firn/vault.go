package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

func (a *app) vaultCmd() *cobra.Command {
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a vault (succeeds if it exists)",
		Args:  args("NAME"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return show(cmd.Context(), a, firn.Glacier.CreateVault, &firn.CreateVaultInput{AccountId: a.account, VaultName: args[0]}, func(w io.Writer, out *firn.CreateVaultOutput) error {
				_, err := fmt.Fprintf(w, "created vault %s (%s)\n", args[0], out.Location)
				return err
			})
		}),
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the account's vaults",
		Args:  args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			vaults, err := listAll(cmd.Context(), a, firn.AllVaults, firn.ListVaultsInput{AccountId: a.account})
			if err != nil {
				return err
			}
			return a.print(firn.ListVaultsOutput{VaultList: vaults}, func(w io.Writer) error {
				if len(vaults) == 0 {
					_, err := fmt.Fprintln(w, "no vaults; create one with 'firn vault create NAME'")
					return err
				}
				t := newTable(w, "NAME", "ARCHIVES", "SIZE", "CREATED", "LAST INVENTORY")
				for _, v := range vaults {
					t.row(v.VaultName, strconv.FormatInt(v.NumberOfArchives, 10), humanBytes(v.SizeInBytes), date(v.CreationDate), date(v.LastInventoryDate))
				}
				return t.flush()
			})
		}),
	}
	describe := &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a vault's metadata",
		Args:  args("NAME"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return show(cmd.Context(), a, firn.Glacier.DescribeVault, &firn.DescribeVaultInput{AccountId: a.account, VaultName: args[0]}, func(w io.Writer, v *firn.DescribeVaultOutput) error {
				return keyValues(w,
					"Name", v.VaultName,
					"ARN", v.VaultARN,
					"Created", date(v.CreationDate),
					"Archives", strconv.FormatInt(v.NumberOfArchives, 10),
					"Size", fmt.Sprintf("%s (%d bytes)", humanBytes(v.SizeInBytes), v.SizeInBytes),
					"Last inventory", date(v.LastInventoryDate))
			})
		}),
	}
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an empty vault",
		Long: `delete deletes a vault. The vault must hold no archives as of its last
inventory: delete its archives first ('firn archive delete'), and list them
with an inventory job ('firn job inventory').`,
		Args: args("NAME"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return confirm(cmd.Context(), a, firn.Glacier.DeleteVault, &firn.DeleteVaultInput{AccountId: a.account, VaultName: args[0]}, "deleted vault %s", args[0])
		}),
	}
	return group("vault", "Create, list, describe and delete vaults", create, list, describe, del)
}
