package migrate

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Sink is a Sink that exports archives to a bucket of an S3-compatible
// object store (AWS S3, MinIO, Ceph RGW, ...): one object per archive,
// holding its bytes, named by a template (see S3SinkConfig.Name), in the
// storage class asked for. Each object carries the archive's identity as
// user metadata:
//
//	x-amz-meta-archive-id        the archive ID, encoded as below
//	x-amz-meta-sha256-tree-hash  the tree hash, lowercase hex
//	x-amz-meta-creation-date     the creation date, RFC 3339, UTC
//	x-amz-meta-size              the size in bytes, decimal
//	x-amz-meta-description       the description, encoded as below
//
// Metadata values must be printable ASCII, so the archive ID and the
// description are percent-encoded: every byte outside '!' to '~', and '%'
// itself, is written %XX. url.PathUnescape (Go) or urllib.parse.unquote
// (Python) decodes them. S3 limits an object's user metadata to 2 KB: a
// description that long once encoded makes the archive's Put fail.
//
// Finish writes the manifest, PREFIX/manifest.json, in the bucket's default
// storage class (so that it is readable without a restore):
//
//	{"Bucket": ..., "Prefix": ..., "ArchiveList": [{"ArchiveId": ...,
//	"ArchiveDescription": ..., "CreationDate": ..., "Size": ...,
//	"SHA256TreeHash": ..., "Key": ..., "Status": ..., "Error": ...}, ...]}
//
// with the fields of a Glacier inventory, the object key each archive has
// (or would have, if it failed), and what the run did with it (a Status).
// Every run rewrites it whole, so after a resumed export it lists every
// archive of the inventory.
//
// An object at an archive's key that is not that archive (another archive
// ID, tree hash or size, or no such metadata) is never overwritten: Has and
// Put return an error naming the key. Put writes only if no object has the
// key (If-None-Match: *), so two exports racing cannot replace each other's
// objects either.
//
// Has and Put are safe for concurrent use, as Sink requires.
type S3Sink struct {
	client           *minio.Client
	bucket, prefix   string
	template         nameTemplate
	storageClass     string
	minPartSize      int64
	concurrency      int
	keys             map[string]string // archive ID -> object key, fixed by Begin
	manifestKey, url string
}

// S3SinkConfig says where an S3Sink puts archives and how it reaches the
// store.
type S3SinkConfig struct {
	// Endpoint is the store's host[:port], without a scheme. Required.
	// Buckets are addressed in the path (endpoint/bucket), but on AWS S3,
	// where they are addressed as a host (bucket.endpoint).
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

	// Bucket receives the objects. Required; it must exist.
	Bucket string
	// Prefix starts every object's key; a '/' is added between it and the
	// rest if it lacks one. Default "": the bucket's top.
	Prefix string
	// Name is the template of an archive's object name, after Prefix:
	// literal text with fields in braces,
	//
	//	{id}           the archive ID
	//	{description}  the archive description, when it makes a safe name
	//	{date}         the creation date, UTC, as 2006-01-02
	//	{treehash}     the SHA-256 tree hash, lowercase hex
	//
	// for example "{id}" or "{date}/{description}". It must hold {id} or
	// {description}, so that every archive gets a name of its own.
	// Default "{id}".
	//
	// A name is safe when it is made of letters, digits, space, '/' and
	// !'()+,-.=@_ (what S3 and the common file systems take as they are);
	// no segment between slashes is empty, "." or "..", or starts or ends
	// with a space; and the key, prefix included, is at most 1,024 bytes,
	// S3's limit.
	//
	// Begin fixes the names over the whole inventory. Every archive first
	// gets its fallback name, the template with its ID in place of the
	// description; then, in creation order, its description name in its
	// stead, unless that is unsafe, taken (by an earlier archive, another's
	// fallback name, the manifest), or a file where another name has a
	// directory or the reverse. So an inventory is always named the same
	// way, and archives added to a vault later never rename earlier ones.
	// Begin fails if fallback names are unsafe or collide.
	Name string
	// StorageClass is the archives' objects' storage class, passed through
	// as x-amz-storage-class (GLACIER, DEEP_ARCHIVE, ... on AWS S3; MinIO
	// takes STANDARD and REDUCED_REDUNDANCY). Default "": the bucket's.
	StorageClass string
	// PartSize is the size of the parts in which an archive larger than it
	// is uploaded, 5 MiB to 5 GiB; it is raised for an archive that would
	// otherwise need more than S3's 10,000 parts (to 1 GiB for a 10 TiB
	// one). Default 16 MiB.
	PartSize int64
	// Concurrency is the number of parts of one archive uploaded at the
	// same time; a Put holds that many parts in memory. Default 4.
	Concurrency int
}

// Limits of S3SinkConfig and the S3 API.
const (
	s3DefaultPartSize    = 16 << 20
	s3DefaultConcurrency = 4
	s3MinPartSize        = 5 << 20
	s3MaxPartSize        = 5 << 30
	s3MaxParts           = 10000
	s3ManifestName       = "manifest.json"
)

