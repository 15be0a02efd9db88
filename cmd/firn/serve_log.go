package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/firnstore/firn/server"
)

// newLogger returns serve's logger: --log-format text or json, at level.
func newLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	o := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, usagef("--log-format %q: use text or json", format)
}

// accessLog logs one line per request at info level, with the fields of
// server.RequestInfo, which holds no secrets, signatures or queries.
func accessLog(log *slog.Logger) func(*server.RequestInfo) {
	return func(i *server.RequestInfo) {
		log.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("request_id", i.RequestID),
			slog.String("operation", i.Operation),
			slog.String("method", i.Method),
			slog.String("path", i.Path),
			slog.String("account", i.AccountID),
			slog.String("vault", i.VaultName),
			slog.Int("status", i.Status),
			slog.String("error_code", i.ErrorCode),
			slog.Int64("bytes_received", i.BytesReceived),
			slog.Int64("bytes_sent", i.BytesSent),
			slog.Duration("duration", i.Duration),
			slog.Bool("tls", i.TLS),
			slog.Bool("aborted", i.Aborted))
	}
}
