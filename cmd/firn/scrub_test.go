package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firnstore/firn/engine"
)

// TestScrub scrubs an intact data directory, then one with a flipped byte
// in an archive's segment file.
func TestScrub(t *testing.T) {
	c := newCLI(t)
	c.ok("vault", "create", "v")
	data := make([]byte, 300<<10)
	rand.NewChaCha8([32]byte{1}).Read(data)
	path := filepath.Join(c.dir, "archive")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c.ok("upload", "v", path, "-q")

	if out := c.ok("scrub"); !strings.Contains(out, "1 segment(s) intact (300.0 KiB), 0 damaged") {
		t.Fatalf("scrub of an intact directory:\n%s", out)
	}
	var r engine.ScrubReport
	c.okJSON(&r, "scrub")
	if r.Segments != 1 || r.Bytes != int64(len(data)) || r.Damaged == nil || len(r.Damaged) != 0 {
		t.Fatalf("scrub --json: %+v", r)
	}

	segs, err := filepath.Glob(filepath.Join(c.dir, "data", "blobs", "*", "*", "*.seg"))
	if err != nil || len(segs) != 1 {
		t.Fatalf("segment files: %v, %v", segs, err)
	}
	f, err := os.OpenFile(segs[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Random bytes are stored raw, after a 16-byte frame header.
	if _, err := f.WriteAt([]byte{^data[1000]}, 16+1000); err != nil {
		t.Fatal(err)
	}
	f.Close()

	res := c.fails(exitLocal, "scrub")
	seg := strings.TrimSuffix(filepath.Base(segs[0]), ".seg")
	if !strings.Contains(res.stdout, "vault v") || !strings.Contains(res.stdout, "segment "+seg+" chunk 0") ||
		!strings.Contains(res.stderr, "scrub found 1 damaged segment") {
		t.Fatalf("scrub of a damaged directory:\nstdout: %s\nstderr: %s", res.stdout, res.stderr)
	}

	c.global = []string{"--endpoint-url", "http://127.0.0.1:1"}
	c.fails(exitUsage, "scrub")
}
