package firn

import (
	"context"
	"iter"
)

// pages yields the items of every page of a Marker-paged listing, fetching
// each page only when the previous one is used up. It stops at the first
// error, which it yields once with the zero item.
func pages[In any, Item any](ctx context.Context, in In, marker *string,
	fetch func(context.Context, In) ([]Item, string, error)) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		for {
			items, next, err := fetch(ctx, in)
			if err != nil {
				var zero Item
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" || next == *marker {
				return
			}
			*marker = next
		}
	}
}

// AllVaults iterates over every vault of the account, starting at in.Marker
// and requesting pages of in.Limit. Pages are fetched lazily; breaking out
// of the loop stops fetching. in is not modified.
func AllVaults(ctx context.Context, g Glacier, in ListVaultsInput) iter.Seq2[DescribeVaultOutput, error] {
	return pages(ctx, &in, &in.Marker, func(ctx context.Context, in *ListVaultsInput) ([]DescribeVaultOutput, string, error) {
		out, err := g.ListVaults(ctx, in)
		if err != nil {
			return nil, "", err
		}
		return out.VaultList, out.Marker, nil
	})
}

// AllJobs iterates over every job of a vault that matches in's filters, in
// creation order, fetching pages lazily. in is not modified.
func AllJobs(ctx context.Context, g Glacier, in ListJobsInput) iter.Seq2[GlacierJobDescription, error] {
	return pages(ctx, &in, &in.Marker, func(ctx context.Context, in *ListJobsInput) ([]GlacierJobDescription, string, error) {
		out, err := g.ListJobs(ctx, in)
		if err != nil {
			return nil, "", err
		}
		return out.JobList, out.Marker, nil
	})
}

// AllMultipartUploads iterates over every in-progress multipart upload of a
// vault, fetching pages lazily. in is not modified.
func AllMultipartUploads(ctx context.Context, g Glacier, in ListMultipartUploadsInput) iter.Seq2[UploadListElement, error] {
	return pages(ctx, &in, &in.Marker, func(ctx context.Context, in *ListMultipartUploadsInput) ([]UploadListElement, string, error) {
		out, err := g.ListMultipartUploads(ctx, in)
		if err != nil {
			return nil, "", err
		}
		return out.UploadsList, out.Marker, nil
	})
}

// AllParts iterates over every part of a multipart upload, sorted by range,
// fetching pages lazily. in is not modified.
func AllParts(ctx context.Context, g Glacier, in ListPartsInput) iter.Seq2[PartListElement, error] {
	return pages(ctx, &in, &in.Marker, func(ctx context.Context, in *ListPartsInput) ([]PartListElement, string, error) {
		out, err := g.ListParts(ctx, in)
		if err != nil {
			return nil, "", err
		}
		return out.Parts, out.Marker, nil
	})
}
