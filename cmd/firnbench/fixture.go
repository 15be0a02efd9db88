package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// fixtureName is the data directory that the open and scale groups share.
const fixtureName = "scale"

// segmentArchiveSize is one byte above the size up to which the engine keeps
// an archive's bytes inline, so that each fixture archive is a segment file.
const segmentArchiveSize = 64<<10 + 1

// segmentBody is the fixture's archive: it compresses to a few hundred
// bytes, so that a million of them fit on the disk as a million files.
var segmentBody = bytes.Repeat([]byte("firn"), segmentArchiveSize/4+1)[:segmentArchiveSize]

// scaleFixture returns the closed data directory whose vault "v" holds
// b.scaleArchives segment-file archives, building it on the first call with
// syncs skipped.
func (b *bench) scaleFixture(ctx context.Context) (string, error) {
	dir := b.path(fixtureName)
	if b.fixtureBuilt {
		return dir, nil
	}
	fmt.Fprintf(b.log, "firnbench: building a vault of %d archives of %s\n", b.scaleArchives, sizeName(segmentArchiveSize))
	e, err := b.openEngine(ctx, fixtureName, &engine.Options{FS: noSyncFS{vfs.Default}})
	if err != nil {
		return "", err
	}
	d, err := timed(func() error {
		return b.parallel(b.scaleArchives, func(int) error {
			if err := ctx.Err(); err != nil {
				return err // Ctrl-C: the build takes minutes
			}
			_, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader(segmentBody)})
			return err
		})
	})
	if cerr := e.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	fmt.Fprintf(b.log, "firnbench: built in %.0f s\n", d.Seconds())
	b.fixtureBuilt = true
	return dir, nil
}

// dirSize is the total size of the regular files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}
