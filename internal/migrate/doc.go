// Package migrate copies the archives of a Glacier vault (Amazon S3
// Glacier, or any endpoint speaking its API) to a destination, keeping each
// archive's identity: its ID, description, creation date and tree hash. It
// is what `firn migrate` (into a Firn vault) and `firn export` (into an S3
// bucket) run.
package migrate
