package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/treehash"
)

// errExpired reports a job whose output is gone before it was downloaded:
// the archive needs a new job.
var errExpired = errors.New("job output expired")

// errMismatch reports bytes that do not match their tree hash.
var errMismatch = errors.New("tree hash mismatch")

// copyArchive downloads a's job output to a temporary file, verified, and
// puts it into the sink. It returns the sink's location of a, or an error
// wrapping errExpired when the job is gone.
func (r *run) copyArchive(ctx context.Context, a *Archive, jobID string) (string, error) {
	f, err := os.CreateTemp(r.o.TempDir, "firn-migrate-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	for attempt := 1; ; attempt++ {
		err = r.download(ctx, f, a, jobID)
		if err == nil || !errors.Is(err, errMismatch) || attempt >= r.o.MaxAttempts {
			break
		}
	}
	if err != nil {
		return "", err
	}
	return r.o.Sink.Put(ctx, a, io.NewSectionReader(f, 0, a.Size))
}

// download writes the job output of a into f in ranges of RangeSize,
// fetched in parallel, and checks the archive's tree hash.
func (r *run) download(ctx context.Context, f *os.File, a *Archive, jobID string) error {
	n := int((a.Size + r.o.RangeSize - 1) / r.o.RangeSize)
	sums := make([][32]byte, n)
	errs := make([]error, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i := range n {
		start := int64(i) * r.o.RangeSize
		end := min(start+r.o.RangeSize, a.Size)
		select {
		case r.ranges <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
		}
		if errs[i] != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-r.ranges }()
			sums[i], errs[i] = r.fetchRange(ctx, f, a, jobID, start, end)
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		// The first failure is the cause; the others are its cancellation.
		for _, e := range errs {
			if e != nil && !errors.Is(e, context.Canceled) {
				return e
			}
		}
		return err
	}
	sum := treehash.Sum(nil)
	if n > 0 {
		sum = treehash.Root(sums)
	}
	if got := treehash.Hex(sum); got != a.TreeHash {
		return fmt.Errorf("archive %s: %w: downloaded %s, inventory has %s", a.ID, errMismatch, got, a.TreeHash)
	}
	return nil
}

// fetchRange downloads bytes [start, end) of a into f and returns their
// tree hash, fetching again (at most MaxAttempts times) a range that does
// not match the source's checksum or arrives short.
func (r *run) fetchRange(ctx context.Context, f *os.File, a *Archive, jobID string, start, end int64) ([32]byte, error) {
	o := r.o
	for attempt := 1; ; attempt++ {
		out, err := retry(ctx, o, "GetJobOutput", func() (*firn.GetJobOutputOutput, error) {
			return o.Source.GetJobOutput(ctx, &firn.GetJobOutputInput{AccountId: o.SourceAccount, VaultName: o.Vault, JobId: jobID,
				Range: fmt.Sprintf("bytes=%d-%d", start, end-1)})
		})
		if errors.Is(err, firn.ErrResourceNotFound) {
			return [32]byte{}, fmt.Errorf("job %s: %w: %w", jobID, errExpired, err)
		}
		if err != nil {
			return [32]byte{}, err
		}
		h := treehash.New()
		got, err := io.Copy(io.MultiWriter(io.NewOffsetWriter(f, start), h), io.LimitReader(out.Body, end-start+1))
		out.Body.Close()
		var sum [32]byte
		copy(sum[:], h.Sum(nil))
		switch {
		case ctx.Err() != nil:
			return sum, ctx.Err()
		case err == nil && got != end-start:
			err = fmt.Errorf("archive %s: range %d-%d: %d bytes: %w", a.ID, start, end-1, got, errMismatch)
		case err == nil && out.Checksum != "" && out.Checksum != treehash.Hex(sum):
			err = fmt.Errorf("archive %s: range %d-%d: %w: got %s, source says %s", a.ID, start, end-1, errMismatch, treehash.Hex(sum), out.Checksum)
		case err == nil:
			return sum, nil
		}
		// A short, broken or corrupt range: fetch it again.
		if attempt >= o.MaxAttempts {
			return sum, err
		}
	}
}
