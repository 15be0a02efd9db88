package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/pgtest"
)

func TestMain(m *testing.M) {
	// The RSS and open benchmarks start this test binary as their child.
	if isChild() {
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}

// TestQuick runs the whole harness at its small sizes and checks that it
// produced every row, each with a number, and valid JSON. It asserts
// nothing about the numbers themselves.
func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every benchmark")
	}
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "out.json")
	var stdout, stderr bytes.Buffer
	c := miniotest.Start(t)
	args := []string{"-quick", "-dir", dir, "-json", jsonPath,
		"-postgres", pgtest.NewDatabase(t), "-s3-endpoint", c.Endpoint(0), "-s3-bucket", c.NewBucket(),
		"-s3-access-key", miniotest.AccessKey, "-s3-secret-key", miniotest.SecretKey}
	if code := realMain(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	var rep Report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"treehash single", "treehash parallel",
		"upload incompressible", "upload compressible",
		"multipart upload",
		"getjoboutput archive",
		"small uploads x1", "small uploads x32",
		"rss upload from file",
		"listing ListVaults page", "listing ListJobs page",
		"inventory JSON", "inventory JSON peak heap", "inventory CSV", "inventory CSV peak heap",
		"open after Close", "open after a crash",
		"scale metadata per archive", "scale DescribeVault", "scale ListJobs page",
		"peer upload 64 KiB", "peer upload 4 MiB", "peer DescribeVault", "peer ListVaults 1 vault", "peer ListJobs 10 jobs", "peer GetJobOutput 4 MiB",
		"shared small uploads x1", "shared small uploads x32", "shared DescribeVault", "shared ListJobs page",
		"shared upload", "shared small uploads, 2 engines", "shared small uploads, 3 engines",
	}
	var got []string
	for _, r := range rep.Results {
		name := r.Group + " " + r.Name
		got = append(got, name)
		// A heap that did not grow above its sampled baseline measures 0.
		if !(r.Firn > 0) && !(strings.HasSuffix(name, "peak heap") && r.Firn == 0) {
			t.Errorf("%s: firn = %v, want a positive number", name, r.Firn)
		}
		if r.Baseline != "" && !(r.BaselineValue > 0 && r.Ratio > 0) {
			t.Errorf("%s: baseline %v, ratio %v, want positive numbers", name, r.BaselineValue, r.Ratio)
		}
		if r.Target != "" && r.Met == nil {
			t.Errorf("%s: target %q without a verdict", name, r.Target)
		}
		if !strings.Contains(stdout.String(), name) {
			t.Errorf("table lacks %q", name)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Machine.CPUs == 0 || rep.Machine.Go == "" {
		t.Errorf("machine description incomplete: %+v", rep.Machine)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("working directory holds %v (err %v), want only the JSON output", entries, err)
	}
}

// TestRunFilter checks that -run selects groups and that a bad expression
// is a usage error.
func TestRunFilter(t *testing.T) {
	rep, err := run(context.Background(), config{quick: true, dir: t.TempDir(), run: mustCompile(t, "^treehash$")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Group != "treehash" {
			t.Errorf("row %s %s outside the selected group", r.Group, r.Name)
		}
	}
	if len(rep.Results) != 2 {
		t.Errorf("%d rows, want 2", len(rep.Results))
	}
	var stderr bytes.Buffer
	if code := realMain([]string{"-run", "("}, &bytes.Buffer{}, &stderr); code != 2 {
		t.Errorf("bad -run: exit status %d, want 2", code)
	}
}

func mustCompile(t *testing.T, expr string) *regexp.Regexp {
	t.Helper()
	re, err := regexp.Compile(expr)
	if err != nil {
		t.Fatal(err)
	}
	return re
}
