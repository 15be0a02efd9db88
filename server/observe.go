package server

import (
	"io"
	"net/http"
	"time"
)

// RequestInfo describes one answered request, for access logs and metrics
// (see [Options].Observe). It holds no credentials, signatures, headers or
// query strings, which may carry them.
type RequestInfo struct {
	// RequestID is the x-amzn-RequestId the response carried.
	RequestID string
	// Operation is the Glacier operation the request was routed to, as the
	// API names it ("UploadArchive", "AddTagsToVault"), or "" for a
	// request answered before it was routed: one that failed
	// authentication or the API version check, or matched no operation.
	Operation string
	// Method is the request method, and Path its path as sent, still
	// percent-encoded, without the query.
	Method, Path string
	// AccountID and VaultName are the account and vault of the routed
	// path; on a signed request the account "-" is resolved to the
	// signing key's. Both are "" before routing, and VaultName for
	// operations on no vault.
	AccountID, VaultName string
	// Status is the HTTP status of the response.
	Status int
	// ErrorCode is the code of an error response
	// ("ResourceNotFoundException"), "" for a success.
	ErrorCode string
	// BytesReceived counts the bytes of the request body the handler read;
	// BytesSent the bytes of the response body written.
	BytesReceived, BytesSent int64
	// Duration is the time from the request's arrival at the handler to
	// its answer's end, by the system clock.
	Duration time.Duration
	// TLS reports whether the request arrived over TLS on this server.
	TLS bool
	// Aborted reports that the handler broke the connection mid-response
	// (a job output that failed after its status line was sent).
	Aborted bool
}

// observer collects the RequestInfo of one call.
type observer struct {
	h     *handler
	c     *call
	start time.Time
	w     *countingWriter
	body  *readCounter
}

// observe starts observing c: it counts what c's body and response
// writer carry from then on.
func (h *handler) observe(c *call) *observer {
	o := &observer{h: h, c: c, start: h.netClock.Now(), w: &countingWriter{ResponseWriter: c.w}}
	c.w = o.w
	if c.r.Body != nil {
		o.body = &readCounter{ReadCloser: c.r.Body}
		c.r.Body = o.body
	}
	return o
}

// done reports the call to Options.Observe; answered is false when the
// handler is panicking, which breaks the connection.
func (o *observer) done(answered bool) {
	c := o.c
	info := &RequestInfo{
		RequestID: c.id,
		Operation: c.op,
		Method:    c.r.Method,
		Path:      wirePath(c.r),
		AccountID: c.account,
		VaultName: c.vault,
		Status:    o.w.status,
		ErrorCode: c.errCode,
		BytesSent: o.w.n,
		Duration:  o.h.netClock.Now().Sub(o.start),
		TLS:       c.r.TLS != nil,
		Aborted:   !answered,
	}
	if info.Status == 0 {
		// net/http answers 200 for a handler that writes nothing.
		info.Status = http.StatusOK
	}
	if o.body != nil {
		info.BytesReceived = o.body.n
	}
	o.h.observer(info)
}

// countingWriter records the status and counts the body bytes written
// through it.
type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Unwrap gives http.ResponseController the underlying writer, for
// flushes and read deadlines.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// readCounter counts the bytes read from a request body.
type readCounter struct {
	io.ReadCloser
	n int64
}

func (b *readCounter) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}
