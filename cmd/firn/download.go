package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/treehash"
)

const (
	defaultChunk  = 64 << 20
	chunkAttempts = 3 // per chunk, against failures while reading a response
)

type outputOptions struct {
	out         string
	rng         string
	concurrency int
	chunk       byteSize
	wait        bool
	poll        time.Duration
}

// downloadResult is what job output reports.
type downloadResult struct {
	JobId string `json:"JobId"`
	Path  string `json:"Path"`
	// Range is the inclusive byte range of the job output written, "" for
	// all of it.
	Range string `json:"Range,omitempty"`
	Bytes int64  `json:"Bytes"`
	// SHA256TreeHash is the tree hash of the bytes written, when their
	// range starts on a 1 MiB boundary.
	SHA256TreeHash string `json:"SHA256TreeHash,omitempty"`
	// Verified says whether the bytes matched a tree hash sent by the
	// service: the job's, or that of every ranged response.
	Verified bool `json:"Verified"`
}

func (a *app) jobOutput(ctx context.Context, vaultName, jobID string, o outputOptions) (err error) {
	g, err := a.glacier()
	if err != nil {
		return err
	}
	j, err := a.awaitJob(ctx, g, vaultName, jobID, o)
	if err != nil {
		return err
	}
	total := outputSize(j)
	start, end, ranged, err := outputRange(o.rng, total)
	if err != nil {
		return err
	}
	res := &downloadResult{JobId: jobID, Path: o.out}
	if ranged {
		res.Range = fmt.Sprintf("%d-%d", start, end)
	}

	var dst *os.File
	w := a.stdout
	if o.out != "-" {
		// Not os.CreateTemp: the file should get the usual 0666 &^ umask.
		tmp := filepath.Join(filepath.Dir(o.out), "."+filepath.Base(o.out)+"."+rand.Text()[:8]+".partial")
		dst, err = os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err != nil {
			return localErr(err, "check that the directory of -o exists and is writable")
		}
		w = dst
		defer func() {
			if dst != nil {
				dst.Close()
				os.Remove(dst.Name())
			}
		}()
	}

	base := firn.GetJobOutputInput{AccountId: a.account, VaultName: vaultName, JobId: jobID}
	p := a.newProgress(max(end-start+1, 0), "downloading")
	var f fetched
	if dst != nil && total >= 0 {
		f, err = a.fetchParallel(ctx, g, base, dst, start, end, int64(o.chunk), o.concurrency, p)
	} else {
		if ranged {
			base.Range = fmt.Sprintf("bytes=%d-%d", start, end)
		}
		f, err = fetchStream(ctx, g, &base, w, p)
	}
	if err != nil {
		p.stop()
		return err
	}
	p.finish()

	res.Bytes = f.n
	res.Verified = f.allChecked
	if start%treehash.LeafSize == 0 {
		res.SHA256TreeHash = treehash.Hex(treehash.Root(f.leaves))
		if want := j.SHA256TreeHash; !ranged && want != "" {
			if want != res.SHA256TreeHash {
				what := "the download was discarded"
				if dst == nil {
					what = "discard what was written"
				}
				return localErr(fmt.Errorf("the downloaded bytes have tree hash %s, the job reports %s; %s", res.SHA256TreeHash, want, what), "download it again")
			}
			res.Verified = true
		}
	}

	if dst == nil {
		a.note("wrote %d bytes, tree hash %s%s", res.Bytes, orDash(res.SHA256TreeHash), verifiedNote(res.Verified))
		return nil
	}
	if err := dst.Sync(); err != nil {
		return localErr(err, "")
	}
	if err := dst.Close(); err != nil {
		return localErr(err, "")
	}
	if err := os.Rename(dst.Name(), o.out); err != nil {
		return localErr(err, "")
	}
	dst = nil
	return a.print(res, func(w io.Writer) error {
		fmt.Fprintf(w, "wrote %s (%d bytes) to %s\n", humanBytes(res.Bytes), res.Bytes, res.Path)
		_, err := fmt.Fprintf(w, "tree hash %s%s\n", orDash(res.SHA256TreeHash), verifiedNote(res.Verified))
		return err
	})
}

func verifiedNote(ok bool) string {
	if ok {
		return " (verified)"
	}
	return " (not verified: the service sent no tree hash for these bytes)"
}

// awaitJob describes the job and, with --wait, polls until it completes.
// A job that failed, or is not complete without --wait, is an error.
func (a *app) awaitJob(ctx context.Context, g firn.Glacier, vaultName, jobID string, o outputOptions) (*firn.GlacierJobDescription, error) {
	for announced := false; ; {
		j, err := g.DescribeJob(ctx, &firn.DescribeJobInput{AccountId: a.account, VaultName: vaultName, JobId: jobID})
		if err != nil {
			return nil, err
		}
		if j.Completed {
			if j.StatusCode == firn.StatusFailed {
				return nil, &exitError{code: exitGlacier, err: fmt.Errorf("job %s failed: %s", jobID, orDash(j.StatusMessage)), hint: "start a new job"}
			}
			return j, nil
		}
		if !o.wait {
			return nil, &exitError{code: exitGlacier, err: fmt.Errorf("job %s is %s: its output is not ready yet", jobID, j.StatusCode),
				hint: fmt.Sprintf("add --wait to wait for it, or check on it with 'firn job describe %s %s'", vaultName, jobID)}
		}
		if !announced {
			a.note("waiting for job %s to complete (checking every %v; Ctrl-C to stop)", jobID, o.poll)
			announced = true
		}
		if err := sleep(ctx, o.poll); err != nil {
			return nil, localErr(err, "")
		}
	}
}

