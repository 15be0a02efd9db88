package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/testkit"
)

func openCadence(t *testing.T, fs vfs.FS, clock *testkit.Clock) *engine.Engine {
	t.Helper()
	e, err := engine.Open("d", &engine.Options{FS: fs, Clock: clock, InventoryInterval: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func inventoryList(t *testing.T, e *engine.Engine) (date string, ids []string, err error) {
	t.Helper()
	ctx := context.Background()
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
	if err != nil {
		return "", nil, err
	}
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(out.Body)
	out.Body.Close()
	var inv struct {
		InventoryDate string
		ArchiveList   []struct{ ArchiveId string }
	}
	if err := json.Unmarshal(body, &inv); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	for _, a := range inv.ArchiveList {
		ids = append(ids, a.ArchiveId)
	}
	return inv.InventoryDate, ids, nil
}

// TestInventoryCadence checks the service-like inventory mode: counts,
// LastInventoryDate, inventory jobs and DeleteVault follow the last
// inventory, taken daily after changes.
func TestInventoryCadence(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(start)
	e := openCadence(t, fs, clock)
	defer func() {
		if err := e.Check(ctx); err != nil {
			t.Error(err)
		}
		e.Close()
	}()
	describe := func() *firn.DescribeVaultOutput {
		t.Helper()
		d, err := e.DescribeVault(ctx, &firn.DescribeVaultInput{VaultName: "v"})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	if _, _, err := inventoryList(t, e); !errors.Is(err, firn.ErrResourceNotFound) {
		t.Fatalf("inventory job before the first inventory: %v", err)
	}
	a, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("one"))})
	if err != nil {
		t.Fatal(err)
	}
	if d := describe(); d.NumberOfArchives != 0 || !d.LastInventoryDate.IsZero() {
		t.Errorf("before the first inventory: %+v", d)
	}
	// A vault written to since its last inventory cannot be deleted, even
	// once empty.
	if _, err := e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: a.ArchiveId}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"}); !errors.Is(err, firn.ErrInvalidParameterValue) {
		t.Errorf("DeleteVault of a recently written vault: %v", err)
	}
	b, _ := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("two!"))})
	clock.Advance(25 * time.Hour)
	d := describe()
	if d.NumberOfArchives != 1 || d.SizeInBytes != 4 || !d.LastInventoryDate.Equal(start.Add(24*time.Hour)) {
		t.Errorf("after the first inventory: %+v", d)
	}
	c, _ := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", Body: bytes.NewReader([]byte("three"))})
	if d := describe(); d.NumberOfArchives != 1 {
		t.Errorf("a new archive shows before the next inventory: %+v", d)
	}
	date, ids, err := inventoryList(t, e)
	if err != nil || date != "2026-03-02T12:00:00Z" || len(ids) != 1 || ids[0] != b.ArchiveId {
		t.Errorf("inventory job: %s %v %v", date, ids, err)
	}
	// Survives a reopen.
	e.Close()
	e = openCadence(t, fs, clock)
	if d := describe(); d.NumberOfArchives != 1 {
		t.Errorf("after reopen: %+v", d)
	}
	clock.Advance(24 * time.Hour)
	if d := describe(); d.NumberOfArchives != 2 || d.SizeInBytes != 9 {
		t.Errorf("after the second inventory: %+v", d)
	}
	// No changes: the inventory is not re-dated.
	clock.Advance(72 * time.Hour)
	if d := describe(); !d.LastInventoryDate.Equal(start.Add(48 * time.Hour)) {
		t.Errorf("an unchanged vault's inventory was re-dated: %v", d.LastInventoryDate)
	}
	for _, id := range []string{b.ArchiveId, c.ArchiveId} {
		e.DeleteArchive(ctx, &firn.DeleteArchiveInput{VaultName: "v", ArchiveId: id})
	}
	if _, err := e.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"}); !errors.Is(err, firn.ErrInvalidParameterValue) {
		t.Errorf("DeleteVault before an inventory shows it empty: %v", err)
	}
	clock.Advance(24 * time.Hour)
	if _, err := e.DeleteVault(ctx, &firn.DeleteVaultInput{VaultName: "v"}); err != nil {
		t.Errorf("DeleteVault of a vault empty at its last inventory: %v", err)
	}
}

// TestInventoryAllocsFlat checks that an inventory job's allocations do
// not grow with the vault: one of 2,500 archives, whose descriptions need
// escaping in JSON, allocates about as often as one of 500, in both
// formats, so that its heap stays flat.
func TestInventoryAllocsFlat(t *testing.T) {
	ctx := context.Background()
	e, err := engine.Open("d", &engine.Options{FS: vfs.NewMem(), TickInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"}); err != nil {
		t.Fatal(err)
	}
	var inventoryOnce func(format string) float64
	upload := func(n int) {
		for i := range n {
			if _, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: fmt.Sprintf("archive \"%d\" <&>", i), Body: bytes.NewReader([]byte{byte(i)})}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// AllocsPerRun counts every goroutine's allocations, and the uploads
	// leave Pebble flushing and compacting in the background for a while:
	// the least of five runs is the inventory's own.
	inventory := func(format string) float64 {
		least := math.Inf(1)
		for range 5 {
			least = min(least, inventoryOnce(format))
		}
		return least
	}
	inventoryOnce = func(format string) float64 {
		return testing.AllocsPerRun(1, func() {
			j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval, Format: format}})
			if err != nil {
				t.Fatal(err)
			}
			out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, out.Body); err != nil {
				t.Fatal(err)
			}
			out.Body.Close()
		})
	}
	formats := []string{firn.FormatJSON, firn.FormatCSV}
	small := map[string]float64{}
	upload(500)
	for _, f := range formats {
		inventoryOnce(f) // the first fills pools and caches
		small[f] = inventory(f)
	}
	upload(2000)
	for _, f := range formats {
		inventory(f)
		// 2,000 more archives: far less than one allocation each.
		if large := inventory(f); large > small[f]+200 {
			t.Errorf("%s: %v allocations for an inventory of 500 archives, %v for 2,500", f, small[f], large)
		}
	}
}
