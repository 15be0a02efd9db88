package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/firnstore/firn"
)

// jobDescription marks the retrieval jobs a run requests.
const jobDescription = "firn migrate"

// run is one Run: its options, state and outcome.
type run struct {
	o      *Options
	st     *state
	report *Report
	// ranges bounds the ranged downloads in flight.
	ranges chan struct{}
	start  time.Time

	// notices delivers the messages of Options.Queue; nil without one.
	notices chan received
	// settled holds the jobs this run has seen end, whose notifications
	// are deleted; malformed the messages of the queue counted as not
	// job notifications.
	settled, malformed map[string]bool
}

// task is an archive of the inventory to copy, through its job.
type task struct {
	i        int
	job      string
	requests int       // jobs this run requested for it
	due      time.Time // when to request it (deferred by a retrieval policy)
}

// done is a finished download.
type done struct {
	t        *task
	location string
	err      error
}

// Run copies the vault o.Vault of o.Source into o.Sink and reports the
// outcome of every archive of the inventory. It takes the inventory (the
// state file's, else a job's), skips archives the sink has, adopts the
// retrieval jobs requested by an earlier run (at the source or in the state
// file), requests the others in waves within o.MaxBytesPerHour, waits for
// them (polling DescribeJob, or woken by the notifications of o.Queue),
// downloads and verifies every output against the inventory's tree
// hash, and puts each archive into the sink. An archive that fails does not
// stop the others: its Result says why, and Run returns a nil error. Run
// returns an error, with the Report so far, when the run cannot go on: bad
// options, no inventory, a state file it cannot write, a Queue it cannot
// read, or ctx done; the state file is then consistent and a rerun
// resumes. Sink.Finish is called only when every archive has ended.
func Run(ctx context.Context, opts *Options) (*Report, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := *opts
	o.EnsureDefaults()
	st, err := loadState(o.StatePath, o.SourceAccount, o.Vault)
	if err != nil {
		return nil, err
	}
	r := &run{o: &o, st: st, report: &Report{Account: o.SourceAccount, Vault: o.Vault}, ranges: make(chan struct{}, o.Concurrency), start: o.Clock.Now(),
		settled: map[string]bool{}, malformed: map[string]bool{}}
	defer r.startReceiving(ctx)()
	if err := r.inventory(ctx); err != nil {
		return r.report, err
	}
	inv := st.Inventory
	r.report.InventoryDate = st.InventoryDate
	r.report.Results = make([]Result, len(inv))
	for i := range inv {
		r.report.Results[i].Archive = inv[i]
	}
	if err := o.Sink.Begin(ctx, slices.Clone(inv)); err != nil {
		return r.report, fmt.Errorf("migrate: sink: %w", err)
	}
	todo, err := r.present(ctx)
	if err != nil {
		return r.report, err
	}
	adopted, err := r.adopt(ctx, todo)
	if err != nil {
		return r.report, err
	}
	var fresh []int
	for _, i := range todo {
		if adopted[inv[i].ID] == "" {
			fresh = append(fresh, i)
		}
	}
	ws := waves(inv, fresh, o.MaxBytesPerHour)
	r.report.Plan = newPlan(inv, todo, len(todo)-len(fresh), ws, o.Tier)
	if o.DryRun {
		for _, i := range todo {
			r.end(i, Planned, "", nil)
		}
		return r.report, nil
	}
	r.report.JobsAdopted = len(adopted)
	st.Jobs = adopted
	if err := st.save(o.StatePath); err != nil {
		return r.report, err
	}
	err = r.copy(ctx, todo, ws)
	if serr := st.save(o.StatePath); err == nil {
		err = serr
	}
	if err != nil {
		return r.report, err
	}
	if err := o.Sink.Finish(ctx, slices.Clone(r.report.Results)); err != nil {
		return r.report, fmt.Errorf("migrate: sink: %w", err)
	}
	return r.report, nil
}

// present asks the sink, concurrently, which archives it has, ends those,
// and returns the indexes of the others in inventory order.
func (r *run) present(ctx context.Context) ([]int, error) {
	inv := r.st.Inventory
	type has struct {
		location string
		ok       bool
		err      error
	}
	out := make([]has, len(inv))
	sem := make(chan struct{}, r.o.Concurrency)
	var wg sync.WaitGroup
	for i := range inv {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i].location, out[i].ok, out[i].err = r.o.Sink.Has(ctx, &inv[i])
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var todo []int
	for i, h := range out {
		switch {
		case h.err != nil:
			r.end(i, Failed, "", h.err)
		case h.ok:
			r.end(i, Present, h.location, nil)
		default:
			todo = append(todo, i)
		}
	}
	return todo, nil
}

