package migrate

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// Report is the outcome of a run.
type Report struct {
	Account string `json:"account"`
	Vault   string `json:"vault"`
	// InventoryDate is the date of the inventory the run copied.
	InventoryDate time.Time `json:"inventoryDate"`
	// Plan is what the run set out to retrieve.
	Plan *Plan `json:"plan"`
	// Counts of Results by status, and the bytes copied.
	Copied          int   `json:"copied"`
	Present         int   `json:"present"`
	DeletedAtSource int   `json:"deletedAtSource"`
	Failed          int   `json:"failed"`
	Planned         int   `json:"planned"`
	BytesCopied     int64 `json:"bytesCopied"`
	// JobsRequested counts the jobs this run requested (re-requests of
	// expired outputs included); JobsAdopted those it found requested.
	JobsRequested int `json:"jobsRequested"`
	JobsAdopted   int `json:"jobsAdopted"`
	// Notifications counts the messages of Options.Queue the run handled
	// and deleted: completions of its jobs. NotificationsMalformed counts
	// the distinct messages it received that are not job notifications,
	// left in the queue.
	Notifications          int `json:"notifications,omitempty"`
	NotificationsMalformed int `json:"notificationsMalformed,omitempty"`
	// Results has one entry per archive of the inventory, in creation
	// order. An archive a canceled run did not get to has no Status.
	Results []Result `json:"results"`
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteCSV writes one row per archive, after a header: archive ID,
// description, creation date, size, tree hash, status, location, error.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"ArchiveId", "ArchiveDescription", "CreationDate", "Size", "SHA256TreeHash", "Status", "Location", "Error"})
	for _, res := range r.Results {
		cw.Write([]string{res.ID, res.Description, res.CreationDate.UTC().Format(time.RFC3339Nano),
			strconv.FormatInt(res.Size, 10), res.TreeHash, string(res.Status), res.Location, res.Error})
	}
	cw.Flush()
	return cw.Error()
}
