package store

import (
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestCheckpoint(t *testing.T) {
	fs := vfs.NewMem()
	db, err := Open("/meta", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	commitT(t, db.NewBatch().setT("a", "1"))
	commitT(t, db.NewBatch().setT("b", "2"))
	if err := db.Checkpoint("/copy"); err != nil {
		t.Fatal(err)
	}
	commitT(t, db.NewBatch().setT("c", "after"))
	if err := db.Checkpoint("/copy"); err == nil {
		t.Fatal("Checkpoint into an existing directory succeeded")
	}

	cp, err := Open("/copy", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	for k, want := range map[string]string{"a": "1", "b": "2"} {
		if v, err := cp.Get([]byte(k)); err != nil || string(v) != want {
			t.Errorf("copy: %s = %q, %v; want %q", k, v, err, want)
		}
	}
	if _, err := cp.Get([]byte("c")); !errors.Is(err, ErrNotFound) {
		t.Errorf("copy holds a key committed after the checkpoint: %v", err)
	}
}
