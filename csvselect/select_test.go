package csvselect

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firnstore/firn"
)

var (
	peopleIn = &firn.CSVInput{FileHeaderInfo: "USE", Comments: "#"}
	pipeIn   = &firn.CSVInput{FileHeaderInfo: "USE", FieldDelimiter: "|", RecordDelimiter: "\r\n", QuoteCharacter: "'", QuoteEscapeCharacter: `\`, Comments: "%"}
	pipeOut  = &firn.CSVOutput{FieldDelimiter: "|", RecordDelimiter: "\r\n", QuoteCharacter: "'", QuoteEscapeCharacter: `\`}
	useIn    = &firn.CSVInput{FileHeaderInfo: "USE"}
)

type selectCase struct {
	file string
	in   *firn.CSVInput
	out  *firn.CSVOutput
	expr string
	want string // output, before the error if err is set
	err  string // prefix of the *RuntimeError's text
}

// selectCases are queries over the fixtures in testdata with their expected
// results, worked out by hand from the fixture files.
var selectCases = []selectCase{
	// Projection, header names, positions, aliases.
	{file: "people.csv", in: peopleIn, expr: "SELECT * FROM archive",
		want: "1,Alice,30,\"Paris, FR\",2019-03-01T,88.5,\"says \"\"hi\"\"\"\n2,bob,25,Berlin,2020-07-15T09:30:00Z,92,\n3,Carol,,\"New\nYork\",2018-11-30T,75.25,multi\n4,dave,41,Oslo,2021-01-01T00:00:00+01:00,,\"x,y\"\n5,Eve,35,Berlin,2017-05-20T,60\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive", want: "Alice\nbob\nCarol\ndave\nEve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT s.name, s.city FROM archive AS s WHERE s.city = 'Berlin'", want: "bob,Berlin\nEve,Berlin\n"},
	{file: "people.csv", in: peopleIn, expr: `SELECT NAME FROM ARCHIVE WHERE "Note" = 'multi'`, want: "Carol\n"},
	{file: "people.csv", in: peopleIn, expr: `SELECT "name" FROM archive WHERE "note" = 'multi'`, err: `MissingHeaderName: record 1: header name "note" at line 1, column 34 is not in the header record`},
	{file: "people.csv", in: peopleIn, expr: "SELECT s._2, s._1 FROM archive s WHERE s._1 = '3'", want: "Carol,3\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name AS n, age years FROM archive WHERE id = '1'", want: "Alice,30\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT s.* FROM object s WHERE s.id = '2'", want: "2,bob,25,Berlin,2020-07-15T09:30:00Z,92,\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT archive.name FROM archive WHERE id = '5'", want: "Eve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT unknown FROM archive", err: `MissingHeaderName: record 1: header name "unknown" at line 1, column 8 is not in the header record`},

	// CAST and empty fields.
	{file: "people.csv", in: peopleIn, expr: "SELECT _2 FROM archive WHERE CAST(_3 AS INT) > 30", err: "CastFailed: record 4: cannot cast STRING '' to INT (at line 1, column 30)"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE CAST(NULLIF(age, '') AS INT) > 30", want: "dave\nEve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE CAST(score AS FLOAT) > 80", want: "Alice\nbob\n", err: "CastFailed: record 5: cannot cast STRING '' to FLOAT"},
	{file: "people.csv", in: peopleIn, expr: "SELECT CAST(score AS DECIMAL(10, 2)) FROM archive WHERE id = '3'", want: "75.25\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT CAST(CAST(id AS INT) AS BOOL), CAST('TRUE' AS BOOL), CAST(0 AS BOOL) FROM archive WHERE id = '1'", want: "true,true,false\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT CAST(88.5 AS INT), CAST('  42 ' AS INT), CAST('12.9' AS INT), CAST(-2.5 AS INT) FROM archive WHERE id = '1'", want: "88,42,12,-2\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT CAST(id AS STRING) || '-' || name FROM archive WHERE id = '5'", want: "5-Eve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT CAST(age AS INT) + 1, CAST(score AS FLOAT) * 2 FROM archive WHERE id = '1'", want: "31,177\n"},

	// NULL, MISSING and empty strings.
	{file: "people.csv", in: peopleIn, expr: "SELECT name, age FROM archive WHERE age = ''", want: "Carol,\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE age IS NULL", want: ""},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE Note IS MISSING", want: "Eve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE Note IS NULL", want: "Eve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE Note IS NOT MISSING AND Note <> ''", want: "Alice\nCarol\ndave\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE NOT (Note = 'x')", want: "Alice\nbob\nCarol\ndave\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE Note = 'multi' OR Note IS MISSING", want: "Carol\nEve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT COALESCE(NULLIF(age, ''), 'unknown') FROM archive", want: "30\n25\nunknown\n41\n35\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT NULLIF(city, 'Berlin') FROM archive", want: "\"Paris, FR\"\n\"\"\n\"New\nYork\"\nOslo\n\"\"\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT TRUE, FALSE, NULL, 1 = 1, 'a' || 'b' || 1, NULL = NULL FROM archive WHERE id = '1'", want: "true,false,,true,ab1,\n"},

	// LIKE, BETWEEN, IN, logic.
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE name LIKE '%e'", want: "Alice\ndave\nEve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE name LIKE '_a%'", want: "Carol\ndave\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE LOWER(name) LIKE 'c%'", want: "Carol\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE name NOT LIKE '%a%'", want: "Alice\nbob\nEve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT city FROM archive WHERE city LIKE '%,%'", want: "\"Paris, FR\"\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE '50%' LIKE '50!%' ESCAPE '!' AND 'a_c' LIKE 'a!_c' ESCAPE '!' AND NOT 'abc' LIKE 'a!_c' ESCAPE '!' AND id = '1'", want: "Alice\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE city LIKE 'New_York'", want: "Carol\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE CAST(id AS INT) BETWEEN 2 AND 4", want: "bob\nCarol\ndave\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE CAST(id AS INT) NOT BETWEEN 2 AND 4", want: "Alice\nEve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE city IN ('Oslo', 'Berlin')", want: "bob\ndave\nEve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE city NOT IN ('Oslo', 'Berlin')", want: "Alice\nCarol\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE id IN (1, 5)", want: "Alice\nEve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE NOT (city = 'Berlin' OR city = 'Oslo')", want: "Alice\nCarol\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE name", err: "InvalidDataType: record 2: WHERE needs a BOOL, not STRING 'Alice'"},

	// String functions.
	{file: "people.csv", in: peopleIn, expr: "SELECT UPPER(name), LOWER(name) FROM archive WHERE id = '1'", want: "ALICE,alice\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT CHAR_LENGTH(city), CHARACTER_LENGTH(name) FROM archive WHERE id = '3'", want: "8,5\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT SUBSTRING(name FROM 2), SUBSTRING(name, 1, 3), SUBSTRING(name FROM 0 FOR 2), SUBSTRING(name FROM -4) FROM archive WHERE id = '1'", want: "lice,Ali,A,Alice\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT TRIM('  x  '), TRIM(LEADING FROM '  x  '), TRIM(TRAILING FROM '  x  '), TRIM(BOTH '12' FROM '1112211foobar22211122'), TRIM('-' FROM '--a--') FROM archive WHERE id = '1'", want: "x,x  ,  x,foobar,a\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT LOWER(CAST(id AS INT)) FROM archive", err: "InvalidDataType: record 2: LOWER needs a STRING, not INT 1 (at line 1, column 8)"},
	{file: "people.csv", in: peopleIn, expr: "SELECT SUBSTRING(name, 1, -1) FROM archive", err: "InvalidArgument: record 2: SUBSTRING length -1 is negative"},

	// Literals and arithmetic.
	{file: "people.csv", in: peopleIn, expr: "SELECT 'it''s', 1 + 2 * 3, (1 + 2) * 3, 7 / 2, 7 % 3, 7.0 / 2, -(-4), -9223372036854775808 FROM archive WHERE id = '1'", want: "it's,7,9,3,1,3.5,4,-9223372036854775808\n"},

	// Timestamps.
	{file: "people.csv", in: peopleIn, expr: "SELECT CAST(joined AS TIMESTAMP) FROM archive", want: "2019-03-01T00:00:00Z\n2020-07-15T09:30:00Z\n2018-11-30T00:00:00Z\n2021-01-01T00:00:00+01:00\n2017-05-20T00:00:00Z\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE CAST(joined AS TIMESTAMP) < `2019-01-01T`", want: "Carol\nEve\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE joined > `2020-01-01T`", want: "bob\ndave\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT EXTRACT(YEAR FROM CAST(joined AS TIMESTAMP)), EXTRACT(TIMEZONE_HOUR FROM CAST(joined AS TIMESTAMP)) FROM archive WHERE id = '4'", want: "2021,1\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT DATE_DIFF(day, CAST(joined AS TIMESTAMP), `2021-01-01T`), DATE_DIFF(month, joined, `2021-01-01T`) FROM archive WHERE id = '2'", want: "169,5\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT DATE_ADD(year, 1, `2020-02-29T`), DATE_ADD(hour, -1, `2020-01-01T00:30Z`), DATE_ADD(month, -2, `2020-03-31T`) FROM archive WHERE id = '1'", want: "2021-02-28T00:00:00Z,2019-12-31T23:30:00Z,2020-01-31T00:00:00Z\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT TO_STRING(CAST(joined AS TIMESTAMP), 'MMMM d, yyyy'), TO_STRING(`2007-04-05T14:30:05.25-08:00`, 'yy/MM/dd hh:mm:ss.SS a XXX ''x'' ''''') FROM archive WHERE id = '2'", want: "\"July 15, 2020\",07/04/05 02:30:05.25 PM -08:00 x '\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT TO_TIMESTAMP('2007-04-05T14:30Z') FROM archive WHERE id = '1'", want: "2007-04-05T14:30:00Z\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT CAST('2020-02-29T23:59:59.000000001-03:30' AS TIMESTAMP), EXTRACT(TIMEZONE_MINUTE FROM `2020-01-01T00:00-03:30`), EXTRACT(HOUR FROM `2020-01-01T01:00-03:30`) FROM archive WHERE id = '1'", want: "2020-02-29T23:59:59.000000001-03:30,-30,1\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE `2020-01-01T01:00+01:00` = `2020-01-01T00:00Z` AND `2020-01-01T00:00:00.5Z` > `2020-01-01T00:00Z` AND `2021T` = `2021-01-01` AND id = '1'", want: "Alice\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT TO_STRING(`2020-03-04T05:06:07+05:30`, 'X XX XXX x'), TO_STRING(`2020-03-04T05:06:07Z`, 'X xxx'), TO_STRING(`2020-03-04T05:06:07-02:00`, 'X') FROM archive WHERE id = '1'", want: "+0530 +0530 +05:30 +0530,Z +00:00,-02\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT DATE_ADD(minute, 90, `2020-12-31T23:00-01:00`), DATE_DIFF(second, `2020-01-01T00:00:01Z`, `2020-01-01T00:00:00.5Z`), DATE_DIFF(year, `2011-06T`, `2010-07T`) FROM archive WHERE id = '1'", want: "2021-01-01T00:30:00-01:00,0,0\n"},
	{file: "people.csv", in: peopleIn, expr: "SELECT name FROM archive WHERE CAST(name AS TIMESTAMP) IS NULL", err: "CastFailed: record 2: cannot cast STRING 'Alice' to TIMESTAMP"},

	{file: "people.csv", in: peopleIn, expr: "SELECT CAST(id || '" + strings.Repeat("é", 40) + "' AS INT) FROM archive", err: "CastFailed: record 2: cannot cast STRING '1" + strings.Repeat("é", 30) + "...' to INT (at line 1, column 8)"},

	// Implicit conversion of fields compared with or computed with numbers.
	{file: "numbers.csv", expr: "SELECT _1 FROM archive WHERE _3 > 0", want: "3\n4\n6\n"},
	{file: "numbers.csv", expr: "SELECT _3 + 1, _4 * 2, CAST(_3 AS INT) - _4 FROM archive WHERE _1 = '1'", want: "-4,3,-6.5\n"},
	{file: "numbers.csv", expr: "SELECT _1, _2 * 2 FROM archive WHERE _1 <= 3", want: "1,20\n2,40\n3,60\n"},
	{file: "numbers.csv", expr: "SELECT _1 FROM archive WHERE _2 / _3 > 1", err: "DivisionByZero: record 2: 20 / 0 (at line 1, column 33)"},
	{file: "numbers.csv", expr: "SELECT _1 FROM archive WHERE _2 > 15", want: "2\n3\n", err: "CastFailed: record 4: '' is not a number (at line 1, column 33)"},
	{file: "numbers.csv", expr: "SELECT _5, _1 FROM archive WHERE _1 IN ('1', '2')", want: ",1\n,2\n"},
	{file: "numbers.csv", expr: "SELECT _1 FROM archive WHERE _5 IS MISSING AND _1 IS NOT MISSING AND _1 > 5", want: "6\n"},
	{file: "numbers.csv", expr: "SELECT _1 FROM archive WHERE CAST(_4 AS FLOAT) = 100", want: "4\n"},
	{file: "numbers.csv", expr: "SELECT CAST(_1 AS INT) + 9223372036854775803 FROM archive", want: "9223372036854775804\n9223372036854775805\n9223372036854775806\n9223372036854775807\n", err: "IntegerOverflow: record 5: 5 + 9223372036854775803 is out of the range of INT"},
	{file: "numbers.csv", in: &firn.CSVInput{FileHeaderInfo: "IGNORE"}, expr: "SELECT _1 FROM archive", want: "2\n3\n4\n5\n6\n"},

	// Output serialization.
	{file: "numbers.csv", out: &firn.CSVOutput{QuoteFields: "ALWAYS", FieldDelimiter: ";", RecordDelimiter: "\r\n"}, expr: "SELECT _1, _4, NULL FROM archive WHERE _1 IN ('1', '2')", want: "\"1\";\"1.5\";\"\"\r\n\"2\";\"2.25\";\"\"\r\n"},
	{file: "numbers.csv", out: &firn.CSVOutput{QuoteCharacter: "'", QuoteEscapeCharacter: `\`}, expr: "SELECT 'it''s, ok', 'a\"b' FROM archive WHERE _1 = '1'", want: `'it\'s, ok',a"b` + "\n"},
	{file: "numbers.csv", out: &firn.CSVOutput{FieldDelimiter: "\t"}, expr: "SELECT _1, 'a,b', 'c\td' FROM archive WHERE _1 = '1'", want: "1\ta,b\t\"c\td\"\n"},

	// Custom input serialization.
	{file: "pipe.txt", in: pipeIn, expr: "SELECT * FROM archive", want: "a,b|c,it's\nd,\"e\nf\",g\\h\nq'q,\"\r\",\"x\r\ny\"\n"},
	{file: "pipe.txt", in: pipeIn, expr: "SELECT v FROM archive WHERE k = 'a'", want: "b|c\n"},
	{file: "pipe.txt", in: pipeIn, expr: "SELECT CHAR_LENGTH(w) FROM archive", want: "4\n3\n4\n"},
	{file: "pipe.txt", in: pipeIn, out: pipeOut, expr: "SELECT * FROM archive", want: "a|'b|c'|'it\\'s'\r\nd|'e\nf'|'g\\\\h'\r\n'q\\'q'|'\r'|'x\r\ny'\r\n"},
	{file: "crlf.csv", in: useIn, expr: "SELECT h1, h2 FROM archive", want: "x,1\ny,\"2\r\n\"\n"},
	{file: "crlf.csv", in: useIn, expr: "SELECT CHAR_LENGTH(h2) FROM archive", want: "1\n3\n"},

	// Header names that match twice, and malformed input.
	{file: "dup.csv", in: useIn, expr: "SELECT b FROM archive", want: "3\n"},
	{file: "dup.csv", in: useIn, expr: `SELECT "A" FROM archive`, want: "2\n"},
	{file: "dup.csv", in: useIn, expr: "SELECT a FROM archive", err: `AmbiguousFieldName: record 1: header name "a" at line 1, column 8 matches columns 1 and 2`},
	{file: "badquote.csv", expr: "SELECT _1 FROM archive", want: "1\n", err: "CSVParsingError: record 2: quoted field is not closed before the end of the archive"},
}

func TestSelect(t *testing.T) {
	for _, c := range selectCases {
		t.Run(c.expr, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			q, err := Compile(c.expr, c.in, c.out)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			var out bytes.Buffer
			st, err := q.Run(context.Background(), bytes.NewReader(data), &out)
			if got := out.String(); got != c.want {
				t.Errorf("output:\n%q\nwant:\n%q", got, c.want)
			}
			switch {
			case c.err == "" && err != nil:
				t.Errorf("Run: %v", err)
			case c.err != "":
				var re *RuntimeError
				if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), c.err) {
					t.Errorf("Run error %v, want %q...", err, c.err)
				}
			}
			if st.BytesReturned != int64(out.Len()) {
				t.Errorf("BytesReturned = %d, wrote %d", st.BytesReturned, out.Len())
			}
			if want := int64(strings.Count(c.want, "\n")); c.err == "" && c.out == nil && c.in != pipeIn && st.RecordsReturned > want {
				t.Errorf("RecordsReturned = %d, more than the %d lines", st.RecordsReturned, want)
			}
		})
	}
}

func TestSelectCount(t *testing.T) {
	if len(selectCases) < 60 {
		t.Fatalf("%d table queries, want at least 60", len(selectCases))
	}
}

func TestUTCNow(t *testing.T) {
	q, err := Compile("SELECT UTCNOW(), DATE_DIFF(hour, `2024-05-06T`, UTCNOW()) FROM archive", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !q.UsesNow() {
		t.Error("UsesNow() = false")
	}
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("", 3600))
	var out bytes.Buffer
	if _, err := q.WithNow(now).Run(context.Background(), strings.NewReader("x\n"), &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "2024-05-06T06:08:09Z,6\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	out.Reset()
	if _, err := q.Run(context.Background(), strings.NewReader("x\n"), &out); err != nil || !strings.HasPrefix(out.String(), "1970-01-01T00:00:00Z,") {
		t.Errorf("without WithNow: %q, %v", out.String(), err)
	}
}
