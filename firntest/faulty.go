package firntest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

//go:generate go run ../internal/testkit/forwardgen -type Faulty -func call -o faulty_glacier.go

// operations are the names of the firn.Glacier methods, the op arguments
// of Faulty's methods.
var operations = func() map[string]bool {
	ops := map[string]bool{}
	for _, op := range testkit.Operations() {
		ops[op] = true
	}
	return ops
}()

// Faulty is a firn.Glacier that forwards every call to another one, but for
// the faults injected into it: failures of the next calls of an operation
// (FailNext) and latency (Delay). Operations are named as the methods of
// firn.Glacier ("UploadArchive"); an unknown name panics, so that a typo
// cannot make a test pass. A Faulty is safe for concurrent use.
type Faulty struct {
	g  firn.Glacier
	mu sync.Mutex
	op map[string]*faults
}

type faults struct {
	calls int
	fail  int
	err   firn.Error
	delay time.Duration
}

var _ firn.Glacier = (*Faulty)(nil)

// Inject returns a Faulty forwarding to g, with no faults.
func Inject(g firn.Glacier) *Faulty {
	return &Faulty{g: g, op: map[string]*faults{}}
}

// faults returns the faults of op; f.mu must be held.
func (f *Faulty) faults(op string) *faults {
	if !operations[op] {
		panic(fmt.Sprintf("firntest: %q is not a Glacier operation", op))
	}
	s := f.op[op]
	if s == nil {
		s = &faults{}
		f.op[op] = s
	}
	return s
}

// FailNext makes the next n calls of op fail with err, replacing the
// failures still pending for op; n <= 0 removes them. A failed call does not
// reach the wrapped Glacier, so it changes nothing (as a failed call must)
// and does not read the request's body. Each call gets its own copy of err,
// with a message naming the injection if err has none, so that errors.Is
// with a sentinel such as firn.ErrServiceUnavailable matches it.
func (f *Faulty) FailNext(op string, n int, err *firn.Error) {
	if err == nil {
		panic("firntest: FailNext with a nil error")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.faults(op)
	s.fail, s.err = max(n, 0), *err
	if s.err.Message == "" {
		s.err.Message = "firntest: injected failure of " + op
	}
}

// Delay makes every later call of op wait d of real time before it
// proceeds (to fail or to be forwarded); 0 removes the delay. A call whose
// context ends while it waits fails with RequestTimeoutException, changing
// nothing.
func (f *Faulty) Delay(op string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults(op).delay = max(d, 0)
}

// Calls returns how many calls of op the Faulty has received, failed ones
// included.
func (f *Faulty) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faults(op).calls
}

// Reset removes every pending failure and delay; call counts remain.
func (f *Faulty) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.op {
		s.fail, s.delay = 0, 0
	}
}

// enter counts a call of op, waits its delay and returns the injected
// failure, if any.
func (f *Faulty) enter(ctx context.Context, op string) error {
	f.mu.Lock()
	s := f.faults(op)
	s.calls++
	delay := s.delay
	var fail *firn.Error
	if s.fail > 0 {
		s.fail--
		e := s.err
		fail = &e
	}
	f.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return &firn.Error{Code: firn.CodeRequestTimeout, Message: "firntest: the context ended during the injected delay of " + op, Err: ctx.Err()}
		}
	}
	if fail != nil {
		return fail
	}
	return nil
}

// call forwards a call of op, the method m, to the wrapped Glacier unless a
// fault intervenes. Faulty's methods (faulty_glacier.go) call it.
func call[In, Out any](f *Faulty, ctx context.Context, op string, in *In, m func(firn.Glacier, context.Context, *In) (*Out, error)) (*Out, error) {
	if err := f.enter(ctx, op); err != nil {
		return nil, err
	}
	return m(f.g, ctx, in)
}
