package firn_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestArchitecture keeps the layering honest: the contract, the client layer,
// the domain packages and the conformance suite import neither Pebble nor the
// storage packages nor the engine, and no library package reads the clock
// except through firn.Clock (front-end commands and test helpers may).
func TestArchitecture(t *testing.T) {
	pure := []string{".", "./client", "./vault", "./job", "./multipart", "./lock", "./policy", "./csvselect", "./treehash", "./firntest/conformance"}
	forbidden := []string{"github.com/cockroachdb/pebble", "github.com/firnstore/firn/engine", "github.com/firnstore/firn/internal/store", "github.com/firnstore/firn/internal/blob"}
	for _, pkg := range pure {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}

	frontEnds := []string{"cmd", "examples", "internal/miniotest", "internal/pgtest", "internal/e2e", "internal/fuzzci"}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			for _, f := range frontEnds {
				if path == f {
					return filepath.SkipDir
				}
			}
			if d.Name() == "testdata" || (strings.HasPrefix(d.Name(), ".") && path != ".") {
				return filepath.SkipDir
			}
			return nil
		}
		// The blob store's stopwatch measures how long writes take, for
		// its compression policy; it never dates anything.
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || path == "clock.go" || path == filepath.Join("internal", "blob", "stopwatch.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(src), "time.Now()") {
			t.Errorf("%s reads the clock with time.Now; take the time from a firn.Clock", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
