package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/server"
)

// probeTimeout bounds a readiness probe and the engine's part of a scrape.
const probeTimeout = 10 * time.Second

// adminServer serves --admin-addr: /metrics, /healthz, /readyz and
// /debug/pprof/, on a listener of its own so that the API's clients never
// reach it.
type adminServer struct {
	srv     *http.Server
	addr    string
	metrics *metrics
	served  chan error
}

// startAdmin listens on addr and serves the admin endpoints of eng.
func startAdmin(addr string, eng *engine.Engine, log *slog.Logger) (*adminServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, localErr(err, "pick another --admin-addr, or stop what is listening there")
	}
	m := newMetrics(eng)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
		defer cancel()
		if err := eng.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	a := &adminServer{srv: server.NewHTTPServer(addr, mux), addr: ln.Addr().String(), metrics: m, served: make(chan error, 1)}
	a.srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	go func() { a.served <- a.srv.Serve(ln) }()
	return a, nil
}

// close stops the admin server; a profile or scrape in flight is cut off.
func (a *adminServer) close() error {
	a.srv.Close()
	if err := <-a.served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// metrics are the Prometheus metrics of one serve.
type metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	received, sent *prometheus.CounterVec
}

// newMetrics registers the request metrics, eng's gauges and the Go
// runtime's and process's collectors.
func newMetrics(eng *engine.Engine) *metrics {
	op := []string{"operation"}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firn_requests_total",
			Help: `Glacier API requests answered, by operation ("unknown" before routing) and error code ("OK" for a success).`,
		}, []string{"operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "firn_request_duration_seconds",
			Help: "Time from a request's arrival to the end of its answer, by operation.",
			// Up to 5 minutes: an upload or download of gigabytes.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, op),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firn_received_bytes_total",
			Help: "Request body bytes read, by operation.",
		}, op),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firn_sent_bytes_total",
			Help: "Response body bytes written, by operation.",
		}, op),
	}
	m.reg.MustRegister(m.requests, m.duration, m.received, m.sent, engineCollector{eng},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe counts one answered request.
func (m *metrics) observe(info *server.RequestInfo) {
	op, code := info.Operation, info.ErrorCode
	if op == "" {
		op = "unknown"
	}
	if code == "" {
		code = "OK"
	}
	m.requests.WithLabelValues(op, code).Inc()
	m.duration.WithLabelValues(op).Observe(info.Duration.Seconds())
	m.received.WithLabelValues(op).Add(float64(info.BytesReceived))
	m.sent.WithLabelValues(op).Add(float64(info.BytesSent))
}

// The engine's gauges, read from engine.Stats at each scrape.
var (
	jobsDesc = prometheus.NewDesc("firn_jobs",
		"Jobs not expired, by action and status.", []string{"action", "status"}, nil)
	dueTimersDesc = prometheus.NewDesc("firn_due_timers",
		"Timers due and not run yet (job completions and expiries, upload and lock expiries, notifications); near 0 unless the engine falls behind.", nil, nil)
	pendingDesc = prometheus.NewDesc("firn_pending_notifications",
		"Job-completion notifications not delivered yet, due or waiting for a retry.", nil, nil)
	freeDesc = prometheus.NewDesc("firn_free_bytes",
		"Free space of the data directory's file system, as the free-space reserves see it; absent when the engine measures none.", nil, nil)
	reserveDesc = prometheus.NewDesc("firn_free_space_reserve_bytes",
		"Free space that uploads must leave (--reserve); 0 when off.", nil, nil)
	metaReserveDesc = prometheus.NewDesc("firn_metadata_free_space_reserve_bytes",
		"Free space below which writes other than deletes are refused (--metadata-reserve); 0 when off.", nil, nil)
)

// engineCollector is a prometheus.Collector of the engine's gauges.
type engineCollector struct{ eng *engine.Engine }

func (c engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{jobsDesc, dueTimersDesc, pendingDesc, freeDesc, reserveDesc, metaReserveDesc} {
		ch <- d
	}
}

func (c engineCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	st, err := c.eng.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	gauge := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	// Every action and status, so that a series drops to 0 rather than
	// vanishing.
	for _, a := range []firn.ActionCode{firn.ActionArchiveRetrieval, firn.ActionInventoryRetrieval, firn.ActionSelect} {
		for _, s := range []firn.StatusCode{firn.StatusInProgress, firn.StatusSucceeded, firn.StatusFailed} {
			gauge(jobsDesc, int64(st.Jobs[engine.JobKind{Action: a, Status: s}]), string(a), string(s))
		}
	}
	gauge(dueTimersDesc, int64(st.DueTimers))
	gauge(pendingDesc, int64(st.PendingNotifications))
	if st.FreeBytes >= 0 {
		gauge(freeDesc, st.FreeBytes)
	}
	gauge(reserveDesc, st.FreeSpaceReserve)
	gauge(metaReserveDesc, st.MetadataFreeSpaceReserve)
}
