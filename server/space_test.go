package server

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestUploadRefusedByContentLength checks that an upload whose
// Content-Length would take the engine's free space below its reserve is
// refused with ServiceUnavailableException before its body is read, while
// one that fits is stored.
func TestUploadRefusedByContentLength(t *testing.T) {
	const reserve = 8 << 20
	e, err := engine.Open("d", &engine.Options{FS: vfs.NewMem(), FreeSpaceReserve: reserve,
		FreeSpace: func(string) (int64, error) { return reserve + 1<<20, nil }})
	must(t, err)
	defer e.Close()
	_, err = e.CreateVault(context.Background(), &firn.CreateVaultInput{VaultName: "v"})
	must(t, err)
	h := New(e, Options{Logger: quiet})

	big := make([]byte, 2<<20)
	body := &countingReader{r: bytes.NewReader(big)}
	r := rawRequest("POST", "/-/vaults/v/archives", body)
	r.ContentLength = 2 << 20
	setUploadHashes(r, big)
	w := serveWith(h, r)
	wantError(t, w, 500, "ServiceUnavailableException", "Options.FreeSpaceReserve")
	eq(t, "bytes of the refused body read", body.n, 0)

	small := make([]byte, 512<<10)
	r = rawRequest("POST", "/-/vaults/v/archives", bytes.NewReader(small))
	r.ContentLength = 512 << 10
	setUploadHashes(r, small)
	eq(t, "status of an upload that fits", serveWith(h, r).Code, 201)
}
