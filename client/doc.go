// Package client is the client layer over any firn.Glacier: resource handles
// in the boto3 resource model and an Uploader for large archives, the way
// aws-sdk-go-v2 keeps feature/s3/manager apart from the service it calls.
//
// The handles ([NewAccount], [Vault], [Archive], [Job], [MultipartUpload],
// [Notification]) hold identifiers, not state: making one calls nothing, and
// each action is one call of the Glacier they were made over, so they work
// the same over the in-process engine, the REST endpoint through an SDK, or
// the real service. Collections (Account.Vaults, Vault.Jobs,
// MultipartUpload.Parts, ...) are iter.Seq2 listings that fetch pages as the
// loop needs them; see [ListOptions].
//
// The [Uploader] picks between one UploadArchive and a multipart upload by
// size, sends parts concurrently with bounded memory, computes every tree
// hash once, retries the failures that may pass, and aborts a multipart
// upload that fails.
//
// Contract:
//
//   - Errors are the Glacier's own, as returned (a *firn.Error for a service
//     error, so errors.Is(err, firn.ErrResourceNotFound) works through the
//     handles); an action's own bad arguments fail with
//     InvalidParameterValueException or MissingParameterValueException
//     before any call. The Uploader wraps the errors it adds context to
//     (which part, which upload), keeping them inspectable with errors.Is
//     and errors.As.
//   - Limits are the service's: parts are 1 MiB times a power of two up to
//     4 GiB and at most 10,000 per upload (package multipart's limits), one
//     UploadArchive takes at most 4 GiB.
//   - Handles and Uploaders are safe for concurrent use, except that a
//     handle's Load and the actions that set its Attrs must not run
//     concurrently with other uses of the same handle, and an Uploader's
//     fields must not change while it uploads.
//
// The paginators (firn.AllVaults, ...) and waiters
// (firn.WaitUntilVaultExists, ...) that the handles use are in package firn
// beside the interface, as aws-sdk-go-v2 keeps them in the service package:
// they need nothing but the interface, so a caller of the bare interface has
// them without this package.
package client
