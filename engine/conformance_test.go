package engine_test

import (
	"testing"

	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/firntest/conformance"
	"github.com/firnstore/firn/internal/enginetarget"
	"github.com/firnstore/firn/internal/miniotest"
)

// TestConformance runs the conformance suite against the engine, in
// process.
func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) *conformance.Target {
		return enginetarget.New(t, engine.Options{})
	})
}

// TestConformanceConfiguredAccount runs the suite against an engine whose
// own account and region are not the defaults, so that nothing depends on
// 000000000000 or us-east-1 being hard-wired. The costliest rules, which do
// not depend on names, run only once, in TestConformance.
func TestConformanceConfiguredAccount(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite a second time")
	}
	conformance.Run(t, func(t *testing.T) *conformance.Target {
		return enginetarget.New(t, engine.Options{AccountID: "210987654321", Region: "eu-west-1"})
	}, "Reopen/StateMachine", "Vault/CreateVault/Limit1000", "Archive/Upload/TreeHashVectors", "Archive/ReadBack", "Archive/Concurrency")
}

// TestConformanceShared runs the suite against an engine whose metadata is
// in PostgreSQL and whose archive bytes are in MinIO, as engines sharing
// one state run.
func TestConformanceShared(t *testing.T) {
	c := miniotest.Start(t)
	conformance.Run(t, func(t *testing.T) *conformance.Target {
		return enginetarget.NewShared(t, engine.Options{}, c)
	})
}
