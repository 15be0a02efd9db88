package job

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/firnstore/firn"
)

// Entry is one archive of an inventory.
type Entry struct {
	ArchiveID   string
	Description string
	Created     time.Time
	Size        int64
	TreeHash    string
}

// Match reports whether e passes the filter's dates.
func (f *Filter) Match(e *Entry) bool {
	return (f.Start.IsZero() || !e.Created.Before(f.Start)) && (f.End.IsZero() || e.Created.Before(f.End))
}

// InventoryWriter streams an inventory in the service's JSON or CSV
// format. It holds one entry at a time.
type InventoryWriter struct {
	w      *bufio.Writer
	format string
	n      int
	err    error
}

// Date formats of the inventory, as the service writes them.
const (
	inventoryDateLayout = "2006-01-02T15:04:05Z"
	creationDateLayout  = "2006-01-02T15:04:05.000Z"
)

// NewInventoryWriter starts an inventory of the vault vaultARN taken at
// date, in format (firn.FormatJSON or firn.FormatCSV), written to w.
func NewInventoryWriter(w io.Writer, format, vaultARN string, date time.Time) *InventoryWriter {
	iw := &InventoryWriter{w: bufio.NewWriterSize(w, 64<<10), format: format}
	if format == firn.FormatCSV {
		iw.write("ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash\n")
		return iw
	}
	iw.write(`{"VaultARN":`)
	iw.writeJSON(vaultARN)
	iw.write(`,"InventoryDate":`)
	iw.writeJSON(date.UTC().Format(inventoryDateLayout))
	iw.write(`,"ArchiveList":[`)
	return iw
}

func (iw *InventoryWriter) write(s string) {
	if iw.err == nil {
		_, iw.err = iw.w.WriteString(s)
	}
}

func (iw *InventoryWriter) writeJSON(s string) {
	b, err := json.Marshal(s)
	if err != nil && iw.err == nil {
		iw.err = err
	}
	if iw.err == nil {
		_, iw.err = iw.w.Write(b)
	}
}

// Add writes one archive.
func (iw *InventoryWriter) Add(e *Entry) error {
	created := e.Created.UTC().Format(creationDateLayout)
	size := strconv.FormatInt(e.Size, 10)
	if iw.format == firn.FormatCSV {
		// The service's CSV is not RFC 4180: the description is always
		// quoted and a quote inside it is escaped with a backslash.
		iw.write(e.ArchiveID + `,"` + strings.ReplaceAll(e.Description, `"`, `\"`) + `",` + created + "," + size + "," + e.TreeHash + "\n")
	} else {
		if iw.n > 0 {
			iw.write(",")
		}
		iw.write(`{"ArchiveId":`)
		iw.writeJSON(e.ArchiveID)
		iw.write(`,"ArchiveDescription":`)
		iw.writeJSON(e.Description)
		iw.write(`,"CreationDate":"` + created + `","Size":` + size + `,"SHA256TreeHash":"` + e.TreeHash + `"}`)
	}
	iw.n++
	return iw.err
}

// Close finishes the inventory and flushes it.
func (iw *InventoryWriter) Close() error {
	if iw.format != firn.FormatCSV {
		iw.write("]}")
	}
	if iw.err == nil {
		iw.err = iw.w.Flush()
	}
	return iw.err
}
