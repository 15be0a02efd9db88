package client

import (
	"iter"

	"github.com/firnstore/firn"
)

// ListOptions page a collection. A nil *ListOptions lists everything with
// the operation's default page size.
//
// Every collection of the handles (Account.Vaults, Vault.Jobs,
// MultipartUpload.Parts, ...) is a listing as package firn's paginators
// are: an iter.Seq2 of (item, error) that fetches a page only when the
// items of the previous one are used up, checks its context before each
// request, yields the first error once and stops, and lists again from the
// start each time it is ranged over.
type ListOptions struct {
	// PageSize is the number of items each request asks for, the
	// operation's Limit: 1 to 1,000 for vaults, uploads and parts, 1 to 50
	// for jobs; 0 means the operation's default.
	PageSize int32
	// Marker starts the listing where an earlier page of the same listing
	// ended, as returned in that page's Marker; "" starts at the beginning.
	Marker string
}

// JobListOptions filter and page a job collection. A nil *JobListOptions
// lists every job with the default page size.
type JobListOptions struct {
	// PageSize and Marker are as in ListOptions (PageSize at most 50).
	PageSize int32
	Marker   string
	// StatusCode, when set, keeps the jobs of that status.
	StatusCode firn.StatusCode
	// Completed, when set, keeps the completed (true) or in-progress
	// (false) jobs.
	Completed *bool
}

// mapSeq yields f of every item of seq, and seq's error as is.
func mapSeq[A, B any](seq iter.Seq2[A, error], f func(A) B) iter.Seq2[B, error] {
	return func(yield func(B, error) bool) {
		for a, err := range seq {
			if err != nil {
				var zero B
				yield(zero, err)
				return
			}
			if !yield(f(a), nil) {
				return
			}
		}
	}
}

// optsOrZero returns *p, or the zero value for a nil p.
func optsOrZero[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
