package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AWS Signature Version 4 verification, as the AWS General Reference
// ("Signature Version 4 signing process") defines it for the glacier service.

const (
	sigAlgorithm  = "AWS4-HMAC-SHA256"
	sigService    = "glacier"
	sigTerminator = "aws4_request"
	amzDateLayout = "20060102T150405Z"
	// maxSkew is how far a signature's date may be from the server clock.
	maxSkew = 15 * time.Minute
	// maxPresignExpires is the longest X-Amz-Expires, 7 days.
	maxPresignExpires = 7 * 24 * 60 * 60
)

// signature is the parsed signing information of a request.
type signature struct {
	accessKey string
	scope     string // date/region/service/terminator
	date      string // yyyymmdd of the scope
	region    string
	service   string
	term      string
	signed    string // SignedHeaders as sent
	sig       string
	amzDate   string
	// rawQuery is the query that the canonical request covers.
	rawQuery  string
	presigned bool
	expires   time.Duration
}

// authenticate verifies the request's SigV4 signature and returns the
// signer's identity and the path the signature covers, which is the one
// to route (see signedPaths). wire is the path as sent. payloadHash is
// called only once the signature is otherwise plausible, since it may have
// to read the body.
func (h *handler) authenticate(r *http.Request, wire string, payloadHash func() (string, error)) (*identity, string, error) {
	s, err := parseSignature(r)
	if err != nil {
		return nil, "", err
	}
	cred, ok := h.credential(s.accessKey)
	if !ok {
		return nil, "", authError(codeUnrecognizedClient, "The security token included in the request is invalid.")
	}
	if s.service != sigService {
		return nil, "", authError(codeInvalidSignature, "Credential should be scoped to correct service: '%s'.", sigService)
	}
	if s.region != h.region {
		return nil, "", authError(codeInvalidSignature, "Credential should be scoped to a valid region, not '%s'.", s.region)
	}
	if s.term != sigTerminator {
		return nil, "", authError(codeInvalidSignature, "Credential should be scoped with a valid terminator: '%s', not '%s'.", sigTerminator, s.term)
	}
	if !slices.Contains(strings.Split(s.signed, ";"), "host") {
		return nil, "", authError(codeIncompleteSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	t, err := time.Parse(amzDateLayout, s.amzDate)
	if err != nil {
		return nil, "", authError(codeIncompleteSignature, "Invalid X-Amz-Date %q; must be ISO 8601 basic format yyyyMMdd'T'HHmmss'Z'", s.amzDate)
	}
	if d := t.Format("20060102"); d != s.date {
		return nil, "", authError(codeInvalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", s.date, d, s.amzDate)
	}
	if err := checkTime(t, s, h.clock.Now()); err != nil {
		return nil, "", err
	}
	hash, err := payloadHash()
	if err != nil {
		return nil, "", err
	}
	key := signingKey(cred.SecretKey, s.date, s.region)
	for _, path := range signedPaths(wire) {
		for _, norm := range headerNormalizers {
			creq := canonicalRequest(r, s, canonicalURI(path), hash, norm)
			if hmac.Equal([]byte(sign(key, stringToSign(s, creq))), []byte(s.sig)) {
				id, err := h.identify(s.accessKey, cred)
				return id, path, err
			}
		}
	}
	return nil, "", authError(codeInvalidSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// checkTime rejects a signature dated more than 15 minutes from now or, for
// a presigned URL, past its expiry.
func checkTime(t time.Time, s *signature, now time.Time) error {
	const f = amzDateLayout
	if t.After(now.Add(maxSkew)) {
		return authError(codeInvalidSignature, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			t.Format(f), now.Add(maxSkew).UTC().Format(f), now.UTC().Format(f))
	}
	if s.presigned && s.expires > 0 {
		if now.After(t.Add(s.expires)) {
			return authError(codeInvalidSignature, "Signature expired: %s + %d s is now earlier than %s",
				t.Format(f), int64(s.expires/time.Second), now.UTC().Format(f))
		}
		return nil
	}
	if t.Before(now.Add(-maxSkew)) {
		return authError(codeInvalidSignature, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			t.Format(f), now.Add(-maxSkew).UTC().Format(f), now.UTC().Format(f))
	}
	return nil
}

// parseSignature reads the signature from the Authorization header or, for
// presigned URLs, from the query. A request that could be read more than one
// way is refused with 403 IncompleteSignatureException (AWS documents no
// code for it; S3 answers "Only one auth mechanism allowed" with 400, but
// every other malformed signature here is 403 IncompleteSignature): one
// signed both by header and by query, one with a repeated Authorization,
// X-Amz-Date or Date header or Authorization field, and one with a repeated
// signed header, whose canonical value (the values joined by commas) is
// also that of one header holding them all.
func parseSignature(r *http.Request) (*signature, error) {
	for _, name := range []string{"Authorization", "X-Amz-Date", "Date"} {
		if n := len(r.Header.Values(name)); n > 1 {
			return nil, authError(codeIncompleteSignature, "The request must have only one %s header, not %d.", name, n)
		}
	}
	q := r.URL.Query()
	var s *signature
	var err error
	switch auth := r.Header.Get("Authorization"); {
	case auth != "":
		for _, name := range presignParams {
			if q.Has(name) {
				return nil, authError(codeIncompleteSignature, "A request may be signed only one way: with the Authorization header or with query parameters, not both (%s).", name)
			}
		}
		s, err = parseAuthorization(r, auth)
	case q.Get("X-Amz-Algorithm") == "" && q.Get("X-Amz-Signature") == "":
		return nil, authError(codeMissingAuthentication, "Missing Authentication Token")
	default:
		s, err = parsePresigned(r, q)
	}
	if err != nil {
		return nil, err
	}
	for name := range strings.SplitSeq(s.signed, ";") {
		if n := len(r.Header.Values(name)); n > 1 {
			return nil, authError(codeIncompleteSignature, "Signed header %s appears %d times; send it once, its values joined by commas.", name, n)
		}
	}
	return s, nil
}

// presignParams are the query parameters that make a presigned request.
var presignParams = []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature"}

func parseAuthorization(r *http.Request, auth string) (*signature, error) {
	rest, ok := strings.CutPrefix(auth, sigAlgorithm+" ")
	if !ok {
		return nil, authError(codeIncompleteSignature, "Unsupported Authorization header; only %s signatures are accepted.", sigAlgorithm)
	}
	fields := map[string]string{}
	for f := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		if _, dup := fields[k]; dup && k != "" {
			return nil, authError(codeIncompleteSignature, "Authorization header has '%s' more than once.", k)
		}
		fields[k] = v
	}
	s := &signature{signed: fields["SignedHeaders"], sig: fields["Signature"], rawQuery: r.URL.RawQuery}
	for _, name := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[name] == "" {
			return nil, authError(codeIncompleteSignature, "Authorization header requires '%s' parameter.", name)
		}
	}
	if err := s.parseCredential(fields["Credential"]); err != nil {
		return nil, err
	}
	s.amzDate = r.Header.Get("X-Amz-Date")
	if s.amzDate == "" {
		s.amzDate = r.Header.Get("Date")
	}
	if s.amzDate == "" {
		return nil, authError(codeIncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	return s, nil
}

func parsePresigned(r *http.Request, q url.Values) (*signature, error) {
	for _, name := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(name) == "" {
			return nil, authError(codeIncompleteSignature, "AWS query-string parameters must include '%s'.", name)
		}
	}
	if a := q.Get("X-Amz-Algorithm"); a != sigAlgorithm {
		return nil, authError(codeIncompleteSignature, "Unsupported X-Amz-Algorithm %q; only %s is accepted.", a, sigAlgorithm)
	}
	s := &signature{
		signed:    q.Get("X-Amz-SignedHeaders"),
		sig:       q.Get("X-Amz-Signature"),
		amzDate:   q.Get("X-Amz-Date"),
		presigned: true,
	}
	if e := q.Get("X-Amz-Expires"); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if !isDigits(e) || err != nil || n < 1 || n > maxPresignExpires {
			return nil, authError(codeIncompleteSignature, "X-Amz-Expires must be an integer from 1 to %d, not %q.", maxPresignExpires, e)
		}
		s.expires = time.Duration(n) * time.Second
	}
	// The canonical query is everything but the signature itself.
	var kept []string
	for p := range strings.SplitSeq(r.URL.RawQuery, "&") {
		if k, _, _ := strings.Cut(p, "="); queryUnescape(k) != "X-Amz-Signature" {
			kept = append(kept, p)
		}
	}
	s.rawQuery = strings.Join(kept, "&")
	if err := s.parseCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	return s, nil
}

// parseCredential splits AKID/yyyymmdd/region/service/aws4_request.
func (s *signature) parseCredential(v string) error {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[0] == "" {
		return authError(codeIncompleteSignature, "Credential %q must have the form <access key>/<date>/<region>/<service>/aws4_request.", v)
	}
	s.accessKey, s.date, s.region, s.service, s.term = parts[0], parts[1], parts[2], parts[3], parts[4]
	s.scope = strings.Join(parts[1:], "/")
	return nil
}

// signedPaths returns the paths a client may have signed for the wire
// path: the wire path itself (aws-sdk-go-v2 signs it as sent) and, when it
// has dot or empty segments, the path without them (botocore removes
// them, as RFC 3986 normalization does). The request is routed on the one
// its signature covers, so that a signature never authorizes an operation
// other than the one signed: "/-/vaults/./access-policy" signed as sent is
// DeleteVaultAccessPolicy of vault ".", but signed as
// "/-/vaults/access-policy" it is DeleteVault of vault "access-policy".
// Both forms are still percent-encoded: the router and the signature see
// the same segments, and %2F or %2E are never separators or dot segments.
func signedPaths(wire string) []string {
	paths := []string{wire}
	if norm := removeDotSegments(wire); norm != wire {
		paths = append(paths, norm)
	}
	return paths
}

// canonicalURI is the SigV4 canonical URI of an escaped path: escaped again,
// as for every service but S3.
func canonicalURI(path string) string {
	return uriEncode(path, true)
}

func removeDotSegments(path string) string {
	var out []string
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	p := "/" + strings.Join(out, "/")
	if len(out) > 0 && strings.HasSuffix(path, "/") {
		p += "/"
	}
	return p
}

// uriEncode percent-encodes every byte outside the RFC 3986 unreserved set
// (and '/' when keepSlash), with upper-case hex.
func uriEncode(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == '/' && keepSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func queryUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// canonicalQuery decodes the pairs of raw, re-encodes them strictly and
// sorts them by encoded key, then value.
func canonicalQuery(raw string) string {
	type pair struct{ k, v string }
	var pairs []pair
	for p := range strings.SplitSeq(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		pairs = append(pairs, pair{uriEncode(queryUnescape(k), false), uriEncode(queryUnescape(v), false)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k + "=" + p.v)
	}
	return b.String()
}

// headerNormalizers are the ways clients canonicalize header values: SigV4
// trims a value and collapses runs of spaces; botocore collapses all
// whitespace (tabs too), aws-sdk-go-v2 only spaces. They differ only for
// values holding tabs, so a signature is checked against each.
var headerNormalizers = []func(string) string{collapseSpaces, collapseWhitespace}

// collapseWhitespace trims a header value and collapses inner runs of any
// whitespace to one space, as botocore does.
func collapseWhitespace(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// collapseSpaces trims spaces from a header value and collapses inner runs
// of spaces to one, as aws-sdk-go-v2 does.
func collapseSpaces(v string) string {
	v = strings.Trim(v, " ")
	for strings.Contains(v, "  ") {
		v = strings.ReplaceAll(v, "  ", " ")
	}
	return v
}

func canonicalRequest(r *http.Request, s *signature, uri, payloadHash string, canonicalHeaderValue func(string) string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n" + uri + "\n" + canonicalQuery(s.rawQuery) + "\n")
	for name := range strings.SplitSeq(s.signed, ";") {
		var vals []string
		if strings.EqualFold(name, "host") {
			vals = []string{r.Host}
		} else {
			vals = slices.Clone(r.Header.Values(name))
		}
		for i, v := range vals {
			vals[i] = canonicalHeaderValue(v)
		}
		b.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	b.WriteString("\n" + s.signed + "\n" + payloadHash)
	return b.String()
}

func stringToSign(s *signature, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return sigAlgorithm + "\n" + s.amzDate + "\n" + s.scope + "\n" + hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signingKey derives the SigV4 key for a day and region.
func signingKey(secret, date, region string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, sigService)
	return hmacSHA256(k, sigTerminator)
}

func sign(key []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}
