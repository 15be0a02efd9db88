// Package tmpfstest gives tests a small file system of their own that they
// can fill: a tmpfs mounted for the test (Linux, as root).
package tmpfstest

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new directory and returns the
// directory; the test's cleanup unmounts it. The unmount is lazy
// (MNT_DETACH): file descriptors still open on it, such as those of a
// failed engine's parked goroutines, would make a plain one fail, and the
// memory is freed when they close, at the latest when the process exits.
//
// Mounting needs CAP_SYS_ADMIN. Without it Mount skips the test, except in
// CI (the environment variable CI is "true"), where it fails it: there the
// test must run.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := mount(dir, size); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mounting a tmpfs on %s (CI runs as root and must run this test): %v", dir, err)
		}
		t.Skipf("mounting a tmpfs on %s needs root: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := unmount(dir); err != nil {
			t.Errorf("unmounting the tmpfs on %s: %v", dir, err)
		}
	})
	return dir
}

// Fill writes the file name until its file system is full, syncing it,
// and returns its size.
func Fill(t testing.TB, name string) int64 {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	var n int64
	for size := len(buf); size > 0; {
		k, err := f.Write(buf[:size])
		n += int64(k)
		switch {
		case errors.Is(err, syscall.ENOSPC):
			// Fill the last blocks with smaller writes.
			size /= 2
		case err != nil:
			t.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	return n
}
