package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// A server's directory is named firn-pgtest-run-* in the temporary
// directory and holds a file "lock" that its process keeps locked. The
// shared cluster is never stopped by a test, only killed when its test
// binary exits, so its directory outlives it: the next server to start
// removes every directory whose lock is free.
const (
	dirNew = "firn-pgtest-new-"
	dirRun = "firn-pgtest-run-"
)

// makeDir creates a server's directory and returns it with its held
// lock. The directory gets its run name only once locked, so that a sweep
// never sees it unlocked.
func makeDir() (string, *os.File, error) {
	tmp, err := os.MkdirTemp("", dirNew)
	if err != nil {
		return "", nil, err
	}
	lock, err := os.Create(filepath.Join(tmp, "lock"))
	if err == nil {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	dir := filepath.Join(filepath.Dir(tmp), dirRun+strings.TrimPrefix(filepath.Base(tmp), dirNew))
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		os.RemoveAll(tmp)
		return "", nil, err
	}
	return dir, lock, nil
}

// sweep removes the directories of servers whose processes are gone.
func sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirRun+"*"))
	for _, dir := range dirs {
		lock, err := os.Open(filepath.Join(dir, "lock"))
		if err != nil {
			continue
		}
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.RemoveAll(dir)
		}
		lock.Close()
	}
}
