package awsglacier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/glacier"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/ctxio"
	"github.com/firnstore/firn/treehash"
)

// upload is the body of an UploadArchive or UploadMultipartPart request in
// the form the SDK needs, with both of its checksums.
//
// The SDK's Glacier:TreeHash middleware computes x-amz-sha256-tree-hash and
// x-amz-content-sha256 only for a seekable body, only when the tree hash is
// not given, and sends an empty tree hash for an empty body. So the checksums
// are computed here, once, for every body: the tree hash is sent as the
// SDK's Checksum (the caller's Checksum takes its place when set, for the
// service to verify) and the SHA-256 by the contentSHA256 middleware. The
// SDK's own computation then never runs.
type upload struct {
	body     io.ReadSeeker
	checksum string
	sha256   string
	// size is the body's length from where it was.
	size  int64
	spool *os.File
}

// newUpload reads r, the caller's body, to compute its checksums. what
// names the body in errors ("archive" or "part").
//
// A body that can seek is read and then rewound to where it was, and sent
// from there. Any other body is copied to a temporary file in os.TempDir
// while it is hashed, so it is never held in memory but costs its size in
// temporary disk space and one extra write and read; the file is removed by
// close.
//
// A failure to read r, cancellation included, is a RequestTimeoutException,
// as in the engine: the body could not be received.
func newUpload(ctx context.Context, r io.Reader, checksum, what string) (*upload, error) {
	tree, linear := treehash.New(), sha256.New()
	w := io.MultiWriter(tree, linear)
	u := &upload{}
	// *os.File is an io.Seeker even for a pipe, where Seek fails.
	rs, ok := r.(io.ReadSeeker)
	var start int64
	if ok {
		var err error
		start, err = rs.Seek(0, io.SeekCurrent)
		ok = err == nil
	}
	if ok {
		u.body = rs
	} else {
		f, err := os.CreateTemp("", "firn-upload-*")
		if err != nil {
			return nil, toError(fmt.Errorf("awsglacier: spooling the %s body: %w", what, err))
		}
		u.body, u.spool = f, f
		w = io.MultiWriter(f, w)
	}
	body := ctxio.NewReader(ctx, r)
	var err error
	if u.size, err = io.CopyBuffer(w, body, make([]byte, treehash.LeafSize)); err != nil {
		u.close()
		if berr := body.Err(); berr != nil {
			return nil, &firn.Error{
				Code:    firn.CodeRequestTimeout,
				Message: "the " + what + " body could not be read to its end: " + berr.Error(),
				Err:     berr,
			}
		}
		return nil, toError(fmt.Errorf("awsglacier: spooling the %s body: %w", what, err))
	}
	if _, err := u.body.Seek(start, io.SeekStart); err != nil {
		u.close()
		return nil, toError(fmt.Errorf("awsglacier: rewinding the %s body: %w", what, err))
	}
	u.checksum = checksum
	if u.checksum == "" {
		u.checksum = hex.EncodeToString(tree.Sum(nil))
	}
	u.sha256 = hex.EncodeToString(linear.Sum(nil))
	return u, nil
}

// optFns returns the per-call options that send the body's SHA-256.
func (u *upload) optFns() []func(*glacier.Options) {
	return []func(*glacier.Options){withContentSHA256(u.sha256)}
}

// close removes the temporary file, if any.
func (u *upload) close() {
	if u.spool != nil {
		u.spool.Close()
		os.Remove(u.spool.Name())
	}
}

// withContentSHA256 returns a per-call option that sets
// x-amz-content-sha256 to sum before the request is signed, and hands sum to
// the signer as the payload hash, which it would otherwise compute by
// reading the body once more.
func withContentSHA256(sum string) func(*glacier.Options) {
	return func(o *glacier.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Build.Add(contentSHA256(sum), middleware.After)
		})
	}
}

// contentSHA256 is the build middleware installed by withContentSHA256. It
// runs once per operation, before the retry loop and signing.
type contentSHA256 string

func (contentSHA256) ID() string { return "Firn:ContentSHA256" }

func (m contentSHA256) HandleBuild(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (
	middleware.BuildOutput, middleware.Metadata, error,
) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("awsglacier: unexpected request type %T", in.Request)
	}
	req.Header.Set("X-Amz-Content-Sha256", string(m))
	return next.HandleBuild(v4.SetPayloadHash(ctx, string(m)), in)
}
