package main

import (
	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

func (a *app) archiveCmd() *cobra.Command {
	del := &cobra.Command{
		Use:   "delete VAULT ARCHIVE_ID",
		Short: "Delete an archive",
		Args:  args("VAULT", "ARCHIVE_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return confirm(cmd.Context(), a, firn.Glacier.DeleteArchive, &firn.DeleteArchiveInput{AccountId: a.account, VaultName: args[0], ArchiveId: args[1]}, "deleted archive %s from vault %s", args[1], args[0])
		}),
	}
	return group("archive", "Delete archives (upload with 'firn upload', list with 'firn job inventory')", del)
}
