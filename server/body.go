package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firnstore/firn"
)

// payload is a request body that is hashed and counted as it is read. When
// the request carries x-amz-content-sha256, the reader returns an error
// instead of io.EOF if the body does not match it, so a Glacier reading an
// upload fails the upload rather than storing bad data.
type payload struct {
	r     io.Reader
	n     int64
	limit int64
	// length is the request's Content-Length, -1 when unknown.
	length int64
	// header is the x-amz-content-sha256 value as sent, or "".
	header string
	sha    hash.Hash // nil when there is no header to check
	eof    bool
	// fail is why the body was rejected: a mismatch, an oversized body or
	// a failed read. Reads return it from then on.
	fail error
	// deadline is moved on by every read from the network, nil once the
	// body has been read to its end.
	deadline *readDeadline
	// reserved bytes of budget are held until the signature is checked.
	reserved int64
	budget   *budget
}

// newPayload wraps r's body, whose reads deadline times (nil: untimed).
// x-amz-content-sha256 must be 64 hex digits, given once: with two, which
// one the body must match is ambiguous.
func newPayload(r *http.Request, deadline *readDeadline) (*payload, error) {
	p := &payload{r: r.Body, limit: math.MaxInt64, length: r.ContentLength, deadline: deadline}
	if p.r == nil {
		p.r = http.NoBody
	}
	if p.length == 0 {
		// Nothing to wait for; net/http is already reading the connection
		// in the background, which no deadline must cut.
		p.deadline = nil
	}
	if n := len(r.Header.Values("X-Amz-Content-Sha256")); n > 1 {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue,
			"Invalid x-amz-content-sha256: the header is given %d times; send it once", n)
	}
	if v := r.Header.Get("X-Amz-Content-Sha256"); v != "" {
		if len(v) != sha256.Size*2 || !isHex(v) {
			return nil, firn.Errorf(firn.CodeInvalidParameterValue,
				"Invalid x-amz-content-sha256: %q; must be the hex SHA-256 of the request body", v)
		}
		p.header, p.sha = v, sha256.New()
	}
	return p, nil
}

