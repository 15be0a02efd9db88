package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/firnstore/firn"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"
)

// ErrOutputRefused is wrapped by the error of a SelectOutput's Put that
// the store refused for good: a bucket that does not exist, access denied,
// an encryption, storage class or ACL it does not offer. The job then
// fails, its StatusMessage the error's, instead of being retried as after
// other errors (an unreachable store).
var ErrOutputRefused = errors.New("select output refused")

// S3Output is a SelectOutput that writes the objects of select jobs to an
// S3-compatible object store (AWS S3, MinIO, Ceph RGW, ...), as the service
// does: to the bucket the job's OutputLocation names, with the properties it
// asks for. Encryption AES256 and aws:kms are sent as SSE-S3 and SSE-KMS
// (the KMSContext, a JSON object, as the encryption context); CannedACL and
// AccessControlList as x-amz-acl and x-amz-grant-*; Tagging, UserMetadata
// and StorageClass as themselves. A property the store refuses fails the
// job (see ErrOutputRefused) rather than being dropped: results the job
// asked to be encrypted are never stored in the clear. (MinIO stores
// STANDARD and REDUCED_REDUNDANCY, refuses STANDARD_IA; it encrypts only
// with a KMS configured, and takes ACLs without applying them.)
type S3Output struct {
	client   *minio.Client
	partSize uint64
}

// S3OutputConfig says how an S3Output reaches its store.
type S3OutputConfig struct {
	// Endpoint is the store's host[:port], without a scheme. Required.
	Endpoint string
	// TLS selects https instead of http.
	TLS bool
	// Region signs the requests. Default: asked of the store.
	Region string
	// AccessKeyID, SecretAccessKey and SessionToken sign the requests.
	// With no AccessKeyID, requests are sent unsigned.
	AccessKeyID, SecretAccessKey, SessionToken string
	// Transport carries the requests: custom certificate authorities,
	// proxies. Default: minio-go's transport (system CAs, SSL_CERT_FILE).
	Transport http.RoundTripper
	// PartSize is the size of the parts in which a result object is
	// uploaded, 5 MiB to 5 GiB; an object has at most 10,000 parts, and
	// one part of it is held in memory. Default 16 MiB (results up to
	// 160 GiB).
	PartSize int64
}

// NewS3Output returns an S3Output for the store cfg describes. It sends
// no request; a store that cannot be reached makes Put fail, and the job
// is retried.
func NewS3Output(cfg S3OutputConfig) (*S3Output, error) {
	switch {
	case cfg.Endpoint == "":
		return nil, errors.New("engine: S3OutputConfig.Endpoint: required")
	case strings.Contains(cfg.Endpoint, "/"):
		return nil, fmt.Errorf("engine: S3OutputConfig.Endpoint %q: give host[:port], without scheme or path", cfg.Endpoint)
	case cfg.PartSize != 0 && (cfg.PartSize < 5<<20 || cfg.PartSize > 5<<30):
		return nil, fmt.Errorf("engine: S3OutputConfig.PartSize %d: must be between 5 MiB and 5 GiB", cfg.PartSize)
	}
	creds := credentials.New(&credentials.Static{Value: credentials.Value{SignerType: credentials.SignatureAnonymous}})
	if cfg.AccessKeyID != "" {
		creds = credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: creds, Secure: cfg.TLS, Transport: cfg.Transport, Region: cfg.Region})
	if err != nil {
		return nil, fmt.Errorf("engine: select output store %s: %w", cfg.Endpoint, err)
	}
	return &S3Output{client: c, partSize: uint64(cmp.Or(cfg.PartSize, 16<<20))}, nil
}

// String returns the store's URL, http://host[:port] or https://.
func (o *S3Output) String() string { return o.client.EndpointURL().String() }

// Put implements SelectOutput: it stores body as object key of
// loc.BucketName with loc's properties. A body with a Len method (such as
// a strings.Reader) is sent in one request; others are streamed as a
// multipart upload, which the store completes only once body ends.
func (o *S3Output) Put(ctx context.Context, loc *firn.S3Location, key string, body io.Reader) error {
	opts, err := putOptions(loc)
	if err != nil {
		return &refusal{fmt.Sprintf("Cannot write s3://%s/%s: %v", loc.BucketName, key, err), err}
	}
	opts.PartSize = o.partSize
	size := int64(-1)
	if l, ok := body.(interface{ Len() int }); ok {
		size = int64(l.Len())
	}
	if _, err := o.client.PutObject(ctx, loc.BucketName, key, body, size, opts); err != nil {
		if refused(err) {
			return &refusal{fmt.Sprintf("The object store refused to write s3://%s/%s%s: %v", loc.BucketName, key, describeProps(loc), answer(err)), err}
		}
		return fmt.Errorf("s3://%s/%s: %w", loc.BucketName, key, err)
	}
	return nil
}

