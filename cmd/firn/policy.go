package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

func (a *app) policyCmd() *cobra.Command {
	set := &cobra.Command{
		Use:   "set VAULT FILE|-",
		Short: "Set a vault's access policy from a JSON file (- for stdin)",
		Args:  args("VAULT", "FILE"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			doc, err := readPolicy(cmd, args[1])
			if err != nil {
				return err
			}
			return confirm(cmd.Context(), a, firn.Glacier.SetVaultAccessPolicy, &firn.SetVaultAccessPolicyInput{AccountId: a.account, VaultName: args[0], Policy: &firn.VaultAccessPolicy{Policy: doc}}, "set the access policy of vault %s", args[0])
		}),
	}
	get := &cobra.Command{
		Use:   "get VAULT",
		Short: "Print a vault's access policy",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return show(cmd.Context(), a, firn.Glacier.GetVaultAccessPolicy, &firn.GetVaultAccessPolicyInput{AccountId: a.account, VaultName: args[0]}, func(w io.Writer, out *firn.GetVaultAccessPolicyOutput) error {
				_, err := fmt.Fprintln(w, out.Policy.Policy)
				return err
			})
		}),
	}
	del := &cobra.Command{
		Use:   "delete VAULT",
		Short: "Delete a vault's access policy",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return confirm(cmd.Context(), a, firn.Glacier.DeleteVaultAccessPolicy, &firn.DeleteVaultAccessPolicyInput{AccountId: a.account, VaultName: args[0]}, "deleted the access policy of vault %s", args[0])
		}),
	}
	return group("policy", "Set, get and delete vault access policies", set, get, del)
}

// readPolicy reads a policy document from a file, or stdin for "-".
func readPolicy(cmd *cobra.Command, name string) (string, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(cmd.InOrStdin())
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return "", localErr(fmt.Errorf("reading the policy: %w", err), "")
	}
	return string(b), nil
}
