// Package firn is the contract of Firn, an embeddable implementation of the
// Amazon S3 Glacier (vault) API.
//
// The package holds only the contract: the [Glacier] interface with one method
// per Glacier operation, the request and response types named as in the API
// reference and aws-sdk-go-v2, the [Error] type with the service's error codes,
// and small helpers that work over any [Glacier] (paginators, the caller's
// principal in a [context.Context]). It depends on the standard library only.
//
// Over any Glacier, the package also offers the conveniences of the boto3
// resource model in Go's idiom: handles ([NewAccount], [Vault], [Archive],
// [Job], [MultipartUpload], [Notification]) with their actions and lazily
// paged collections (iter.Seq2), waiters ([WaitUntilVaultExists],
// [WaitUntilVaultNotExists], [WaitUntilJobComplete]) and an [Uploader] that
// picks single or multipart upload, sends parts concurrently with bounded
// memory and retries failed parts.
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
package firn
