package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/internal/testkit"
)

// sendPartial writes r's request line and headers to srv over a new
// connection, then body, which may be shorter than r's Content-Length, and
// returns the connection.
func sendPartial(t *testing.T, srv *httptest.Server, r *http.Request, body string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	must(t, err)
	t.Cleanup(func() { conn.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", r.Method, r.URL.RequestURI(), r.Host)
	must(t, r.Header.Write(&b))
	b.WriteString("\r\n" + body)
	_, err = io.WriteString(conn, b.String())
	must(t, err)
	return conn
}

// wantStalledAnswer reads the answer to a request whose body stalled: 408
// RequestTimeoutException, then the connection closes. The read deadline
// only keeps a broken server from hanging the test.
func wantStalledAnswer(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	var b errorBody
	must(t, json.NewDecoder(resp.Body).Decode(&b))
	resp.Body.Close()
	eq(t, "status", resp.StatusCode, 408)
	eq(t, "code", b.Code, "RequestTimeoutException")
	if !strings.Contains(b.Message, "no data for 50ms") {
		t.Errorf("message %q", b.Message)
	}
	if n, err := br.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("connection still open after a stalled body: %d, %v", n, err)
	}
}

// A body that stops arriving is answered with 408 once it has sent nothing
// for BodyIdleTimeout, and its connection is closed (issue 14).
func TestBodyIdleTimeout(t *testing.T) {
	const idle = 50 * time.Millisecond
	t.Run("upload", func(t *testing.T) {
		f, srv := startServer(t, Options{BodyIdleTimeout: idle})
		r := rawRequest("POST", "/-/vaults/v1/archives", nil)
		r.Host = "glacier.local"
		r.Header.Set("Content-Length", "100")
		setUploadHashes(r, strings.Repeat("0123456789", 10))
		wantStalledAnswer(t, sendPartial(t, srv, r, "0123456789"))
		eq(t, "read", string(f.last().body), "0123456789")
	})
	t.Run("beforeAuthentication", func(t *testing.T) {
		// A body that must be hashed to check the signature.
		now := time.Now().UTC()
		f, srv := startServer(t, Options{BodyIdleTimeout: idle, Credentials: testCreds(), Clock: &fixedClock{now}})
		body := `{"Tags":{"k":"v"}}`
		r := signedRequest(t, "POST", "/-/vaults/v1/tags?operation=add", body, now, nil, "")
		wantStalledAnswer(t, sendPartial(t, srv, r, body[:5]))
		eq(t, "calls", f.count(), 0)
	})
	t.Run("unread", func(t *testing.T) {
		// A body the operation does not take is not waited for forever
		// either.
		_, srv := startServer(t, Options{BodyIdleTimeout: idle})
		r := rawRequest("DELETE", "/-/vaults/v1", nil)
		r.Host = "glacier.local"
		r.Header.Set("Content-Length", "100")
		conn := sendPartial(t, srv, r, "x")
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		must(t, err)
		resp.Body.Close()
		eq(t, "status", resp.StatusCode, 204)
		if n, err := br.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("connection still open after an unread stalled body: %d, %v", n, err)
		}
	})
}

// deadlineWriter is a ResponseWriter whose connection enforces read
// deadlines on the request body, on a fake clock.
type deadlineWriter struct {
	*httptest.ResponseRecorder
	mu       sync.Mutex
	deadline time.Time
	sets     int
}

func (w *deadlineWriter) SetReadDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.deadline = t
	w.sets++
	return nil
}

func (w *deadlineWriter) expired(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.deadline.IsZero() && now.After(w.deadline)
}

// trickle is a body that sends one chunk per read, a gap of the clock
// apart, and fails like a connection once its read deadline has passed.
type trickle struct {
	w      *deadlineWriter
	clock  *testkit.Clock
	gap    time.Duration
	chunks []string
}

func (b *trickle) Read(p []byte) (int, error) {
	if len(b.chunks) == 0 {
		return 0, io.EOF
	}
	b.clock.Advance(b.gap)
	if b.w.expired(b.clock.Now()) {
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	}
	n := copy(p, b.chunks[0])
	b.chunks = b.chunks[1:]
	return n, nil
}

// A slow but steady body is not cut: the deadline moves on with every
// read. One read before authentication must arrive whole within the
// timeout (issue 14).
func TestBodyIdleDeadlineFollowsReads(t *testing.T) {
	const idle = 30 * time.Second
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := func(opts Options, r *http.Request, chunks []string) (*deadlineWriter, *fake) {
		f := newFake()
		opts.Logger, opts.BodyIdleTimeout, opts.Clock = quiet, idle, &fixedClock{now}
		h := New(f, opts).(*handler)
		clock := testkit.NewClock(now)
		h.netClock = clock
		w := &deadlineWriter{ResponseRecorder: httptest.NewRecorder()}
		r.Body = io.NopCloser(&trickle{w: w, clock: clock, gap: 20 * time.Second, chunks: chunks})
		h.ServeHTTP(w, r)
		return w, f
	}
	chunks := strings.Split(strings.Repeat("x", 10), "")

	r := rawRequest("POST", "/-/vaults/v1/archives", nil)
	r.ContentLength = 10
	setUploadHashes(r, strings.Join(chunks, ""))
	w, f := run(Options{}, r, chunks)
	eq(t, "status of a steady upload", w.Code, 201)
	eq(t, "body", string(f.last().body), strings.Join(chunks, ""))
	if w.sets < len(chunks) || !w.deadline.IsZero() {
		t.Errorf("%d deadlines set for %d reads, the last %v (want it cleared at EOF)", w.sets, len(chunks), w.deadline)
	}

	body := `{"Tags":{"k":"v"}}`
	r = signedRequest(t, "POST", "/-/vaults/v1/tags?operation=add", body, now, nil, "")
	w, _ = run(Options{Credentials: testCreds()}, r, []string{body[:5], body[5:10], body[10:]})
	wantError(t, w.ResponseRecorder, 408, "RequestTimeoutException", "no data for 30s")
	r = signedRequest(t, "POST", "/-/vaults/v1/tags?operation=add", body, now, nil, "")
	w, f = run(Options{Credentials: testCreds()}, r, []string{body})
	eq(t, "status of a body hashed within the timeout", w.Code, 204)
	wantCall(t, f, "AddTagsToVault", &firn.AddTagsToVaultInput{AccountId: testAccount, VaultName: "v1", Tags: map[string]string{"k": "v"}})
}

