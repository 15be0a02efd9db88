package firn

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Waiter defaults: the reference's for the vault waiters; for jobs, a poll
// a minute for a day, well past the 12 hours a Bulk retrieval may take.
const (
	vaultWaiterDelay       = 3 * time.Second
	vaultWaiterMaxAttempts = 15
	jobWaiterDelay         = time.Minute
	jobWaiterMaxAttempts   = 24 * 60
)

// ErrMaxAttemptsExceeded is wrapped by the error of a waiter that gave up
// after its maximum number of attempts.
var ErrMaxAttemptsExceeded = errors.New("max attempts exceeded")

// WaiterOptions configure a waiter. A nil *WaiterOptions, like zero fields,
// means the waiter's defaults.
type WaiterOptions struct {
	// Delay is the pause between attempts. Default: 3 s for the vault
	// waiters, 1 minute for WaitUntilJobComplete. Must not be negative.
	Delay time.Duration
	// MaxAttempts is how many times the condition is checked before the
	// waiter gives up. Default: 15 for the vault waiters, 1,440 (a day of
	// minutes) for WaitUntilJobComplete. Must not be negative.
	MaxAttempts int
	// Sleep pauses for d, or until ctx is done, when it returns a non-nil
	// error (ctx.Err()) that ends the wait. Default: a timer honouring ctx.
	// Tests replace it to advance a fake clock instead of sleeping.
	Sleep func(ctx context.Context, d time.Duration) error
}

// WaitUntilVaultExists polls DescribeVault until the vault exists, as the
// reference's vault_exists waiter does: it checks at once, then after each
// Delay, at most MaxAttempts times. It returns nil once DescribeVault
// succeeds; an error wrapping ErrMaxAttemptsExceeded (and the last
// ResourceNotFoundException) if the vault still does not exist after
// MaxAttempts checks; any other error of DescribeVault as is; and an error
// wrapping ctx.Err() once ctx is done. Bad options fail with
// InvalidParameterValueException before any call.
func WaitUntilVaultExists(ctx context.Context, g Glacier, in *DescribeVaultInput, opts *WaiterOptions) error {
	what := fmt.Sprintf("vault %q exists", in.VaultName)
	return wait(ctx, what, opts, vaultWaiterDelay, vaultWaiterMaxAttempts, func() (waitState, error) {
		_, err := g.DescribeVault(ctx, in)
		switch {
		case err == nil:
			return waitDone, nil
		case errors.Is(err, ErrResourceNotFound):
			return waitRetry, err
		default:
			return waitFailed, err
		}
	})
}

// WaitUntilVaultNotExists polls DescribeVault until the vault does not
// exist, as the reference's vault_not_exists waiter does: it returns nil
// once DescribeVault fails with ResourceNotFoundException, and otherwise
// behaves as WaitUntilVaultExists.
func WaitUntilVaultNotExists(ctx context.Context, g Glacier, in *DescribeVaultInput, opts *WaiterOptions) error {
	what := fmt.Sprintf("vault %q does not exist", in.VaultName)
	return wait(ctx, what, opts, vaultWaiterDelay, vaultWaiterMaxAttempts, func() (waitState, error) {
		_, err := g.DescribeVault(ctx, in)
		switch {
		case err == nil:
			return waitRetry, nil
		case errors.Is(err, ErrResourceNotFound):
			return waitDone, nil
		default:
			return waitFailed, err
		}
	})
}

// WaitUntilJobComplete polls DescribeJob until the job has completed and
// returns its description. Completed jobs include failed ones: check
// StatusCode (StatusSucceeded or StatusFailed) before getting the output.
// It checks at once, then after each Delay (default 1 minute), at most
// MaxAttempts times (default 1,440, a day); errors are as for
// WaitUntilVaultExists, every error of DescribeJob ending the wait. With an
// engine on a fake clock, a Sleep that advances the clock completes jobs
// without real waiting.
func WaitUntilJobComplete(ctx context.Context, g Glacier, in *DescribeJobInput, opts *WaiterOptions) (*DescribeJobOutput, error) {
	var desc *DescribeJobOutput
	what := fmt.Sprintf("job %q is complete", in.JobId)
	err := wait(ctx, what, opts, jobWaiterDelay, jobWaiterMaxAttempts, func() (waitState, error) {
		out, err := g.DescribeJob(ctx, in)
		switch {
		case err != nil:
			return waitFailed, err
		case !out.Completed:
			return waitRetry, nil
		}
		desc = out
		return waitDone, nil
	})
	if err != nil {
		return nil, err
	}
	return desc, nil
}

// waitState is the outcome of one check of a waiter's condition.
type waitState int

const (
	waitRetry  waitState = iota // not yet; the error, if any, is kept for the final one
	waitDone                    // the condition holds
	waitFailed                  // the wait ends with the error
)

// wait runs check, then sleeps and runs it again, until check reports done
// or failed, or attempts run out.
func wait(ctx context.Context, what string, opts *WaiterOptions, delay time.Duration, maxAttempts int,
	check func() (waitState, error)) error {
	var o WaiterOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case o.Delay < 0:
		return Errorf(CodeInvalidParameterValue, "WaiterOptions.Delay %v: must not be negative", o.Delay)
	case o.MaxAttempts < 0:
		return Errorf(CodeInvalidParameterValue, "WaiterOptions.MaxAttempts %d: must not be negative", o.MaxAttempts)
	}
	if o.Delay == 0 {
		o.Delay = delay
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = maxAttempts
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("firn: waiting until %s: %w", what, err)
		}
		state, err := check()
		switch {
		case state == waitFailed:
			return err
		case state == waitDone:
			return nil
		case attempt >= o.MaxAttempts:
			gaveUp := fmt.Errorf("firn: waiting until %s: %w (%d)", what, ErrMaxAttemptsExceeded, o.MaxAttempts)
			if err != nil {
				gaveUp = fmt.Errorf("%w: %w", gaveUp, err)
			}
			return gaveUp
		}
		if err := o.Sleep(ctx, o.Delay); err != nil {
			return fmt.Errorf("firn: waiting until %s: %w", what, err)
		}
	}
}

// sleep pauses for d or until ctx is done, returning ctx.Err() then.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
