package engine

import (
	"context"

	"github.com/firnstore/firn"
)

// The operations below arrive with a later issue; until then they fail with
// a clear ServiceUnavailableException rather than misbehave.

// InitiateMultipartUpload implements firn.Glacier (not yet).
func (e *Engine) InitiateMultipartUpload(ctx context.Context, in *firn.InitiateMultipartUploadInput) (*firn.InitiateMultipartUploadOutput, error) {
	return nil, notImplemented("InitiateMultipartUpload")
}

// UploadMultipartPart implements firn.Glacier (not yet).
func (e *Engine) UploadMultipartPart(ctx context.Context, in *firn.UploadMultipartPartInput) (*firn.UploadMultipartPartOutput, error) {
	return nil, notImplemented("UploadMultipartPart")
}

// CompleteMultipartUpload implements firn.Glacier (not yet).
func (e *Engine) CompleteMultipartUpload(ctx context.Context, in *firn.CompleteMultipartUploadInput) (*firn.CompleteMultipartUploadOutput, error) {
	return nil, notImplemented("CompleteMultipartUpload")
}

// AbortMultipartUpload implements firn.Glacier (not yet).
func (e *Engine) AbortMultipartUpload(ctx context.Context, in *firn.AbortMultipartUploadInput) (*firn.AbortMultipartUploadOutput, error) {
	return nil, notImplemented("AbortMultipartUpload")
}

// ListMultipartUploads implements firn.Glacier (not yet).
func (e *Engine) ListMultipartUploads(ctx context.Context, in *firn.ListMultipartUploadsInput) (*firn.ListMultipartUploadsOutput, error) {
	return nil, notImplemented("ListMultipartUploads")
}

// ListParts implements firn.Glacier (not yet).
func (e *Engine) ListParts(ctx context.Context, in *firn.ListPartsInput) (*firn.ListPartsOutput, error) {
	return nil, notImplemented("ListParts")
}
