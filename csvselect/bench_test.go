package csvselect

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"sync"
	"testing"
)

const benchRows = 1_000_000

// benchData is a million records of three fields, about 17 MB.
var benchData = sync.OnceValue(func() []byte {
	data, err := io.ReadAll(&rowsReader{n: benchRows})
	if err != nil {
		panic(err)
	}
	return data
})

// BenchmarkSelect filters a million records on a cast field; compare with
// BenchmarkEncodingCSV, which only parses the same bytes.
func BenchmarkSelect(b *testing.B) {
	data := benchData()
	q := mustCompile(b, "SELECT s._1 FROM archive s WHERE CAST(s._3 AS INT) > 500", nil, nil)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		st, err := q.Run(context.Background(), bytes.NewReader(data), io.Discard)
		if err != nil || st.RecordsReturned != benchRows*499/1000 {
			b.Fatal(st, err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkEncodingCSV reads the bytes of BenchmarkSelect with encoding/csv,
// reusing its record slice.
func BenchmarkEncodingCSV(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchRows {
			b.Fatal(n)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
