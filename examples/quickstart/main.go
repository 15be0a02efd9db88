// Command quickstart shows Firn embedded in a Go program: it opens an engine
// in a local directory, creates a vault, uploads a file (or generated data),
// retrieves it with an archive-retrieval job, checks that the bytes and the
// tree hash match, takes an inventory, and prints what it did.
//
//	go run ./examples/quickstart [-data DIR] [FILE]
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/treehash"
)

func main() {
	data := flag.String("data", "./firn-data", "directory holding the engine's data")
	vault := flag.String("vault", "quickstart", "vault to create")
	flag.Parse()
	if err := run(context.Background(), *data, *vault, flag.Arg(0), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, dir, vaultName, file string, w io.Writer) error {
	e, err := engine.Open(dir, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	var g firn.Glacier = e
	fmt.Fprintf(w, "opened engine in %s\n", dir)

	cv, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: vaultName})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "created vault %s\n", cv.Location)

	body, desc, err := content(file)
	if err != nil {
		return err
	}
	start := time.Now()
	up, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{
		VaultName:          vaultName,
		ArchiveDescription: desc,
		Body:               bytes.NewReader(body),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "uploaded %d bytes in %v\n  archive  %s\n  checksum %s\n", len(body), time.Since(start).Round(time.Millisecond), up.ArchiveId, up.Checksum)

	job, err := g.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: vaultName, JobParameters: firn.JobParameters{
		Type: firn.JobTypeArchiveRetrieval, ArchiveId: up.ArchiveId, Tier: firn.TierExpedited,
	}})
	if err != nil {
		return err
	}
	out, err := g.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: vaultName, JobId: job.JobId})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	h := treehash.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		return err
	}
	got := treehash.Hex([32]byte(h.Sum(nil)))
	if n != int64(len(body)) || got != up.Checksum || out.Checksum != up.Checksum {
		return errors.New("retrieved archive does not match what was uploaded")
	}
	fmt.Fprintf(w, "retrieved %d bytes with job %s; tree hash verified\n", n, job.JobId)

	d, err := g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: vaultName})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "vault %s holds %d archives, %d bytes\n", d.VaultName, d.NumberOfArchives, d.SizeInBytes)
	return nil
}

// content returns the file's bytes, or 8 MiB of random data when file is "".
func content(file string) ([]byte, string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		return b, "quickstart upload of a file", err
	}
	b := make([]byte, 8<<20)
	rand.Read(b)
	return b, "quickstart generated data", nil
}
