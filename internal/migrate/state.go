package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateVersion is the format of the state file; a file of another version
// is refused rather than misread.
const stateVersion = 1

// state is what a run keeps in Options.StatePath: the inventory it took and
// the jobs in flight, so that a rerun requests nothing twice.
type state struct {
	Version int    `json:"version"`
	Account string `json:"account"`
	Vault   string `json:"vault"`
	// InventoryJob is the inventory-retrieval job waited for, if any.
	InventoryJob string `json:"inventoryJob,omitempty"`
	// InventoryDate is the date of Inventory, as the source gave it.
	InventoryDate time.Time `json:"inventoryDate,omitzero"`
	Inventory     []Archive `json:"inventory,omitempty"`
	// Jobs maps archive IDs to the retrieval job requested for them.
	Jobs map[string]string `json:"jobs,omitempty"`
}

// loadState reads the state file at path; a missing file is an empty
// state. A state of another vault is an error: the file is someone else's.
func loadState(path, account, vault string) (*state, error) {
	st := &state{Version: stateVersion, Account: account, Vault: vault, Jobs: map[string]string{}}
	if path == "" {
		return st, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("migrate: reading state: %w", err)
	}
	var got state
	if err := json.Unmarshal(b, &got); err != nil {
		return nil, fmt.Errorf("migrate: state file %s: %w", path, err)
	}
	switch {
	case got.Version != stateVersion:
		return nil, fmt.Errorf("migrate: state file %s: version %d, want %d", path, got.Version, stateVersion)
	case got.Account != account || got.Vault != vault:
		return nil, fmt.Errorf("migrate: state file %s is for vault %q of account %q, not %q of %q", path, got.Vault, got.Account, vault, account)
	}
	if got.Jobs == nil {
		got.Jobs = map[string]string{}
	}
	return &got, nil
}

// save replaces the state file atomically: a temporary file beside it,
// synced, renamed over it, and the directory synced.
func (st *state) save(path string) error {
	if path == "" {
		return nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("migrate: saving state: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("migrate: saving state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("migrate: saving state: %w", err)
		}
	}
	return nil
}
