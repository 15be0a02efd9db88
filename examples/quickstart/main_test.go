package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in")
	if err := os.WriteFile(file, bytes.Repeat([]byte("firn "), 300000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"", file} {
		var out bytes.Buffer
		if err := run(context.Background(), filepath.Join(dir, "data"), "qs", f, &out); err != nil {
			t.Fatalf("run(%q): %v\n%s", f, err, out.String())
		}
		if !strings.Contains(out.String(), "tree hash verified") {
			t.Errorf("output:\n%s", out.String())
		}
	}
}
