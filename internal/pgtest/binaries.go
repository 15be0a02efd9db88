package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// errMissing says what is missing and how to install it.
var errMissing = errors.New("PostgreSQL's initdb and postgres were found neither in `pg_config --bindir`, nor in /usr/lib/postgresql/*/bin, nor in PATH; install PostgreSQL (Debian: apt-get install postgresql)")

// binaries are the two programs a server needs.
type binaries struct{ initdb, postgres string }

var (
	binOnce sync.Once
	bins    binaries
	binErr  error
)

func findBinaries() (binaries, error) {
	binOnce.Do(func() { bins, binErr = lookBinaries(debianDirs) })
	return bins, binErr
}

// debianDirs are where Debian's packages put each major version's
// programs; Debian does not put initdb in PATH.
const debianDirs = "/usr/lib/postgresql/*/bin"

// lookBinaries tries, in order, the directory pg_config names, the
// directories of debianGlob (newest version first), and PATH.
func lookBinaries(debianGlob string) (binaries, error) {
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	debian, _ := filepath.Glob(debianGlob)
	slices.SortFunc(debian, func(a, b string) int { return version(b) - version(a) })
	dirs = append(dirs, debian...)
	for _, dir := range dirs {
		b := binaries{filepath.Join(dir, "initdb"), filepath.Join(dir, "postgres")}
		if executable(b.initdb) && executable(b.postgres) {
			return b, nil
		}
	}
	initdb, err1 := exec.LookPath("initdb")
	postgres, err2 := exec.LookPath("postgres")
	if err1 != nil || err2 != nil {
		return binaries{}, errMissing
	}
	return binaries{initdb, postgres}, nil
}

// version is the major version N of a Debian directory .../N/bin, or 0.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
