// Package multipart holds the rules of Glacier multipart uploads as plain
// values and pure functions: part sizes, Content-Range parsing, the upload
// lifecycle and the checks of completion. It does no I/O and reads no clock:
// every transition takes the time as an argument. Every rule returns a
// *firn.Error whose message names the offending field.
//
// An upload is a state machine:
//
//	InProgress --Complete--> Completed
//	InProgress --Abort-----> Aborted
//	InProgress --Expire----> Expired   (no activity for InactivityLimit)
//
// Completing a Completed upload again with the same arguments, and aborting
// an Aborted one, succeed without changing it. A terminal upload is kept for
// Retention so that such repeats are recognised, and is then forgotten: from
// then on its ID is unknown.
package multipart
