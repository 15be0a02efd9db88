package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
)

func (a *app) scrubCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scrub",
		Short: "Re-read every stored byte of a data directory and report damage",
		Long: `scrub re-reads every chunk of every archive, multipart part and job output in
the data directory, checks its CRC-32C and SHA-256 tree-hash leaf, and checks
each archive's tree hash against the one recorded at upload. It repairs and
changes nothing; it reads as much as the whole data directory holds.

Each damaged record is printed on its own line: the vault, the archive (or
upload part, or job), the segment (its file is blobs/*/*/SEGMENT.seg) and
the 1 MiB chunk. Damage makes the exit status 3.

scrub works on a data directory (--data), not on an endpoint. A running
'firn serve' holds its data directory: stop it first.`,
		Example: `  firn scrub --data ./firn-data
  firn scrub --data ./firn-data --json`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if a.endpoint != "" {
				return usagef("scrub works on a data directory (--data), not on an endpoint")
			}
			e, err := a.openEngine(slog.New(slog.DiscardHandler))
			if err != nil {
				return err
			}
			a.closer = e.Close
			a.note("scrubbing %s", absPath(a.dataDir))
			r, err := e.Scrub(cmd.Context())
			if err != nil {
				return localErr(fmt.Errorf("scrub stopped: %w", err), "")
			}
			r.Damaged = orEmpty(r.Damaged)
			err = a.print(r, func(w io.Writer) error {
				for _, d := range r.Damaged {
					if _, err := fmt.Fprintln(w, d); err != nil {
						return err
					}
				}
				_, err := fmt.Fprintf(w, "%d segment(s) intact (%s), %d damaged\n", r.Segments, humanBytes(r.Bytes), len(r.Damaged))
				return err
			})
			if err != nil {
				return err
			}
			if len(r.Damaged) > 0 {
				return localErr(fmt.Errorf("scrub found %d damaged segment(s)", len(r.Damaged)),
					"the records listed cannot be read back whole; restore those archives from another copy")
			}
			return nil
		}),
	}
}
