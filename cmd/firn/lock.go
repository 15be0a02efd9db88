package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

func (a *app) lockCmd() *cobra.Command {
	initiate := &cobra.Command{
		Use:   "initiate VAULT FILE|-",
		Short: "Start locking a vault with a policy (complete within 24 hours)",
		Args:  args("VAULT", "FILE"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			doc, err := readPolicy(cmd, args[1])
			if err != nil {
				return err
			}
			return show(cmd.Context(), a, firn.Glacier.InitiateVaultLock, &firn.InitiateVaultLockInput{AccountId: a.account, VaultName: args[0], Policy: &firn.VaultLockPolicy{Policy: doc}}, func(w io.Writer, out *firn.InitiateVaultLockOutput) error {
				_, err := fmt.Fprintf(w, "lock %s in progress on vault %s\ntest the policy, then within 24 hours: firn lock complete %s %s   (or: firn lock abort %s)\n",
					out.LockId, args[0], args[0], out.LockId, args[0])
				return err
			})
		}),
	}
	complete := &cobra.Command{
		Use:   "complete VAULT LOCK_ID",
		Short: "Complete an in-progress vault lock; the policy becomes immutable",
		Args:  args("VAULT", "LOCK_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return confirm(cmd.Context(), a, firn.Glacier.CompleteVaultLock, &firn.CompleteVaultLockInput{AccountId: a.account, VaultName: args[0], LockId: args[1]}, "vault %s is locked", args[0])
		}),
	}
	abort := &cobra.Command{
		Use:   "abort VAULT",
		Short: "Abort an in-progress vault lock",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return confirm(cmd.Context(), a, firn.Glacier.AbortVaultLock, &firn.AbortVaultLockInput{AccountId: a.account, VaultName: args[0]}, "aborted the vault lock of %s", args[0])
		}),
	}
	get := &cobra.Command{
		Use:   "get VAULT",
		Short: "Show a vault's lock state and policy",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return show(cmd.Context(), a, firn.Glacier.GetVaultLock, &firn.GetVaultLockInput{AccountId: a.account, VaultName: args[0]}, func(w io.Writer, out *firn.GetVaultLockOutput) error {
				return keyValues(w, "State", out.State, "Created", date(out.CreationDate), "Expires", date(out.ExpirationDate), "Policy", out.Policy)
			})
		}),
	}
	return group("lock", "Lock vaults with an immutable policy (initiate, complete, abort, get)", initiate, complete, abort, get)
}
