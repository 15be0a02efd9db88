package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/migrate"
	"github.com/firnstore/firn/treehash"
)

// copyFlags are the flags firn migrate and firn export share: how archives
// are retrieved, and where a run keeps its state and its report.
type copyFlags struct {
	tier             string
	maxBytesPerHour  byteSize
	concurrency      int
	rangeSize        byteSize
	dryRun           bool
	state, tempDir   string
	report           string
	pollMin, pollMax time.Duration
}

func (f *copyFlags) register(fs *pflag.FlagSet, verb string) {
	f.rangeSize = 64 << 20
	fs.StringVar(&f.tier, "tier", firn.TierBulk, "retrieval tier: Bulk (the cheapest, 5-12 hours), Standard (3-5 hours) or Expedited (1-5 minutes, the dearest)")
	fs.Var(&f.maxBytesPerHour, "max-bytes-per-hour", "request retrievals in hourly waves of at most this many bytes, such as 100GiB, to bound the retrieval cost per hour (default: everything at once)")
	fs.IntVar(&f.concurrency, "concurrency", 4, "ranged downloads in flight, and archives copied at the same time")
	fs.Var(&f.rangeSize, "range-size", "size of each ranged download of a job's output: a power-of-two number of MiB, each verified by its tree hash")
	fs.BoolVar(&f.dryRun, "dry-run", false, "take the inventory and print the plan (archives, bytes, waves, estimated time); request no retrieval")
	fs.StringVar(&f.state, "state", "", "file keeping the inventory and the jobs in flight, so that the same command run again resumes (default: one per source, vault and destination in the user cache directory)")
	fs.StringVar(&f.tempDir, "temp-dir", "", "directory where archives are downloaded before they are stored, as large as the largest archive times --concurrency (default: beside the --state file)")
	fs.StringVar(&f.report, "report", "", "CSV file of every archive: ID, description, date, size, tree hash, status, location, error (default VAULT-"+verb+".csv in the current directory)")
	fs.DurationVar(&f.pollMin, "poll-min", time.Minute, "first pause between checks of the jobs waited for; it doubles up to --poll-max")
	fs.DurationVar(&f.pollMax, "poll-max", 15*time.Minute, "longest pause between checks of the jobs waited for")
}

// check reports the first bad flag value as a usage error.
func (f *copyFlags) check() error {
	switch f.tier {
	case firn.TierBulk, firn.TierStandard, firn.TierExpedited:
	default:
		return usagef("--tier %q: give Bulk, Standard or Expedited", f.tier)
	}
	if f.concurrency < 1 {
		return usagef("--concurrency %d: give at least 1", f.concurrency)
	}
	if !treehash.IsPowerOfTwoMiB(int64(f.rangeSize)) {
		return usagef("--range-size %s: give a power-of-two number of MiB, such as 64MiB", &f.rangeSize)
	}
	if f.pollMin <= 0 || f.pollMax < f.pollMin {
		return usagef("--poll-min %v, --poll-max %v: give positive durations, --poll-min at most --poll-max", f.pollMin, f.pollMax)
	}
	return nil
}

// copyJob is one run of firn migrate or firn export.
type copyJob struct {
	verb   string // "migrate" or "export"
	flags  *copyFlags
	opts   migrate.Options // Source, SourceAccount, Vault and Sink set
	source string          // names the source for the default state file
	dest   string          // names the destination, for people and the state file
}

