package firn

import (
	"context"
	"iter"
)

// pages yields the items of every page of a Marker-paged listing as the
// package documentation's Listings describes. fetch gets the marker of the
// page to fetch.
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

// AllVaults iterates over the vaults of in.AccountId in ASCII order of name,
// starting at in.Marker and asking for pages of in.Limit. in is not
// modified. See Listings in the package documentation.
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
// in is not modified. See Listings in the package documentation.
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
// modified. See Listings in the package documentation.
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
// modified. See Listings in the package documentation.
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
