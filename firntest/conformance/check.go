package conformance

import (
	"errors"
	"testing"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// wantErr checks that a call failed with an *firn.Error of want's code whose
// message mentions every string of mentions (case-insensitively), and that it
// returned no output.
func wantErr[O any](t *testing.T, out *O, err error, want *firn.Error, mentions ...string) {
	t.Helper()
	checkErr(t, out == nil, err, want, mentions...)
}

// checkErr is wantErr for callers that hold the output as an interface or
// not at all.
func checkErr(t *testing.T, nilOut bool, err error, want *firn.Error, mentions ...string) {
	t.Helper()
	if testkit.WantError(t, err, want, mentions...) && !nilOut {
		t.Errorf("failed call returned a non-nil output")
	}
}

// wantMessage checks that err, if it is an *firn.Error, has exactly the
// message want.
func wantMessage(t *testing.T, err error, want string) {
	t.Helper()
	var fe *firn.Error
	if errors.As(err, &fe) && fe.Message != want {
		t.Errorf("error message %q, want %q", fe.Message, want)
	}
}

// must returns a function that fails the test unless a call succeeded with
// an output, and returns the output: must[Out](t, "Op")(g.Op(ctx, in)).
func must[O any](t *testing.T, what string) func(*O, error) *O {
	return func(out *O, err error) *O {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if out == nil {
			t.Fatalf("%s: nil output", what)
		}
		return out
	}
}
