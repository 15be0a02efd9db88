package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/client"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/treehash"
)

// openExampleEngine opens an in-memory engine. The examples work the same
// over any firn.Glacier, such as the real service through package
// awsglacier.
func openExampleEngine() *engine.Engine {
	e, err := engine.Open("firn", &engine.Options{FS: vfs.NewMem(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	return e
}

// The resource handles: an account gives vaults, a vault gives archives and
// jobs. Here an archive is uploaded and read back with a retrieval job.
func Example() {
	ctx := context.Background()
	e := openExampleEngine()
	defer e.Close()

	acct := client.NewAccount(e, "-")
	vault, err := acct.CreateVault(ctx, "photos")
	if err != nil {
		log.Fatal(err)
	}
	archive, err := vault.UploadArchive(ctx, strings.NewReader("a picture"), "2026-01-02.jpg")
	if err != nil {
		log.Fatal(err)
	}
	job, err := archive.InitiateArchiveRetrieval(ctx, &firn.JobParameters{Tier: firn.TierExpedited})
	if err != nil {
		log.Fatal(err)
	}
	// Retrievals take minutes to hours on the service; this engine's take
	// no time.
	if err := job.WaitUntilComplete(ctx, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Attrs.StatusCode, job.Attrs.ArchiveSizeInBytes, "bytes")
	out, err := job.GetOutput(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q described %q\n", data, out.ArchiveDescription)
	// Output:
	// Succeeded 9 bytes
	// "a picture" described "2026-01-02.jpg"
}

// An Uploader sends a large body in parts, several at a time, and retries
// parts that fail.
func ExampleUploader() {
	ctx := context.Background()
	e := openExampleEngine()
	defer e.Close()
	vault, err := client.NewAccount(e, "").CreateVault(ctx, "backups")
	if err != nil {
		log.Fatal(err)
	}

	data := make([]byte, 12<<20)
	rand.Read(data)
	u := &client.Uploader{PartSize: 4 << 20, Concurrency: 4}
	archive, err := u.Upload(ctx, vault, bytes.NewReader(data), "nightly")
	if err != nil {
		log.Fatal(err)
	}
	if err := vault.Load(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(archive.Checksum), "hex digits of tree hash")
	fmt.Println(vault.Attrs.NumberOfArchives, "archive of", vault.Attrs.SizeInBytes>>20, "MiB")
	// Output:
	// 64 hex digits of tree hash
	// 1 archive of 12 MiB
}

// Collections are iterators that fetch pages as the loop needs them.
func ExampleAccount_Vaults() {
	ctx := context.Background()
	e := openExampleEngine()
	defer e.Close()
	acct := client.NewAccount(e, "")
	for _, name := range []string{"logs-2024", "logs-2025", "logs-2026", "media"} {
		if _, err := acct.CreateVault(ctx, name); err != nil {
			log.Fatal(err)
		}
	}

	for v, err := range acct.Vaults(ctx, &client.ListOptions{PageSize: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		if !strings.HasPrefix(v.Name(), "logs-") {
			break // no further page is fetched
		}
		fmt.Println(v.Name(), v.Attrs.NumberOfArchives)
	}
	// Output:
	// logs-2024 0
	// logs-2025 0
	// logs-2026 0
}

// Job collections filter by status.
func ExampleVault_SucceededJobs() {
	ctx := context.Background()
	e := openExampleEngine()
	defer e.Close()
	vault, err := client.NewAccount(e, "").CreateVault(ctx, "v")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := vault.InitiateInventoryRetrieval(ctx, &firn.JobParameters{Format: firn.FormatCSV, Description: "inventory"}); err != nil {
		log.Fatal(err)
	}

	for job, err := range vault.SucceededJobs(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(job.Attrs.Action, job.Attrs.JobDescription, job.Attrs.StatusCode)
	}
	// Output:
	// InventoryRetrieval inventory Succeeded
}

// A multipart upload by hand: parts may go in any order; the archive's tree
// hash is needed to complete.
func ExampleMultipartUpload() {
	ctx := context.Background()
	e := openExampleEngine()
	defer e.Close()
	vault, err := client.NewAccount(e, "").CreateVault(ctx, "v")
	if err != nil {
		log.Fatal(err)
	}

	const partSize = 1 << 20
	data := bytes.Repeat([]byte("firn"), 3*partSize/4) // three parts
	upload, err := vault.InitiateMultipartUpload(ctx, partSize, "by hand")
	if err != nil {
		log.Fatal(err)
	}
	for off := 2 * partSize; off >= 0; off -= partSize {
		if _, err := upload.UploadPart(ctx, int64(off), data[off:off+partSize]); err != nil {
			log.Fatal(err)
		}
	}
	for p, err := range upload.Parts(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.RangeInBytes)
	}
	checksum := treehash.Hex(treehash.Sum(data))
	archive, err := upload.Complete(ctx, int64(len(data)), checksum)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(archive.Checksum == checksum)
	// Output:
	// 0-1048575
	// 1048576-2097151
	// 2097152-3145727
	// true
}
