package server

import (
	"context"
	"io"
	"sync"
	"testing"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// fakeCall is one recorded Glacier call.
type fakeCall struct {
	op        string
	in        any
	principal string
	secure    bool
	// body and readErr are what an upload read from its Body.
	body    []byte
	readErr error
}

//go:generate go run ../internal/testkit/forwardgen -type fake -func record -o fake_glacier_test.go

// fake is a firn.Glacier that records its calls and answers with canned
// outputs (or the zero output) and errors.
type fake struct {
	mu    sync.Mutex
	calls []fakeCall
	out   map[string]any
	err   map[string]error
}

func newFake() *fake { return &fake{out: map[string]any{}, err: map[string]error{}} }

// respond sets the output or error of op.
func (f *fake) respond(op string, out any, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.out[op], f.err[op] = out, err
}

// last returns the last call, or the zero call.
func (f *fake) last() fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return fakeCall{}
	}
	return f.calls[len(f.calls)-1]
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// record records a call of op, the method of firn.Glacier that gives it its
// types, and answers it. fake's methods (fake_glacier_test.go) call it.
func record[I, O any](f *fake, ctx context.Context, op string, in *I, _ func(firn.Glacier, context.Context, *I) (*O, error)) (*O, error) {
	return answer[I, O](f, ctx, op, in)
}

// answer records a call of op with input in and answers it.
func answer[I, O any](f *fake, ctx context.Context, op string, in *I) (*O, error) {
	c := fakeCall{op: op, in: in, secure: firn.SecureTransportFrom(ctx)}
	c.principal, _ = firn.PrincipalFrom(ctx)
	var body io.Reader
	switch in := any(in).(type) {
	case *firn.UploadArchiveInput:
		body = in.Body
	case *firn.UploadMultipartPartInput:
		body = in.Body
	case *firn.ImportArchiveInput:
		body = in.Body
	}
	if body != nil {
		c.body, c.readErr = io.ReadAll(body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	if c.readErr != nil {
		return nil, &firn.Error{Code: firn.CodeRequestTimeout, Message: "reading the body failed", Err: c.readErr}
	}
	if err := f.err[op]; err != nil {
		return nil, err
	}
	if out, ok := f.out[op].(*O); ok {
		return out, nil
	}
	return new(O), nil
}

// importingFake is a fake that is a firn.Importer too.
type importingFake struct{ *fake }

func newImportingFake() importingFake { return importingFake{newFake()} }

func (f importingFake) ImportArchive(ctx context.Context, in *firn.ImportArchiveInput) (*firn.ImportArchiveOutput, error) {
	return answer[firn.ImportArchiveInput, firn.ImportArchiveOutput](f.fake, ctx, "ImportArchive", in)
}

func (f importingFake) DescribeArchive(ctx context.Context, in *firn.DescribeArchiveInput) (*firn.DescribeArchiveOutput, error) {
	return answer[firn.DescribeArchiveInput, firn.DescribeArchiveOutput](f.fake, ctx, "DescribeArchive", in)
}

func TestFakeGenerated(t *testing.T) {
	testkit.CheckForwarder(t, "fake_glacier_test.go", "server", "fake", "record")
}
