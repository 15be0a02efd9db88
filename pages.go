package firn

import (
	"context"
	"iter"
)

// ListOptions page a collection. A nil *ListOptions lists everything with
// the operation's default page size.
//
// Every listing of this package — the paginators AllVaults, AllJobs,
// AllMultipartUploads and AllParts, and the collections of the resource
// handles (Account.Vaults, Vault.Jobs, MultipartUpload.Parts, ...) — is an
// iter.Seq2 of (item, error) that:
//
//   - fetches a page only when the items of the previous one are used up,
//     so breaking out of the loop stops fetching;
//   - checks its context before each request, so a cancelled context ends
//     the listing with the context's error;
//   - yields the first error once, with the zero item, and then stops;
//   - lists again from the start each time it is ranged over, and may be
//     ranged over by several goroutines at once.
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
	StatusCode StatusCode
	// Completed, when set, keeps the completed (true) or in-progress
	// (false) jobs.
	Completed *bool
}

// pages yields the items of every page of a Marker-paged listing as
// ListOptions describes. fetch gets the marker of the page to fetch.
func pages[Item any](ctx context.Context, marker string,
	fetch func(ctx context.Context, marker string) ([]Item, string, error)) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		var zero Item
		for m := marker; ; {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, next, err := fetch(ctx, m)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			// A repeated marker would page forever.
			if next == "" || next == m {
				return
			}
			m = next
		}
	}
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

// AllVaults iterates over the vaults of in.AccountId in ASCII order of name,
// starting at in.Marker and asking for pages of in.Limit. in is not
// modified. See ListOptions for the listing contract.
func AllVaults(ctx context.Context, g Glacier, in ListVaultsInput) iter.Seq2[DescribeVaultOutput, error] {
	return pages(ctx, in.Marker, func(ctx context.Context, marker string) ([]DescribeVaultOutput, string, error) {
		req := in
		req.Marker = marker
		out, err := g.ListVaults(ctx, &req)
		if err != nil {
			return nil, "", err
		}
		return out.VaultList, out.Marker, nil
	})
}

// AllJobs iterates over the jobs of a vault that match in's filters, in
// creation order, starting at in.Marker and asking for pages of in.Limit.
// in is not modified. See ListOptions for the listing contract.
func AllJobs(ctx context.Context, g Glacier, in ListJobsInput) iter.Seq2[GlacierJobDescription, error] {
	return pages(ctx, in.Marker, func(ctx context.Context, marker string) ([]GlacierJobDescription, string, error) {
		req := in
		req.Marker = marker
		out, err := g.ListJobs(ctx, &req)
		if err != nil {
			return nil, "", err
		}
		return out.JobList, out.Marker, nil
	})
}

// AllMultipartUploads iterates over the in-progress multipart uploads of a
// vault, starting at in.Marker and asking for pages of in.Limit. in is not
// modified. See ListOptions for the listing contract.
func AllMultipartUploads(ctx context.Context, g Glacier, in ListMultipartUploadsInput) iter.Seq2[UploadListElement, error] {
	return pages(ctx, in.Marker, func(ctx context.Context, marker string) ([]UploadListElement, string, error) {
		req := in
		req.Marker = marker
		out, err := g.ListMultipartUploads(ctx, &req)
		if err != nil {
			return nil, "", err
		}
		return out.UploadsList, out.Marker, nil
	})
}

// AllParts iterates over the parts of a multipart upload sorted by range,
// starting at in.Marker and asking for pages of in.Limit. in is not
// modified. See ListOptions for the listing contract.
func AllParts(ctx context.Context, g Glacier, in ListPartsInput) iter.Seq2[PartListElement, error] {
	return pages(ctx, in.Marker, func(ctx context.Context, marker string) ([]PartListElement, string, error) {
		req := in
		req.Marker = marker
		out, err := g.ListParts(ctx, &req)
		if err != nil {
			return nil, "", err
		}
		return out.Parts, out.Marker, nil
	})
}