// signingHash returns the payload hash of the canonical request: the
// x-amz-content-sha256 header when present, else the SHA-256 of the body,
// which is then read into memory. That read comes before the signature is
// checked, so it is bounded: at most max bytes, reserved from b until
// release (its Content-Length, or max when it has none; a request that
// does not fit is refused), and arriving whole within the idle timeout,
// which its reads do not move on.
func (p *payload) signingHash(max int64, b *budget) (string, error) {
	if p.header != "" {
		return p.header, nil
	}
	n := p.length
	if n > max {
		return "", missingContentHash(max)
	}
	if n < 0 {
		n = max
	}
	if !b.take(n) {
		return "", newAPIError(http.StatusBadRequest, codeThrottling,
			"Rate exceeded: too many request bodies are being read before their signatures are checked; retry later.")
	}
	p.reserved, p.budget = n, b
	if p.deadline != nil {
		p.deadline.arm()
	}
	data, err := io.ReadAll(io.LimitReader(p.r, n+1))
	if err != nil {
		return "", p.readFailure(err)
	}
	if int64(len(data)) > max {
		return "", missingContentHash(max)
	}
	p.read()
	p.r = bytes.NewReader(data)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func missingContentHash(max int64) error {
	return firn.Errorf(firn.CodeMissingParameterValue,
		"Required parameter missing: x-amz-content-sha256 (required for a body over %d bytes)", max)
}

// release gives back the budget signingHash reserved.
func (p *payload) release() {
	if p.budget != nil {
		p.budget.give(p.reserved)
		p.budget = nil
	}
}

// read notes that the body has been read from the network to its end.
func (p *payload) read() {
	if p.deadline != nil {
		p.deadline.clear()
		p.deadline = nil
	}
}

func (p *payload) Read(b []byte) (int, error) {
	if p.fail != nil {
		return 0, p.fail
	}
	if p.eof {
		return 0, p.finish()
	}
	// Read at most one byte past the limit, enough to detect overflow.
	if rem := p.limit - p.n; int64(len(b)) > rem {
		b = b[:rem+1]
	}
	if p.deadline != nil {
		p.deadline.arm()
	}
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.n > p.limit {
		p.fail = firn.Errorf(firn.CodeInvalidParameterValue,
			"Invalid Content-Length: the request body exceeds %d bytes", p.limit)
		return 0, p.fail
	}
	if p.sha != nil {
		p.sha.Write(b[:n])
	}
	switch {
	case err == io.EOF:
		p.eof = true
		p.read()
		if n > 0 {
			return n, nil
		}
		return 0, p.finish()
	case err != nil:
		p.fail = p.readFailure(err)
		return n, p.fail
	}
	return n, nil
}

// Len is the number of bytes of the body not read yet by its
// Content-Length, 0 if unknown: an upload's declared size, which the
// engine's free-space guard checks before reading the body.
func (p *payload) Len() int {
	if p.length < 0 || p.n >= p.length {
		return 0
	}
	return int(min(p.length-p.n, math.MaxInt))
}

// finish checks the hash at the end of the body.
func (p *payload) finish() error {
	if p.sha != nil {
		got := hex.EncodeToString(p.sha.Sum(nil))
		p.sha = nil
		if !strings.EqualFold(got, p.header) {
			p.fail = firn.Errorf(firn.CodeInvalidParameterValue,
				"x-amz-content-sha256 does not match the request body: header %s, computed %s", p.header, got)
			return p.fail
		}
	}
	return io.EOF
}

// readFailure is the error of a body whose read failed: it timed out or the
// client went away.
func (p *payload) readFailure(err error) error {
	msg := "The request body could not be read"
	if errors.Is(err, os.ErrDeadlineExceeded) && p.deadline != nil {
		msg = fmt.Sprintf("Timed out reading the request body: no data for %s", p.deadline.idle)
	}
	return &firn.Error{Code: firn.CodeRequestTimeout, Message: msg, Err: err}
}

// readDeadline moves the connection's read deadline while the handler
// waits for a request body, through http.ResponseController. A body idle
// for longer fails its read with os.ErrDeadlineExceeded, and net/http closes
// the connection after the answer since the body was not read to its end.
type readDeadline struct {
	set   func(time.Time) error
	clock firn.Clock
	idle  time.Duration
	// off is set when the ResponseWriter cannot set deadlines.
	off bool
}

// arm sets the deadline idle from now.
func (d *readDeadline) arm() {
	if !d.off && d.set(d.clock.Now().Add(d.idle)) != nil {
		d.off = true
	}
}

// clear removes the deadline once the body has been read to its end:
// net/http then starts a background read of the connection, which must not
// time out.
func (d *readDeadline) clear() {
	if !d.off {
		d.set(time.Time{})
	}
}

// budget is a number of bytes that callers reserve and give back.
type budget struct{ left atomic.Int64 }

func newBudget(n int64) *budget {
	b := &budget{}
	b.left.Store(n)
	return b
}

// take reserves n bytes if that many are left.
func (b *budget) take(n int64) bool {
	for {
		left := b.left.Load()
		if left < n {
			return false
		}
		if b.left.CompareAndSwap(left, left-n) {
			return true
		}
	}
}

func (b *budget) give(n int64) { b.left.Add(n) }

// readJSON decodes the JSON request body, the model member named member,
// into v. An empty or null body leaves v unchanged and reports false.
func (h *handler) readJSON(c *call, member string, v any) (bool, error) {
	data, err := io.ReadAll(io.LimitReader(c.body, h.maxJSON+1))
	if err != nil {
		return false, err
	}
	if int64(len(data)) > h.maxJSON {
		return false, firn.Errorf(firn.CodeInvalidParameterValue,
			"Invalid %s: the request body exceeds %d bytes", member, h.maxJSON)
	}
	if t := bytes.TrimSpace(data); len(t) == 0 || string(t) == "null" {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, newAPIError(http.StatusBadRequest, codeSerialization, "Malformed JSON request body: %v", err)
	}
	return true, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isInteger reports whether s is a decimal integer with an optional minus
// sign.
func isInteger(s string) bool {
	return isDigits(strings.TrimPrefix(s, "-"))
}

// isDigits reports whether s is a non-empty run of decimal digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// queryLimit parses a "limit" query parameter: absent or empty is 0 (the
// operation's default), otherwise a decimal int32 other than 0, which firn
// would take for the default. The Glacier checks the range.
func queryLimit(q url.Values) (int32, error) {
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if !isInteger(v) || err != nil || n == 0 {
		return 0, firn.Errorf(firn.CodeInvalidParameterValue, "Invalid limit: %q; must be a positive integer", v)
	}
	return int32(n), nil
}

// queryCompleted parses ListJobs' "completed" filter, "true" or "false".
func queryCompleted(q url.Values) (*bool, error) {
	v := q.Get("completed")
	switch {
	case v == "":
		return nil, nil
	case strings.EqualFold(v, "true"):
		return new(true), nil
	case strings.EqualFold(v, "false"):
		return new(false), nil
	}
	return nil, firn.Errorf(firn.CodeInvalidParameterValue, "Invalid completed: %q; must be true or false", v)
}

// headerSize parses a required decimal size header such as x-amz-part-size.
// The Glacier checks the range.
func headerSize(r *http.Request, name string) (int64, error) {
	v := r.Header.Get(name)
	if v == "" {
		return 0, firn.Errorf(firn.CodeMissingParameterValue, "Required parameter missing: %s", name)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if !isInteger(v) || err != nil {
		return 0, firn.Errorf(firn.CodeInvalidParameterValue, "Invalid %s: %q; must be an integer", name, v)
	}
	return n, nil
}