// adopt returns the retrieval jobs already requested for archives of todo,
// by archive ID: jobs at the source for the whole archive that have not
// failed, the state file's preferred, then the state file's the source
// did not list (DescribeJob tells later whether they live).
func (r *run) adopt(ctx context.Context, todo []int) (map[string]string, error) {
	inv := r.st.Inventory
	want := make(map[string]int, len(todo))
	for _, i := range todo {
		want[inv[i].ID] = i
	}
	found := map[string]*firn.GlacierJobDescription{}
	err := r.listJobs(ctx, func(j *firn.GlacierJobDescription) {
		i, ok := want[j.ArchiveId]
		if !ok || j.Action != firn.ActionArchiveRetrieval || j.StatusCode == firn.StatusFailed {
			return
		}
		if rng := j.RetrievalByteRange; rng != "" && rng != fmt.Sprintf("0-%d", inv[i].Size-1) {
			return
		}
		prev := found[j.ArchiveId]
		better := prev == nil || r.st.Jobs[j.ArchiveId] == j.JobId ||
			(r.st.Jobs[j.ArchiveId] != prev.JobId && (j.Completed && !prev.Completed || j.Completed == prev.Completed && j.CreationDate.After(prev.CreationDate)))
		if better {
			found[j.ArchiveId] = j
		}
	})
	if err != nil {
		return nil, err
	}
	adopted := map[string]string{}
	for id := range want {
		if j := found[id]; j != nil {
			adopted[id] = j.JobId
		} else if job := r.st.Jobs[id]; job != "" {
			adopted[id] = job
		}
	}
	return adopted, nil
}

