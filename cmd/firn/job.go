package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firnstore/firn"
)

func (a *app) jobCmd() *cobra.Command {
	return group("job", "Start retrieval and inventory jobs, list and describe them, download their output",
		a.jobRetrieveCmd(), a.jobInventoryCmd(), a.jobListCmd(), a.jobDescribeCmd(), a.jobOutputCmd())
}

// jobCommon are the flags every job kind takes.
type jobCommon struct {
	description, topic string
}

func (j *jobCommon) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&j.description, "description", "", "job description, up to 1,024 printable ASCII characters")
	cmd.Flags().StringVar(&j.topic, "sns-topic", "", "SNS topic ARN notified when the job completes")
}

func (a *app) startJob(cmd *cobra.Command, vaultName string, p firn.JobParameters) error {
	return show(cmd.Context(), a, firn.Glacier.InitiateJob, &firn.InitiateJobInput{AccountId: a.account, VaultName: vaultName, JobParameters: p}, func(w io.Writer, out *firn.InitiateJobOutput) error {
		_, err := fmt.Fprintf(w, "started %s job %s\ndownload its output: firn job output %s %s -o FILE --wait\n", p.Type, out.JobId, vaultName, out.JobId)
		return err
	})
}

func (a *app) jobRetrieveCmd() *cobra.Command {
	var c jobCommon
	var rng, tier string
	cmd := &cobra.Command{
		Use:   "retrieve VAULT ARCHIVE_ID",
		Short: "Start an archive-retrieval job",
		Long: `retrieve starts a job that stages an archive, or a byte range of it, for
download. Jobs take minutes (Expedited) to hours (Standard, Bulk) on the real
service, and as configured on a firn server (instant by default). Download
the output with 'firn job output VAULT JOB_ID -o FILE --wait'.`,
		Args: args("VAULT", "ARCHIVE_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return a.startJob(cmd, args[0], firn.JobParameters{
				Type:               firn.JobTypeArchiveRetrieval,
				ArchiveId:          args[1],
				Description:        c.description,
				SNSTopic:           c.topic,
				RetrievalByteRange: rng,
				Tier:               tier,
			})
		}),
	}
	c.flags(cmd)
	cmd.Flags().StringVar(&rng, "range", "", "byte range START-END (inclusive), megabyte aligned; default the whole archive")
	cmd.Flags().StringVar(&tier, "tier", "", "Expedited, Standard (default) or Bulk")
	return cmd
}

func (a *app) jobInventoryCmd() *cobra.Command {
	var c jobCommon
	var format string
	var inv firn.InventoryRetrievalJobInput
	cmd := &cobra.Command{
		Use:   "inventory VAULT",
		Short: "Start an inventory-retrieval job (the list of a vault's archives)",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			p := firn.JobParameters{
				Type:        firn.JobTypeInventoryRetrieval,
				Format:      strings.ToUpper(format),
				Description: c.description,
				SNSTopic:    c.topic,
			}
			if inv != (firn.InventoryRetrievalJobInput{}) {
				p.InventoryRetrievalParameters = &inv
			}
			return a.startJob(cmd, args[0], p)
		}),
	}
	c.flags(cmd)
	f := cmd.Flags()
	f.StringVar(&format, "format", firn.FormatJSON, "inventory format: JSON or CSV")
	f.StringVar(&inv.StartDate, "start-date", "", "only archives created at or after this ISO 8601 date")
	f.StringVar(&inv.EndDate, "end-date", "", "only archives created before this ISO 8601 date")
	f.StringVar(&inv.Limit, "limit", "", "at most this many archives; the output then carries a marker to continue")
	f.StringVar(&inv.Marker, "marker", "", "continue an inventory that had a limit")
	return cmd
}

func (a *app) jobListCmd() *cobra.Command {
	var status, completed string
	cmd := &cobra.Command{
		Use:   "list VAULT",
		Short: "List a vault's jobs",
		Args:  args("VAULT"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			in := firn.ListJobsInput{AccountId: a.account, VaultName: args[0], Statuscode: status}
			if completed != "" {
				b, err := strconv.ParseBool(completed)
				if err != nil {
					return usagef("--completed %q: use true or false", completed)
				}
				in.Completed = &b
			}
			jobs, err := listAll(cmd.Context(), a, firn.AllJobs, in)
			if err != nil {
				return err
			}
			return a.print(firn.ListJobsOutput{JobList: jobs}, func(w io.Writer) error {
				if len(jobs) == 0 {
					_, err := fmt.Fprintf(w, "no jobs in vault %s; start one with 'firn job retrieve' or 'firn job inventory'\n", args[0])
					return err
				}
				t := newTable(w, "JOB ID", "ACTION", "STATUS", "TIER", "CREATED", "COMPLETED", "SIZE")
				for _, j := range jobs {
					t.row(j.JobId, string(j.Action), string(j.StatusCode), orDash(j.Tier), date(j.CreationDate), date(j.CompletionDate), jobSize(&j))
				}
				return t.flush()
			})
		}),
	}
	cmd.Flags().StringVar(&status, "status", "", "only jobs with this status: InProgress, Succeeded or Failed")
	cmd.Flags().StringVar(&completed, "completed", "", "only completed (true) or uncompleted (false) jobs")
	return cmd
}

