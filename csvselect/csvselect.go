package csvselect

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firnstore/firn"
)

// Limits of Glacier Select.
const (
	// MaxExpressionLength is the longest accepted Expression, in characters.
	MaxExpressionLength = 128000
	// MaxRecordSize is the largest input record, in bytes after unquoting.
	MaxRecordSize = 1 << 20
	// MaxColumns is the largest number of fields in an input record.
	MaxColumns = 1 << 20
	// maxDepth bounds the nesting of an expression so that parsing and
	// evaluation recurse a bounded number of frames.
	maxDepth = 1000
)

// Query is a compiled select expression together with its input and output
// CSV settings. It is immutable: one Query may be Run any number of times,
// concurrently.
type Query struct {
	expr    string
	in      inputFormat
	out     outputFormat
	star    bool      // SELECT *: copy input fields through
	proj    []expr    // the SELECT list unless star
	where   expr      // nil without WHERE
	names   []nameRef // header names to resolve against the first record
	usesNow bool      // the expression calls UTCNOW
	now     time.Time
}

// nameRef is a column referenced by header name; slot indexes the per-run
// table of resolved field positions.
type nameRef struct {
	name   string
	quoted bool
	at     string // "line L, column C" in the expression
}

// Stats counts the bytes and records of one Run.
type Stats struct {
	// BytesScanned is the number of bytes read from the archive. Reading is
	// buffered, so after a failure it may exceed BytesProcessed.
	BytesScanned int64
	// BytesProcessed is the number of archive bytes parsed into records.
	BytesProcessed int64
	// BytesReturned is the number of bytes written to the output.
	BytesReturned int64
	// RecordsReturned is the number of records written to the output.
	RecordsReturned int64
}

// RuntimeError is a failure of a query on the data of a particular archive:
// a bad CAST, a header name the archive lacks, a malformed or oversized
// record, a division by zero. The engine records Error() as the job's
// StatusMessage.
//
// Code is one of CastFailed, InvalidDataType, DivisionByZero,
// IntegerOverflow, InvalidArgument, MissingHeaderName, AmbiguousFieldName,
// OverMaxRecordSize, OverMaxColumns and CSVParsingError, after the error
// codes of S3 Select.
type RuntimeError struct {
	Code string
	// Record is the 1-based number of the input record being processed,
	// counting the header record and not counting comment or blank lines.
	Record  int64
	Message string
}

// Error returns "Code: record N: Message".
func (e *RuntimeError) Error() string {
	return fmt.Sprintf("%s: record %d: %s", e.Code, e.Record, e.Message)
}

func rtErr(code, format string, args ...any) *RuntimeError {
	return &RuntimeError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Compile validates the CSV settings and parses the expression. A nil in or
// out, and every empty field, means the default: FileHeaderInfo NONE, no
// Comments character, FieldDelimiter ",", RecordDelimiter "\n",
// QuoteCharacter and QuoteEscapeCharacter "\"", QuoteFields ASNEEDED.
//
// Every failure is a *firn.Error with code InvalidParameterValueException.
// Its message names the field, as in
// "SelectParameters.InputSerialization.csv.FieldDelimiter: must be a single
// ASCII character", or points into the expression, as in
// "SelectParameters.Expression: syntax error at line 1, column 23:
// unexpected token \"FORM\", expected FROM". Problems with the settings are
// all reported, joined by "; ".
func Compile(expression string, in *firn.CSVInput, out *firn.CSVOutput) (*Query, error) {
	q := &Query{expr: expression, now: time.Unix(0, 0).UTC()}
	var problems []string
	q.in, problems = parseInput(in, problems)
	q.out, problems = parseOutput(out, problems)
	if len(problems) > 0 {
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "%s", strings.Join(problems, "; "))
	}
	switch n := utf8.RuneCountInString(expression); {
	case strings.TrimSpace(expression) == "":
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "SelectParameters.Expression: must not be empty")
	case n > MaxExpressionLength:
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "SelectParameters.Expression: %d characters, more than the maximum of %d", n, MaxExpressionLength)
	case !utf8.ValidString(expression):
		return nil, firn.Errorf(firn.CodeInvalidParameterValue, "SelectParameters.Expression: not valid UTF-8")
	}
	if err := parseQuery(q); err != nil {
		return nil, err
	}
	return q, nil
}

