package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/migrate"
	"github.com/firnstore/firn/internal/miniotest"
	"github.com/firnstore/firn/treehash"
)

// TestExport exports a data directory's vault into a real MinIO: an object
// per archive with its identity as metadata, the manifest, and a rerun that
// copies nothing.
func TestExport(t *testing.T) {
	mc := miniotest.Start(t)
	bucket := mc.NewBucket()
	t.Setenv("AWS_ACCESS_KEY_ID", miniotest.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", miniotest.SecretKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "no-such-config"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	c := newCLI(t)
	c.ok("vault", "create", "photos")
	data := map[string][]byte{}
	descs := map[string]string{}
	for i, a := range []struct {
		size int
		desc string
	}{{1, "one byte"}, {64<<10 + 1, `50% off, "quoted" / {braces}`}, {5<<20 + 3, ""}} {
		path, b := c.file("a.bin", a.size, uint64(i+1))
		var up firn.UploadArchiveOutput
		c.okJSON(&up, "upload", "photos", path, "--description", a.desc)
		data[up.ArchiveId], descs[up.ArchiveId] = b, a.desc
	}

	flags := []string{"export", "photos", "s3://" + bucket + "/glacier", "--to-s3-endpoint", "http://" + mc.Endpoint(0),
		"--poll-min", "1ms", "--poll-max", "10ms", "--range-size", "1MiB", "--report", filepath.Join(c.dir, "export.csv")}
	var rep migrate.Report
	c.okJSON(&rep, flags...)
	if rep.Copied != 3 || rep.Failed != 0 {
		t.Fatalf("export: copied %d, failed %d", rep.Copied, rep.Failed)
	}

	cl := mc.Client()
	ctx := t.Context()
	for id, want := range data {
		key := "glacier/" + id
		obj, err := cl.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(obj)
		obj.Close()
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes differ from the archive's %d", key, len(got), len(want))
		}
		info, err := cl.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		desc, err := url.PathUnescape(info.Metadata.Get("X-Amz-Meta-Description"))
		if err != nil || desc != descs[id] {
			t.Errorf("%s: description %q (%v), want %q", key, info.Metadata.Get("X-Amz-Meta-Description"), err, descs[id])
		}
		if h := info.Metadata.Get("X-Amz-Meta-Sha256-Tree-Hash"); h != treehash.Hex(treehash.Sum(want)) {
			t.Errorf("%s: tree hash %s", key, h)
		}
	}

	obj, err := cl.GetObject(ctx, bucket, "glacier/manifest.json", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Bucket, Prefix string
		ArchiveList    []struct{ ArchiveId, ArchiveDescription, Key, Status string }
	}
	err = json.NewDecoder(obj).Decode(&manifest)
	obj.Close()
	if err != nil {
		t.Fatal(err)
	}
	if manifest.Bucket != bucket || manifest.Prefix != "glacier/" || len(manifest.ArchiveList) != 3 {
		t.Errorf("manifest: %+v", manifest)
	}
	for _, e := range manifest.ArchiveList {
		if e.Key != "glacier/"+e.ArchiveId || e.Status != string(migrate.Copied) || e.ArchiveDescription != descs[e.ArchiveId] {
			t.Errorf("manifest entry %+v", e)
		}
	}

	var again migrate.Report
	c.okJSON(&again, flags...)
	if again.Copied != 0 || again.Present != 3 || again.JobsRequested != 0 {
		t.Errorf("rerun: copied %d, present %d, %d jobs requested; want 0, 3, 0", again.Copied, again.Present, again.JobsRequested)
	}
	if out := c.ok(append(flags, "--dry-run")...); !strings.Contains(out, "to retrieve (Bulk tier): 0 archives") {
		t.Errorf("dry run after the export:\n%s", out)
	}
}
