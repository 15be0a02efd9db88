// Package firn is the contract of Firn, an embeddable implementation of the
// Amazon S3 Glacier (vault) API.
//
// The package holds only the contract: the [Glacier] interface with one method
// per Glacier operation, the request and response types named as in the API
// reference and aws-sdk-go-v2, the [Error] type with the service's error codes,
// the [Clock] implementations read time from, the caller's principal in a
// [context.Context], and the helpers that need nothing but the interface:
// paginators ([AllVaults], [AllJobs], [AllMultipartUploads], [AllParts]) and
// waiters ([WaitUntilVaultExists], [WaitUntilVaultNotExists],
// [WaitUntilJobComplete]), as aws-sdk-go-v2 keeps them in the service
// package. It depends on the standard library only.
//
// The boto3 resource model in Go's idiom (handles on accounts, vaults,
// archives, jobs, uploads and notification configurations) and an Uploader
// that sends large archives in concurrent, retried parts are in package
// client, over any Glacier.
//
// Implementations live elsewhere: package engine is the in-process engine
// persisted in Pebble; front ends such as the REST server take any Glacier.
//
// Conventions, shared by every implementation:
//
//   - An AccountId of "" or "-" means the implementation's own account; any
//     other 12-digit ID names a separate, isolated account.
//   - Absent optional fields are zero values; pointers are used only where an
//     absent value differs from the zero value (for example
//     [DataRetrievalRule].BytesPerHour or [ListJobsInput].Completed).
//   - Dates are [time.Time] in UTC; the zero time means "not set" (null on
//     the wire).
//   - Bodies are streamed: [UploadArchiveInput].Body and
//     [UploadMultipartPartInput].Body are read once, never buffered whole, and
//     [GetJobOutputOutput].Body must be closed by the caller.
//   - Every failure is an *[Error] carrying a Glacier error code; use
//     errors.Is(err, firn.ErrResourceNotFound) or errors.As to inspect it.
//   - Implementations are safe for concurrent use by many goroutines.
//
// # Listings
//
// Every paginator is an iter.Seq2 of (item, error) that:
//
//   - fetches a page only when the items of the previous one are used up,
//     so breaking out of the loop stops fetching;
//   - checks its context before each request, so a cancelled context ends
//     the listing with the context's error;
//   - yields the first error once, with the zero item, and then stops;
//   - lists again from the start each time it is ranged over, and may be
//     ranged over by several goroutines at once.
package firn
