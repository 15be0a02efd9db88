package conformance

import (
	"context"
	"sync"

	"github.com/firnstore/firn"
)

//go:generate go run ../../internal/testkit/forwardgen -type spy -func record -o spy_glacier.go

// spy is a firn.Glacier that counts the calls to the wrapped one, records
// inputs, and lets a test fail calls: before, if set, runs before each
// counted call with the operation's name, its 1-based call number and its
// input, and its non-nil error is returned instead of calling through;
// after, if set, runs after a call that went through.
type spy struct {
	g      firn.Glacier
	before func(op string, n int, in any) error
	after  func(op string, in any)

	mu       sync.Mutex
	calls    map[string]int
	inflight map[string]int
	peak     map[string]int
	inputs   map[string][]any
}

func newSpy(g firn.Glacier) *spy {
	return &spy{g: g, calls: map[string]int{}, inflight: map[string]int{}, peak: map[string]int{}, inputs: map[string][]any{}}
}

// n returns how many times op was called.
func (s *spy) n(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// peakInflight returns the most calls of op that ran at once.
func (s *spy) peakInflight(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak[op]
}

// inputsOf returns the inputs op was called with, in order.
func inputsOf[In any](s *spy, op string) []In {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ins []In
	for _, in := range s.inputs[op] {
		ins = append(ins, *in.(*In))
	}
	return ins
}

// record counts and records a call of op, then forwards it, the method of
// firn.Glacier that gives its types, unless before fails it. spy's methods
// (spy_glacier.go) call it.
func record[In, Out any](s *spy, ctx context.Context, op string, in *In, forward func(firn.Glacier, context.Context, *In) (*Out, error)) (*Out, error) {
	s.mu.Lock()
	s.calls[op]++
	n := s.calls[op]
	cp := *in
	s.inputs[op] = append(s.inputs[op], &cp)
	s.inflight[op]++
	s.peak[op] = max(s.peak[op], s.inflight[op])
	before, after := s.before, s.after
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight[op]--
		s.mu.Unlock()
	}()
	if before != nil {
		if err := before(op, n, in); err != nil {
			return nil, err
		}
	}
	out, err := forward(s.g, ctx, in)
	if after != nil {
		after(op, in)
	}
	return out, err
}