// run copies the vault as j says and prints the outcome. A run that ends
// with failed archives returns an error of status exitFailed.
func (a *app) runCopy(ctx context.Context, j *copyJob) error {
	f, o := j.flags, &j.opts
	o.Tier, o.MaxBytesPerHour, o.Concurrency, o.RangeSize = f.tier, int64(f.maxBytesPerHour), f.concurrency, int64(f.rangeSize)
	o.DryRun, o.PollMin, o.PollMax = f.dryRun, f.pollMin, f.pollMax
	o.StatePath = f.state
	if o.StatePath == "" {
		o.StatePath = a.copyStatePath(j)
	}
	o.TempDir = f.tempDir
	if o.TempDir == "" {
		o.TempDir = strings.TrimSuffix(o.StatePath, ".json") + ".tmp"
	}
	for _, dir := range []string{filepath.Dir(o.StatePath), o.TempDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return localErr(err, "give --state and --temp-dir in a writable place")
		}
	}
	reportPath := f.report
	if reportPath == "" {
		reportPath = o.Vault + "-" + j.verb + ".csv"
	}

	var bar *progress
	barTried := false
	o.Progress = func(p migrate.Progress) {
		desc := fmt.Sprintf("%d/%d archives, %d jobs waiting", p.ArchivesDone, p.ArchivesTotal, p.JobsWaiting)
		if !barTried {
			barTried = true
			bar = a.newProgress(p.BytesTotal, desc)
		}
		if bar != nil {
			bar.bar.Describe(desc)
			bar.bar.Set64(p.BytesDone)
		}
	}
	rep, err := migrate.Run(ctx, o)
	if err == nil && !o.DryRun {
		bar.finish()
	} else {
		bar.stop()
	}
	if rep != nil && rep.Results != nil {
		if werr := writeReport(reportPath, rep); werr != nil && err == nil {
			err = localErr(werr, "give --report a writable path")
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return &exitError{code: exitLocal, err: fmt.Errorf("%s of vault %s interrupted", j.verb, o.Vault),
				hint: fmt.Sprintf("run the same command again to resume (state in %s)", o.StatePath)}
		}
		return err
	}
	if err := a.print(rep, func(w io.Writer) error { return printCopy(w, j, rep, reportPath) }); err != nil {
		return err
	}
	if rep.Failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d of %d archives failed", rep.Failed, len(rep.Results)),
			hint: fmt.Sprintf("see the report %s for why; run the same command again to retry them", absPath(reportPath))}
	}
	return nil
}

// copyStatePath is the default state file of j: one per source, account,
// vault and destination, so that the same command resumes.
func (a *app) copyStatePath(j *copyJob) string {
	dir := a.stateDir
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir = filepath.Join(cache, "firn")
	}
	key := sha256.Sum256([]byte(strings.Join([]string{j.verb, j.source, j.opts.SourceAccount, j.opts.Vault, j.dest}, "\x00")))
	return filepath.Join(dir, "migrations", j.opts.Vault+"-"+hex.EncodeToString(key[:8])+".json")
}

// writeReport writes rep's CSV to path, replacing it.
func writeReport(path string, rep *migrate.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = rep.WriteCSV(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// printCopy writes the plan of a dry run, or the outcome of a run, for
// people.
func printCopy(w io.Writer, j *copyJob, rep *migrate.Report, reportPath string) error {
	var total int64
	for _, r := range rep.Results {
		total += r.Size
	}
	fmt.Fprintf(w, "vault %s: %d archives, %s, in the inventory of %s\n", rep.Vault, len(rep.Results), humanBytes(total), date(rep.InventoryDate))
	if p := rep.Plan; j.opts.DryRun && p != nil {
		fmt.Fprintf(w, "already at %s: %d archives\n", j.dest, rep.Present)
		fmt.Fprintf(w, "to retrieve (%s tier): %d archives, %s", j.opts.Tier, p.Archives, humanBytes(p.Bytes))
		if p.Adopted > 0 {
			fmt.Fprintf(w, ", %d of them by jobs already requested", p.Adopted)
		}
		fmt.Fprintln(w)
		const shown = 10
		for i, wv := range p.Waves[:min(len(p.Waves), shown)] {
			fmt.Fprintf(w, "  wave %d at +%dh: %d archives, %s\n", i+1, i, wv.Archives, humanBytes(wv.Bytes))
		}
		if n := len(p.Waves) - shown; n > 0 {
			fmt.Fprintf(w, "  ... %d more waves, an hour apart\n", n)
		}
		if p.Archives > 0 {
			fmt.Fprintf(w, "estimated time: %v to %v until the last job completes, then the downloads\n", p.EstimatedMin, p.EstimatedMax)
		}
		if rep.Failed > 0 {
			fmt.Fprintf(w, "failed: %d archives\n", rep.Failed)
		}
	} else {
		fmt.Fprintf(w, "to %s: copied %d (%s), present %d, deleted at the source %d, failed %d\n",
			j.dest, rep.Copied, humanBytes(rep.BytesCopied), rep.Present, rep.DeletedAtSource, rep.Failed)
		fmt.Fprintf(w, "retrieval jobs: %d requested, %d adopted from an earlier run\n", rep.JobsRequested, rep.JobsAdopted)
	}
	_, err := fmt.Fprintf(w, "report: %s\n", absPath(reportPath))
	return err
}
