package blob_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn/internal/blob"
	"github.com/oklog/ulid/v2"
)

func Example() {
	s, err := blob.Open(vfs.NewMem(), "blobs", nil)
	if err != nil {
		log.Fatal(err)
	}

	// Write a segment: the bytes are durable once Commit returns.
	id := blob.ID(ulid.MustParse("01J0000000000000000000SEG1"))
	w, err := s.Create(id)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := io.Copy(w, strings.NewReader("hello, glacier")); err != nil {
		w.Abort()
		log.Fatal(err)
	}
	info, err := w.Commit()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.ID, info.Size, len(info.Leaves))

	// Read a range back.
	r, err := s.Open(id)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	rr, err := r.NewRangeReader(7, 7)
	if err != nil {
		log.Fatal(err)
	}
	defer rr.Close()
	if _, err := io.Copy(os.Stdout, rr); err != nil {
		log.Fatal(err)
	}
	fmt.Println()
	// Output:
	// 01J0000000000000000000SEG1 14 1
	// glacier
}
