package ctxio_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/firnstore/firn/internal/ctxio"
)

func TestReaderReadsToEOF(t *testing.T) {
	r := ctxio.NewReader(context.Background(), strings.NewReader("body"))
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "body" {
		t.Fatalf("ReadAll = %q, %v; want \"body\", nil", b, err)
	}
	if r.Err() != nil {
		t.Fatalf("Err = %v after EOF; want nil", r.Err())
	}
}

func TestReaderRemembersSourceFailure(t *testing.T) {
	boom := errors.New("boom")
	r := ctxio.NewReader(context.Background(), iotest.ErrReader(boom))
	if _, err := io.ReadAll(r); !errors.Is(err, boom) {
		t.Fatalf("ReadAll error = %v; want %v", err, boom)
	}
	if !errors.Is(r.Err(), boom) {
		t.Fatalf("Err = %v; want %v", r.Err(), boom)
	}
}

func TestReaderStopsWhenContextDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := ctxio.NewReader(ctx, strings.NewReader("body"))
	p := make([]byte, 2)
	if n, err := r.Read(p); n != 2 || err != nil {
		t.Fatalf("Read = %d, %v; want 2, nil", n, err)
	}
	cancel()
	if n, err := r.Read(p); n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("Read after cancel = %d, %v; want 0, context.Canceled", n, err)
	}
	if !errors.Is(r.Err(), context.Canceled) {
		t.Fatalf("Err = %v; want context.Canceled", r.Err())
	}
}
