package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/firnstore/firn"
)

// APIVersion is the Glacier API version the handler serves; every request
// must carry it in the x-amz-glacier-version header.
const APIVersion = "2012-06-01"

// API limits on request bodies.
const (
	// MaxArchiveSize is the largest UploadArchive body, 4 GiB.
	MaxArchiveSize = 4 << 30
	// MaxPartSize is the largest UploadMultipartPart body, 4 GiB.
	MaxPartSize = 4 << 30
	// DefaultMaxJSONBody is the default of [Options].MaxJSONBody, 1 MiB.
	DefaultMaxJSONBody = 1 << 20
	// DefaultMaxPreAuthBody is the default of [Options].MaxPreAuthBody,
	// 256 KiB: more than the largest JSON body boto3 sends without
	// x-amz-content-sha256 (a 20 KB policy, JSON-escaped, or a select
	// expression of 128,000 ASCII characters).
	DefaultMaxPreAuthBody = 256 << 10
	// DefaultPreAuthBodyBudget is the default of
	// [Options].PreAuthBodyBudget, 16 MiB: 64 bodies at the limit.
	DefaultPreAuthBodyBudget = 16 << 20
)

// Other defaults of [Options].
const (
	// DefaultBodyIdleTimeout is the default of [Options].BodyIdleTimeout.
	DefaultBodyIdleTimeout = 30 * time.Second
	// DefaultRegion is the default of [Options].Region, the engine's
	// default region too.
	DefaultRegion = "us-east-1"
	// DefaultAccountID is the default of [Options].AccountID, the engine's
	// default account too.
	DefaultAccountID = "000000000000"
)

// Credential is the secret and identity behind one access key ID. A key
// belongs to exactly one account: its requests carry its principal to the
// Glacier (firn.WithPrincipal), whatever account their path names, so a
// request for another account's vaults is decided as cross-account access
// by the vault's access policy. A key whose PrincipalARN is not an ARN of
// its account is a configuration error: its requests are answered with 500
// and logged. The account itself is the Glacier's to validate, like any
// account in a path.
type Credential struct {
	// SecretKey is the secret access key requests are signed with.
	SecretKey string
	// AccountID is the 12-digit account the key belongs to; the account
	// "-" in a request path stands for it. "" means [Options].AccountID.
	AccountID string
	// PrincipalARN is the key's IAM identity, an ARN of its account
	// ("arn:aws:iam::111122223333:user/alice"). "" means the account
	// root, arn:aws:iam::<account>:root.
	PrincipalARN string
}

// Options configures the handler. The zero value is valid: no SigV4
// verification, the system clock, slog.Default().
type Options struct {
	// Credentials maps access key IDs to credentials. When it is empty,
	// signatures are not verified and every request is accepted. The map is
	// copied by New.
	Credentials map[string]Credential
	// CredentialLookup, when set, finds credentials by access key ID for
	// keys that Credentials does not hold (for a key store, or principals
	// made up on the fly by tests); setting it turns verification on. It
	// must be safe for concurrent use.
	CredentialLookup func(accessKeyID string) (Credential, bool)
	// Clock is the server clock that signature dates are checked against
	// (15 minutes either way) and that dates the Date header. Default
	// firn.SystemClock{}.
	Clock firn.Clock
	// Logger receives the startup notice and failures that clients cannot
	// see (internal errors, aborted downloads). Default slog.Default().
	Logger *slog.Logger
	// AccountID is the account of keys whose Credential names none: "-"
	// in their requests' paths means it, and they act as its root (or as
	// their PrincipalARN, which must then be of this account). Set it to
	// the Glacier's own account. Default DefaultAccountID.
	AccountID string
	// Region is the region signatures must be scoped to: a request
	// signed for another region is answered with 403
	// InvalidSignatureException, as AWS answers one sent to the wrong
	// regional endpoint. Default DefaultRegion.
	Region string
	// MaxJSONBody bounds a JSON request body. Default DefaultMaxJSONBody
	// (1 MiB).
	MaxJSONBody int64
	// BodyIdleTimeout is how long a request body may send nothing while
	// the handler waits for it, the connection's read deadline, moved on
	// by every read (so a slow but steady upload is never cut). A body
	// idle for longer fails with 408 RequestTimeoutException, the error
	// Glacier answers when it "times out while receiving the upload", and
	// its connection is closed after the answer. It needs a ResponseWriter
	// that supports http.ResponseController.SetReadDeadline, as net/http's
	// do. Default DefaultBodyIdleTimeout.
	BodyIdleTimeout time.Duration
	// MaxPreAuthBody bounds a body without x-amz-content-sha256 that must
	// be read into memory and hashed before its signature can be checked;
	// a larger one is refused with 400 MissingParameterValueException
	// without being read (or once it is past the limit, when it has no
	// Content-Length). Such a body must arrive whole within
	// BodyIdleTimeout. Default DefaultMaxPreAuthBody.
	MaxPreAuthBody int64
	// PreAuthBodyBudget bounds the bytes that the requests whose bodies
	// are being read before their signature is checked may hold at once:
	// each reserves its Content-Length (MaxPreAuthBody when it has none)
	// until its signature is checked. A request that does not fit is
	// refused at once with 400 ThrottlingException, which SDKs retry
	// with backoff. Default DefaultPreAuthBodyBudget.
	PreAuthBodyBudget int64
	// Observe, when set, is called once for every request, after it is
	// answered (or its connection broken), in the request's goroutine:
	// access logs and metrics hook here. It must be safe for concurrent
	// use and quick, since the connection waits for it; it may keep info.
	Observe func(info *RequestInfo)
	// ImportPrincipals are the IAM ARNs allowed to call Firn's import
	// extension, ImportArchive and DescribeArchive (see the package
	// documentation), as requests carry them ([Credential].PrincipalARN,
	// or "arn:aws:iam::ACCOUNT:root" for an account's root). Without
	// signature verification a request acts as the root of its path's
	// account (Options.AccountID for "-"). Empty means that the extension
	// is not served: its routes answer as unknown ones. New panics when
	// it is set and the Glacier does not implement [firn.Importer].
	ImportPrincipals []string
}

