// Command firnbench measures Firn against the limits of the machine it runs
// on: each measurement runs next to its physical baseline (plain SHA-256,
// writing and fdatasyncing a file, reading a file back, Pebble's own synced
// commits) on the same disk in the same run, and the table shows both and
// their ratio against the target.
//
//	go run ./cmd/firnbench                  # full sizes: 1 GiB archives, 4 GiB RSS run, 1,000,000-archive vaults
//	go run ./cmd/firnbench -quick           # small sizes: proves the harness works, numbers mean little
//	go run ./cmd/firnbench -dir /mnt/disk -json results.json -run 'upload|small'
//	go run ./cmd/firnbench -run 'open|scale' -archives 100000   # a second size, for the slope
//
// The working directory (-dir, default a new directory under the system's
// temporary directory) must be on the disk under test; firnbench removes
// what it wrote when it finishes. The full run writes about 30 GiB and needs
// about 9 GiB free, and 3 GiB of memory; the open and scale groups' million
// segment files take about 5 GiB more, and building them most of an hour
// on two busy cores. BENCHMARKS.md describes each row
// and records results.
//
// Missing a target is reported in the table and the JSON, not by the exit
// status: 0 when every benchmark ran, 1 when one failed to run, 2 for a
// usage error.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/firnstore/firn/engine"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/pprof"
)

func main() {
	if isChild() {
		os.Exit(childMain())
	}
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("firnbench", flag.ContinueOnError)
	fl.SetOutput(stderr)
	quick := fl.Bool("quick", false, "small sizes: check that every benchmark runs")
	dir := fl.String("dir", "", "working `directory` on the disk under test (default: a new temporary directory)")
	jsonPath := fl.String("json", "", "also write the results as JSON to `file`")
	runExpr := fl.String("run", "", "run only the benchmarks whose group matches `regexp` ("+groupNames()+")")
	cpuProfile := fl.String("cpuprofile", "", "write a CPU profile of the whole run to `file`")
	archives := fl.Int("archives", 0, "`count` of archives in the inventory, open and scale groups (default 1,000,000; -quick: 100 and 2,000)")
	postgres := fl.String("postgres", "", "the shared group's PostgreSQL database `URL` (it creates Firn's tables there)")
	var store engine.ObjectStore
	fl.StringVar(&store.Endpoint, "s3-endpoint", "", "the shared group's object store `host:port`")
	fl.StringVar(&store.Bucket, "s3-bucket", "", "the shared group's `bucket` (it writes under a new prefix)")
	fl.StringVar(&store.AccessKeyID, "s3-access-key", "", "the object store's access `key`")
	fl.StringVar(&store.SecretAccessKey, "s3-secret-key", "", "the object store's secret `key`")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "firnbench: unexpected argument %q\n", fl.Arg(0))
		return 2
	}
	cfg := config{quick: *quick, dir: *dir, archives: *archives, log: stderr}
	if *postgres != "" && store.Endpoint != "" && store.Bucket != "" {
		cfg.shared = &sharedSetup{postgres: *postgres, store: store}
	}
	if *runExpr != "" {
		re, err := regexp.Compile(*runExpr)
		if err != nil {
			fmt.Fprintf(stderr, "firnbench: -run: %v\n", err)
			return 2
		}
		cfg.run = re
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "firnbench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "firnbench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, cfg)
	printReport(stdout, rep)
	if *jsonPath != "" {
		b, jerr := json.MarshalIndent(rep, "", "  ")
		if jerr == nil {
			jerr = os.WriteFile(*jsonPath, append(b, '\n'), 0o644)
		}
		if jerr != nil {
			fmt.Fprintf(stderr, "firnbench: -json: %v\n", jerr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "firnbench: %v\n", err)
		return 1
	}
	return 0
}
