package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/miniotest"
)

// TestObjectStore drives the --s3-* flags, serve --backup-interval, backup
// and restore against a real distributed MinIO.
func TestObjectStore(t *testing.T) {
	mc := miniotest.Start(t)
	bucket := mc.NewBucket()
	s3 := []string{"--s3-endpoint", "http://" + mc.Endpoint(0), "--s3-bucket", bucket, "--s3-prefix", "cli/",
		"--s3-access-key-id", miniotest.AccessKey, "--s3-secret-access-key", miniotest.SecretKey}

	c := newCLI(t)
	c.global = append(c.global, s3...)
	c.ok("vault", "create", "v")
	path, data := c.file("a.bin", 3<<20+5, 1)
	var up firn.UploadArchiveOutput
	c.okJSON(&up, "upload", "v", path)

	// Without the flags, the data directory refuses to open.
	bare := &cli{t: t, dir: c.dir, global: c.global[:2], stateDir: c.stateDir}
	if r := bare.fails(exitLocal, "vault", "list"); !strings.Contains(r.stderr, "s3://"+bucket+"/cli/") {
		t.Errorf("vault list without --s3-*: %s", r.stderr)
	}

	// serve backs up by itself.
	url, stop := startServe(t, append([]string{"--data", filepath.Join(c.dir, "data"), "--backup-interval", "50ms"}, s3...)...)
	srv := &cli{t: t, dir: c.dir, global: []string{"--endpoint-url", url}, stateDir: c.stateDir}
	path2, data2 := c.file("b.bin", 100<<10, 2)
	var up2 firn.UploadArchiveOutput
	srv.okJSON(&up2, "upload", "v", path2)
	cl := mc.Client()
	deadline := time.Now().Add(30 * time.Second)
	for countManifests(t, cl, bucket) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("serve --backup-interval took no backup")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := stop(); r.code != exitOK || !strings.Contains(r.stdout, "archive bytes in s3://"+bucket+"/cli/") {
		t.Fatalf("serve: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if out := c.ok("backup"); !strings.Contains(out, "backup ") {
		t.Errorf("backup printed %q", out)
	}

	// A new machine: restore, then every archive reads back.
	c2 := newCLI(t)
	c2.global = append(c2.global, s3...)
	if out := c2.ok("restore"); !strings.Contains(out, "restored backup") || !strings.Contains(out, "0 missing") {
		t.Errorf("restore printed %q", out)
	}
	if got := c2.retrieve("v", up.ArchiveId); !bytes.Equal(got, data) {
		t.Error("restored archive read back different bytes")
	}
	if got := c2.retrieve("v", up2.ArchiveId); !bytes.Equal(got, data2) {
		t.Error("archive uploaded through serve read back different bytes after restore")
	}
	if r := c2.fails(exitLocal, "restore"); !strings.Contains(r.stderr, "already holds metadata") {
		t.Errorf("second restore: %s", r.stderr)
	}

	c3 := newCLI(t)
	c3.global = append(c3.global, s3...)
	c3.global[len(c3.global)-5] = "empty/" // --s3-prefix
	if r := c3.fails(exitLocal, "restore"); !strings.Contains(r.stderr, "no complete backup") {
		t.Errorf("restore with no backup: %s", r.stderr)
	}
}

func countManifests(t *testing.T, cl *minio.Client, bucket string) int {
	n := 0
	for o := range cl.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: "cli/backups/", Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if strings.HasSuffix(o.Key, "/MANIFEST.json") {
			n++
		}
	}
	return n
}

func TestObjectStoreFlags(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--s3-endpoint", "http://127.0.0.1:1", "vault", "list"}, "go together"},
		{[]string{"--s3-endpoint", "ftp://h", "--s3-bucket", "b", "vault", "list"}, "give http://host[:port]"},
		{[]string{"--s3-endpoint", "http://h/path", "--s3-bucket", "b", "vault", "list"}, "give http://host[:port]"},
		{[]string{"--s3-endpoint", "http://h", "--s3-bucket", "b", "--s3-ca-file", "x.pem", "vault", "list"}, "needs an https://"},
		{[]string{"restore"}, "give the object store"},
		{[]string{"backup"}, "give the object store"},
		{[]string{"serve", "--backup-interval", "1h"}, "needs an object store"},
	} {
		if r := c.fails(exitUsage, tc.args...); !strings.Contains(r.stderr, tc.want) {
			t.Errorf("firn %s: %s, want it to mention %q", strings.Join(tc.args, " "), r.stderr, tc.want)
		}
	}
	r := c.fails(exitLocal, "--s3-endpoint", "https://127.0.0.1:1", "--s3-bucket", "b", "--s3-ca-file", filepath.Join(c.dir, "none.pem"), "vault", "list")
	if !strings.Contains(r.stderr, "none.pem") {
		t.Errorf("missing CA file: %s", r.stderr)
	}
}

// TestObjectStoreTLS talks to an https MinIO whose certificate only
// --s3-ca-file makes trusted.
func TestObjectStoreTLS(t *testing.T) {
	mc := miniotest.StartTLS(t)
	bucket := mc.NewBucket()
	c := newCLI(t)
	s3 := []string{"--s3-endpoint", "https://" + mc.Endpoint(0), "--s3-bucket", bucket,
		"--s3-access-key-id", miniotest.AccessKey, "--s3-secret-access-key", miniotest.SecretKey}
	if r := c.fails(exitLocal, append(s3, "vault", "list")...); !strings.Contains(r.stderr, "certificate") {
		t.Errorf("https without --s3-ca-file: %s", r.stderr)
	}
	c.global = append(c.global, append(s3, "--s3-ca-file", mc.CAFile())...)
	c.ok("vault", "create", "v")
	path, data := c.file("a.bin", 2<<20+1, 3)
	var up firn.UploadArchiveOutput
	c.okJSON(&up, "upload", "v", path)
	if got := c.retrieve("v", up.ArchiveId); !bytes.Equal(got, data) {
		t.Error("archive read back different bytes over https")
	}
}
