package csvselect

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/firnstore/firn"
)

// FuzzCompile checks that Compile never panics, that it fails only with
// InvalidParameterValueException, and that a compiled query runs over a
// small archive without panicking, failing only with a *RuntimeError.
func FuzzCompile(f *testing.F) {
	for _, c := range selectCases {
		f.Add(c.expr, c.in != nil && c.in.FileHeaderInfo == "USE")
	}
	for _, s := range []string{"SELECT", "SELECT * FROM", "SELECT ((1", "SELECT 'a", "SELECT `2010", "SELECT CAST(", "SELECT TRIM(BOTH FROM", "SELECT SUBSTRING(_1,", "SELECT -", "SELECT _1 FROM archive WHERE _1 LIKE '%' ESCAPE"} {
		f.Add(s, false)
	}
	people, err := os.ReadFile(filepath.Join("testdata", "people.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string, use bool) {
		in := &firn.CSVInput{Comments: "#"}
		if use {
			in.FileHeaderInfo = "USE"
		}
		q, err := Compile(expr, in, nil)
		if err != nil {
			var fe *firn.Error
			if !errors.As(err, &fe) || fe.Code != firn.CodeInvalidParameterValue || fe.Message == "" {
				t.Fatalf("Compile(%q) = %v, want InvalidParameterValueException", expr, err)
			}
			return
		}
		_, err = q.Run(context.Background(), bytes.NewReader(people), io.Discard)
		var re *RuntimeError
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("Run(%q) = %v, want a *RuntimeError", expr, err)
		}
	})
}

// fuzzQueries run over every fuzzed archive.
var fuzzQueries = []string{
	"SELECT * FROM archive",
	"SELECT CHAR_LENGTH(_2), LOWER(_1), COALESCE(_3, 'none') FROM archive",
	"SELECT _2, UPPER(_1), SUBSTRING(_1 FROM 2 FOR 2) FROM archive s WHERE s._1 LIKE '%a_%' OR _3 IS MISSING",
	"SELECT _1 FROM archive WHERE CAST(_1 AS INT) > 5",
	"SELECT _1 || _2, TRIM(_2) FROM archive WHERE _1 <> _2",
}

// FuzzRun runs fixed queries over arbitrary input in a format drawn from
// the fuzzer's bytes. It checks that nothing panics, that failures are
// RuntimeErrors, that the results do not depend on how the input is split
// into reads, and that SELECT * written with ALWAYS quoting reads back as
// the records it was made of.
func FuzzRun(f *testing.F) {
	for _, name := range []string{"people.csv", "numbers.csv", "pipe.txt", "crlf.csv", "badquote.csv", "dup.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(",\n\"\"#"))
		f.Add(data, []byte("|\r\n'\\%"))
	}
	f.Fuzz(func(t *testing.T, data, format []byte) {
		format = append(format, make([]byte, 6)...)
		in := &firn.CSVInput{
			FieldDelimiter:       string(format[:1]),
			RecordDelimiter:      string(format[1:2]),
			QuoteCharacter:       string(format[3:4]),
			QuoteEscapeCharacter: string(format[4:5]),
		}
		if format[2] != 0 {
			in.RecordDelimiter += string(format[2:3])
		}
		if format[5] != 0 {
			in.Comments = string(format[5:6])
		}
		for _, expr := range fuzzQueries {
			q, err := Compile(expr, in, nil)
			if err != nil {
				return // settings the service rejects
			}
			var whole, bytewise bytes.Buffer
			_, err1 := q.Run(context.Background(), bytes.NewReader(data), &whole)
			_, err2 := q.Run(context.Background(), iotest.OneByteReader(bytes.NewReader(data)), &bytewise)
			var re *RuntimeError
			if err1 != nil && !errors.As(err1, &re) {
				t.Fatalf("%s: %v", expr, err1)
			}
			if whole.String() != bytewise.String() || (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s: read whole: %q, %v; read byte by byte: %q, %v", expr, whole.String(), err1, bytewise.String(), err2)
			}
		}
		q, err := Compile("SELECT * FROM archive", in, &firn.CSVOutput{
			QuoteFields:          "ALWAYS",
			FieldDelimiter:       in.FieldDelimiter,
			RecordDelimiter:      in.RecordDelimiter,
			QuoteCharacter:       in.QuoteCharacter,
			QuoteEscapeCharacter: in.QuoteEscapeCharacter,
		})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		_, runErr := q.Run(context.Background(), bytes.NewReader(data), &out)
		want, _ := readAll(data, &q.in)
		outFormat := q.in
		outFormat.comment = 0
		got, err := readAll(out.Bytes(), &outFormat)
		if err != nil {
			t.Fatalf("reading results %q: %v", out.Bytes(), err)
		}
		if runErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip of %q through %q:\ngot  %q\nwant %q", data, out.Bytes(), got, want)
		}
	})
}

// readAll parses data with the package's reader.
func readAll(data []byte, f *inputFormat) ([][]string, error) {
	rd := newReader(bytes.NewReader(data), f)
	var recs [][]string
	for {
		if err := rd.next(); err == io.EOF {
			return recs, nil
		} else if err != nil {
			return recs, err
		}
		var rec []string
		start := 0
		for _, end := range rd.ends {
			rec = append(rec, string(rd.rec[start:end]))
			start = end
		}
		recs = append(recs, rec)
	}
}
