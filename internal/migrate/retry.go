package migrate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/firnstore/firn"
)

// codeThrottling is the service's throttling error, which firn.Code does
// not name; awsglacier keeps it verbatim.
const codeThrottling firn.Code = "ThrottlingException"

// Backoff of transient failures: jittered, doubling from retryBase to
// retryMax.
const (
	retryBase = time.Second
	retryMax  = time.Minute
)

// transient reports whether err is worth trying again at once.
func transient(err error) bool {
	switch firn.CodeOf(err) {
	case codeThrottling, firn.CodeRequestTimeout, firn.CodeServiceUnavailable:
		return true
	}
	return false
}

// retry calls f until it succeeds, fails with an error that is not
// transient, or has failed attempts times, sleeping a jittered, growing
// delay between attempts.
func retry[T any](ctx context.Context, o *Options, what string, f func() (T, error)) (T, error) {
	delay := retryBase
	for attempt := 1; ; attempt++ {
		v, err := f()
		if err == nil || !transient(err) || ctx.Err() != nil {
			return v, err
		}
		if attempt >= o.MaxAttempts {
			return v, fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
		}
		// Full jitter: spreads the retries of concurrent callers.
		if err := o.Sleep(ctx, delay/2+rand.N(delay/2+1)); err != nil {
			return v, err
		}
		delay = min(2*delay, retryMax)
	}
}
