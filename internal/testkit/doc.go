// Package testkit holds the tools that Firn's own tests share: a fake clock
// (exported to users as firntest.Clock), a tree-hash oracle written from the
// specification independently of package treehash, the test-vector bytes,
// and the list of operations of firn.Glacier.
//
// It imports neither the engine nor any storage, so that every package's
// tests, the engine's internal ones included, can use it.
package testkit