// jobSize is the size of a job's output for people, "-" when unknown.
func jobSize(j *firn.GlacierJobDescription) string {
	if n := outputSize(j); n >= 0 {
		return humanBytes(n)
	}
	return "-"
}

// outputSize is the size of a completed job's output, or -1 when the
// description does not tell.
func outputSize(j *firn.GlacierJobDescription) int64 {
	switch j.Action {
	case firn.ActionArchiveRetrieval:
		if s, e, ok := parseInclusiveRange(j.RetrievalByteRange); ok {
			return e - s + 1
		}
		return j.ArchiveSizeInBytes
	case firn.ActionInventoryRetrieval:
		if j.Completed && j.InventorySizeInBytes > 0 {
			return j.InventorySizeInBytes
		}
	}
	return -1
}

func (a *app) jobDescribeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "describe VAULT JOB_ID",
		Short: "Show a job's status and parameters",
		Args:  args("VAULT", "JOB_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return show(cmd.Context(), a, firn.Glacier.DescribeJob, &firn.DescribeJobInput{AccountId: a.account, VaultName: args[0], JobId: args[1]}, describeJob)
		}),
	}
}

func describeJob(w io.Writer, j *firn.GlacierJobDescription) error {
	kv := []string{
		"Job ID", j.JobId,
		"Action", string(j.Action),
		"Status", string(j.StatusCode),
		"Completed", strconv.FormatBool(j.Completed),
		"Created", date(j.CreationDate),
		"Completion date", date(j.CompletionDate),
		"Vault", j.VaultARN,
	}
	opt := func(label, v string) {
		if v != "" {
			kv = append(kv, label, v)
		}
	}
	opt("Status message", j.StatusMessage)
	opt("Description", j.JobDescription)
	opt("Tier", j.Tier)
	opt("Archive ID", j.ArchiveId)
	if j.ArchiveSizeInBytes > 0 || j.Action == firn.ActionArchiveRetrieval {
		kv = append(kv, "Archive size", fmt.Sprintf("%s (%d bytes)", humanBytes(j.ArchiveSizeInBytes), j.ArchiveSizeInBytes))
	}
	opt("Archive tree hash", j.ArchiveSHA256TreeHash)
	opt("Retrieval range", j.RetrievalByteRange)
	opt("Output tree hash", j.SHA256TreeHash)
	if j.InventorySizeInBytes > 0 {
		kv = append(kv, "Inventory size", fmt.Sprintf("%s (%d bytes)", humanBytes(j.InventorySizeInBytes), j.InventorySizeInBytes))
	}
	if p := j.InventoryRetrievalParameters; p != nil {
		opt("Inventory format", p.Format)
		opt("Inventory start date", p.StartDate)
		opt("Inventory end date", p.EndDate)
		opt("Inventory limit", p.Limit)
		opt("Inventory marker", p.Marker)
	}
	opt("SNS topic", j.SNSTopic)
	opt("Output path", j.JobOutputPath)
	return keyValues(w, kv...)
}

func (a *app) jobOutputCmd() *cobra.Command {
	o := outputOptions{concurrency: 4, chunk: defaultChunk, poll: 30 * time.Second}
	cmd := &cobra.Command{
		Use:   "output VAULT JOB_ID -o FILE",
		Short: "Download a job's output to a file (ranged, parallel, tree-hash verified)",
		Long: `output downloads the output of a completed job: the retrieved archive
bytes, or the inventory. With --wait it first polls the job until it
completes.

A file is downloaded in --chunk-size ranges, --concurrency at a time, into a
temporary file next to FILE that replaces FILE once complete. The tree hash of
every chunk is checked against the one the service sends, and the whole
output's against the job's SHA256TreeHash. -o - writes to stdout instead, in
one stream.`,
		Example: `  firn job output photos JOB_ID -o holiday.tar --wait
  firn job output photos JOB_ID -o part.bin --range bytes=0-1048575`,
		Args: args("VAULT", "JOB_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return usagef("-o FILE is required (- for stdout)")
			}
			if o.concurrency < 1 {
				return usagef("--concurrency %d: must be at least 1", o.concurrency)
			}
			if o.chunk <= 0 || o.chunk%(1<<20) != 0 {
				return usagef("--chunk-size %s: must be a positive multiple of 1MiB", o.chunk.String())
			}
			if o.poll <= 0 {
				return usagef("--poll-interval %v: must be positive", o.poll)
			}
			return a.jobOutput(cmd.Context(), args[0], args[1], o)
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "output", "o", "", "file to write, - for stdout")
	f.StringVar(&o.rng, "range", "", "only these bytes of the output: bytes=START-END (inclusive)")
	f.IntVar(&o.concurrency, "concurrency", o.concurrency, "ranges downloaded at once")
	f.Var(&o.chunk, "chunk-size", "size of each ranged request, a multiple of 1MiB")
	f.BoolVar(&o.wait, "wait", false, "wait for the job to complete first")
	f.DurationVar(&o.poll, "poll-interval", o.poll, "with --wait, how often to check the job")
	return cmd
}
