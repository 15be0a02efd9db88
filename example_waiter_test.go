package firn_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
)

// Waiters poll until a condition holds, every 3 seconds and 15 times by
// default, as the reference's vault_exists waiter does. They work the same
// over any firn.Glacier; here, an in-memory engine.
func ExampleWaitUntilVaultExists() {
	ctx := context.Background()
	e, err := engine.Open("firn", &engine.Options{FS: vfs.NewMem(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	created := make(chan error)
	go func() {
		_, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "late"})
		created <- err
	}()

	err = firn.WaitUntilVaultExists(ctx, e, &firn.DescribeVaultInput{VaultName: "late"},
		&firn.WaiterOptions{Delay: 10 * time.Millisecond, MaxAttempts: 500})
	fmt.Println(err, <-created)
	// Output:
	// <nil> <nil>
}
