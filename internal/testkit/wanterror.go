package testkit

import (
	"errors"
	"strings"
	"testing"

	"github.com/firnstore/firn"
)

// WantError reports an error on t unless err is a *firn.Error of want's
// code whose message mentions every string of mentions, ignoring case. It
// returns whether err is a *firn.Error at all, so that a caller can check
// more of a failed call.
func WantError(t testing.TB, err error, want *firn.Error, mentions ...string) bool {
	t.Helper()
	if err == nil {
		t.Errorf("call succeeded, want %s", want.Code)
		return false
	}
	var fe *firn.Error
	if !errors.As(err, &fe) {
		t.Errorf("error %q (%T) is not a *firn.Error", err, err)
		return false
	}
	if !errors.Is(err, want) {
		t.Errorf("error %q, want code %s", err, want.Code)
	}
	for _, m := range mentions {
		if !strings.Contains(strings.ToLower(fe.Message), strings.ToLower(m)) {
			t.Errorf("error message %q does not mention %q", fe.Message, m)
		}
	}
	return true
}
