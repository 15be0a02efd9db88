package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// BucketConfig locates a bucket of an S3-compatible object store (MinIO,
// Ceph RGW, AWS S3, ...) and says how to reach it.
type BucketConfig struct {
	// Endpoint is the store's host[:port], without a scheme. Required.
	Endpoint string
	// TLS selects https instead of http.
	TLS bool
	// Bucket is the bucket's name. Required; the bucket must exist.
	Bucket string
	// Prefix starts the name of every object, so that several data sets
	// can share a bucket; it normally ends with "/". Default "".
	Prefix string
	// Region is the bucket's region, for request signatures. Default:
	// asked of the store.
	Region string
	// AccessKeyID, SecretAccessKey and SessionToken sign the requests.
	// With no AccessKeyID, requests are sent unsigned.
	AccessKeyID, SecretAccessKey, SessionToken string
	// Transport carries the requests, for custom certificate authorities,
	// proxies or tests. Default: minio-go's (system CAs, 1 minute response
	// header timeout).
	Transport http.RoundTripper
	// PartSize is the size of the parts in which segments larger than it
	// are uploaded; between 5 MiB and 5 GiB. Default 16 MiB.
	PartSize int64
	// PartsInFlight is the number of parts of one segment uploaded at the
	// same time. A Writer holds at most PartsInFlight+1 parts in memory.
	// Default 4.
	PartsInFlight int
}

// Limits and defaults of BucketConfig.
const (
	DefaultPartSize      = 16 << 20
	DefaultPartsInFlight = 4
	MinPartSize          = 5 << 20 // the S3 API's minimum, except for a last part
	MaxPartSize          = 5 << 30
)

// Validate reports every invalid field of c at once. Zero optional fields
// are valid: they select defaults.
func (c *BucketConfig) Validate() error {
	var errs []error
	if c.Endpoint == "" {
		errs = append(errs, errors.New("blob: BucketConfig.Endpoint: required"))
	} else if strings.Contains(c.Endpoint, "://") || strings.Contains(c.Endpoint, "/") {
		errs = append(errs, fmt.Errorf("blob: BucketConfig.Endpoint %q: give host[:port], without scheme or path", c.Endpoint))
	}
	if c.Bucket == "" {
		errs = append(errs, errors.New("blob: BucketConfig.Bucket: required"))
	}
	if c.PartSize != 0 && (c.PartSize < MinPartSize || c.PartSize > MaxPartSize) {
		errs = append(errs, fmt.Errorf("blob: BucketConfig.PartSize %d: must be between %d and %d", c.PartSize, MinPartSize, MaxPartSize))
	}
	if c.PartsInFlight < 0 {
		errs = append(errs, fmt.Errorf("blob: BucketConfig.PartsInFlight %d: is negative", c.PartsInFlight))
	}
	return errors.Join(errs...)
}

// A Bucket is a connection to the objects under a prefix of a bucket. It
// holds the segments of a Store opened with [OpenS3] and any other objects
// its user keeps beside them (metadata backups). Object names given to its
// methods are relative to the prefix. Its methods are safe for concurrent
// use.
type Bucket struct {
	core          minio.Core
	name, prefix  string
	partSize      int64
	partsInFlight int
	// notFoundBackoff is how long to wait before each repeat of a read
	// answered NoSuchKey (see readConfirmed).
	notFoundBackoff []time.Duration
}

// defaultNotFoundBackoff repeats a read answered NoSuchKey for about 9 s:
// a restarted MinIO node was seen to answer so for 2 s under load.
var defaultNotFoundBackoff = []time.Duration{
	100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
	1600 * time.Millisecond, 2 * time.Second, 2 * time.Second, 2 * time.Second,
}

