package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/migrate"
)

func (a *app) migrateCmd() *cobra.Command {
	var (
		src              sourceFlags
		cf               copyFlags
		vaultName, toVal string
	)
	cmd := &cobra.Command{
		Use:   "migrate --vault NAME",
		Short: "Copy a vault out of Amazon S3 Glacier (or any Glacier endpoint), keeping archive IDs, descriptions and dates",
		Long: `migrate copies the vault --vault of a source Glacier (Amazon S3 Glacier, or
--from-endpoint-url) into the vault --to-vault (default the same name) of the
Glacier the command works on: a data directory (--data), a database
(--metadata), or another firn server (--endpoint-url) started with
--import-principal naming the caller. Every archive keeps its ID, description,
creation date and tree hash, so code that knows its archive IDs works on the
copy unchanged.

It takes the source's newest inventory (or requests one and waits, about 4
hours on AWS), then requests a retrieval job per archive in the --tier (Bulk,
the cheapest, by default), in waves an hour apart of at most
--max-bytes-per-hour bytes, which bounds the retrieval cost per hour. It waits
for the jobs (polling DescribeJob, or reading their completion notifications
from the SQS queue --sns-queue-url), downloads their output in parallel ranged
requests, verifies each range against the tree hash, and imports each archive.
--dry-run prints the plan: archives, bytes, waves and estimated time.

A run is resumable: the archives the destination has are skipped, and the
inventory and the jobs in flight are kept in the --state file, so the same
command run again after Ctrl-C, a crash or an expired job output continues
where it stopped and requests nothing twice. At the end it writes the
--report CSV of every archive and prints a summary (the report as JSON with
--json).

It creates the destination vault if need be and copies the source vault's
tags. It does not copy the vault's access policy, vault lock or notification
configuration: they name the source's ARNs (accounts, roles, SNS topics); set
them anew with 'firn policy', 'firn lock' and 'firn notifications'.

Exit status 4 means the run ended with failed archives: the report says why;
run the same command again to retry them.`,
		Example: `  firn migrate --vault photos --dry-run --max-bytes-per-hour 100GiB
  firn migrate --vault photos --max-bytes-per-hour 100GiB --data ./firn-data
  firn migrate --vault photos --from-profile old-account --from-region eu-west-1 --endpoint-url https://firn.example.com`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if vaultName == "" {
				return usagef("give the source vault: --vault NAME")
			}
			if err := src.check(); err != nil {
				return err
			}
			if err := cf.check(); err != nil {
				return err
			}
			if toVal == "" {
				toVal = vaultName
			}
			ctx := cmd.Context()
			dest, err := a.glacier()
			if err != nil {
				return err
			}
			imp, ok := dest.(firn.Importer)
			if !ok {
				return &exitError{code: exitUsage, err: fmt.Errorf("%s cannot import archives with their identity", a.target()),
					hint: "give a data directory (--data), a database (--metadata) or the --endpoint-url of a firn serve started with --import-principal"}
			}
			source, sourceName, err := src.glacier(ctx, a)
			if err != nil {
				return err
			}
			if !cf.dryRun {
				if err := a.prepareVault(ctx, source, src.account, vaultName, dest, imp, toVal); err != nil {
					return err
				}
			}
			opts := migrate.Options{Source: source, SourceAccount: src.account, Vault: vaultName, Sink: &migrate.ImportSink{Importer: imp, AccountID: a.account, VaultName: toVal}}
			src.notifications(&opts)
			return a.runCopy(ctx, &copyJob{
				verb:   "migrate",
				flags:  &cf,
				opts:   opts,
				source: sourceName,
				dest:   a.target() + " vault " + toVal,
			})
		}),
	}
	fs := cmd.Flags()
	fs.StringVar(&vaultName, "vault", "", "name of the source vault to copy (required)")
	fs.StringVar(&toVal, "to-vault", "", "name of the destination vault (default: --vault)")
	src.register(fs)
	cf.register(fs, "migrate")
	return cmd
}

// probeArchiveID is an archive ID no vault has, asked for to learn whether
// the destination lets the caller import.
const probeArchiveID = "firn-migrate-probe"

// prepareVault creates the destination vault if need be, copies the source
// vault's tags to it, and checks that the destination lets the caller
// import.
func (a *app) prepareVault(ctx context.Context, source firn.Glacier, account, vaultName string, dest firn.Glacier, imp firn.Importer, toVault string) error {
	tags, err := source.ListTagsForVault(ctx, &firn.ListTagsForVaultInput{AccountId: account, VaultName: vaultName})
	if err != nil {
		return fmt.Errorf("source vault %s: %w", vaultName, err)
	}
	if _, err := dest.CreateVault(ctx, &firn.CreateVaultInput{AccountId: a.account, VaultName: toVault}); err != nil {
		return fmt.Errorf("creating vault %s: %w", toVault, err)
	}
	if len(tags.Tags) > 0 {
		if _, err := dest.AddTagsToVault(ctx, &firn.AddTagsToVaultInput{AccountId: a.account, VaultName: toVault, Tags: tags.Tags}); err != nil {
			return fmt.Errorf("copying the tags of vault %s: %w", vaultName, err)
		}
	}
	_, err = imp.DescribeArchive(ctx, &firn.DescribeArchiveInput{AccountId: a.account, VaultName: toVault, ArchiveId: probeArchiveID})
	switch {
	case errors.Is(err, firn.ErrResourceNotFound):
		return nil
	case err == nil:
		return fmt.Errorf("vault %s has an archive %s", toVault, probeArchiveID)
	case firn.CodeOf(err) == firn.CodeAccessDenied || firn.CodeOf(err) == "UnknownOperationException":
		return &exitError{code: exitGlacier, err: fmt.Errorf("%s does not let this caller import archives: %w", a.target(), err),
			hint: "start that firn serve with --import-principal naming the caller's ARN, or migrate into its data directory with --data"}
	}
	return err
}