// handler serves the API; it is immutable after New and safe for concurrent
// use.
type handler struct {
	g       firn.Glacier
	creds   map[string]Credential
	lookup  func(string) (Credential, bool)
	clock   firn.Clock
	log     *slog.Logger
	region  string
	account string
	maxJSON int64
	idle    time.Duration
	// maxPreAuth and preAuth bound bodies read before authentication.
	maxPreAuth int64
	preAuth    *budget
	observer   func(*RequestInfo)
	// netClock dates read deadlines: the system clock, replaced only in
	// tests, since deadlines are in the network's time, not Options.Clock's.
	netClock firn.Clock
	// importer serves the import extension to the principals in
	// importers; importers is nil when the extension is off.
	importer  firn.Importer
	importers map[string]bool
}

// New returns an http.Handler serving the Glacier REST API on top of g. The
// handler is safe for concurrent use; it does not close g. New panics if g
// is nil, or if opts.ImportPrincipals is set and g is not a
// [firn.Importer].
func New(g firn.Glacier, opts Options) http.Handler {
	if g == nil {
		panic("server: nil Glacier")
	}
	h := &handler{
		g:          g,
		creds:      maps.Clone(opts.Credentials),
		lookup:     opts.CredentialLookup,
		clock:      opts.Clock,
		log:        opts.Logger,
		region:     opts.Region,
		account:    opts.AccountID,
		maxJSON:    opts.MaxJSONBody,
		idle:       opts.BodyIdleTimeout,
		maxPreAuth: opts.MaxPreAuthBody,
		observer:   opts.Observe,
		netClock:   firn.SystemClock{},
	}
	if h.region == "" {
		h.region = DefaultRegion
	}
	if h.account == "" {
		h.account = DefaultAccountID
	}
	if h.clock == nil {
		h.clock = firn.SystemClock{}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.maxJSON <= 0 {
		h.maxJSON = DefaultMaxJSONBody
	}
	if h.idle <= 0 {
		h.idle = DefaultBodyIdleTimeout
	}
	if h.maxPreAuth <= 0 {
		h.maxPreAuth = DefaultMaxPreAuthBody
	}
	if opts.PreAuthBodyBudget <= 0 {
		opts.PreAuthBodyBudget = DefaultPreAuthBodyBudget
	}
	h.preAuth = newBudget(opts.PreAuthBodyBudget)
	if len(opts.ImportPrincipals) > 0 {
		imp, ok := g.(firn.Importer)
		if !ok {
			panic(fmt.Sprintf("server: ImportPrincipals set, but %T does not implement firn.Importer", g))
		}
		h.importer, h.importers = imp, map[string]bool{}
		for _, p := range opts.ImportPrincipals {
			h.importers[p] = true
		}
	}
	if !h.verifying() {
		h.log.Warn("SigV4 verification disabled: accepting any signature")
	}
	return h
}

// verifying reports whether requests must be signed.
func (h *handler) verifying() bool { return len(h.creds) > 0 || h.lookup != nil }

// credential finds the credentials of an access key ID.
func (h *handler) credential(accessKey string) (Credential, bool) {
	if c, ok := h.creds[accessKey]; ok {
		return c, true
	}
	if h.lookup != nil {
		return h.lookup(accessKey)
	}
	return Credential{}, false
}

// NewHTTPServer returns an http.Server for h listening on addr, hardened for
// exposure: headers must arrive within 10 seconds, idle keep-alive
// connections close after 2 minutes, and request headers are limited to
// 64 KiB. There is no overall read or write timeout, since uploads and
// downloads of 4 GiB take as long as the network needs; a request body
// that goes idle is cut by the handler ([Options].BodyIdleTimeout). Stop
// it gracefully with its Shutdown method, which waits for in-flight
// requests.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// call is one request being served.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	ctx     context.Context
	id      string // x-amzn-RequestId
	op      string // the operation's name, once routed
	errCode string // the code of the error answered
	account string
	vault   string
	// res is the ID in the path after the vault's sub-resource: archive,
	// upload, job or lock ID.
	res   string
	query url.Values
	body  *payload
	// deadline times the reads of the request body.
	deadline *readDeadline
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{w: w, r: r, id: rand.Text()}
	if h.observer == nil {
		h.answer(c)
		return
	}
	o := h.observe(c)
	answered := false
	defer func() { o.done(answered) }()
	h.answer(c)
	answered = true
}

