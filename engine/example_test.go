package engine_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/job"
)

// An engine on an in-memory file system with the service's published job
// times on a clock the example moves: the retrieval is ready once the clock
// passes the Standard tier's delay.
func Example() {
	clock := firntest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e, err := engine.Open("firn", &engine.Options{FS: vfs.NewMem(), Clock: clock, JobTiming: job.RealisticTiming})
	if err != nil {
		panic(err)
	}
	defer e.Close()
	ctx := context.Background()

	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "photos"})
	up, _ := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "photos", Body: strings.NewReader("hello, glacier")})
	j, _ := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "photos",
		JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: up.ArchiveId}})

	_, err = e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "photos", JobId: j.JobId})
	fmt.Println("right away:", firn.CodeOf(err))

	clock.Advance(5 * time.Hour)
	out, _ := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "photos", JobId: j.JobId})
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	fmt.Printf("5 hours later: %q, checksum matches: %v\n", b, out.Checksum == up.Checksum)
	// Output:
	// right away: InvalidParameterValueException
	// 5 hours later: "hello, glacier", checksum matches: true
}
