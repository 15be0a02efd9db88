package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

func (a *app) vaultCmd() *cobra.Command {
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a vault (succeeds if it exists)",
		Args:  args("NAME"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.CreateVault(cmd.Context(), &firn.CreateVaultInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.print(out, func(w io.Writer) error {
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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			var vaults []firn.DescribeVaultOutput
			for v, err := range firn.AllVaults(cmd.Context(), g, firn.ListVaultsInput{AccountId: a.account}) {
				if err != nil {
					return err
				}
				vaults = append(vaults, v)
			}
			return a.print(firn.ListVaultsOutput{VaultList: orEmpty(vaults)}, func(w io.Writer) error {
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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			v, err := g.DescribeVault(cmd.Context(), &firn.DescribeVaultInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.print(v, func(w io.Writer) error {
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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.DeleteVault(cmd.Context(), &firn.DeleteVaultInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.done(out, "deleted vault %s", args[0])
		}),
	}
	return group("vault", "Create, list, describe and delete vaults", create, list, describe, del)
}

// done prints out as JSON with --json, or a one-line confirmation.
func (a *app) done(out any, format string, args ...any) error {
	return a.print(out, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, format+"\n", args...)
		return err
	})
}

// orEmpty makes a nil slice an empty one, so that JSON shows [] not null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (a *app) archiveCmd() *cobra.Command {
	del := &cobra.Command{
		Use:   "delete VAULT ARCHIVE_ID",
		Short: "Delete an archive",
		Args:  args("VAULT", "ARCHIVE_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.DeleteArchive(cmd.Context(), &firn.DeleteArchiveInput{AccountId: a.account, VaultName: args[0], ArchiveId: args[1]})
			if err != nil {
				return err
			}
			return a.done(out, "deleted archive %s from vault %s", args[1], args[0])
		}),
	}
	return group("archive", "Delete archives (upload with 'firn upload', list with 'firn job inventory')", del)
}

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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.AddTagsToVault(cmd.Context(), &firn.AddTagsToVaultInput{AccountId: a.account, VaultName: args[0], Tags: tags})
			if err != nil {
				return err
			}
			return a.done(out, "tagged vault %s with %d tag(s)", args[0], len(tags))
		}),
	}
	list := &cobra.Command{
		Use:   "list VAULT",
		Short: "List a vault's tags",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.ListTagsForVault(cmd.Context(), &firn.ListTagsForVaultInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.print(out, func(w io.Writer) error {
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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.RemoveTagsFromVault(cmd.Context(), &firn.RemoveTagsFromVaultInput{AccountId: a.account, VaultName: args[0], TagKeys: args[1:]})
			if err != nil {
				return err
			}
			return a.done(out, "removed %d tag key(s) from vault %s", len(args)-1, args[0])
		}),
	}
	return group("tags", "Add, list and remove vault tags", add, list, remove)
}