// refusal is the error of a Put the store refused; its message is the
// job's StatusMessage.
type refusal struct {
	msg string
	err error
}

func (r *refusal) Error() string        { return r.msg }
func (r *refusal) Unwrap() error        { return r.err }
func (r *refusal) Is(target error) bool { return target == ErrOutputRefused }

// putOptions translates loc's object properties into the request's.
func putOptions(loc *firn.S3Location) (minio.PutObjectOptions, error) {
	// Headers go through UserMetadata, which minio-go sends as they are
	// when they are x-amz- headers; user metadata keys are given their
	// x-amz-meta- prefix here so that none can pass for another header.
	h := map[string]string{}
	for k, v := range loc.UserMetadata {
		h["x-amz-meta-"+k] = v
	}
	if loc.CannedACL != "" {
		h["x-amz-acl"] = loc.CannedACL
	}
	grants := map[string][]string{}
	for _, g := range loc.AccessControlList {
		var who string
		switch g.Grantee.Type {
		case "CanonicalUser":
			who = `id="` + g.Grantee.ID + `"`
		case "AmazonCustomerByEmail":
			who = `emailAddress="` + g.Grantee.EmailAddress + `"`
		case "Group":
			who = `uri="` + g.Grantee.URI + `"`
		}
		p := "x-amz-grant-" + strings.ToLower(strings.ReplaceAll(g.Permission, "_", "-"))
		grants[p] = append(grants[p], who)
	}
	for p, who := range grants {
		sort.Strings(who)
		h[p] = strings.Join(who, ", ")
	}
	opts := minio.PutObjectOptions{UserMetadata: h, UserTags: loc.Tagging, StorageClass: loc.StorageClass}
	if e := loc.Encryption; e != nil {
		switch e.EncryptionType {
		case "AES256":
			opts.ServerSideEncryption = encrypt.NewSSE()
		case "aws:kms":
			var kmsCtx any
			if e.KMSContext != "" {
				var m map[string]string
				if err := json.Unmarshal([]byte(e.KMSContext), &m); err != nil {
					return opts, fmt.Errorf("Encryption.KMSContext is not a JSON object of strings: %w", err)
				}
				kmsCtx = m
			}
			sse, err := encrypt.NewSSEKMS(e.KMSKeyId, kmsCtx)
			if err != nil {
				return opts, fmt.Errorf("Encryption: %w", err)
			}
			opts.ServerSideEncryption = sse
		}
	}
	return opts, nil
}

// refused reports whether err is the store's final answer to the request:
// a client error, or a feature the store does not implement, rather than
// one that a retry may not meet (unavailability, throttling, a clock
// skewed for a while).
func refused(err error) bool {
	r := minio.ToErrorResponse(err)
	switch {
	case r.StatusCode == 0:
		return false
	case r.Code == "RequestTimeout" || r.Code == "SlowDown" || r.Code == "RequestTimeTooSkewed":
		return false
	case r.StatusCode == http.StatusRequestTimeout || r.StatusCode == http.StatusTooManyRequests:
		return false
	}
	return r.StatusCode/100 == 4 || r.StatusCode == http.StatusNotImplemented
}

// answer is the store's error, with its code.
func answer(err error) string {
	r := minio.ToErrorResponse(err)
	return fmt.Sprintf("%s (%s, HTTP %d)", strings.TrimSuffix(r.Message, "."), r.Code, r.StatusCode)
}

// describeProps names the properties of loc a store may refuse, for the
// message of a refusal.
func describeProps(loc *firn.S3Location) string {
	var p []string
	if e := loc.Encryption; e != nil {
		p = append(p, "encryption "+e.EncryptionType)
	}
	if loc.StorageClass != "" {
		p = append(p, "storage class "+loc.StorageClass)
	}
	if loc.CannedACL != "" {
		p = append(p, "canned ACL "+loc.CannedACL)
	}
	if len(loc.AccessControlList) > 0 {
		p = append(p, fmt.Sprintf("%d grants", len(loc.AccessControlList)))
	}
	if len(p) == 0 {
		return ""
	}
	return " (with " + strings.Join(p, ", ") + ")"
}