// outputRange resolves --range against an output of total bytes (-1:
// unknown) into an inclusive range; ranged is false for the whole output.
func outputRange(spec string, total int64) (start, end int64, ranged bool, err error) {
	if spec == "" {
		return 0, total - 1, false, nil
	}
	s, e, ok := strings.Cut(strings.TrimPrefix(spec, "bytes="), "-")
	start, err1 := strconv.ParseInt(s, 10, 64)
	end, err2 := strconv.ParseInt(e, 10, 64)
	if e == "" && total >= 0 {
		end, err2 = total-1, nil
	}
	if !ok || err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, false, usagef("--range %q: write bytes=START-END, inclusive offsets", spec)
	}
	if total >= 0 && end >= total {
		return 0, 0, false, usagef("--range %q: the output has %d bytes, offsets 0-%d", spec, total, total-1)
	}
	return start, end, true, nil
}

// fetched describes downloaded bytes.
type fetched struct {
	n int64
	// leaves are the tree-hash leaves of the bytes, counted from their
	// first byte.
	leaves [][32]byte
	// allChecked says whether every response carried a tree hash, all of
	// which matched.
	allChecked bool
}

// fetchStream copies the output (or base.Range of it) to w in one request.
func fetchStream(ctx context.Context, g firn.Glacier, in *firn.GetJobOutputInput, w io.Writer, p *progress) (fetched, error) {
	out, err := g.GetJobOutput(ctx, in)
	if err != nil {
		return fetched{}, err
	}
	defer out.Body.Close()
	h := treehash.New()
	n, err := io.Copy(io.MultiWriter(w, h, p), out.Body)
	if err != nil {
		return fetched{}, localErr(fmt.Errorf("downloading: %w", err), "download it again")
	}
	if out.Checksum != "" && out.Checksum != treehash.Hex([32]byte(h.Sum(nil))) {
		return fetched{}, localErr(fmt.Errorf("the downloaded bytes do not match the tree hash %s sent with them", out.Checksum), "download it again")
	}
	return fetched{n: n, leaves: h.Leaves(), allChecked: out.Checksum != ""}, nil
}

// span is an inclusive byte range of the job output.
type span struct{ start, end int64 }

// fetchParallel downloads bytes start-end (inclusive) of the output into f,
// at offset 0, in ranges of chunk bytes aligned on multiples of chunk,
// workers at a time.
func (a *app) fetchParallel(ctx context.Context, g firn.Glacier, base firn.GetJobOutputInput, f *os.File, start, end, chunk int64, workers int, p *progress) (fetched, error) {
	if err := f.Truncate(end - start + 1); err != nil {
		return fetched{}, localErr(err, "")
	}
	var spans []span
	for s := start; s <= end; {
		e := min((s/chunk+1)*chunk, end+1) - 1
		spans = append(spans, span{s, e})
		s = e + 1
	}
	leaves := make([][][32]byte, len(spans))
	checked := make([]bool, len(spans))
	get := func(ctx context.Context, i int) error {
		cp := &chunkProgress{p: p}
		for attempt := 1; ; attempt++ {
			cp.pos = 0
			l, ok, err := fetchChunk(ctx, g, base, f, start, spans[i], cp)
			if err == nil {
				leaves[i], checked[i] = l, ok
				return nil
			}
			// The SDK retries requests; this retries failures while
			// reading the response body.
			if firn.CodeOf(err) != "" || ctx.Err() != nil || attempt == chunkAttempts {
				return err
			}
		}
	}
	if err := parallel(ctx, workers, len(spans), get); err != nil {
		var fe *firn.Error
		if errors.As(err, &fe) {
			return fetched{}, err
		}
		return fetched{}, localErr(err, "download it again")
	}
	res := fetched{n: end - start + 1, allChecked: len(spans) > 0}
	for i := range spans {
		res.leaves = append(res.leaves, leaves[i]...)
		res.allChecked = res.allChecked && checked[i]
	}
	return res, nil
}

// fetchChunk downloads sp into f at sp.start-origin and returns the leaves
// of its bytes, and whether the response carried their tree hash.
func fetchChunk(ctx context.Context, g firn.Glacier, base firn.GetJobOutputInput, f io.WriterAt, origin int64, sp span, cp *chunkProgress) ([][32]byte, bool, error) {
	in := base
	in.Range = fmt.Sprintf("bytes=%d-%d", sp.start, sp.end)
	out, err := g.GetJobOutput(ctx, &in)
	if err != nil {
		return nil, false, err
	}
	defer out.Body.Close()
	h := treehash.NewSerial()
	n, err := io.Copy(io.MultiWriter(io.NewOffsetWriter(f, sp.start-origin), h, cp), out.Body)
	if err != nil {
		return nil, false, fmt.Errorf("bytes %d-%d: %w", sp.start, sp.end, err)
	}
	if want := sp.end - sp.start + 1; n != want {
		return nil, false, fmt.Errorf("bytes %d-%d: the response held %d bytes, not %d", sp.start, sp.end, n, want)
	}
	if out.Checksum != "" && out.Checksum != treehash.Hex([32]byte(h.Sum(nil))) {
		return nil, false, fmt.Errorf("bytes %d-%d: the bytes do not match the tree hash %s sent with them", sp.start, sp.end, out.Checksum)
	}
	return h.Leaves(), out.Checksum != "", nil
}

// chunkProgress counts the bytes of one chunk on p, those of a retried
// attempt only past where the previous attempts got.
type chunkProgress struct {
	p            *progress
	pos, counted int64
}

func (c *chunkProgress) Write(b []byte) (int, error) {
	c.pos += int64(len(b))
	if c.pos > c.counted {
		c.p.add(c.pos - c.counted)
		c.counted = c.pos
	}
	return len(b), nil
}
