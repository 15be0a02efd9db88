package firntest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/job"
)

// A retrieval takes hours on the service's schedule; the fake clock skips
// them.
func ExampleOpen() {
	ctx := context.Background()
	e, err := firntest.Open(&firntest.Options{Engine: &engine.Options{JobTiming: job.RealisticTiming}})
	if err != nil {
		panic(err)
	}
	defer e.Close()

	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "photos"})
	a, _ := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "photos", Body: bytes.NewReader([]byte("cat.jpg"))})
	j, _ := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "photos",
		JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ArchiveId}})

	d, _ := e.DescribeJob(ctx, &firn.DescribeJobInput{VaultName: "photos", JobId: j.JobId})
	fmt.Println(d.StatusCode)

	e.Clock.Advance(5 * time.Hour) // Standard retrievals take 3 to 5 hours
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "photos", JobId: j.JobId})
	if err != nil {
		panic(err)
	}
	defer out.Body.Close()
	body, _ := io.ReadAll(out.Body)
	fmt.Printf("%s\n", body)
	// Output:
	// InProgress
	// cat.jpg
}

// Application code that retries ServiceUnavailableException can be tested
// against an engine that fails on demand.
func ExampleFaulty_FailNext() {
	ctx := context.Background()
	e, _ := firntest.Open(nil)
	defer e.Close()
	f := firntest.Inject(e)

	f.FailNext("CreateVault", 2, firn.ErrServiceUnavailable)
	for attempt := 1; ; attempt++ {
		_, err := f.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
		if errors.Is(err, firn.ErrServiceUnavailable) {
			fmt.Println("attempt", attempt, "failed:", err)
			continue
		}
		fmt.Println("attempt", attempt, "succeeded")
		break
	}
	fmt.Println("calls:", f.Calls("CreateVault"))
	// Output:
	// attempt 1 failed: ServiceUnavailableException: firntest: injected failure of CreateVault
	// attempt 2 failed: ServiceUnavailableException: firntest: injected failure of CreateVault
	// attempt 3 succeeded
	// calls: 3
}

// Latency shows whether application code honours its deadlines.
func ExampleFaulty_Delay() {
	e, _ := firntest.Open(nil)
	defer e.Close()
	f := firntest.Inject(e)

	f.Delay("ListVaults", time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := f.ListVaults(ctx, &firn.ListVaultsInput{})
	fmt.Println(firn.CodeOf(err))
	// Output:
	// RequestTimeoutException
}
