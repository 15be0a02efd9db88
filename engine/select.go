package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/csvselect"
	"github.com/firnstore/firn/job"
	"github.com/firnstore/firn/vault"
)

// Select jobs run an SQL expression (package csvselect) over a CSV archive
// when they complete. The results are written through Options.SelectOutput
// under OutputLocation.S3: PREFIX/JOBID/results/part-00000.csv, then
// PREFIX/JOBID/result_manifest.txt listing the result objects and
// PREFIX/JOBID/job.txt holding the job description; a job that fails on the
// archive's data writes PREFIX/JOBID/errors/error.txt and error_manifest.txt
// instead, and records the error as its StatusMessage. As an extension of
// the service, the results are also the job's output for GetJobOutput (the
// service returns them only through S3).

// validateSelect checks a select job's parameters, so that a bad expression
// or setting fails InitiateJob.
func (e *Engine) validateSelect(r *job.Request) error {
	if r.Action != firn.ActionSelect {
		return nil
	}
	if err := job.ValidateSelect(r.Select, r.OutputLocation); err != nil {
		return err
	}
	_, err := compileSelect(r.Select)
	return err
}

func compileSelect(p *firn.SelectParameters) (*csvselect.Query, error) {
	return csvselect.Compile(p.Expression, p.InputSerialization.CSV, p.OutputSerialization.CSV)
}

// selectOutputPath is where a select job writes its results.
func selectOutputPath(loc *firn.OutputLocation, jobID string) string {
	return "s3://" + loc.S3.BucketName + "/" + job.OutputPrefix(loc, jobID) + "/"
}

// runSelect runs j's query over its archive. It returns the segment holding
// the results, their size, or why the job failed; err is a failure of the
// engine itself (storage), which leaves the job to be retried.
func (e *Engine) runSelect(v *vault.Record, j *job.Record) (segs []vault.Segment, size int64, why string, err error) {
	s := j.Select
	q, err := compileSelect(&s.Parameters)
	if err != nil {
		return nil, 0, err.Error(), nil
	}
	q = q.WithNow(j.Due)
	jobID := j.ID.String()
	prefix := job.OutputPrefix(&s.OutputLocation, jobID)
	ctx := context.Background()
	in, err := e.openSegments(j.Segments, j.SegmentSize, 0, s.Size)
	if err != nil {
		return nil, 0, "", err
	}
	defer in.Close()

	id := e.newID()
	w, err := e.blobs.Create(id)
	if err != nil {
		return nil, 0, "", ioError(err)
	}
	pr, pw := io.Pipe()
	putErr := make(chan error, 1)
	resultKey := prefix + "/results/part-00000.csv"
	go func() {
		err := e.opts.SelectOutput.Put(ctx, s.OutputLocation.S3, resultKey, pr)
		pr.CloseWithError(err)
		putErr <- err
	}()
	_, runErr := q.Run(ctx, in, io.MultiWriter(w, pw))
	pw.CloseWithError(runErr)
	perr := <-putErr
	if errors.Is(perr, ErrOutputRefused) {
		// The query stopped at the refusal, if it had not ended: the
		// store's answer, not the query's, is why the job failed.
		w.Abort()
		return nil, 0, perr.Error(), nil
	}
	if runErr == nil && perr != nil {
		w.Abort()
		return nil, 0, "", ioError(fmt.Errorf("select output: %w", perr))
	}
	var rt *csvselect.RuntimeError
	if errors.As(runErr, &rt) {
		w.Abort()
		msg := rt.Error()
		if err := e.putSelectErrors(ctx, s, prefix, msg); errors.Is(err, ErrOutputRefused) {
			return nil, 0, msg + "; " + err.Error(), nil
		} else if err != nil {
			return nil, 0, "", ioError(fmt.Errorf("select output: %w", err))
		}
		return nil, 0, msg, nil
	}
	if runErr != nil {
		w.Abort()
		return nil, 0, "", ioError(runErr)
	}
	info, err := w.Commit()
	if err != nil {
		return nil, 0, "", ioError(err)
	}
	manifest := resultKey + "\n"
	desc, _ := json.Marshal(j.Describe(jobID))
	for _, o := range []struct{ key, body string }{
		{prefix + "/result_manifest.txt", manifest},
		{prefix + "/job.txt", string(desc)},
	} {
		if err := e.opts.SelectOutput.Put(ctx, s.OutputLocation.S3, o.key, strings.NewReader(o.body)); err != nil {
			e.discardSegment(id)
			if errors.Is(err, ErrOutputRefused) {
				return nil, 0, err.Error(), nil
			}
			return nil, 0, "", ioError(fmt.Errorf("select output: %w", err))
		}
	}
	return []vault.Segment{{ID: id, Size: info.Size}}, info.Size, "", nil
}

// putSelectErrors writes a failed select job's error objects.
func (e *Engine) putSelectErrors(ctx context.Context, s *job.Select, prefix, msg string) error {
	for _, o := range []struct{ key, body string }{
		{prefix + "/errors/error.txt", msg + "\n"},
		{prefix + "/error_manifest.txt", prefix + "/errors/error.txt\n"},
	} {
		if err := e.opts.SelectOutput.Put(ctx, s.OutputLocation.S3, o.key, strings.NewReader(o.body)); err != nil {
			return err
		}
	}
	return nil
}
