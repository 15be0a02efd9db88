package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/firnstore/firn"
	"github.com/firnstore/firn/engine"
	"github.com/firnstore/firn/internal/store"
	"github.com/firnstore/firn/vault"
)

// TestVersion3ArchiveRecords opens a store of format 3, whose archive
// records are JSON, and finds its archives as they were: inventoried,
// retrieved, checked, beside archives uploaded after the upgrade, in the
// binary records of version 4.
func TestVersion3ArchiveRecords(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	opts := &engine.Options{FS: fs, TickInterval: time.Hour}
	e, err := engine.Open("d", opts)
	if err != nil {
		t.Fatal(err)
	}
	e.CreateVault(ctx, &firn.CreateVaultInput{VaultName: "v"})
	bodies := map[string][]byte{}
	upload := func(desc string, body []byte) {
		t.Helper()
		out, err := e.UploadArchive(ctx, &firn.UploadArchiveInput{VaultName: "v", ArchiveDescription: desc, Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		bodies[out.ArchiveId] = body
	}
	upload("small", []byte("inline bytes"))
	upload(`a "big" one`, bytes.Repeat([]byte{7}, 100<<10))
	before := inventoryEntries(t, e)
	e.Close()

	// Rewrite the store as a version 3 build wrote it.
	db, err := store.Open("d/meta", store.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	var v vault.Record
	db.Scan(store.VaultAll(), store.PrefixEnd(store.VaultAll()), func(_, val []byte) (bool, error) {
		return false, store.DecodeRecord(val, &v)
	})
	b := db.NewBatch()
	n := 0
	err = db.Scan(store.ArchivePrefix(v.ID), store.PrefixEnd(store.ArchivePrefix(v.ID)), func(k, val []byte) (bool, error) {
		var a vault.ArchiveRecord
		if err := store.DecodeRecord(val, &a); err != nil {
			return false, err
		}
		type seg struct {
			ID   [16]byte `json:"id"`
			Size int64    `json:"size"`
		}
		segs := []seg{}
		for _, s := range a.Segments {
			segs = append(segs, seg{s.ID, s.Size})
		}
		v3, err := json.Marshal(map[string]any{"id": [16]byte(a.ID), "description": a.Description, "size": a.Size,
			"treeHash": a.TreeHash, "created": a.Created, "segments": segs})
		if err != nil {
			return false, err
		}
		b.Set(bytes.Clone(k), v3)
		n++
		return true, nil
	})
	if err != nil || n != 2 {
		t.Fatalf("rewrote %d archive records: %v", n, err)
	}
	b.Set(store.FormatKey(), []byte{3})
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	e, err = engine.Open("d", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if got := inventoryEntries(t, e); !slices.Equal(got, before) {
		t.Errorf("inventory of version 3 records\n%+v\nwant\n%+v", got, before)
	}
	upload("after", []byte("new"))
	got := inventoryEntries(t, e)
	if len(got) != 3 || !slices.Equal(got[:2], before) || got[2].ArchiveDescription != "after" {
		t.Errorf("inventory after an upload: %+v", got)
	}
	for id, body := range bodies {
		j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeArchiveRetrieval, ArchiveId: id}})
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(data, body) {
			t.Errorf("archive %s: read %d bytes, want %d", id, len(data), len(body))
		}
	}
	if err := e.Check(ctx); err != nil {
		t.Error(err)
	}
}

type inventoryEntry struct {
	ArchiveId, ArchiveDescription, CreationDate, SHA256TreeHash string
	Size                                                        int64
}

// inventoryEntries returns the archive list of an inventory of vault v.
func inventoryEntries(t *testing.T, e *engine.Engine) []inventoryEntry {
	t.Helper()
	ctx := context.Background()
	j, err := e.InitiateJob(ctx, &firn.InitiateJobInput{VaultName: "v", JobParameters: firn.JobParameters{Type: firn.JobTypeInventoryRetrieval}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.GetJobOutput(ctx, &firn.GetJobOutputInput{VaultName: "v", JobId: j.JobId})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	var inv struct{ ArchiveList []inventoryEntry }
	if err := json.NewDecoder(out.Body).Decode(&inv); err != nil {
		t.Fatal(err)
	}
	return inv.ArchiveList
}
