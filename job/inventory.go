package job

import (
	"bytes"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

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
// format. It writes its rows 64 KiB at a time, to a buffer it reuses.
type InventoryWriter struct {
	w   io.Writer
	csv bool
	n   int
	buf []byte // rows not yet written
	err error
}

// inventoryFlush is the size at which the rows go to the writer; the
// buffer has room for a row past it, so that it does not grow.
const inventoryFlush = 64 << 10

// Date formats of the inventory, as the service writes them.
const (
	inventoryDateLayout = "2006-01-02T15:04:05Z"
	creationDateLayout  = "2006-01-02T15:04:05.000Z"
)

// NewInventoryWriter starts an inventory of the vault vaultARN taken at
// date, in format (firn.FormatJSON or firn.FormatCSV), written to w.
func NewInventoryWriter(w io.Writer, format, vaultARN string, date time.Time) *InventoryWriter {
	iw := &InventoryWriter{w: w, csv: format == firn.FormatCSV, buf: make([]byte, 0, inventoryFlush+16<<10)}
	if iw.csv {
		iw.buf = append(iw.buf, "ArchiveId,ArchiveDescription,CreationDate,Size,SHA256TreeHash\n"...)
		return iw
	}
	b := append(iw.buf, `{"VaultARN":`...)
	b = appendJSONString(b, vaultARN)
	b = append(b, `,"InventoryDate":`...)
	b = appendJSONString(b, date.UTC().Format(inventoryDateLayout))
	iw.buf = append(b, `,"ArchiveList":[`...)
	return iw
}

// Add writes one archive.
func (iw *InventoryWriter) Add(e *Entry) error {
	b := iw.buf
	if iw.csv {
		// The service's CSV is not RFC 4180: the description is always
		// quoted and a quote inside it is escaped with a backslash.
		b = append(b, e.ArchiveID...)
		b = append(b, `,"`...)
		for d := e.Description; ; {
			i := bytes.IndexByte(d, '"')
			if i < 0 {
				b = append(b, d...)
				break
			}
			b = append(b, d[:i]...)
			b = append(b, '\\', '"')
			d = d[i+1:]
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
	iw.buf = b
	iw.n++
	if len(b) >= inventoryFlush {
		iw.flush()
	}
	return iw.err
}

// flush writes the buffered rows, unless a write failed before.
func (iw *InventoryWriter) flush() {
	if iw.err == nil && len(iw.buf) > 0 {
		_, iw.err = iw.w.Write(iw.buf)
	}
	iw.buf = iw.buf[:0]
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

// jsonSafe holds the bytes that encoding/json copies into a string as
// they are: the printable ASCII ones and DEL, but for the quote, the
// backslash and <, > and &, which it escapes for HTML.
var jsonSafe = func() (t [256]bool) {
	for c := byte(' '); c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json quotes it: the bytes
// jsonSafe does not hold escaped (\n, \r, \t, \b, \f, \" and \\ or
// \u00XX), invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendJSONString[S string | []byte](b []byte, s S) []byte {
	b = append(b, '"')
	for {
		n := 0
		for n < len(s) && jsonSafe[s[n]] {
			n++
		}
		b = append(b, s[:n]...)
		if s = s[n:]; len(s) == 0 {
			return append(b, '"')
		}
		if c := s[0]; c < utf8.RuneSelf {
			b = appendJSONEscape(b, c)
			s = s[1:]
			continue
		}
		// Four bytes at most: the conversion stays on the stack.
		r, size := utf8.DecodeRuneInString(string(s[:min(len(s), utf8.UTFMax)]))
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[:size]...)
		}
		s = s[size:]
	}
}

// appendJSONEscape appends the escape of the ASCII byte c.
func appendJSONEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// Close finishes the inventory and flushes it.
func (iw *InventoryWriter) Close() error {
	if !iw.csv {
		iw.buf = append(iw.buf, "]}"...)
	}
	iw.flush()
	return iw.err
}