// The user metadata of an archive's object, without x-amz-meta-.
const (
	metaArchiveID    = "Archive-Id"
	metaTreeHash     = "Sha256-Tree-Hash"
	metaCreationDate = "Creation-Date"
	metaSize         = "Size"
	metaDescription  = "Description"
)

// NewS3Sink returns an S3Sink as cfg says. It sends no request: Begin
// checks that the bucket exists. It returns an error naming every invalid
// field of cfg.
func NewS3Sink(cfg S3SinkConfig) (*S3Sink, error) {
	var errs []error
	switch {
	case cfg.Endpoint == "":
		errs = append(errs, errors.New("migrate: S3SinkConfig.Endpoint: required"))
	case strings.Contains(cfg.Endpoint, "/"):
		errs = append(errs, fmt.Errorf("migrate: S3SinkConfig.Endpoint %q: give host[:port], without scheme or path", cfg.Endpoint))
	}
	if cfg.Bucket == "" {
		errs = append(errs, errors.New("migrate: S3SinkConfig.Bucket: required"))
	}
	template, err := parseNameTemplate(cmp.Or(cfg.Name, "{"+nameFieldID+"}"))
	if err != nil {
		errs = append(errs, fmt.Errorf("migrate: S3SinkConfig.Name: %w", err))
	}
	if cfg.PartSize != 0 && (cfg.PartSize < s3MinPartSize || cfg.PartSize > s3MaxPartSize) {
		errs = append(errs, fmt.Errorf("migrate: S3SinkConfig.PartSize %d: must be between 5 MiB and 5 GiB", cfg.PartSize))
	}
	if cfg.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("migrate: S3SinkConfig.Concurrency %d: is negative", cfg.Concurrency))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	creds := credentials.New(&credentials.Static{Value: credentials.Value{SignerType: credentials.SignatureAnonymous}})
	if cfg.AccessKeyID != "" {
		creds = credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: creds, Secure: cfg.TLS, Transport: cfg.Transport, Region: cfg.Region})
	if err != nil {
		return nil, fmt.Errorf("migrate: object store %s: %w", cfg.Endpoint, err)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3Sink{
		client:       c,
		bucket:       cfg.Bucket,
		prefix:       prefix,
		template:     template,
		storageClass: cfg.StorageClass,
		minPartSize:  cmp.Or(cfg.PartSize, s3DefaultPartSize),
		concurrency:  cmp.Or(cfg.Concurrency, s3DefaultConcurrency),
		manifestKey:  prefix + s3ManifestName,
		url:          "s3://" + cfg.Bucket + "/" + prefix,
	}, nil
}

// String returns "s3://bucket/prefix/".
func (s *S3Sink) String() string { return s.url }

// Begin implements Sink: it checks that the bucket exists and names every
// archive of inventory. It returns an error if an archive's ID makes no
// safe name (see S3SinkConfig.Name).
func (s *S3Sink) Begin(ctx context.Context, inventory []Archive) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	switch {
	case err != nil:
		return fmt.Errorf("migrate: %s: %w", s, err)
	case !ok:
		return fmt.Errorf("migrate: %s: the bucket %s does not exist", s, s.bucket)
	}
	names, err := assignNames(s.template, inventory, []string{s3ManifestName}, s3MaxKeyLen-len(s.prefix))
	if err != nil {
		return fmt.Errorf("migrate: %s: %w", s, err)
	}
	s.keys = make(map[string]string, len(inventory))
	for i, a := range inventory {
		s.keys[a.ID] = s.prefix + names[i]
	}
	return nil
}

// key returns the key Begin gave a.
func (s *S3Sink) key(a *Archive) (string, error) {
	key, ok := s.keys[a.ID]
	if !ok {
		return "", fmt.Errorf("migrate: %s: archive %s is not in the inventory given to Begin", s, a.ID)
	}
	return key, nil
}

