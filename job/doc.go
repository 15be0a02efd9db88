// Package job holds the rules of Glacier jobs as plain values and pure
// functions: the validation of InitiateJob parameters, the job state
// machine, completion timing per tier, job descriptions, output byte
// ranges, and the inventory formats.
//
// A job is InProgress until its due time, then Succeeded or Failed; a
// completed job expires 24 hours after completion. Nothing here does I/O or
// reads a clock: the time is always passed in.
//
//	InProgress --Complete(ok)--> Succeeded --Expire--> (gone)
//	InProgress --Complete(err)-> Failed    --Expire--> (gone)
package job
