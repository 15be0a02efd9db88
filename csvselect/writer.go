package csvselect

import (
	"bufio"
	"fmt"
)

// writer formats result records. With ASNEEDED a field is quoted when it
// contains the field delimiter, the quote or escape character, a byte of
// the record delimiter, CR or LF; inside quotes the quote character, and
// the escape character when it differs, are preceded by the escape
// character. A record of one empty field is written as two quotes rather
// than as an empty line.
type writer struct {
	w         *bufio.Writer
	f         *outputFormat
	needQuote [256]bool
	line      []byte
	scratch   []byte
	first     bool
}

func newWriter(w *bufio.Writer, f *outputFormat) *writer {
	wr := &writer{w: w, f: f}
	for _, c := range []byte{f.field, f.quote, f.escape, '\n', '\r'} {
		wr.needQuote[c] = true
	}
	for _, c := range f.record {
		wr.needQuote[c] = true
	}
	return wr
}

func (wr *writer) begin() {
	wr.line = wr.line[:0]
	wr.first = true
}

func (wr *writer) field(b []byte) {
	if !wr.first {
		wr.line = append(wr.line, wr.f.field)
	}
	wr.first = false
	quote := wr.f.always
	for i := 0; i < len(b) && !quote; i++ {
		quote = wr.needQuote[b[i]]
	}
	if !quote {
		wr.line = append(wr.line, b...)
		return
	}
	q, e := wr.f.quote, wr.f.escape
	wr.line = append(wr.line, q)
	for _, c := range b {
		if c == q || c == e && e != q {
			wr.line = append(wr.line, e)
		}
		wr.line = append(wr.line, c)
	}
	wr.line = append(wr.line, q)
}

// value adds a field holding v; NULL and MISSING are empty.
func (wr *writer) value(v value) {
	if v.k == kString {
		wr.field(v.s)
		return
	}
	wr.scratch = appendValue(wr.scratch[:0], v)
	wr.field(wr.scratch)
}

func (wr *writer) end() error {
	if len(wr.line) == 0 {
		// One empty field: quoted, as a blank line would be skipped.
		wr.line = append(wr.line, wr.f.quote, wr.f.quote)
	}
	wr.line = append(wr.line, wr.f.record...)
	if _, err := wr.w.Write(wr.line); err != nil {
		return fmt.Errorf("csvselect: writing results: %w", err)
	}
	return nil
}

// writeFields writes an input record unchanged but for quoting.
func (wr *writer) writeFields(rec []byte, ends []int) error {
	wr.begin()
	start := 0
	for _, end := range ends {
		wr.field(rec[start:end])
		start = end
	}
	return wr.end()
}
