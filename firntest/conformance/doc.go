// Package conformance is a conformance suite for implementations of the
// Amazon S3 Glacier (vault) API: nearly 200 rules of the service's
// documented behaviour (validation, error codes and messages, limits,
// listings, retrievals and their checksums, vault locks and access
// policies, durability across a restart, and the resource handles of
// package client), each a test written against firn.Glacier alone. Firn runs
// it against its engine, in process and behind its REST endpoint through
// aws-sdk-go-v2; any other implementation can run it too, in the manner of
// testing/fstest.TestFS:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, func(t *testing.T) *conformance.Target {
//			clock := firntest.NewClock(conformance.Start)
//			return &conformance.Target{Glacier: open(t, clock), Clock: clock}
//		})
//	}
//
// The suite moves time with the Target's Clock instead of waiting: the
// implementation must take its time from it. Capabilities that only some
// implementations offer (reopening the same storage, lowered limits,
// observing delivered notifications) are optional fields of Target; the
// rules that need one are skipped without it.
//
// The package depends on neither the engine nor any storage.
package conformance
