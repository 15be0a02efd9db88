package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/awsglacier"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
)

// TestServeStopsWhenFailed makes a write of the metadata store's log fail
// with ENOSPC under 'firn serve': the server answers writes with
// ServiceUnavailableException and still serves reads, and a SIGTERM, sent
// to the process and caught as main catches it, stops it — it neither
// hangs in the requests nor in closing the data directory — with exit
// status 3 and the failure in its log. Reopened, the directory holds what
// was acknowledged.
func TestServeStopsWhenFailed(t *testing.T) {
	data := t.TempDir()
	var failing atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		// A full disk, for the metadata.
		if failing.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsWrite && op.Kind != errorfs.OpRemove && strings.Contains(op.Path, "/meta/") {
			return fmt.Errorf("%s: %w", op.Path, syscall.ENOSPC)
		}
		return nil
	})
	var out, errb testkit.SyncBuffer
	a := newApp(&out, &errb)
	a.engineFS = errorfs.Wrap(vfs.Default, inj)
	addrs := make(chan string, 1)
	a.onListen = func(addr string) { addrs <- addr }
	ctx, cancel := context.WithCancel(stopContext(context.Background()))
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data}) }()
	var url string
	select {
	case addr := <-addrs:
		url = "http://" + addr
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, errb.String())
	}

	g := awsglacier.NewFromConfig(aws.Config{RetryMaxAttempts: 1}, url)
	if _, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "kept"}); err != nil {
		t.Fatal(err)
	}
	// Requests that hang are cut off, and reported, after a minute.
	call := func(what string, fn func(ctx context.Context) error) error {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		err := fn(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%s hung", what)
		}
		return err
	}
	failing.Store(true)
	for i := range 20 {
		err := call("UploadArchive", func(ctx context.Context) error {
			_, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "kept", Body: strings.NewReader(strings.Repeat("x", 10<<10))})
			return err
		})
		if !errors.Is(err, firn.ErrServiceUnavailable) {
			t.Fatalf("UploadArchive %d on the full disk: %v, want ServiceUnavailableException", i, err)
		}
	}
	failing.Store(false)
	err := call("CreateVault", func(ctx context.Context) error {
		_, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "later"})
		return err
	})
	if !errors.Is(err, firn.ErrServiceUnavailable) {
		t.Fatalf("CreateVault in the failed state: %v, want ServiceUnavailableException", err)
	}
	err = call("DescribeVault", func(ctx context.Context) error {
		_, err := g.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "kept"})
		return err
	})
	if err != nil {
		t.Fatalf("DescribeVault in the failed state: %v", err)
	}

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != exitLocal || !strings.Contains(errb.String(), "metadata store failed") {
			t.Errorf("serve stopped with %d, want %d and the failure logged:\n%s", code, exitLocal, errb.String())
		}
	case <-time.After(2 * shutdownGrace):
		t.Fatalf("serve did not stop after SIGTERM:\n%s", errb.String())
	}

	ctx = context.Background()
	e, err := engine.Open(data, nil)
	if err != nil {
		t.Fatalf("reopening the data directory: %v", err)
	}
	defer e.Close()
	if _, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "kept"}); err != nil {
		t.Fatalf("the acknowledged vault after reopening: %v", err)
	}
	if err := e.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestServeReserveFlags checks that --reserve and --metadata-reserve reach
// the engine: with a reserve larger than any disk, uploads are refused
// while, with --metadata-reserve 0, other writes are not; and that a
// metadata reserve above the upload reserve is a usage error.
func TestServeReserveFlags(t *testing.T) {
	url, stop := startServe(t, "--data", t.TempDir(), "--reserve", "1000TiB", "--metadata-reserve", "0")
	g := awsglacier.NewFromConfig(aws.Config{RetryMaxAttempts: 1}, url)
	ctx := t.Context()
	if _, err := g.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatalf("CreateVault with the metadata reserve off: %v", err)
	}
	_, err := g.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: strings.NewReader("x")})
	var fe *firn.Error
	if !errors.As(err, &fe) || fe.Code != firn.CodeServiceUnavailable || !strings.Contains(fe.Message, "FreeSpaceReserve") {
		t.Fatalf("UploadArchive with --reserve 1000TiB: %v, want the reserve's ServiceUnavailableException", err)
	}
	if res := stop(); res.code != 0 {
		t.Fatalf("serve exited with %d: %s", res.code, res.stderr)
	}

	r := newCLI(t).fails(exitUsage, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--reserve", "1GiB", "--metadata-reserve", "2GiB")
	if !strings.Contains(r.stderr, "--metadata-reserve 2GiB: must not exceed --reserve 1GiB") {
		t.Errorf("a metadata reserve above the reserve: %s", r.stderr)
	}
}
