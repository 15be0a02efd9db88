// Package testkit holds the tools that Firn's own tests and its exported
// test packages (firntest, firntest/conformance) share: a fake clock
// (exported to users as firntest.Clock), a tree-hash oracle written from the
// specification independently of package treehash, the test-vector bytes,
// the list of operations of firn.Glacier, the generator of forwarders, and
// small checks of calls: a recording Sleep, Collect for listings, WantError
// for the API's errors and Within, which reports a call that hangs instead
// of waiting for it.
//
// It imports neither the engine nor any storage, so that every package's
// tests, the engine's internal ones included, can use it, and so that the
// conformance suite stays independent of the code it checks.
package testkit
