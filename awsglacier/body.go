package awsglacier

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/firnstore/firn/treehash"
)

// upload is the body of an UploadArchive or UploadMultipartPart request in
// the form the SDK needs: seekable, because the SDK's Glacier:TreeHash
// middleware reads it to compute x-amz-sha256-tree-hash and
// x-amz-content-sha256, and rewinds it for retries.
type upload struct {
	body io.ReadSeeker
	// checksum is sent as x-amz-sha256-tree-hash; nil lets the SDK compute
	// both checksum headers.
	checksum *string
	// optFns set x-amz-content-sha256 when checksum is set: the SDK computes
	// it only together with the tree hash.
	optFns []func(*glacier.Options)
	spool  *os.File
}

// newUpload prepares r, the caller's body, with checksum, the caller's
// expected tree hash or "". A nil r is an empty body.
//
// A body that can seek is sent as it is, from its current offset. Any other
// body is copied to a temporary file in os.TempDir while both checksums are
// computed, so the archive is never held in memory but costs its size in
// temporary disk space and one extra write and read of the bytes. The file
// is removed by close.
func newUpload(ctx context.Context, r io.Reader, checksum string) (*upload, error) {
	if r == nil {
		r = bytes.NewReader(nil)
	}
	// *os.File is an io.Seeker even for a pipe, where Seek fails.
	if rs, ok := r.(io.ReadSeeker); ok {
		if _, err := rs.Seek(0, io.SeekCurrent); err == nil {
			u := &upload{body: rs}
			if checksum != "" {
				u.checksum = &checksum
				u.optFns = []func(*glacier.Options){withContentSHA256("")}
			}
			return u, nil
		}
	}
	f, err := os.CreateTemp("", "firn-upload-*")
	if err != nil {
		return nil, toError(fmt.Errorf("awsglacier: spooling the body: %w", err))
	}
	u := &upload{body: f, spool: f}
	tree, linear := treehash.New(), sha256.New()
	buf := make([]byte, treehash.LeafSize)
	if _, err := io.CopyBuffer(io.MultiWriter(f, tree, linear), ctxReader{ctx, r}, buf); err != nil {
		u.close()
		return nil, toError(fmt.Errorf("awsglacier: reading the body: %w", err))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		u.close()
		return nil, toError(fmt.Errorf("awsglacier: spooling the body: %w", err))
	}
	if checksum == "" {
		checksum = hex.EncodeToString(tree.Sum(nil))
	}
	u.checksum = &checksum
	u.optFns = []func(*glacier.Options){withContentSHA256(hex.EncodeToString(linear.Sum(nil)))}
	return u, nil
}

// close removes the temporary file, if any.
func (u *upload) close() {
	if u.spool != nil {
		u.spool.Close()
		os.Remove(u.spool.Name())
	}
}

// ctxReader stops reading once ctx is done, so that spooling a long body
// honours cancellation.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

const headerContentSHA256 = "X-Amz-Content-Sha256"

// withContentSHA256 returns a per-call option that sets x-amz-content-sha256
// to sum or, when sum is "", to the SHA-256 of the request's seekable body.
func withContentSHA256(sum string) func(*glacier.Options) {
	return func(o *glacier.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Build.Add(contentSHA256{sum: sum}, middleware.After)
		})
	}
}

// contentSHA256 is the build middleware installed by withContentSHA256. It
// runs once per operation, before the retry loop and signing.
type contentSHA256 struct {
	sum string
}

func (contentSHA256) ID() string { return "Firn:ContentSHA256" }

func (m contentSHA256) HandleBuild(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (
	middleware.BuildOutput, middleware.Metadata, error,
) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("awsglacier: unexpected request type %T", in.Request)
	}
	if req.Header.Get(headerContentSHA256) == "" {
		sum := m.sum
		if sum == "" {
			h := sha256.New()
			if s := req.GetStream(); s != nil {
				if _, err := io.Copy(h, s); err != nil {
					return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("awsglacier: hashing the body: %w", err)
				}
				if err := req.RewindStream(); err != nil {
					return middleware.BuildOutput{}, middleware.Metadata{}, err
				}
			}
			sum = hex.EncodeToString(h.Sum(nil))
		}
		req.Header.Set(headerContentSHA256, sum)
	}
	return next.HandleBuild(ctx, in)
}
