package job

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/firnstore/firn"
	"github.com/oklog/ulid/v2"
)

// Entry is one archive of an inventory. Its byte slices are buffers that
// whatever fills the entry reuses for the next archive it reads into it,
// so that a scan of a vault allocates nothing per archive: a member kept
// past that is copied.
type Entry struct {
	// ArchiveID is the ID the archive is known by; Key is the key it is
	// stored and listed under, the same for all but imported archives.
	ArchiveID   []byte
	Key         ulid.ULID
	Description []byte
	Created     time.Time
	Size        int64
	TreeHash    []byte
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
	line   []byte // the entry being written, reused
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
		iw.write([]byte("ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash\n"))
		return iw
	}
	b := append(iw.line[:0], `{"VaultARN":`...)
	b = appendJSONString(b, vaultARN)
	b = append(b, `,"InventoryDate":`...)
	b = appendJSONString(b, date.UTC().Format(inventoryDateLayout))
	b = append(b, `,"ArchiveList":[`...)
	iw.write(b)
	iw.line = b
	return iw
}

func (iw *InventoryWriter) write(b []byte) {
	if iw.err == nil {
		_, iw.err = iw.w.Write(b)
	}
}

// Add writes one archive.
func (iw *InventoryWriter) Add(e *Entry) error {
	b := iw.line[:0]
	if iw.format == firn.FormatCSV {
		// The service's CSV is not RFC 4180: the description is always
		// quoted and a quote inside it is escaped with a backslash.
		b = append(b, e.ArchiveID...)
		b = append(b, `,"`...)
		for i := range len(e.Description) {
			if c := e.Description[i]; c == '"' {
				b = append(b, '\\', '"')
			} else {
				b = append(b, c)
			}
		}
		b = append(b, `",`...)
		b = appendCreationDate(b, e.Created)
		b = append(b, ',')
		b = strconv.AppendInt(b, e.Size, 10)
		b = append(b, ',')
		b = append(b, e.TreeHash...)
		b = append(b, '\n')
	} else {
		if iw.n > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"ArchiveId":`...)
		b = appendJSONString(b, e.ArchiveID)
		b = append(b, `,"ArchiveDescription":`...)
		b = appendJSONString(b, e.Description)
		b = append(b, `,"CreationDate":"`...)
		b = appendCreationDate(b, e.Created)
		b = append(b, `","Size":`...)
		b = strconv.AppendInt(b, e.Size, 10)
		b = append(b, `,"SHA256TreeHash":"`...)
		b = append(b, e.TreeHash...)
		b = append(b, `"}`...)
	}
	iw.write(b)
	iw.line = b
	iw.n++
	return iw.err
}

// appendCreationDate appends t in UTC as creationDateLayout formats it,
// without the layout's interpretation for the years of four digits.
func appendCreationDate(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, creationDateLayout)
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1e6, 3)
	return append(b, 'Z')
}

// appendDigits appends the n lowest decimal digits of v >= 0.
func appendDigits(b []byte, v, n int) []byte {
	b = append(b, make([]byte, n)...)
	for i := len(b) - 1; i >= len(b)-n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// appendJSONString appends s as encoding/json writes it. Archive IDs and
// descriptions (printable ASCII) take the loop; anything that needs
// escaping goes to encoding/json.
func appendJSONString[S string | []byte](b []byte, s S) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(string(s)) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Close finishes the inventory and flushes it.
func (iw *InventoryWriter) Close() error {
	if iw.format != firn.FormatCSV {
		iw.write([]byte("]}"))
	}
	if iw.err == nil {
		iw.err = iw.w.Flush()
	}
	return iw.err
}
