package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/internal/pgtest"
)

// TestMetadata drives commands and servers sharing metadata in one
// PostgreSQL database and archive bytes in one MinIO bucket: what one
// invocation writes, every other one sees.
func TestMetadata(t *testing.T) {
	mc := miniotest.Start(t)
	db := pgtest.NewDatabase(t)
	s3 := []string{"--s3-endpoint", "http://" + mc.Endpoint(0), "--s3-bucket", mc.NewBucket(), "--s3-prefix", "shared/",
		"--s3-access-key-id", miniotest.AccessKey, "--s3-secret-access-key", miniotest.SecretKey}
	shared := append([]string{"--metadata", db}, s3...)
	// Without --data, select output goes to the user's cache directory.
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)

	c1 := newCLI(t)
	c1.global = shared
	c1.ok("vault", "create", "v")
	small, smallData := c1.file("small.bin", 100<<10, 1)
	var up firn.UploadArchiveOutput
	c1.okJSON(&up, "upload", "v", small)
	big, bigData := c1.file("big.bin", 3<<20+5, 2)
	var upBig firn.UploadArchiveOutput
	c1.okJSON(&upBig, "upload", "v", big, "--threshold", "1MiB", "--part-size", "1MiB")

	// Another invocation, as on another machine: its own --data.
	c2 := newCLI(t)
	c2.global = append(c2.global, shared...)
	var list firn.ListVaultsOutput
	c2.okJSON(&list, "vault", "list")
	if len(list.VaultList) != 1 || list.VaultList[0].VaultName != "v" {
		t.Errorf("vault list from another invocation = %+v", list)
	}
	var v firn.DescribeVaultOutput
	c2.okJSON(&v, "vault", "describe", "v")
	if v.NumberOfArchives != 2 || v.SizeInBytes != int64(len(smallData)+len(bigData)) {
		t.Errorf("vault describe from another invocation: %d archives, %d bytes; want 2, %d", v.NumberOfArchives, v.SizeInBytes, len(smallData)+len(bigData))
	}
	if got := c2.retrieve("v", up.ArchiveId); !bytes.Equal(got, smallData) {
		t.Error("small archive read back different bytes from another invocation")
	}
	if got := c2.retrieve("v", upBig.ArchiveId); !bytes.Equal(got, bigData) {
		t.Error("multipart archive read back different bytes from another invocation")
	}

	// FIRN_METADATA stands for --metadata.
	t.Setenv(metadataEnv, db)
	env := newCLI(t)
	env.global = append(env.global, s3...)
	env.ok("vault", "create", "from-env")
	c1.okJSON(&v, "vault", "describe", "from-env")

	// Two servers on the database: what goes through one is seen through
	// the other.
	url1, stop1 := startServe(t, shared...)
	url2, stop2 := startServe(t, append([]string{"--data", filepath.Join(t.TempDir(), "data")}, shared...)...)
	srv1 := &cli{t: t, dir: c1.dir, global: []string{"--endpoint-url", url1}, stateDir: c1.stateDir}
	srv2 := &cli{t: t, dir: c1.dir, global: []string{"--endpoint-url", url2}, stateDir: c1.stateDir}
	third, thirdData := c1.file("third.bin", 200<<10, 3)
	var up3 firn.UploadArchiveOutput
	srv1.okJSON(&up3, "upload", "v", third) // --endpoint-url wins over FIRN_METADATA
	if got := srv2.retrieve("v", up3.ArchiveId); !bytes.Equal(got, thirdData) {
		t.Error("archive uploaded through one server read back different bytes through the other")
	}
	c2.okJSON(&v, "vault", "describe", "v")
	if v.NumberOfArchives != 3 {
		t.Errorf("after an upload through a server, describe from the command line counts %d archives, want 3", v.NumberOfArchives)
	}
	r := stop1()
	if r.code != exitOK || !strings.Contains(r.stdout, "data "+filepath.Join(cache, "firn")) || !strings.Contains(r.stdout, "metadata in postgres://") {
		t.Errorf("serve --metadata: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := stop2(); r.code != exitOK {
		t.Errorf("second serve --metadata: exit %d\n%s", r.code, r.stderr)
	}

	// Backups are the database's own.
	for _, args := range [][]string{{"backup"}, {"restore"}, {"serve", "--backup-interval", "1h"}} {
		r := c2.fails(exitUsage, args...)
		if !strings.Contains(r.stderr, "backups are the database's own") || !strings.Contains(r.stderr, "pg_dump") {
			t.Errorf("firn %s with --metadata: %s", strings.Join(args, " "), r.stderr)
		}
	}
}

// TestMetadataFlags checks the refusals of bad --metadata uses, before
// anything is opened or, for an unreachable database, when it is.
func TestMetadataFlags(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	c := newCLI(t)
	c.global = nil
	s3 := []string{"--s3-endpoint", "http://127.0.0.1:1", "--s3-bucket", "b"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--metadata", "mysql://firn@db/firn", "vault", "list"}, "give a PostgreSQL URL"},
		{[]string{"--metadata", "postgres:///firn", "vault", "list"}, "give a PostgreSQL URL"},
		{[]string{"--metadata", "firn", "vault", "list"}, "give a PostgreSQL URL"},
		{[]string{"--metadata", "postgres://db/firn", "vault", "list"}, "needs an object store"},
		{[]string{"--metadata", "postgres://db/firn", "serve"}, "needs an object store"},
		{[]string{"--metadata", "postgres://db/firn", "--endpoint-url", "http://h", "vault", "list"}, "exclude each other"},
	} {
		if r := c.fails(exitUsage, tc.args...); !strings.Contains(r.stderr, tc.want) {
			t.Errorf("firn %s: %s, want it to mention %q", strings.Join(tc.args, " "), r.stderr, tc.want)
		}
	}

	// Nothing listens on port 1. The password is never printed.
	r := c.fails(exitLocal, append([]string{"--metadata", "postgres://firn:s3cret@127.0.0.1:1/firn?sslmode=disable"}, append(s3, "vault", "list")...)...)
	if !strings.Contains(r.stderr, "opening metadata postgres://firn@127.0.0.1:1/firn") || !strings.Contains(r.stderr, "check --metadata") || strings.Contains(r.stderr, "s3cret") {
		t.Errorf("unreachable database: %s", r.stderr)
	}
	r = c.fails(exitLocal, append([]string{"--metadata", "host=127.0.0.1 port=1 dbname=firn password=s3cret"}, append(s3, "vault", "list")...)...)
	if !strings.Contains(r.stderr, "opening metadata host=127.0.0.1 port=1 dbname=firn ") || strings.Contains(r.stderr, "s3cret") {
		t.Errorf("unreachable database given as key=value: %s", r.stderr)
	}
}
