package main

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

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
			return confirm(cmd.Context(), a, firn.Glacier.SetVaultNotifications, &firn.SetVaultNotificationsInput{
				AccountId: a.account, VaultName: args[0],
				VaultNotificationConfig: &firn.VaultNotificationConfig{SNSTopic: topic, Events: events},
			}, "vault %s notifies %s of %s", args[0], topic, strings.Join(events, ", "))
		}),
	}
	set.Flags().StringVar(&topic, "topic", "", "SNS topic ARN")
	set.Flags().StringSliceVar(&events, "events", []string{firn.EventArchiveRetrievalCompleted, firn.EventInventoryRetrievalCompleted}, "events to send")
	get := &cobra.Command{
		Use:   "get VAULT",
		Short: "Show a vault's notification configuration",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return show(cmd.Context(), a, firn.Glacier.GetVaultNotifications, &firn.GetVaultNotificationsInput{AccountId: a.account, VaultName: args[0]}, func(w io.Writer, out *firn.GetVaultNotificationsOutput) error {
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
			return confirm(cmd.Context(), a, firn.Glacier.DeleteVaultNotifications, &firn.DeleteVaultNotificationsInput{AccountId: a.account, VaultName: args[0]}, "deleted the notification configuration of vault %s", args[0])
		}),
	}
	return group("notifications", "Set, get and delete vault notifications", set, get, del)
}
