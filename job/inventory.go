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
// format. It gathers rows in a buffer it reuses and writes them about
// 64 KiB at a time.
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

// appendCreationDate appends t in UTC as creationDateLayout formats it.
// A date of 1970 to 9999, as creation dates are, is computed from the Unix
// time, without time's general conversion; the others go to
// time.Time.AppendFormat.
func appendCreationDate(b []byte, t time.Time) []byte {
	unix := t.Unix()
	if unix < 0 || unix >= year10000 {
		return t.UTC().AppendFormat(b, creationDateLayout)
	}
	year, month, day := civilDate(uint64(unix) / 86400)
	sec := int(uint64(unix) % 86400)
	ms := t.Nanosecond() / 1e6
	d := [len(creationDateLayout)]byte{4: '-', 7: '-', 10: 'T', 13: ':', 16: ':', 19: '.', 23: 'Z'}
	put2(d[0:], year/100)
	put2(d[2:], year%100)
	put2(d[5:], month)
	put2(d[8:], day)
	put2(d[11:], sec/3600)
	put2(d[14:], sec/60%60)
	put2(d[17:], sec%60)
	d[20] = byte('0' + ms/100)
	put2(d[21:], ms%100)
	return append(b, d[:]...)
}

// year10000 is the Unix time of 10000-01-01T00:00:00Z.
const year10000 = 253402300800

// civilDate returns the proleptic Gregorian date of the day days after
// 1970-01-01, by Howard Hinnant's days-to-civil algorithm: its years start
// on March 1, so that the leap day ends them.
func civilDate(days uint64) (year, month, day int) {
	z := days + 719468 // days since 0000-03-01
	era := z / 146097  // 400-year cycles
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153 // month from March, 0..11
	day = int(doy - (153*mp+2)/5 + 1)
	year = int(yoe + era*400)
	if mp < 10 {
		return year, int(mp + 3), day
	}
	return year + 1, int(mp - 9), day
}

// digitPairs holds the two decimal digits of each of 0..99.
const digitPairs = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" + "30313233343536373839" + "40414243444546474849" +
	"50515253545556575859" + "60616263646566676869" + "70717273747576777879" + "80818283848586878889" + "90919293949596979899"

// put2 puts the two decimal digits of 0 <= v < 100 at d[0:2].
func put2(d []byte, v int) {
	d[0], d[1] = digitPairs[2*v], digitPairs[2*v+1]
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
