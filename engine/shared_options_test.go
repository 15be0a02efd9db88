package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestSharedOptions checks what Options.Metadata requires and refuses
// before anything is opened.
func TestSharedOptions(t *testing.T) {
	store := &ObjectStore{Endpoint: "127.0.0.1:1", Bucket: "b"}
	for _, c := range []struct {
		name string
		opts Options
		want string
	}{
		{"no object store", Options{Metadata: "postgres://firn@127.0.0.1:1/firn"}, "Metadata: engines sharing a database need ObjectStore"},
		{"scheduled backups", Options{Metadata: "postgres://firn@127.0.0.1:1/firn", ObjectStore: store, BackupInterval: time.Hour}, "BackupInterval: with Metadata"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(t.TempDir(), &c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open: %v, want an error containing %q", err, c.want)
			}
		})
	}
	_, err := Restore(context.Background(), t.TempDir(), &Options{Metadata: "postgres://firn@127.0.0.1:1/firn", ObjectStore: store})
	if !errors.Is(err, ErrMetadataInDatabase) {
		t.Fatalf("Restore: %v, want ErrMetadataInDatabase", err)
	}
}