// UsesNow reports whether the expression calls UTCNOW.
func (q *Query) UsesNow() bool { return q.usesNow }

// WithNow returns a copy of q whose UTCNOW() is t, in UTC. The package never
// reads the clock: without WithNow, UTCNOW() is the Unix epoch.
func (q *Query) WithNow(t time.Time) *Query {
	c := *q
	c.now = t.UTC()
	return &c
}

// Run reads CSV records from r, evaluates the query on each, and writes the
// results to w as CSV. It holds one record, one output record and fixed-size
// buffers in memory whatever the size of the archive. It checks ctx every 256 records
// and returns ctx.Err() once ctx is done.
//
// A failure caused by the archive's data is a *[RuntimeError]; read and write
// failures are returned wrapped. The results written before a failure are
// not retracted.
func (q *Query) Run(ctx context.Context, r io.Reader, w io.Writer) (Stats, error) {
	var st Stats
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	err := q.run(ctx, r, bw, &st)
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("csvselect: writing results: %w", ferr)
	}
	st.BytesReturned = cw.n
	return st, err
}

func (q *Query) run(ctx context.Context, r io.Reader, bw *bufio.Writer, st *Stats) error {
	rd := newReader(r, &q.in)
	defer func() { st.BytesScanned, st.BytesProcessed = rd.nread, rd.processed() }()
	wr := newWriter(bw, &q.out)
	rw := &row{cols: make([]int, len(q.names)), now: q.now}
	header := q.in.header != headerNone
	for n := 0; ; n++ {
		if n&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		err := rd.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return withRecord(err, rd.records)
		}
		if header {
			header = false
			if q.in.header == headerUse {
				if err := q.resolve(rw, rd.rec, rd.ends); err != nil {
					return withRecord(err, rd.records)
				}
			}
			continue
		}
		rw.rec, rw.ends, rw.arena = rd.rec, rd.ends, rw.arena[:0]
		if q.where != nil {
			ok, err := truth(q.where, rw)
			if err != nil {
				return withRecord(err, rd.records)
			}
			if !ok {
				continue
			}
		}
		if q.star {
			err = wr.writeFields(rd.rec, rd.ends)
		} else {
			err = q.writeProjection(wr, rw)
		}
		if err != nil {
			return withRecord(err, rd.records)
		}
		st.RecordsReturned++
	}
	return nil
}

func (q *Query) writeProjection(wr *writer, rw *row) error {
	wr.begin()
	for _, p := range q.proj {
		v, err := p.eval(rw)
		if err != nil {
			return err
		}
		wr.value(v)
	}
	return wr.end()
}

// resolve maps every header name of the query to a field of the header
// record.
func (q *Query) resolve(rw *row, rec []byte, ends []int) error {
	for i, n := range q.names {
		idx := -1
		start := 0
		for f, end := range ends {
			h := rec[start:end]
			start = end
			if n.quoted && string(h) != n.name || !n.quoted && !strings.EqualFold(string(h), n.name) {
				continue
			}
			if idx >= 0 {
				return rtErr("AmbiguousFieldName", "header name %q at %s matches columns %d and %d", n.name, n.at, idx+1, f+1)
			}
			idx = f
		}
		if idx < 0 {
			return rtErr("MissingHeaderName", "header name %q at %s is not in the header record", n.name, n.at)
		}
		rw.cols[i] = idx
	}
	return nil
}

// withRecord sets the record number of a *RuntimeError; other errors are
// read or write failures.
func withRecord(err error, rec int64) error {
	if e, ok := err.(*RuntimeError); ok {
		e.Record = rec
		return e
	}
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
