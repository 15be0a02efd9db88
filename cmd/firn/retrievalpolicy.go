package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

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
			return confirm(cmd.Context(), a, firn.Glacier.SetDataRetrievalPolicy, &firn.SetDataRetrievalPolicyInput{AccountId: a.account, Policy: &firn.DataRetrievalPolicy{Rules: []firn.DataRetrievalRule{rule}}}, "data retrieval policy set: %s", ruleString(rule))
		}),
	}
	set.Flags().StringVar(&strategy, "strategy", "", "BytesPerHour, FreeTier or None")
	set.Flags().Var(&perHour, "bytes-per-hour", "retrieval rate limit with BytesPerHour, such as 1GiB")
	get := &cobra.Command{
		Use:   "get",
		Short: "Show the account's data retrieval policy",
		Args:  args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return show(cmd.Context(), a, firn.Glacier.GetDataRetrievalPolicy, &firn.GetDataRetrievalPolicyInput{AccountId: a.account}, func(w io.Writer, out *firn.GetDataRetrievalPolicyOutput) error {
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
