package treehash_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firnstore/firn/treehash"
)

// pythonTreeHash is an independent implementation with hashlib, written like
// botocore.utils.calculate_tree_hash. It prints one tree hash per file.
const pythonTreeHash = `
import hashlib, sys

def tree_hash(path):
    level = []
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1024 * 1024)
            if not chunk:
                break
            level.append(hashlib.sha256(chunk).digest())
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        pairs = [level[i:i + 2] for i in range(0, len(level), 2)]
        level = [hashlib.sha256(p[0] + p[1]).digest() if len(p) == 2 else p[0] for p in pairs]
    return level[0].hex()

for path in sys.argv[1:]:
    print(tree_hash(path))
`

// TestPython compares the package with Python's hashlib on random inputs.
// It fails rather than skips without python3: the cross-check is the point.
func TestPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is required for the independent cross-check of the tree hash but was not found: %v", err)
	}
	src := rand.NewChaCha8([32]byte{'t', 'r', 'e', 'e'})
	rnd := rand.New(src)
	dir := t.TempDir()
	sizes := []int{0, 1, 1000, mib - 1, mib, mib + 1, 3*mib + 1, 5 * mib, 6*mib + 12345, 13*mib + 1, 16 * mib}
	var inputs [][]byte
	var files []string
	for i, n := range sizes {
		data := make([]byte, n)
		src.Read(data)
		file := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, data)
		files = append(files, file)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(python, append([]string{"-c", pythonTreeHash}, files...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.Bytes())
	}
	want := strings.Fields(string(out))
	if len(want) != len(sizes) {
		t.Fatalf("python3 printed %d hashes for %d files:\n%s", len(want), len(sizes), out)
	}
	for i, data := range inputs {
		if got := treehash.Hex(treehash.Sum(data)); got != want[i] {
			t.Errorf("%d bytes: Sum = %s, python3 says %s", len(data), got, want[i])
		}
		for _, m := range modes {
			h := m.new()
			writeChunks(h, data, 1+rnd.IntN(3*mib))
			if got := treehash.Hex([32]byte(h.Sum(nil))); got != want[i] {
				t.Errorf("%d bytes, %s: tree hash %s, python3 says %s", len(data), m.name, got, want[i])
			}
		}
	}
}