// Has implements Sink: a is there if the object at its key has a's archive
// ID, tree hash and size. Any other object there is an error.
func (s *S3Sink) Has(ctx context.Context, a *Archive) (location string, ok bool, err error) {
	key, err := s.key(a)
	if err != nil {
		return "", false, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	switch {
	case s3ErrorIs(err, minio.NoSuchKey):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("migrate: stat s3://%s/%s: %w", s.bucket, key, err)
	}
	if err := s.holds(key, &info, a); err != nil {
		return "", false, err
	}
	return key, true, nil
}

// holds returns an error unless object info, at key, is archive a.
func (s *S3Sink) holds(key string, info *minio.ObjectInfo, a *Archive) error {
	id, err := url.PathUnescape(info.Metadata.Get("X-Amz-Meta-" + metaArchiveID))
	if err != nil {
		id = info.Metadata.Get("X-Amz-Meta-" + metaArchiveID)
	}
	hash := info.Metadata.Get("X-Amz-Meta-" + metaTreeHash)
	if id == a.ID && hash == a.TreeHash && info.Size == a.Size {
		return nil
	}
	return fmt.Errorf("migrate: s3://%s/%s holds another object (archive ID %q, tree hash %q, %d bytes), not archive %s (tree hash %s, %d bytes); it is not overwritten",
		s.bucket, key, id, hash, info.Size, a.ID, a.TreeHash, a.Size)
}

// Put implements Sink: it uploads a as the object at its key, unless an
// object is there already: if that is a, Put succeeds; otherwise it
// returns an error naming the key. It returns the key.
func (s *S3Sink) Put(ctx context.Context, a *Archive, body io.Reader) (location string, err error) {
	key, err := s.key(a)
	if err != nil {
		return "", err
	}
	opts := minio.PutObjectOptions{
		UserMetadata: map[string]string{
			metaArchiveID:    encodeMeta(a.ID),
			metaTreeHash:     a.TreeHash,
			metaCreationDate: a.CreationDate.UTC().Format(time.RFC3339Nano),
			metaSize:         strconv.FormatInt(a.Size, 10),
			metaDescription:  encodeMeta(a.Description),
		},
		StorageClass: s.storageClass,
		PartSize:     uint64(s3PartSize(a.Size, s.minPartSize)),
		// Parallel parts, each buffered, rather than minio-go's default for
		// a plain reader: one part at a time.
		NumThreads:            uint(s.concurrency),
		ConcurrentStreamParts: s.concurrency > 1,
	}
	opts.SetMatchETagExcept("*")
	_, err = s.client.PutObject(ctx, s.bucket, key, &s3Body{r: body, size: a.Size, left: a.Size}, a.Size, opts)
	// S3 answers 409 ConditionalRequestConflict to a write racing another
	// conditional one.
	if s3ErrorIs(err, minio.PreconditionFailed) || s3ErrorIs(err, "ConditionalRequestConflict") {
		info, serr := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
		if serr != nil {
			return "", fmt.Errorf("migrate: put s3://%s/%s: %w; stat: %w", s.bucket, key, err, serr)
		}
		if err := s.holds(key, &info, a); err != nil {
			return "", err
		}
		return key, nil
	}
	if err != nil {
		return "", fmt.Errorf("migrate: put s3://%s/%s: %w", s.bucket, key, err)
	}
	return key, nil
}

// partSize returns the part size for an object of size bytes: min, or
// the smallest multiple of 1 MiB that needs at most s3MaxParts parts.
func s3PartSize(size, min int64) int64 {
	const mib = 1 << 20
	need := (size + s3MaxParts - 1) / s3MaxParts
	return max(min, (need+mib-1)/mib*mib)
}

// s3Body reads r to its left bytes, and fails if r ends before: minio-go's
// parallel upload reads to EOF whatever the size given, and takes
// io.ErrUnexpectedEOF for the end of a short last part.
type s3Body struct {
	r    io.Reader
	size int64
	left int64
}

func (e *s3Body) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	n, err := e.r.Read(p[:min(int64(len(p)), e.left)])
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, fmt.Errorf("the archive's body ended after %d of its %d bytes", e.size-e.left, e.size)
	}
	if e.left == 0 && err == nil {
		err = io.EOF
	}
	return n, err
}

// encodeMeta percent-encodes the bytes of s outside '!' to '~', and '%'.
func encodeMeta(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < '!' || c > '~' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// s3Manifest is the JSON document Finish writes.
type s3Manifest struct {
	Bucket      string
	Prefix      string
	ArchiveList []s3ManifestEntry
}

type s3ManifestEntry struct {
	ArchiveID          string `json:"ArchiveId"`
	ArchiveDescription string
	CreationDate       time.Time
	Size               int64
	SHA256TreeHash     string
	Key                string
	Status             Status
	Error              string `json:",omitempty"`
}

// Finish implements Sink: it writes the manifest of results, replacing the
// previous run's.
func (s *S3Sink) Finish(ctx context.Context, results []Result) error {
	m := s3Manifest{Bucket: s.bucket, Prefix: s.prefix, ArchiveList: make([]s3ManifestEntry, len(results))}
	for i, r := range results {
		m.ArchiveList[i] = s3ManifestEntry{
			ArchiveID:          r.ID,
			ArchiveDescription: r.Description,
			CreationDate:       r.CreationDate.UTC(),
			Size:               r.Size,
			SHA256TreeHash:     r.TreeHash,
			Key:                cmp.Or(s.keys[r.ID], r.Location),
			Status:             r.Status,
			Error:              r.Error,
		}
	}
	data, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return fmt.Errorf("migrate: manifest: %w", err)
	}
	data = append(data, '\n')
	_, err = s.client.PutObject(ctx, s.bucket, s.manifestKey, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/json"})
	if err != nil {
		return fmt.Errorf("migrate: put s3://%s/%s: %w", s.bucket, s.manifestKey, err)
	}
	return nil
}

func s3ErrorIs(err error, code string) bool {
	return err != nil && minio.ToErrorResponse(err).Code == code
}
