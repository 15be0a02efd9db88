package conformance_test

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest"
	"github.com/firnstore/firn/firntest/conformance"
	"github.com/firnstore/firn/server"
)

// An implementation reached at an endpoint URL runs the suite through
// awsglacier. Its server must read the time from the Target's Clock.
// This one checks no signatures, so it takes every call for its account's
// root: the rules of the Authz area, which call as other principals, are
// skipped.
func Example() {
	testServer := func(t *testing.T) {
		conformance.Run(t, func(t *testing.T) *conformance.Target {
			clock := firntest.NewClock(conformance.Start)
			return &conformance.Target{
				Glacier: awsglacier.NewFromConfig(aws.Config{}, startServer(t, clock)),
				Clock:   clock,
			}
		}, "Authz")
	}
	_ = testServer // in a test: func TestServer(t *testing.T)
}

// startServer stands for the server under test: it serves the Glacier REST
// API on fresh storage and on clock, until t ends, and returns its URL.
// Here the server is Firn's own.
func startServer(t *testing.T, clock firn.Clock) string {
	e, err := engine.Open("firn", &engine.Options{FS: vfs.NewMem(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(e, server.Options{}))
	t.Cleanup(func() {
		srv.Close()
		e.Close()
	})
	return srv.URL
}
