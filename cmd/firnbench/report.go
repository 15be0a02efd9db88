package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is everything one run measured; it is also the JSON output.
type Report struct {
	Machine Machine   `json:"machine"`
	Quick   bool      `json:"quick"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
	Results []Result  `json:"results"`
	// Errors lists the benchmarks that failed to run.
	Errors []string `json:"errors,omitempty"`
}

// Machine describes where the numbers were measured.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpuModel"`
	MemoryMiB  int64  `json:"memoryMiB"`
	Kernel     string `json:"kernel"`
	Go         string `json:"go"`
	Dir        string `json:"dir"`
	// Disk is the output of df for Dir.
	Disk string `json:"disk"`
}

// Result is one row of the table: Firn's number next to its baseline's.
type Result struct {
	Group string `json:"group"`
	Name  string `json:"name"`
	// Size describes the workload (data size, count, concurrency).
	Size string  `json:"size"`
	Unit string  `json:"unit"`
	Firn float64 `json:"firn"`
	// Baseline is what Firn is compared with, and BaselineValue its
	// number in Unit; both empty when the target is absolute.
	Baseline      string  `json:"baseline,omitempty"`
	BaselineValue float64 `json:"baselineValue,omitempty"`
	// Ratio is Firn / BaselineValue.
	Ratio float64 `json:"ratio,omitempty"`
	// Target is the goal, on Ratio when there is a baseline, else on
	// Firn; Met says whether this run reached it. Empty Target: recorded
	// only.
	Target string `json:"target,omitempty"`
	Met    *bool  `json:"met,omitempty"`
	Note   string `json:"note,omitempty"`
}

// target is a goal on a number: at least (Op ">=") or at most ("<=")
// Value.
type target struct {
	op    string
	value float64
}

var noTarget target

func atLeast(v float64) target { return target{">=", v} }
func atMost(v float64) target  { return target{"<=", v} }

// compared returns the row for firn measured against baseline, with the
// target on their ratio.
func compared(group, name, size, unit string, firn float64, baseline string, base float64, t target) Result {
	r := Result{Group: group, Name: name, Size: size, Unit: unit, Firn: firn, Baseline: baseline, BaselineValue: base}
	if base > 0 {
		r.Ratio = firn / base
	}
	r.setTarget(t, r.Ratio, "x")
	return r
}

// absolute returns the row for a number with no baseline.
func absolute(group, name, size, unit string, firn float64, t target) Result {
	r := Result{Group: group, Name: name, Size: size, Unit: unit, Firn: firn}
	r.setTarget(t, firn, " "+unit)
	return r
}

func (r *Result) setTarget(t target, v float64, suffix string) {
	if t.op == "" {
		return
	}
	r.Target = fmt.Sprintf("%s %g%s", t.op, t.value, suffix)
	met := v >= t.value
	if t.op == "<=" {
		met = v <= t.value
	}
	r.Met = &met
}

func describeMachine(dir string) Machine {
	m := Machine{
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Go:         runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		Dir:        dir,
	}
	m.CPUModel = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n int64
		fmt.Sscanf(kb, "%d", &n)
		m.MemoryMiB = n >> 10
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("df", "-h", dir).Output(); err == nil {
		m.Disk = strings.TrimSpace(string(out))
	}
	return m
}

// procField returns the value of the first "name: value" line of a /proc
// file, or "".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func printReport(w io.Writer, rep *Report) {
	m := rep.Machine
	mode := "full"
	if rep.Quick {
		mode = "quick (sizes too small for the numbers to mean much)"
	}
	fmt.Fprintf(w, "firnbench, %s run, %.0f s\n", mode, rep.Seconds)
	fmt.Fprintf(w, "machine: %d CPUs (GOMAXPROCS %d), %s, %d MiB RAM, Linux %s, %s\n", m.CPUs, m.GOMAXPROCS, m.CPUModel, m.MemoryMiB, m.Kernel, m.Go)
	fmt.Fprintf(w, "disk (%s):\n", m.Dir)
	for line := range strings.SplitSeq(m.Disk, "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tsize\tfirn\tbaseline\t\tratio\ttarget\t")
	for _, r := range rep.Results {
		base, ratio := "", ""
		if r.Baseline != "" {
			base = fmt.Sprintf("%s\t%s", r.Baseline, num(r.BaselineValue, r.Unit))
			ratio = fmt.Sprintf("%.2fx", r.Ratio)
		} else {
			base = "\t"
		}
		status := ""
		if r.Met != nil {
			status = "ok"
			if !*r.Met {
				status = "MISSED"
			}
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s %s\t\n", r.Group, r.Name, r.Size, num(r.Firn, r.Unit), base, ratio, r.Target, status)
	}
	tw.Flush()
	for _, r := range rep.Results {
		if r.Note != "" {
			fmt.Fprintf(w, "  %s %s: %s\n", r.Group, r.Name, r.Note)
		}
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(w, "FAILED: %s\n", e)
	}
}

func num(v float64, unit string) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.3g %s", v, unit)
}