func (a *app) notificationsCmd() *cobra.Command {
	var topic string
	var events []string
	set := &cobra.Command{
		Use:   "set VAULT --topic ARN [--events E,...]",
		Short: "Send a vault's job-completion events to an SNS topic",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if topic == "" {
				return usagef("--topic is required: the SNS topic ARN, arn:aws:sns:REGION:ACCOUNT:NAME")
			}
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.SetVaultNotifications(cmd.Context(), &firn.SetVaultNotificationsInput{
				AccountId: a.account, VaultName: args[0],
				VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: topic, Events: events},
			})
			if err != nil {
				return err
			}
			return a.done(out, "vault %s notifies %s of %s", args[0], topic, strings.Join(events, ", "))
		}),
	}
	set.Flags().StringVar(&topic, "topic", "", "SNS topic ARN")
	set.Flags().StringSliceVar(&events, "events", []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}, "events to send")
	get := &cobra.Command{
		Use:   "get VAULT",
		Short: "Show a vault's notification configuration",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.GetVaultNotifications(cmd.Context(), &firn.GetVaultNotificationsInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.print(out, func(w io.Writer) error {
				c := out.VaultNotificationConfig
				return keyValues(w, "SNS topic", c.SNSTopic, "Events", strings.Join(c.Events, ", "))
			})
		}),
	}
	del := &cobra.Command{
		Use:   "delete VAULT",
		Short: "Stop a vault's notifications",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.DeleteVaultNotifications(cmd.Context(), &firn.DeleteVaultNotificationsInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.done(out, "deleted the notification configuration of vault %s", args[0])
		}),
	}
	return group("notifications", "Set, get and delete vault notifications", set, get, del)
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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.SetVaultAccessPolicy(cmd.Context(), &firn.SetVaultAccessPolicyInput{AccountId: a.account, VaultName: args[0], Policy: &firn.VaultAccessPolicy{Policy: doc}})
			if err != nil {
				return err
			}
			return a.done(out, "set the access policy of vault %s", args[0])
		}),
	}
	get := &cobra.Command{
		Use:   "get VAULT",
		Short: "Print a vault's access policy",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.GetVaultAccessPolicy(cmd.Context(), &firn.GetVaultAccessPolicyInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.print(out, func(w io.Writer) error {
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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.DeleteVaultAccessPolicy(cmd.Context(), &firn.DeleteVaultAccessPolicyInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.done(out, "deleted the access policy of vault %s", args[0])
		}),
	}
	return group("policy", "Set, get and delete vault access policies", set, get, del)
}

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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.InitiateVaultLock(cmd.Context(), &firn.InitiateVaultLockInput{AccountId: a.account, VaultName: args[0], Policy: &firn.VaultLockPolicy{Policy: doc}})
			if err != nil {
				return err
			}
			return a.print(out, func(w io.Writer) error {
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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.CompleteVaultLock(cmd.Context(), &firn.CompleteVaultLockInput{AccountId: a.account, VaultName: args[0], LockId: args[1]})
			if err != nil {
				return err
			}
			return a.done(out, "vault %s is locked", args[0])
		}),
	}
	abort := &cobra.Command{
		Use:   "abort VAULT",
		Short: "Abort an in-progress vault lock",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.AbortVaultLock(cmd.Context(), &firn.AbortVaultLockInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.done(out, "aborted the vault lock of %s", args[0])
		}),
	}
	get := &cobra.Command{
		Use:   "get VAULT",
		Short: "Show a vault's lock state and policy",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.GetVaultLock(cmd.Context(), &firn.GetVaultLockInput{AccountId: a.account, VaultName: args[0]})
			if err != nil {
				return err
			}
			return a.print(out, func(w io.Writer) error {
				return keyValues(w, "State", out.State, "Created", date(out.CreationDate), "Expires", date(out.ExpirationDate), "Policy", out.Policy)
			})
		}),
	}
	return group("lock", "Lock vaults with an immutable policy (initiate, complete, abort, get)", initiate, complete, abort, get)
}

func (a *app) retrievalPolicyCmd() *cobra.Command {
	var strategy string
	var perHour byteSize
	set := &cobra.Command{
		Use:   "set --strategy BytesPerHour|FreeTier|None [--bytes-per-hour N]",
		Short: "Set the account's data retrieval policy",
		Args:  args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if strategy == "" {
				return usagef("--strategy is required: BytesPerHour, FreeTier or None")
			}
			rule := firn.DataRetrievalRule{Strategy: strategy}
			if cmd.Flags().Changed("bytes-per-hour") {
				n := int64(perHour)
				rule.BytesPerHour = &n
			}
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.SetDataRetrievalPolicy(cmd.Context(), &firn.SetDataRetrievalPolicyInput{AccountId: a.account, Policy: &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{rule}}})
			if err != nil {
				return err
			}
			return a.done(out, "data retrieval policy set: %s", ruleString(rule))
		}),
	}
	set.Flags().StringVar(&strategy, "strategy", "", "BytesPerHour, FreeTier or None")
	set.Flags().Var(&perHour, "bytes-per-hour", "retrieval rate limit with BytesPerHour, such as 1GiB")
	get := &cobra.Command{
		Use:   "get",
		Short: "Show the account's data retrieval policy",
		Args:  args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.GetDataRetrievalPolicy(cmd.Context(), &firn.GetDataRetrievalPolicyInput{AccountId: a.account})
			if err != nil {
				return err
			}
			return a.print(out, func(w io.Writer) error {
				for _, r := range out.Policy.Rules {
					if _, err := fmt.Fprintln(w, ruleString(r)); err != nil {
						return err
					}
				}
				return nil
			})
		}),
	}
	return group("retrieval-policy", "Set and get the account's data retrieval policy", set, get)
}

func ruleString(r firn.DataRetrievalRule) string {
	if r.BytesPerHour != nil {
		return fmt.Sprintf("%s %s/hour (%d bytes)", r.Strategy, humanBytes(*r.BytesPerHour), *r.BytesPerHour)
	}
	return r.Strategy
}

func (a *app) capacityCmd() *cobra.Command {
	purchase := &cobra.Command{
		Use:   "purchase",
		Short: "Buy a provisioned capacity unit (Expedited retrievals)",
		Args:  args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.PurchaseProvisionedCapacity(cmd.Context(), &firn.PurchaseProvisionedCapacityInput{AccountId: a.account})
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
			g, err := a.glacier()
			if err != nil {
				return err
			}
			out, err := g.ListProvisionedCapacity(cmd.Context(), &firn.ListProvisionedCapacityInput{AccountId: a.account})
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