// answer serves c and writes its error, if any.
func (h *handler) answer(c *call) {
	c.deadline = &readDeadline{set: http.NewResponseController(c.w).SetReadDeadline, clock: h.netClock, idle: h.idle}
	c.w.Header().Set("X-Amzn-Requestid", c.id)
	c.w.Header().Set("Date", h.clock.Now().UTC().Format(http.TimeFormat))
	if err := h.serve(c); err != nil {
		h.writeError(c, err)
	}
}

// serve authenticates, routes and runs one request; the error it returns is
// written by ServeHTTP.
func (h *handler) serve(c *call) error {
	r := c.r
	if r.ContentLength != 0 {
		// Bound the wait for a body the handler never reads too: net/http
		// reads up to 256 KiB of it after the handler returns.
		c.deadline.arm()
	}
	body, err := newPayload(r, c.deadline)
	if err != nil {
		return err
	}
	c.body = body
	if c.query, err = parseQuery(r.URL.RawQuery); err != nil {
		return err
	}
	ctx := firn.WithSecureTransport(r.Context(), r.TLS != nil)
	// The route is the path the signature covers, or without
	// verification the path as sent.
	path := wirePath(r)
	var id *identity
	if h.verifying() {
		hash := func() (string, error) { return body.signingHash(h.maxPreAuth, h.preAuth) }
		id, path, err = h.authenticate(r, path, hash)
		body.release()
		if err != nil {
			return err
		}
		ctx = firn.WithPrincipal(ctx, id.principal)
	}
	c.ctx = ctx
	if err := checkVersion(r.Header, c.query); err != nil {
		return err
	}
	rt, err := route(r.Method, path, h.importers != nil)
	if err != nil {
		return err
	}
	c.op, c.account, c.vault, c.res = rt.op.name, rt.account, rt.vault, rt.res
	if c.account == "-" && id != nil {
		c.account = id.account
	}
	return rt.op.fn(h, c)
}

// identity is who signed a request.
type identity struct {
	account, principal string
}

// identify returns the account and principal of the access key key.
func (h *handler) identify(key string, cr Credential) (*identity, error) {
	id := &identity{account: cr.AccountID, principal: cr.PrincipalARN}
	if id.account == "" {
		id.account = h.account
	}
	if id.principal == "" {
		id.principal = "arn:aws:iam::" + id.account + ":root"
	}
	if a := principalAccount(id.principal); a != id.account {
		return nil, fmt.Errorf("server: credential of access key %s: principal %q is not of its account %s", key, id.principal, id.account)
	}
	return id, nil
}

// principalAccount is the account field of an IAM or STS ARN, as the
// engine reads it, or "".
func principalAccount(arn string) string {
	p := strings.SplitN(arn, ":", 6)
	if len(p) == 6 && p[0] == "arn" {
		return p[4]
	}
	return ""
}

// checkVersion requires the x-amz-glacier-version header, or, for presigned
// URLs whose signer hoisted it into the query, the query parameter.
func checkVersion(hd http.Header, q url.Values) error {
	v := hd.Values("X-Amz-Glacier-Version")
	if len(v) == 0 {
		v = q["X-Amz-Glacier-Version"]
	}
	if len(v) == 0 || v[0] == "" {
		return firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: API version")
	}
	if strings.TrimSpace(v[0]) != APIVersion {
		return firn.Errorf(firn.CodeInvalidParameterValue, "Invalid API version: %q; this endpoint serves %s", v[0], APIVersion)
	}
	return nil
}
