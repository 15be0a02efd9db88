// Package server serves the Amazon S3 Glacier REST API (version 2012-06-01,
// protocol rest-json) over HTTP on top of any [firn.Glacier], so that
// unmodified AWS SDKs, the AWS CLI and boto3 can talk to an in-process
// engine.
//
// [New] returns an [http.Handler]; [NewHTTPServer] wraps it in an
// [http.Server] with sensible timeouts. The handler only translates: it
// routes on the escaped request path, binds path, query, header and body
// members to the firn input as the service model says, calls the Glacier
// method, and writes the output's headers and JSON body (or the job output
// stream) back. Validation of values (vault names, part sizes, limits,
// ranges, ...) is left to the Glacier implementation; the handler rejects only
// what it cannot represent in a firn input (non-numeric numbers, malformed
// JSON) and headers the wire requires (x-amz-glacier-version, an upload's
// checksums).
//
// # Wire conventions
//
//   - Dates are ISO 8601 UTC with milliseconds ("2012-03-20T17:03:43.221Z");
//     zero times, empty optional strings and not-applicable sizes are JSON
//     null, and job descriptions carry every key.
//   - Errors are the service's JSON body {"code","message","type"} with the
//     code's HTTP status (see [firn.Code.HTTPStatus]). Codes the handler adds
//     itself: SerializationException (400, malformed JSON body),
//     UnknownOperationException (404 for an unknown path, 405 for a known path
//     with an unsupported method), and the SigV4 codes below. An error from
//     the Glacier that is not a *[firn.Error] is logged and answered with 500
//     ServiceUnavailableException and a generic message.
//   - Every response carries x-amzn-RequestId (random, unique) and Date.
//
// # Bodies and integrity
//
// Upload bodies (UploadArchive, UploadMultipartPart) are streamed into the
// Glacier, never buffered whole, and limited to 4 GiB ([MaxArchiveSize],
// [MaxPartSize]); UploadArchive requires Content-Length. Both also require
// x-amz-sha256-tree-hash and x-amz-content-sha256, as the service does:
// without either the request is refused with 400
// MissingParameterValueException before the Glacier is called. (The AWS
// SDKs compute both unless given a checksum; aws-sdk-go-v2 given one sends
// no x-amz-content-sha256, which the service refuses too.) When a request
// carries x-amz-content-sha256 the body is hashed while it streams; on a
// mismatch the reader returns an error before EOF, so the Glacier fails the
// call and stores nothing, and the client gets 400
// InvalidParameterValueException. x-amz-sha256-tree-hash is passed to the
// Glacier as the Checksum it must verify. JSON bodies are limited to
// [Options].MaxJSONBody; bodies of operations that take none are ignored.
// A body that sends nothing for [Options].BodyIdleTimeout is answered with
// 408 RequestTimeoutException and its connection closed; the read deadline
// moves on with every read, so a slow but steady upload is not cut.
// Job output is copied to the client as the Glacier produces it, flushed as
// it goes, with Content-Length from the output's ContentLength or
// Content-Range. Its first bytes are read before the status line, so an
// output that cannot be read at all is answered with an error (500
// ServiceUnavailableException unless the Glacier gave a code); if it fails
// midway, or ends short of its length, the connection is broken, so that
// the client cannot mistake a truncated download for a whole one.
//
// # Authentication
//
// With [Options].Credentials set, every request must carry a valid AWS
// Signature Version 4 for service "glacier", either in the Authorization
// header or as a presigned query (X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature), dated
// within 15 minutes of [Options].Clock; a presigned URL with X-Amz-Expires
// is valid until it expires instead. The credential scope must name
// service "glacier", [Options].Region, the date of X-Amz-Date and
// "aws4_request". x-amz-security-token is not checked.
//
// Signature and route see one request. A signature covers the path as sent
// (aws-sdk-go-v2) or, as botocore signs it, the path without dot and empty
// segments; the request is routed on the path its signature covers, so a
// signature captured for "/-/vaults/access-policy" (DeleteVault) replayed on
// "/-/vaults/./access-policy" deletes that vault again rather than vault
// "."'s access policy. Paths stay percent-encoded for both: %2F and %2E are
// never separators or dot segments. A query parameter given twice is
// refused with 400 InvalidParameterValueException, since the canonical query
// sorts values and would cover either order; so is a repeated
// x-amz-content-sha256. A request signed both by header and by query, or
// with a repeated Authorization, X-Amz-Date or Date header, a repeated
// field in Authorization or a repeated signed header (two headers "a" and
// "b" sign as one "a,b") is refused with 403 IncompleteSignatureException.
//
// A request costs the server nothing before its signature is checked but
// this: the payload hash is x-amz-content-sha256 when present (SDKs send it
// with every upload, and aws-sdk-go-v2 with every body), else the SHA-256
// of the body, which must then be read into memory first (boto3 sends JSON
// bodies so). Such a body is bounded by [Options].MaxPreAuthBody (a larger
// one is refused with 400 MissingParameterValueException), must arrive
// whole within [Options].BodyIdleTimeout, and reserves its size from
// [Options].PreAuthBodyBudget until its signature is checked: when the
// budget is spent, requests needing it are refused with 400
// ThrottlingException, the throttling error of the Glacier developer
// guide, which SDKs retry with backoff.
//
// Failures are answered with 403 and MissingAuthenticationTokenException (no
// signature), IncompleteSignatureException (malformed signature),
// UnrecognizedClientException (unknown access key) or
// InvalidSignatureException (wrong signature, wrong service or region in
// the scope, expired or not yet valid). The Glacier developer guide lists
// 400 for MissingAuthenticationTokenException and
// UnrecognizedClientException; AWS answers 403, and so does this server.
//
// Every access key belongs to one account, its [Credential].AccountID or
// else [Options].AccountID, and is one principal of it (the account root
// unless [Credential].PrincipalARN names another). The principal reaches the
// Glacier through [firn.WithPrincipal] on every signed request, and the
// account "-" in a path means the key's account; a path naming another
// account is cross-account access, which the Glacier decides by the vault's
// access policy.
//
// Without credentials every request is accepted, signed or not, as local
// emulators do; [New] says so in its log.
//
// # Importing archives (a Firn extension)
//
// Two routes that are not part of the Glacier API let a migration bring in
// archives that already have an identity elsewhere ([firn.Importer]). They
// are served only when [Options].ImportPrincipals lists someone, and only
// to the principals listed (without signature verification, a request acts
// as the root of its path's account); any other caller gets 403
// AccessDeniedException before its body is read. Otherwise they answer as
// unknown routes do.
//
//   - PUT /{account}/vaults/{vault}/archives/{archiveId}: ImportArchive.
//     The body is the archive, streamed and bounded by [MaxImportSize]
//     rather than [MaxArchiveSize]; Content-Length (its Size),
//     x-amz-sha256-tree-hash, x-amz-content-sha256 and
//     x-firn-creation-date (ISO 8601, "2012-03-20T17:03:43.221Z") are
//     required; x-firn-archive-description is the description
//     percent-encoded (RFC 3986), so that any UTF-8 survives a header,
//     and absent means empty. The answer is 201 with Location,
//     x-amz-archive-id, x-amz-sha256-tree-hash and x-firn-imported
//     ("true", or "false" when the archive was already there).
//   - GET /{account}/vaults/{vault}/archives/{archiveId}: DescribeArchive,
//     200 with {"ArchiveId","ArchiveDescription","CreationDate","Size",
//     "SHA256TreeHash"} as an inventory prints them.
//
// # Observing requests
//
// [Options].Observe is called once per request after it is answered, with
// a [RequestInfo]: the request ID, the operation it was routed to, account,
// vault, status, error code, body bytes each way, duration and TLS. Access
// logs and metrics are built on it; it carries no credential, signature or
// query string.
//
// [firn.WithSecureTransport] records whether the request arrived over TLS on
// this server; behind a TLS-terminating proxy every request counts as
// insecure.
package server