// OpenBucket connects to the bucket cfg describes and checks that it
// exists. It returns an error if cfg is invalid, the store cannot be
// reached, or the bucket does not exist.
func OpenBucket(ctx context.Context, cfg BucketConfig) (*Bucket, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var creds *credentials.Credentials
	if cfg.AccessKeyID != "" {
		creds = credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	} else {
		creds = credentials.New(&credentials.Static{Value: credentials.Value{SignerType: credentials.SignatureAnonymous}})
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     creds,
		Secure:    cfg.TLS,
		Transport: cfg.Transport,
		Region:    cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: object store %s: %w", cfg.Endpoint, err)
	}
	b := &Bucket{
		core:            minio.Core{Client: c},
		name:            cfg.Bucket,
		prefix:          cfg.Prefix,
		partSize:        orDefault(cfg.PartSize, DefaultPartSize),
		partsInFlight:   int(orDefault(int64(cfg.PartsInFlight), DefaultPartsInFlight)),
		notFoundBackoff: defaultNotFoundBackoff,
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: object store %s: bucket %s: %w", cfg.Endpoint, cfg.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: object store %s: bucket %s does not exist", cfg.Endpoint, cfg.Bucket)
	}
	return b, nil
}

// orDefault returns v, or def if v is zero.
func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

// String returns "s3://bucket/prefix".
func (b *Bucket) String() string { return "s3://" + b.name + "/" + b.prefix }

func (b *Bucket) key(name string) string { return b.prefix + name }

// Put stores the size bytes of r as object name, replacing any object of
// that name; parts of large objects are uploaded in parallel. When Put
// returns nil the object is acknowledged by the store.
func (b *Bucket) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	_, err := b.core.Client.PutObject(ctx, b.name, b.key(name), r, size, minio.PutObjectOptions{
		PartSize:   uint64(b.partSize),
		NumThreads: uint(b.partsInFlight),
	})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", b.key(name), err)
	}
	return nil
}

// Get returns a reader of object name, which the caller must close. It
// returns an error wrapping fs.ErrNotExist if there is no such object; a
// NoSuchKey answer is believed only as readConfirmed describes.
func (b *Bucket) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	var rc io.ReadCloser
	gone, err := b.readConfirmed(ctx, b.key(name), func() (err error) {
		rc, _, _, err = b.core.GetObject(ctx, b.name, b.key(name), minio.GetObjectOptions{})
		return err
	})
	switch {
	case gone:
		return nil, fmt.Errorf("blob: get %s: %w: %w", b.key(name), fs.ErrNotExist, err)
	case err != nil:
		return nil, fmt.Errorf("blob: get %s: %w", b.key(name), err)
	}
	return rc, nil
}

// List returns the names, relative to the prefix, of the objects whose
// names start with dir, in lexical order.
func (b *Bucket) List(ctx context.Context, dir string) ([]string, error) {
	var names []string
	for o := range b.core.Client.ListObjects(ctx, b.name, minio.ListObjectsOptions{Prefix: b.key(dir), Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("blob: list %s: %w", b.key(dir), o.Err)
		}
		names = append(names, strings.TrimPrefix(o.Key, b.prefix))
	}
	return names, nil
}

// Delete removes object name; a missing object is not an error.
func (b *Bucket) Delete(ctx context.Context, name string) error {
	if err := b.core.Client.RemoveObject(ctx, b.name, b.key(name), minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("blob: delete %s: %w", b.key(name), err)
	}
	return nil
}

// ErrChanged is wrapped by the error of a conditional write whose
// condition failed: the object exists, or is not the version the caller
// named.
var ErrChanged = errors.New("blob: object changed")

// maxVersioned bounds what GetVersioned reads of an object.
const maxVersioned = 1 << 20

