package csvselect

import (
	"fmt"
	"io"
)

// reader splits an archive into records and fields. Fields are unquoted
// into one reusable buffer, rec, with the end offset of each in ends, so
// that a record costs no allocation once the buffers have grown to the
// widest record.
//
// A field that starts with the quote character is quoted: up to the closing
// quote, delimiters are data, and a doubled quote or the escape character
// followed by a quote stands for a quote (the escape character followed by
// itself stands for itself). Text after the closing quote, up to the next
// delimiter, is kept as is. A record starting with the comment character
// is skipped up to the record delimiter, and so are empty lines.
type reader struct {
	r        io.Reader
	f        *inputFormat
	buf      []byte
	pos, end int
	rerr     error // the error that ended reading, io.EOF at the end

	special [256]bool // bytes that end an unquoted run

	rec     []byte
	ends    []int
	records int64 // records returned so far, the current one included

	nread    int64 // bytes read from r
	consumed int64 // bytes parsed before the current buffer
}

// processed is the number of input bytes parsed so far.
func (rd *reader) processed() int64 { return rd.consumed + int64(rd.pos) }

func newReader(r io.Reader, f *inputFormat) *reader {
	rd := &reader{r: r, f: f, buf: make([]byte, 64<<10)}
	rd.special[f.field] = true
	rd.special[f.record[0]] = true
	return rd
}

// fill reads more input after the buffer is used up. It reports false at
// the end of the input or on a read error, kept in rerr.
func (rd *reader) fill() bool {
	if rd.rerr != nil {
		return false
	}
	rd.consumed += int64(rd.pos)
	rd.pos, rd.end = 0, 0
	for range 100 {
		n, err := rd.r.Read(rd.buf)
		rd.end = n
		rd.nread += int64(n)
		if err != nil {
			rd.rerr = err
		}
		if n > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
	rd.rerr = io.ErrNoProgress
	return false
}

// peek returns the next byte without consuming it; ok is false at the end
// of the input.
func (rd *reader) peek() (byte, bool) {
	if rd.pos == rd.end && !rd.fill() {
		return 0, false
	}
	return rd.buf[rd.pos], true
}

// atRecordDelimiter reports whether the input continues with the record
// delimiter, and consumes it if so. It is called with the delimiter's first
// byte next.
func (rd *reader) atRecordDelimiter() bool {
	d := rd.f.record
	rd.pos++
	if len(d) == 1 {
		return true
	}
	if c, ok := rd.peek(); ok && c == d[1] {
		rd.pos++
		return true
	}
	// The first byte alone is data: put it back in the stream. The buffer
	// may have been refilled, so it goes into rec by the caller.
	return false
}

// next reads the next record into rec and ends. It returns io.EOF after the
// last record, a *RuntimeError for malformed data and read errors wrapped.
func (rd *reader) next() error {
	for {
		c, ok := rd.peek()
		if !ok {
			return rd.endErr()
		}
		if rd.f.comment != 0 && c == rd.f.comment {
			if err := rd.skipLine(); err != nil {
				return err
			}
			continue
		}
		rd.records++
		blank, err := rd.record()
		if err != nil {
			return err
		}
		if !blank {
			return nil
		}
		rd.records--
	}
}

func (rd *reader) endErr() error {
	if rd.rerr == io.EOF {
		return io.EOF
	}
	return fmt.Errorf("csvselect: reading archive: %w", rd.rerr)
}

// skipLine consumes input through the next record delimiter.
func (rd *reader) skipLine() error {
	for {
		c, ok := rd.peek()
		if !ok {
			if rd.rerr == io.EOF {
				return nil
			}
			return rd.endErr()
		}
		if c == rd.f.record[0] {
			if rd.atRecordDelimiter() {
				return nil
			}
			continue
		}
		rd.pos++
	}
}

// record parses one record. blank reports an empty line, which is skipped.
func (rd *reader) record() (blank bool, err error) {
	rd.rec, rd.ends = rd.rec[:0], rd.ends[:0]
	quotedAny := false
	for {
		// One field: an optional quoted part, then an unquoted run.
		protect := len(rd.rec) // bytes before this index are not trimmed of '\r'
		if c, ok := rd.peek(); ok && c == rd.f.quote {
			rd.pos++
			quotedAny = true
			if err := rd.quoted(); err != nil {
				return false, err
			}
			protect = len(rd.rec)
		}
		for {
			if rd.pos == rd.end && !rd.fill() {
				if rd.rerr != io.EOF {
					return false, rd.endErr()
				}
				return rd.endRecord(quotedAny)
			}
			b := rd.buf[rd.pos:rd.end]
			i := 0
			for i < len(b) && !rd.special[b[i]] {
				i++
			}
			rd.rec = append(rd.rec, b[:i]...)
			rd.pos += i
			if err := rd.checkSize(); err != nil {
				return false, err
			}
			if i == len(b) {
				continue
			}
			c := b[i]
			if c == rd.f.field {
				rd.pos++
				if err := rd.endField(); err != nil {
					return false, err
				}
				break
			}
			if rd.atRecordDelimiter() {
				if rd.f.crlf && len(rd.rec) > protect && rd.rec[len(rd.rec)-1] == '\r' {
					rd.rec = rd.rec[:len(rd.rec)-1]
				}
				return rd.endRecord(quotedAny)
			}
			rd.rec = append(rd.rec, c)
		}
	}
}

func (rd *reader) endField() error {
	rd.ends = append(rd.ends, len(rd.rec))
	if len(rd.ends) > MaxColumns {
		return rtErr("OverMaxColumns", "record has more than %d fields", MaxColumns)
	}
	return nil
}

// endRecord ends the last field of a record. blank reports an empty line.
func (rd *reader) endRecord(quotedAny bool) (blank bool, err error) {
	if err := rd.endField(); err != nil {
		return false, err
	}
	return len(rd.ends) == 1 && len(rd.rec) == 0 && !quotedAny, rd.checkSize()
}

func (rd *reader) checkSize() error {
	if len(rd.rec) > MaxRecordSize {
		return rtErr("OverMaxRecordSize", "record is larger than %d bytes", MaxRecordSize)
	}
	return nil
}

// quoted reads the rest of a quoted field, after its opening quote, up to
// and including its closing quote.
func (rd *reader) quoted() error {
	q, e := rd.f.quote, rd.f.escape
	for {
		if rd.pos == rd.end && !rd.fill() {
			if rd.rerr != io.EOF {
				return rd.endErr()
			}
			return rtErr("CSVParsingError", "quoted field is not closed before the end of the archive")
		}
		b := rd.buf[rd.pos:rd.end]
		i := 0
		for i < len(b) && b[i] != q && b[i] != e {
			i++
		}
		rd.rec = append(rd.rec, b[:i]...)
		rd.pos += i
		if err := rd.checkSize(); err != nil {
			return err
		}
		if i == len(b) {
			continue
		}
		c := b[i]
		rd.pos++
		n, ok := rd.peek()
		switch {
		case c == e && e != q && ok && (n == q || n == e):
			rd.rec = append(rd.rec, n)
			rd.pos++
		case c == e && e != q:
			rd.rec = append(rd.rec, c)
		case ok && n == q:
			rd.rec = append(rd.rec, q)
			rd.pos++
		default:
			return nil
		}
	}
}