// copy requests, waits for and downloads the jobs of todo, whose archives
// without an adopted job are requested in waves ws.
func (r *run) copy(ctx context.Context, todo []int, ws [][]int) error {
	o, inv := r.o, r.st.Inventory
	var (
		waiting  []*task // requested, not known complete
		deferred []*task // to request at their due time
		ready    []*task // complete, to download
		inflight int
		results  = make(chan done)
		next     = 0 // the next wave
		delay    = o.PollMin
		nextPoll time.Time
	)
	if o.Queue != nil {
		delay = o.PollMax
	}
	for _, i := range todo {
		if job := r.st.Jobs[inv[i].ID]; job != "" {
			waiting = append(waiting, &task{i: i, job: job})
		}
	}
	first := o.Clock.Now()
	waveAt := func(w int) time.Time { return first.Add(time.Duration(w) * waveInterval) }
	defer func() {
		for ; inflight > 0; inflight-- {
			<-results
		}
	}()
	// settle asks the source about t's job and moves t on if the job has
	// ended, reporting whether it has.
	settle := func(t *task) bool {
		job := t.job
		d, err := r.describeJob(ctx, job)
		switch {
		case ctx.Err() != nil:
			return false
		case errors.Is(err, firn.ErrResourceNotFound):
			deferred = r.again(t, deferred, o.Clock.Now(), err)
		case err != nil:
			r.end(t.i, Failed, "", fmt.Errorf("job %s: %w", job, err))
		case d.Completed && d.StatusCode == firn.StatusSucceeded:
			ready = append(ready, t)
		case d.Completed:
			r.end(t.i, Failed, "", fmt.Errorf("job %s %s: %s", job, d.StatusCode, d.StatusMessage))
		default:
			return false
		}
		r.settled[job] = true
		return true
	}
	// notified settles the tasks whose jobs the messages ns notify.
	notified := func(ns []notice) {
		find := func(job string) int { return slices.IndexFunc(waiting, func(t *task) bool { return t.job == job }) }
		r.onNotices(ctx, ns, func(job string) bool { return find(job) >= 0 }, func(job string) bool {
			i := find(job)
			if !settle(waiting[i]) {
				return false
			}
			waiting = slices.Delete(waiting, i, i+1)
			return true
		})
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := o.Clock.Now()
		requested, before := false, len(waiting)
		if next < len(ws) && !now.Before(waveAt(next)) {
			for _, i := range ws[next] {
				deferred = append(deferred, &task{i: i, due: now})
			}
			next++
		}
		var later []*task
		for _, t := range deferred {
			if now.Before(t.due) {
				later = append(later, t)
				continue
			}
			if r.request(ctx, t) {
				waiting = append(waiting, t)
				requested = true
			} else if r.report.Results[t.i].Status == "" {
				later = append(later, t)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		deferred = later
		if requested {
			switch {
			case o.Queue == nil:
				delay, nextPoll = o.PollMin, now.Add(o.PollMin)
			case before == 0:
				// The notifications will tell; jobs waited for
				// before keep their round.
				nextPoll = now.Add(o.PollMax)
			}
			if err := r.st.save(o.StatePath); err != nil {
				return err
			}
		}
		if len(waiting) > 0 && !now.Before(nextPoll) {
			var still []*task
			for _, t := range waiting {
				if !settle(t) {
					still = append(still, t)
				}
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			waiting = still
			nextPoll = now.Add(delay)
			delay = min(2*delay, o.PollMax)
		}
		for inflight < o.Concurrency && len(ready) > 0 {
			t := ready[0]
			ready = ready[1:]
			inflight++
			go func() {
				loc, err := r.copyArchive(ctx, &inv[t.i], t.job)
				results <- done{t, loc, err}
			}()
		}
		r.progress(len(waiting) + len(ready) + inflight)
		if next == len(ws) && len(waiting)+len(deferred)+len(ready)+inflight == 0 {
			return nil
		}
		if inflight > 0 {
			// Downloads end the wait: the clock is left alone while
			// they run, which keeps a test's fake clock still.
			select {
			case d := <-results:
				inflight--
				switch {
				case d.err == nil:
					r.end(d.t.i, Copied, d.location, nil)
					r.report.BytesCopied += inv[d.t.i].Size
				case ctx.Err() != nil:
				case errors.Is(d.err, errExpired):
					deferred = r.again(d.t, deferred, o.Clock.Now(), d.err)
				default:
					r.end(d.t.i, Failed, "", d.err)
				}
			case b := <-r.notices:
				if b.err != nil {
					return b.err
				}
				notified(b.notices)
			case <-ctx.Done():
			}
			continue
		}
		wake := time.Time{}
		if next < len(ws) {
			wake = waveAt(next)
		}
		if len(waiting) > 0 && (wake.IsZero() || nextPoll.Before(wake)) {
			wake = nextPoll
		}
		for _, t := range deferred {
			if wake.IsZero() || t.due.Before(wake) {
				wake = t.due
			}
		}
		if d := wake.Sub(now); d > 0 {
			ns, err := r.wait(ctx, d)
			if err != nil {
				return err
			}
			notified(ns)
		}
	}
}

// request asks for t's job and records it, reporting whether t now has
// one. An archive the source no longer has ends DeletedAtSource; one the
// source's retrieval policy refuses now is due an hour later; one failing
// otherwise ends Failed.
func (r *run) request(ctx context.Context, t *task) bool {
	o, a := r.o, &r.st.Inventory[t.i]
	out, err := retry(ctx, o, "InitiateJob", func() (*firn.InitiateJobOutput, error) {
		return o.Source.InitiateJob(ctx, &firn.InitiateJobInput{AccountId: o.SourceAccount, VaultName: o.Vault,
			JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: a.ID, Tier: o.Tier, Description: jobDescription}})
	})
	switch {
	case err == nil:
		t.job = out.JobId
		t.requests++
		r.st.Jobs[a.ID] = out.JobId
		r.report.JobsRequested++
		return true
	case ctx.Err() != nil:
	case errors.Is(err, firn.ErrResourceNotFound):
		r.end(t.i, DeletedAtSource, "", nil)
	case errors.Is(err, firn.ErrPolicyEnforced):
		t.due = o.Clock.Now().Add(waveInterval)
	default:
		r.end(t.i, Failed, "", fmt.Errorf("requesting a retrieval: %w", err))
	}
	return false
}

// again makes t, whose job is gone, due for a new job now, unless this run
// has requested MaxAttempts jobs for it already.
func (r *run) again(t *task, deferred []*task, now time.Time, err error) []*task {
	delete(r.st.Jobs, r.st.Inventory[t.i].ID)
	if t.requests >= r.o.MaxAttempts {
		r.end(t.i, Failed, "", fmt.Errorf("%d jobs expired: %w", t.requests, err))
		return deferred
	}
	t.job, t.due = "", now
	return append(deferred, t)
}

// end records the outcome for archive i.
func (r *run) end(i int, s Status, location string, err error) {
	res := &r.report.Results[i]
	res.Status, res.Location = s, location
	if err != nil {
		res.Error = err.Error()
	}
	switch s {
	case Copied:
		r.report.Copied++
	case Present:
		r.report.Present++
	case DeletedAtSource:
		r.report.DeletedAtSource++
	case Failed:
		r.report.Failed++
	case Planned:
		r.report.Planned++
	}
	if s != Planned {
		delete(r.st.Jobs, res.ID)
	}
}

// progress reports the run's advance to Options.Progress.
func (r *run) progress(waiting int) {
	if r.o.Progress == nil {
		return
	}
	p := Progress{ArchivesTotal: len(r.report.Results), JobsWaiting: waiting}
	for _, res := range r.report.Results {
		p.BytesTotal += res.Size
		if res.Status != "" {
			p.ArchivesDone++
			p.BytesDone += res.Size
		}
	}
	if elapsed := r.o.Clock.Now().Sub(r.start); elapsed > 0 && r.report.BytesCopied > 0 {
		p.BytesPerSecond = float64(r.report.BytesCopied) / elapsed.Seconds()
		p.ETA = time.Duration(float64(p.BytesTotal-p.BytesDone) / p.BytesPerSecond * float64(time.Second))
	}
	r.o.Progress(p)
}