// countingBody counts the bytes read from it.
type countingBody struct {
	r io.Reader
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// A forged request can make the server read at most MaxPreAuthBody (+1)
// bytes before its signature is found wrong; none when its Content-Length
// says it is larger (issue 14).
func TestPreAuthBodyCap(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := newFake()
	h := New(f, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}})
	// size is what the body holds, length its Content-Length.
	forged := func(size int, length int64) (*http.Request, *countingBody) {
		r := signedRequest(t, "POST", "/-/vaults/v1/tags?operation=add", "{}", now, nil, "")
		b := &countingBody{r: strings.NewReader(strings.Repeat(" ", size))}
		r.Body, r.ContentLength = io.NopCloser(b), length
		return r, b
	}
	r, b := forged(1<<20, -1)
	wantError(t, serveWith(h, r), 400, "MissingParameterValueException", "x-amz-content-sha256")
	eq(t, "bytes read of an unsized body", b.n, int64(DefaultMaxPreAuthBody+1))
	r, b = forged(1<<20, 1<<20)
	wantError(t, serveWith(h, r), 400, "MissingParameterValueException", "x-amz-content-sha256")
	eq(t, "bytes read of an oversized body", b.n, int64(0))
	r, b = forged(DefaultMaxPreAuthBody, DefaultMaxPreAuthBody)
	wantError(t, serveWith(h, r), 403, "InvalidSignatureException", "does not match")
	eq(t, "bytes read of a body at the limit", b.n, int64(DefaultMaxPreAuthBody))
	eq(t, "calls", f.count(), 0)
}

// All requests whose bodies are read before authentication hold at most
// PreAuthBodyBudget bytes at once; the others are refused at once with
// ThrottlingException (issue 14).
func TestPreAuthBodyBudget(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := newFake()
	const limit, budget = 100, 300
	h := New(f, Options{Logger: quiet, Credentials: testCreds(), Clock: &fixedClock{now}, MaxPreAuthBody: limit, PreAuthBodyBudget: budget})
	body := `{"Tags":{"k":"v"}}`
	type req struct {
		pw   *io.PipeWriter
		done chan *httptest.ResponseRecorder
	}
	start := func(length int64) req {
		r := signedRequest(t, "POST", "/-/vaults/v1/tags?operation=add", body, now, nil, "")
		pr, pw := io.Pipe()
		r.Body, r.ContentLength = pr, length
		q := req{pw: pw, done: make(chan *httptest.ResponseRecorder, 1)}
		go func() { q.done <- serveWith(h, r) }()
		return q
	}
	// reading reports whether the handler holds q's body open: it either
	// reads a first byte, or answers without reading.
	reading := func(q req) bool {
		wrote := make(chan error, 1)
		go func() { _, err := q.pw.Write([]byte(body[:1])); wrote <- err }()
		select {
		case err := <-wrote:
			must(t, err)
			return true
		case w := <-q.done:
			wantError(t, w, 400, "ThrottlingException", "retry")
			q.pw.Close()
			return false
		}
	}
	var held []req
	refused := 0
	// Unsized bodies reserve the whole limit; 3 fit.
	for range 5 {
		if q := start(-1); reading(q) {
			held = append(held, q)
		} else {
			refused++
		}
	}
	eq(t, "unsized bodies read at once", len(held), budget/limit)
	eq(t, "refused", refused, 5-budget/limit)

	// Finishing one frees its reservation for the next.
	io.WriteString(held[0].pw, body[1:])
	held[0].pw.Close()
	eq(t, "status", (<-held[0].done).Code, 204)
	held = held[1:]
	q := start(int64(len(body)))
	if !reading(q) {
		t.Fatal("a freed reservation was not reusable")
	}
	held = append(held, q)
	// A sized body reserves its size: 300 - 2*100 - 18 leaves 82.
	refusedBig := !reading(start(limit))
	small := start(int64(len(body)))
	if !refusedBig || !reading(small) {
		t.Errorf("sized reservations: a body of %d refused %v, one of %d not refused", limit, refusedBig, len(body))
	}
	held = append(held, small)
	for _, q := range held {
		io.WriteString(q.pw, body[1:])
		q.pw.Close()
		eq(t, "status", (<-q.done).Code, 204)
	}
	eq(t, "budget left", h.(*handler).preAuth.left.Load(), int64(budget))
}

// setUploadHashes sets the checksum headers an upload of body must carry.
func setUploadHashes[B string | []byte](r *http.Request, body B) {
	r.Header.Set("X-Amz-Content-Sha256", sha256Hex(string(body)))
	r.Header.Set("X-Amz-Sha256-Tree-Hash", testkit.TreeHashHex([]byte(body)))
}
