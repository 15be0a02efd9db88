package job_test

import (
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/job"
)

// TestExpiresFromRecord checks that completion records the expiry, that a
// recorded expiry is the one in force, and that a job recorded without one
// expires OutputLifetime after its completion.
func TestExpiresFromRecord(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for name, complete := range map[string]func(*job.Record) error{
		"Succeed": func(j *job.Record) error { return j.Succeed(t0, 1) },
		"Fail":    func(j *job.Record) error { return j.Fail(t0, "why") },
	} {
		j := &job.Record{Status: firn.StatusInProgress}
		if err := complete(j); err != nil {
			t.Fatal(err)
		}
		if want := t0.Add(job.OutputLifetime); !j.Expiry.Equal(want) || !j.Expires().Equal(want) {
			t.Errorf("%s: Expiry %v, Expires %v, want %v", name, j.Expiry, j.Expires(), want)
		}
	}
	j := &job.Record{Status: firn.StatusSucceeded, Completed: t0, Expiry: t0.Add(time.Hour)}
	if got := j.Expires(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("Expires = %v, want the recorded %v", got, t0.Add(time.Hour))
	}
	j.Expiry = time.Time{}
	if got := j.Expires(); !got.Equal(t0.Add(job.OutputLifetime)) {
		t.Errorf("Expires of a job recorded without expiry = %v, want %v", got, t0.Add(job.OutputLifetime))
	}
}
