// Package awsglacier implements [firn.Glacier] on top of the AWS SDK for Go
// v2 Glacier client (github.com/aws/aws-sdk-go-v2/service/glacier), so that
// code written against firn.Glacier runs unchanged on the embedded Firn
// engine, on a Firn REST server, or on Amazon S3 Glacier:
//
//	var g firn.Glacier = eng                                    // the in-process engine
//	g = awsglacier.NewFromConfig(cfg, "http://127.0.0.1:8080") // a Firn REST server
//	g = awsglacier.NewFromConfig(cfg, "")                      // Amazon S3 Glacier
//
// where cfg is an aws.Config, usually from config.LoadDefaultConfig (module
// github.com/aws/aws-sdk-go-v2/config). [New] wraps an existing
// *glacier.Client, or anything else with its methods ([API]).
//
// # Mapping
//
// Every field of firn's request and response types maps to the SDK member
// of the same name: an empty optional string is an absent member; an
// AccountId of "" is "-", the credentials' own account; a Limit of 0 is
// absent (the service's default page size); PartSize and ArchiveSize are sent
// in decimal, 0 included, so the service judges them; ListJobsInput.Completed
// is "true", "false" or absent. Dates in responses are parsed from ISO 8601
// into UTC, and null is the zero time; a null size or count is 0. Nested
// structures (job, select and output-location parameters, policies,
// notification configurations) are converted member by member, nil staying
// nil.
//
// A request with an empty VaultName, UploadId, JobId, ArchiveId or LockId
// cannot be expressed on the wire (they are path segments), so it fails
// with MissingParameterValueException before anything is sent, as does an
// upload with a nil Body; the engine answers both the same way. Likewise a
// description, checksum or range holding a control character other than tab
// cannot be sent in its HTTP header and fails with
// InvalidParameterValueException, as the service would answer. A nil input
// is the zero input. Header values lose leading and trailing spaces on the
// way, as with the real service.
//
// # Errors
//
// Every method returns a nil output and a *[firn.Error] on failure. An error
// response of the service keeps its code and message, so
// errors.Is(err, firn.ErrResourceNotFound) works as with the engine; codes
// firn does not name are kept as firn.Code(code), such as
// "NoLongerSupportedException" or "InvalidSignatureException". Any other
// failure to get an answer (connection refused, a malformed response, a
// canceled context) is [firn.CodeServiceUnavailable]. The Error's Err is the
// underlying error, so errors.Is(err, context.Canceled) and errors.Is(err,
// context.DeadlineExceeded) report cancellation, and errors.As reaches the
// SDK's error types (the request ID is in *awshttp.ResponseError).
//
// The SDK's retryer stays in charge of retries: by default it retries 5xx
// responses, RequestTimeoutException and throttling up to 3 attempts (see
// [NewFromConfig] for LimitExceededException).
//
// # Bodies
//
// An upload carries the x-amz-sha256-tree-hash and x-amz-content-sha256 of
// its body, so UploadArchive and UploadMultipartPart read the body once to
// compute them before sending it (the SDK would do the same, but only for a
// seekable body, and it sends an empty tree hash for an empty one). A Body
// that can seek (*bytes.Reader, *strings.Reader, a regular *os.File,
// io.SectionReader) is then rewound and sent from the offset it had. Any
// other Body is copied to a temporary file in os.TempDir while it is hashed,
// then sent from there and removed: the bytes are never held in memory, but
// an upload costs its size in temporary disk space and one extra write and
// read. Pass a seekable Body to avoid that. A Body that fails to read is a
// RequestTimeoutException wrapping the failure, as with the engine; a
// temporary file that cannot be written is a ServiceUnavailableException.
//
// # Importing
//
// [Client] also implements [firn.Importer] by Firn's import extension (see
// package server), so that a migration can copy into another Firn's
// endpoint whose operator allows the caller to import. Amazon S3 Glacier has
// no such operation.
//
// GetJobOutput returns the SDK's response stream as Body, unbuffered; errors
// while reading it are the transport's, not *firn.Error.
package awsglacier