// GetVersioned returns the bytes of small object name (at most 1 MiB) and
// its ETag, which names this version for PutIf. It returns an error
// wrapping fs.ErrNotExist if there is no such object. Unlike Get's, its
// NoSuchKey is believed at once: it serves callers that write back with
// PutIf, whose condition catches a wrong answer.
func (b *Bucket) GetVersioned(ctx context.Context, name string) ([]byte, string, error) {
	rc, info, _, err := b.core.GetObject(ctx, b.name, b.key(name), minio.GetObjectOptions{})
	switch {
	case isCode(err, minio.NoSuchKey):
		return nil, "", fmt.Errorf("blob: get %s: %w: %w", b.key(name), fs.ErrNotExist, err)
	case err != nil:
		return nil, "", fmt.Errorf("blob: get %s: %w", b.key(name), err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxVersioned+1))
	switch {
	case err != nil:
		return nil, "", fmt.Errorf("blob: get %s: %w", b.key(name), err)
	case len(data) > maxVersioned:
		return nil, "", fmt.Errorf("blob: get %s: larger than %d bytes", b.key(name), maxVersioned)
	}
	return data, info.ETag, nil
}

// PutIf stores data as object name on a condition the store checks
// atomically with the write (S3 conditional writes, which MinIO and AWS S3
// honour): with etag "", that no object of that name exists (If-None-Match:
// *); otherwise that the object's ETag is etag (If-Match). It returns the
// new version's ETag, or an error wrapping ErrChanged if the condition
// failed. Of several PutIfs naming one version, at most one succeeds. A
// request the client retried may fail with ErrChanged although its first
// attempt wrote: callers tell by reading the object back.
func (b *Bucket) PutIf(ctx context.Context, name string, data []byte, etag string) (string, error) {
	var opts minio.PutObjectOptions
	if etag == "" {
		opts.SetMatchETagExcept("*")
	} else {
		opts.SetMatchETag(etag)
	}
	info, err := b.core.PutObject(ctx, b.name, b.key(name), bytes.NewReader(data), int64(len(data)), "", "", opts)
	// S3 answers 409 ConditionalRequestConflict to a write that raced
	// another conditional one.
	if isCode(err, minio.PreconditionFailed) || isCode(err, "ConditionalRequestConflict") {
		return "", fmt.Errorf("blob: put %s: %w: %w", b.key(name), ErrChanged, err)
	}
	if err != nil {
		return "", fmt.Errorf("blob: put %s: %w", b.key(name), err)
	}
	return info.ETag, nil
}

// readConfirmed runs read, a request for object key, and returns its
// error, with gone true if the object is absent.
//
// A NoSuchKey answer is not proof of absence. A MinIO erasure set answers
// NoSuchKey, rather than a read-quorum error, when the drives it reaches
// disagree about an object or too few of them hold it: a node just
// restarted, not yet reconnected to its peers, does so for objects the
// other nodes serve (seen for 2 s), and so does any node while a drive
// that missed a write is offline or not yet healed. So a NoSuchKey is
// repeated after each wait of b.notFoundBackoff, and believed only if it
// persists and a listing does not show key; an object the store lists but
// will not serve yields an error that is not a not-found: the store is
// unavailable. (AWS S3 is strongly consistent, so its NoSuchKey is final;
// the confirmation costs it only reads of objects really missing.)
func (b *Bucket) readConfirmed(ctx context.Context, key string, read func() error) (gone bool, err error) {
	err = read()
	for _, wait := range b.notFoundBackoff {
		if !isCode(err, minio.NoSuchKey) {
			return false, err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return false, fmt.Errorf("%w (after %w)", ctx.Err(), err)
		}
		err = read()
	}
	if !isCode(err, minio.NoSuchKey) {
		return false, err
	}
	listed, lerr := b.listed(ctx, key)
	switch {
	case lerr != nil:
		return false, fmt.Errorf("%w; listing to confirm it failed: %w", err, lerr)
	case listed:
		return false, fmt.Errorf("the store lists the object but answers %w (has it lost read quorum?)", err)
	}
	return true, err
}

// listed reports whether a listing shows object key.
func (b *Bucket) listed(ctx context.Context, key string) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range b.core.Client.ListObjects(ctx, b.name, minio.ListObjectsOptions{Prefix: key, Recursive: true}) {
		if o.Err != nil {
			return false, o.Err
		}
		if o.Key == key {
			return true, nil
		}
	}
	return false, nil
}
