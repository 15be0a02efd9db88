package client_test

import (
	"context"
	"io"
	"testing"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/client"
	"github.com/firnstore/firn/internal/testkit"
)

// sizedZeros is an io.ReaderAt and io.Seeker of size zero bytes that holds
// no memory.
type sizedZeros struct {
	size, off int64
}

func (z *sizedZeros) ReadAt(p []byte, off int64) (int, error) {
	if off >= z.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), z.size-off))
	clear(p[:n])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (z *sizedZeros) Read(p []byte) (int, error) {
	n, err := z.ReadAt(p, z.off)
	z.off += int64(n)
	return n, err
}

func (z *sizedZeros) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += z.off
	case io.SeekEnd:
		offset += z.size
	}
	z.off = offset
	return offset, nil
}

// initiateOnly records the part size of InitiateMultipartUpload and fails
// it; it has no other operation.
type initiateOnly struct {
	firn.Glacier
	partSize int64
}

func (g *initiateOnly) InitiateMultipartUpload(_ context.Context, in *firn.InitiateMultipartUploadInput) (*firn.InitiateMultipartUploadOutput, error) {
	g.partSize = in.PartSize
	return nil, firn.Errorf(firn.CodeServiceUnavailable, "recorded")
}

// TestUploaderPartSizeFits checks that the part size of a body of known size
// grows to keep within 10,000 parts.
func TestUploaderPartSizeFits(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		partSize, size, want int64
	}{
		{mib, 10_000 * mib, mib},
		{mib, 10_000*mib + 1, 2 * mib},
		{mib, 20_000*mib + 1, 4 * mib},
		{0, 80_000 * mib, 8 * mib},
		{0, 80_000*mib + 1, 16 * mib},
		{4 << 30, 10_000 * (4 << 30), 4 << 30},
	} {
		g := &initiateOnly{}
		u := &client.Uploader{PartSize: tc.partSize}
		_, err := u.Upload(t.Context(), client.NewAccount(g, "").Vault("v"), &sizedZeros{size: tc.size}, "")
		if firn.CodeOf(err) != firn.CodeServiceUnavailable || g.partSize != tc.want {
			t.Errorf("PartSize %d, body of %d bytes: initiated with part size %d (%v), want %d", tc.partSize, tc.size, g.partSize, err, tc.want)
		}
	}
	g := &initiateOnly{}
	_, err := (&client.Uploader{}).Upload(t.Context(), client.NewAccount(g, "").Vault("v"), &sizedZeros{size: 10_000*(4<<30) + 1}, "")
	testkit.WantError(t, err, firn.ErrInvalidParameterValue, "Body", "10000 parts")
	if g.partSize != 0 {
		t.Errorf("a body too large for 10,000 parts initiated an upload")
	}
}
