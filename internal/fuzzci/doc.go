// Package fuzzci holds the test that runs every fuzz target of the module
// for a bounded time, so that continuous integration, which runs only
// "go test ./...", also fuzzes. It has no API.
//
// TestFuzzTargets finds the targets by scanning the module's test files for
// functions FuzzXxx(*testing.F), so a new target is fuzzed without being
// registered anywhere, and runs each with
//
//	go test -run=^$ -fuzz=^FuzzXxx$ -fuzztime=$FIRN_FUZZTIME ./pkg
//
// It runs when CI is "true" or FIRN_FUZZ is set, and skips otherwise.
// FIRN_FUZZTIME is a duration or an iteration count such as "500x" per
// target; by default the targets share 150 seconds, 3 to 10 seconds each. An input that makes a target fail is written by the go command to
// the package's testdata/fuzz/FuzzXxx directory, where it stays a regression
// test that every later "go test" runs once committed.
package fuzzci
