package testkit

import (
	"fmt"
	"testing"
	"time"
)

// Within runs fn on another goroutine and returns its error, a panic
// turned into an error. If fn has not returned after a minute, Within fails
// t with t.Fatalf, naming what: a call that would hang for ever is reported
// instead of wedging the test. A minute is no measure of speed, it is far
// beyond any call's time on a loaded machine. Like t.Fatalf, Within must be
// called from the test's goroutine.
func Within(t testing.TB, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		done <- fn()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return", what)
		return nil
	}
}
