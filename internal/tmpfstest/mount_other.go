//go:build !linux

package tmpfstest

import (
	"errors"
	"testing"
)

var errNotLinux = errors.New("tmpfs is Linux only")

func mount(string, int64) error { return errNotLinux }

func unmount(string) error { return errNotLinux }

// Free returns the bytes available on the file system holding path; it is
// only reached on Linux, where Mount succeeds.
func Free(t testing.TB, _ string) int64 {
	t.Fatal(errNotLinux)
	return 0
}

// Used is only reached on Linux, where Mount succeeds.
func Used(t testing.TB, _ string) int64 {
	t.Fatal(errNotLinux)
	return 0
}

// OpenRemoved is only reached on Linux, where Mount succeeds.
func OpenRemoved(t testing.TB, _ string) []string {
	t.Fatal(errNotLinux)
	return nil
}
