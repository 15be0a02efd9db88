package csvselect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/firnstore/firn"
	"pgregory.net/rapid"
)

// rowsReader generates "row<i>,<word>,<i mod 1000>\n" for i < n, or
// forever when n < 0, without holding the archive in memory.
type rowsReader struct {
	n, i int
	buf  []byte
}

func (r *rowsReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && (r.n < 0 || r.i < r.n) {
		r.buf = append(r.buf, "row"...)
		r.buf = strconv.AppendInt(r.buf, int64(r.i), 10)
		r.buf = append(r.buf, ",w"...)
		r.buf = strconv.AppendInt(r.buf, int64(r.i%7), 10)
		r.buf = append(r.buf, ',')
		r.buf = strconv.AppendInt(r.buf, int64(r.i%1000), 10)
		r.buf = append(r.buf, '\n')
		r.i++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	return n, nil
}

func mustCompile(t testing.TB, expr string, in *firn.CSVInput, out *firn.CSVOutput) *Query {
	t.Helper()
	q, err := Compile(expr, in, out)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestStreamingAllocs checks that the cost in memory of a run does not grow
// with the archive: runs over 5,000 and 20,000 records allocate the same
// few times, but for the record buffer growing to the wider records.
func TestStreamingAllocs(t *testing.T) {
	for _, expr := range []string{
		"SELECT s._1 FROM archive s WHERE CAST(s._3 AS INT) > 500",
		"SELECT * FROM archive WHERE _2 LIKE 'w%3' OR _2 IN ('w1', 'w2')",
		"SELECT UPPER(_1), _3 * 2 FROM archive WHERE _1 <> _2",
		"SELECT CAST(_3 AS INT) + 1, CHAR_LENGTH(_2), TRIM(_1) FROM archive WHERE _3 > 990",
	} {
		q := mustCompile(t, expr, nil, nil)
		var allocs [2]float64
		for i, n := range []int{5000, 20000} {
			var st Stats
			allocs[i] = testing.AllocsPerRun(1, func() {
				var err error
				st, err = q.Run(context.Background(), &rowsReader{n: n}, io.Discard)
				if err != nil {
					t.Fatal(err)
				}
			})
			if st.BytesScanned != st.BytesProcessed || st.BytesScanned < int64(n)*10 {
				t.Errorf("%s: stats %+v", expr, st)
			}
		}
		if allocs[0] > 100 || allocs[1] > allocs[0]+2 {
			t.Errorf("%s: %v allocations for 5,000 records, %v for 20,000", expr, allocs[0], allocs[1])
		}
	}
}

func TestStats(t *testing.T) {
	q := mustCompile(t, "SELECT _1 FROM archive WHERE _3 < '2'", nil, nil)
	data := "a,b,1\nc,d,5\n\ne,f,10\n"
	var out bytes.Buffer
	st, err := q.Run(context.Background(), strings.NewReader(data), &out)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{BytesScanned: int64(len(data)), BytesProcessed: int64(len(data)), BytesReturned: 4, RecordsReturned: 2}
	if st != want || out.String() != "a\ne\n" {
		t.Errorf("got %+v %q, want %+v", st, out.String(), want)
	}
}

func TestRecordLimits(t *testing.T) {
	q := mustCompile(t, "SELECT CHAR_LENGTH(_1), _2 FROM archive", nil, nil)
	ok := strings.Repeat("x", MaxRecordSize-2) + ",y\nshort,z\n"
	var out bytes.Buffer
	if _, err := q.Run(context.Background(), strings.NewReader(ok), &out); err != nil || out.String() != fmt.Sprintf("%d,y\n5,z\n", MaxRecordSize-2) {
		t.Errorf("record of %d bytes: %q, %v", MaxRecordSize, out.String(), err)
	}
	// A line far longer than the limit fails once the limit is passed,
	// without reading the rest.
	long := io.MultiReader(strings.NewReader("a,b\n"), &rowsReader{n: 1 << 20, buf: []byte(strings.Repeat("z", 32<<20))})
	out.Reset()
	st, err := q.Run(context.Background(), long, &out)
	var re *RuntimeError
	if !errors.As(err, &re) || re.Code != "OverMaxRecordSize" || re.Record != 2 {
		t.Fatalf("long record: %v", err)
	}
	if st.BytesScanned > 2*MaxRecordSize || out.String() != "1,b\n" {
		t.Errorf("long record: scanned %d bytes, wrote %q", st.BytesScanned, out.String())
	}
	// So does a quoted one.
	_, err = q.Run(context.Background(), strings.NewReader(`"`+strings.Repeat("q", MaxRecordSize+1)+`"`), io.Discard)
	if !errors.As(err, &re) || re.Code != "OverMaxRecordSize" {
		t.Errorf("long quoted record: %v", err)
	}
	_, err = q.Run(context.Background(), strings.NewReader(strings.Repeat(",", MaxColumns)+"\n"), io.Discard)
	if !errors.As(err, &re) || re.Code != "OverMaxColumns" {
		t.Errorf("%d fields: %v", MaxColumns+1, err)
	}
}

// cancelWriter cancels a context at its first write.
type cancelWriter struct{ cancel context.CancelFunc }

func (w cancelWriter) Write(p []byte) (int, error) {
	w.cancel()
	return len(p), nil
}

func TestCancel(t *testing.T) {
	q := mustCompile(t, "SELECT * FROM archive", nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := q.Run(ctx, &rowsReader{n: -1}, cancelWriter{cancel})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run after cancel = %v", err)
	}
	if _, err := q.Run(ctx, &rowsReader{n: -1}, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context = %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestIOErrors(t *testing.T) {
	q := mustCompile(t, "SELECT * FROM archive", nil, nil)
	boom := errors.New("boom")
	var out bytes.Buffer
	_, err := q.Run(context.Background(), io.MultiReader(strings.NewReader("a,b\nc,"), iotest.ErrReader(boom)), &out)
	var re *RuntimeError
	if !errors.Is(err, boom) || errors.As(err, &re) || out.String() != "a,b\n" {
		t.Errorf("read error: %v, wrote %q", err, out.String())
	}
	_, err = q.Run(context.Background(), &rowsReader{n: 100000}, failWriter{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("write error: %v", err)
	}
}

// TestConcurrentRuns runs one Query from many goroutines (under -race).
func TestConcurrentRuns(t *testing.T) {
	q := mustCompile(t, "SELECT UPPER(_2), CAST(_3 AS INT) * 2 FROM archive WHERE _1 LIKE 'row1%'", nil, nil)
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Go(func() {
			var out bytes.Buffer
			if _, err := q.Run(context.Background(), &rowsReader{n: 5000}, &out); err != nil {
				t.Error(err)
			}
			results[i] = out.String()
		})
	}
	wg.Wait()
	for _, r := range results {
		if r != results[0] || r == "" {
			t.Fatalf("results differ: %q", results)
		}
	}
}

// TestRoundTrip writes random records with the package's writer in random
// formats and reads them back with its reader, whole and byte by byte.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		chars := []string{",", ";", "\t", "|", "'", "\"", "\\", "a", "\r", "\n"}
		field := rapid.SampledFrom(chars).Draw(t, "field")
		quote := rapid.SampledFrom(chars).Draw(t, "quote")
		escape := rapid.SampledFrom(append(chars, quote, quote)).Draw(t, "escape")
		record := rapid.SampledFrom([]string{"\n", "\r\n", "\r", ";", "ab", "\n\n"}).Draw(t, "record")
		out := &firn.CSVOutput{QuoteFields: rapid.SampledFrom([]string{"ALWAYS", "ASNEEDED"}).Draw(t, "quoteFields"),
			FieldDelimiter: field, QuoteCharacter: quote, QuoteEscapeCharacter: escape, RecordDelimiter: record}
		q, err := Compile("SELECT * FROM archive", nil, out)
		if err != nil {
			t.Skip("conflicting settings")
		}
		alphabet := rapid.SampledFrom([]rune(strings.Join(chars, "") + "xé "))
		recs := rapid.SliceOf(rapid.SliceOfN(rapid.StringOf(alphabet), 1, 4)).Draw(t, "records")
		var buf bytes.Buffer
		wr := newWriter(nil, &q.out)
		for _, rec := range recs {
			wr.begin()
			for _, f := range rec {
				wr.field([]byte(f))
			}
			wr.line = append(wr.line, q.out.record...)
			if len(rec) == 1 && rec[0] == "" {
				wr.line = append(wr.line[:0], quote+quote+record...)
			}
			buf.Write(wr.line)
		}
		in := inputFormat{field: q.out.field, record: q.out.record, quote: q.out.quote, escape: q.out.escape, crlf: record == "\n"}
		for _, r := range []io.Reader{bytes.NewReader(buf.Bytes()), iotest.OneByteReader(bytes.NewReader(buf.Bytes()))} {
			rd := newReader(r, &in)
			var got [][]string
			for {
				err := rd.next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("reading %q: %v", buf.Bytes(), err)
				}
				var rec []string
				start := 0
				for _, end := range rd.ends {
					rec = append(rec, string(rd.rec[start:end]))
					start = end
				}
				got = append(got, rec)
			}
			if len(recs) == 0 && len(got) == 0 {
				continue
			}
			if !reflect.DeepEqual(got, recs) {
				t.Fatalf("wrote %q as %q, read back %q", recs, buf.Bytes(), got)
			}
		}
	})
}

func TestNumberFormat(t *testing.T) {
	q := mustCompile(t, "SELECT CAST(_3 AS FLOAT) / 2, CAST(_3 AS DECIMAL) + 0.5, 1e300 * 10, 0.0000001, 1e-8 FROM archive WHERE _3 = '1'", nil, nil)
	var out bytes.Buffer
	if _, err := q.Run(context.Background(), &rowsReader{n: 3}, &out); err != nil {
		t.Fatal(err)
	}
	if want := "0.5,1.5," + strconv.FormatFloat(1e301, 'g', -1, 64) + ",0.0000001,1e-08\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
