package main

import (
	"context"
	"sync"
)

// parallel calls f with each of 0 to n-1 on up to workers goroutines. The
// first error cancels the ctx given to f, stops handing out indexes, and is
// returned once the calls in flight have returned; so is ctx's cause if ctx
// ends first.
func parallel(ctx context.Context, workers, n int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := f(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
