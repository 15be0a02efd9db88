package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

func (a *app) tagsCmd() *cobra.Command {
	add := &cobra.Command{
		Use:   "add VAULT KEY=VALUE...",
		Short: "Add or overwrite vault tags (at most 10 per vault)",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("%s takes a vault and at least one KEY=VALUE", cmd.CommandPath())
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			tags := map[string]string{}
			for _, kv := range args[1:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return usagef("tag %q: write KEY=VALUE", kv)
				}
				tags[k] = v
			}
			return confirm(cmd.Context(), a, firn.Glacier.AddTagsToVault, &firn.AddTagsToVaultInput{AccountId: a.account, VaultName: args[0], Tags: tags}, "tagged vault %s with %d tag(s)", args[0], len(tags))
		}),
	}
	list := &cobra.Command{
		Use:   "list VAULT",
		Short: "List a vault's tags",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return show(cmd.Context(), a, firn.Glacier.ListTagsForVault, &firn.ListTagsForVaultInput{AccountId: a.account, VaultName: args[0]}, func(w io.Writer, out *firn.ListTagsForVaultOutput) error {
				if len(out.Tags) == 0 {
					_, err := fmt.Fprintf(w, "vault %s has no tags\n", args[0])
					return err
				}
				t := newTable(w, "KEY", "VALUE")
				for _, k := range slices.Sorted(maps.Keys(out.Tags)) {
					t.row(k, out.Tags[k])
				}
				return t.flush()
			})
		}),
	}
	remove := &cobra.Command{
		Use:   "remove VAULT KEY...",
		Short: "Remove vault tags by key (absent keys are ignored)",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("%s takes a vault and at least one KEY", cmd.CommandPath())
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return confirm(cmd.Context(), a, firn.Glacier.RemoveTagsFromVault, &firn.RemoveTagsFromVaultInput{AccountId: a.account, VaultName: args[0], TagKeys: args[1:]}, "removed %d tag key(s) from vault %s", len(args)-1, args[0])
		}),
	}
	return group("tags", "Add, list and remove vault tags", add, list, remove)
}
