package fuzzci

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// target is one fuzz target: a function Name in the package at Dir, which is
// relative to the module root and slash-separated.
type target struct {
	Dir, Name string
}

// moduleRoot returns the directory of the module's go.mod.
func moduleRoot(t *testing.T, goTool string) string {
	t.Helper()
	out, err := exec.Command(goTool, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatal("go env GOMOD: not in a module")
	}
	return filepath.Dir(mod)
}

// findTargets returns the fuzz targets of the module at root, in order of
// package and name. Test data, hidden directories and nested modules are
// skipped.
func findTargets(root string) ([]target, error) {
	var targets []target
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); path != root && err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && isFuzzTarget(fn) {
				targets = append(targets, target{Dir: filepath.ToSlash(rel), Name: fn.Name.Name})
			}
		}
		return nil
	})
	slices.SortFunc(targets, func(a, b target) int {
		return strings.Compare(a.Dir+"\x00"+a.Name, b.Dir+"\x00"+b.Name)
	})
	return targets, err
}

// isFuzzTarget reports whether fn is declared as the go command's fuzz
// targets are: func FuzzXxx(f *testing.F), Xxx not starting with a lower-case
// letter.
func isFuzzTarget(fn *ast.FuncDecl) bool {
	name, ok := strings.CutPrefix(fn.Name.Name, "Fuzz")
	if !ok || fn.Recv != nil || name != "" && name[0] >= 'a' && name[0] <= 'z' {
		return false
	}
	params := fn.Type.Params.List
	if len(params) != 1 || len(params[0].Names) > 1 {
		return false
	}
	star, ok := params[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "F"
}

func goTool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	return path
}

// deadlineOnly reports whether a fuzzing run's only failure is the end of
// its time budget, with no failing input written.
func deadlineOnly(out []byte) bool {
	s := string(out)
	return strings.Contains(s, "context deadline exceeded") && !strings.Contains(s, "Failing input written to") && !strings.Contains(s, "panic:")
}

// TestFindTargets checks the scan against targets known to exist, so that a
// broken scan cannot make TestFuzzTargets pass by fuzzing nothing.
func TestFindTargets(t *testing.T) {
	targets, err := findTargets(moduleRoot(t, goTool(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []target{{"treehash", "FuzzStreaming"}, {"policy", "FuzzParse"}, {"job", "FuzzArchiveRange"}, {"server", "FuzzHandler"}} {
		if !slices.Contains(targets, want) {
			t.Errorf("findTargets: %v not among %v", want, targets)
		}
	}
	for _, tg := range targets {
		if tg.Dir == "internal/fuzzci" {
			t.Errorf("findTargets: found %v in this package, which has none", tg)
		}
	}
}

// Fuzzing time per target, by default: fuzzBudget shared by the targets,
// but within [minFuzzTime, maxFuzzTime]. With builds and the go command's
// start-up of a few seconds per target, a CI run stays near 5 minutes.
const (
	fuzzBudget  = 150 * time.Second
	minFuzzTime = 3 * time.Second
	maxFuzzTime = 10 * time.Second
)

func defaultFuzzTime(targets int) time.Duration {
	return min(max(fuzzBudget/time.Duration(targets), minFuzzTime), maxFuzzTime).Round(100 * time.Millisecond)
}

// TestFuzzTargets fuzzes every target of the module for FIRN_FUZZTIME each;
// see the package documentation.
func TestFuzzTargets(t *testing.T) {
	if os.Getenv("CI") != "true" && os.Getenv("FIRN_FUZZ") == "" {
		t.Skip("fuzzes every target for FIRN_FUZZTIME (default: 150s shared, 3s to 10s each) when CI=true or FIRN_FUZZ is set; run: FIRN_FUZZ=1 go test -v ./internal/fuzzci")
	}
	gt := goTool(t)
	root := moduleRoot(t, gt)
	targets, err := findTargets(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) == 0 {
		t.Fatal("no fuzz targets found")
	}
	fuzztime := os.Getenv("FIRN_FUZZTIME")
	if fuzztime == "" {
		fuzztime = defaultFuzzTime(len(targets)).String()
	}
	// A bound on one target, in case fuzzing hangs. It includes the
	// instrumented build of the target's package, which the first target
	// of a package pays: cmd/firn's took over 5 minutes on a loaded
	// 2-core machine.
	limit := 20 * time.Minute
	if d, err := time.ParseDuration(fuzztime); err == nil {
		limit += 2 * d
	}
	for _, tg := range targets {
		t.Run(tg.Dir+"/"+tg.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), limit)
			defer cancel()
			args := []string{"test", "-run=^$", "-fuzz=^" + tg.Name + "$", "-fuzztime=" + fuzztime, "./" + tg.Dir}
			cmd := exec.CommandContext(ctx, gt, args...)
			cmd.Dir = root
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil && deadlineOnly(out) {
				// The go command reports the end of -fuzztime as a failure
				// when it falls during a slow input or a minimization; no
				// input failed.
				t.Logf("fuzzing ended at -fuzztime during a slow input (reported as %q); no failing input", "context deadline exceeded")
				err = nil
			}
			if ctx.Err() != nil {
				t.Fatalf("go %s: not done within %v, build included: %v\n%s", strings.Join(args, " "), limit, err, out)
			}
			if err != nil {
				t.Fatalf("go %s: %v\n%s\nA failing input is kept in %s/testdata/fuzz/%s; commit it to make it a regression test.",
					strings.Join(args, " "), err, out, tg.Dir, tg.Name)
			}
			t.Logf("fuzzed for %s (%v with the build)", fuzztime, time.Since(start).Round(time.Second))
		})
	}
}
