package engine

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
)

// SelectOutput stores the objects select jobs write: results, a manifest
// and the job description, as Glacier Select writes them to S3. Put must be
// durable when it returns; it is called from one goroutine at a time per
// job. DirOutput keeps them in local files, S3Output in an object store.
type SelectOutput interface {
	// Put stores the object key of the location's bucket, reading body to
	// its end. loc carries the object properties the job asked for
	// (encryption, ACLs, tagging, metadata, storage class). An error
	// wrapping ErrOutputRefused fails the job with the error's message;
	// after any other the job is run again later.
	Put(ctx context.Context, loc *firn.S3Location, key string, body io.Reader) error
}

// DirOutput is a SelectOutput that keeps objects as files under Root, laid
// out as Root/BUCKET/KEY, on FS. It ignores the object properties. It is
// the engine's default, with Root the data directory's "select-output".
type DirOutput struct {
	FS   vfs.FS
	Root string
}

// Put implements SelectOutput: it creates the missing directories durably,
// writes a temporary file, syncs it, and renames it into place.
func (d DirOutput) Put(ctx context.Context, loc *firn.S3Location, key string, body io.Reader) error {
	name := filepath.Join(d.Root, loc.BucketName, filepath.FromSlash(path.Clean("/"+key)))
	dir := filepath.Dir(name)
	if err := mkdirAll(d.FS, dir); err != nil {
		return err
	}
	tmp := name + ".tmp"
	f, err := d.FS.Create(tmp, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		d.FS.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		d.FS.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := d.FS.Rename(tmp, name); err != nil {
		return fmt.Errorf("select output: %w", err)
	}
	df, err := d.FS.OpenDir(dir)
	if err != nil {
		return err
	}
	defer df.Close()
	return df.Sync()
}
