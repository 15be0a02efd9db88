package csvselect

import (
	"errors"
	"strings"
	"testing"

	"github.com/firnstore/firn"
)

func TestCompileErrors(t *testing.T) {
	use := &firn.CSVInput{FileHeaderInfo: "USE"}
	const e = "SelectParameters.Expression: "
	cases := []struct {
		expr string
		in   *firn.CSVInput
		out  *firn.CSVOutput
		want string
	}{
		{expr: "SELECT s._1 FORM archive s", want: e + `syntax error at line 1, column 13: unexpected token "FORM", expected FROM`},
		{expr: "SELECT * FROM archive WHERE", want: e + `syntax error at line 1, column 28: unexpected end of expression`},
		{expr: "SELECT * FROM archive s WHERE s._1 = 'abc", want: e + `syntax error at line 1, column 38: string literal is not closed`},
		{expr: "SELECT * FROM archive LIMIT 1", want: e + `error at line 1, column 23: LIMIT is not supported`},
		{expr: "SELECT _1 FROM archive WHERE _1 = 'a' limit 10", want: e + `error at line 1, column 39: LIMIT is not supported`},
		{expr: "SELECT COUNT(*) FROM archive", want: e + `error at line 1, column 8: aggregate function COUNT is not supported`},
		{expr: "SELECT count(_1) FROM archive", want: e + `error at line 1, column 8: aggregate function COUNT is not supported`},
		{expr: "SELECT _1, SUM(_2) FROM archive", want: e + `error at line 1, column 12: aggregate function SUM is not supported`},
		{expr: "SELECT AVG(CAST(_1 AS INT)) FROM archive", want: e + `error at line 1, column 8: aggregate function AVG is not supported`},
		{expr: "SELECT UPPER(MIN(_1)) FROM archive", want: e + `error at line 1, column 14: aggregate function MIN is not supported`},
		{expr: "SELECT * FROM archive WHERE MAX(_1) > 1", want: e + `error at line 1, column 29: aggregate function MAX is not supported`},
		{expr: "SELECT * FROM S3Object s", want: e + `error at line 1, column 15: S3Object is the table of Amazon S3 Select; Glacier Select reads FROM ARCHIVE or OBJECT`},
		{expr: "SELECT FOO(s._1) FROM archive s", want: e + `error at line 1, column 8: unknown function "FOO"`},
		{expr: "SELECT s._0 FROM archive s", want: e + `error at line 1, column 10: column position _0 is not between _1 and _1048576`},
		{expr: "SELECT name FROM archive", want: e + `error at line 1, column 8: column name "name" needs InputSerialization.csv.FileHeaderInfo USE; use positions (_1, _2, ...) otherwise`},
		{expr: "SELECT CAST(_1 AS BLOB) FROM archive", want: e + `syntax error at line 1, column 19: unexpected token "BLOB", expected a type: INT, INTEGER, FLOAT, DECIMAL, NUMERIC, STRING, BOOL or TIMESTAMP`},
		{expr: "SELECT CAST('abc' AS INT) FROM archive", want: e + `error at line 1, column 8: cannot cast STRING 'abc' to INT`},
		{expr: "SELECT 1 / 0 FROM archive", want: e + `error at line 1, column 10: 1 / 0`},
		{expr: "SELECT 1 +\n CAST('x' AS INT) FROM archive", want: e + `error at line 2, column 2: cannot cast STRING 'x' to INT`},
		{expr: "SELECT x.a FROM archive s", in: use, want: e + `error at line 1, column 8: unknown name "x" before ".": the archive is called "s"`},
		{expr: "SELECT archive._1 FROM archive s", want: e + `error at line 1, column 8: unknown name "archive" before ".": the archive is called "s"`},
		{expr: "SELECT DISTINCT _1 FROM archive", want: e + `error at line 1, column 8: DISTINCT is not supported`},
		{expr: "SELECT * FROM archive ORDER BY _1", want: e + `error at line 1, column 23: ORDER is not supported`},
		{expr: "SELECT * FROM archive GROUP BY _1", want: e + `error at line 1, column 23: GROUP is not supported`},
		{expr: "SELECT * FROM archive WHERE _1 LIKE 'a!' ESCAPE '!'", want: e + `error at line 1, column 32: LIKE pattern 'a!': the escape character must precede %, _ or itself`},
		{expr: "SELECT * FROM archive WHERE _1 LIKE 'a' ESCAPE 'xy'", want: e + `error at line 1, column 32: LIKE ESCAPE must be a single character, not 'xy'`},
		{expr: "SELECT *\nFROM archive\nWHERE _1 = = 1", want: e + `syntax error at line 3, column 12: unexpected token "="`},
		{expr: "SELECT *\n  FROM archive\n  WHERE _1 > `2010-13-01T`", want: e + "error at line 3, column 14: invalid timestamp literal `2010-13-01T`"},
		{expr: "SELECT 99999999999999999999 FROM archive", want: e + `error at line 1, column 8: integer literal 99999999999999999999 is out of the range of INT`},
		{expr: "SELECT s.*, s._1 FROM archive s", want: e + `syntax error at line 1, column 11: unexpected token ",", expected FROM`},
		{expr: "SELECT * FROM S3Object[*].x", want: e + `syntax error at line 1, column 23: unexpected character '['`},
		{expr: "SELECT * FROM table", want: e + `syntax error at line 1, column 15: unexpected token "table", expected ARCHIVE`},
		{expr: "SELECT * FROM archive WHERE _1 IS 5", want: e + `syntax error at line 1, column 35: unexpected token "5", expected NULL or MISSING`},
		{expr: "SELECT * FROM archive WHERE _1 BETWEEN 1 OR 2", want: e + `syntax error at line 1, column 42: unexpected token "OR", expected AND`},
		{expr: "SELECT * FROM archive WHERE _1 IN 1", want: e + `syntax error at line 1, column 35: unexpected token "1", expected "("`},
		{expr: "SELECT LOWER(_1, _2) FROM archive", want: e + `error at line 1, column 8: LOWER takes 1 argument, not 2`},
		{expr: "SELECT COALESCE() FROM archive", want: e + `error at line 1, column 8: COALESCE takes at least 1 argument, not 0`},
		{expr: "SELECT TO_STRING(UTCNOW(), 'qq') FROM archive", want: e + `error at line 1, column 8: TO_STRING pattern "qq": unknown pattern letter "q"`},
		{expr: "SELECT EXTRACT(WEEK FROM UTCNOW()) FROM archive", want: e + `syntax error at line 1, column 16: unexpected token "WEEK", expected a date part: YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, TIMEZONE_HOUR or TIMEZONE_MINUTE`},
		{expr: "SELECT select FROM archive", want: e + `syntax error at line 1, column 8: unexpected token "select"`},
		{expr: "SELECT _1 FROM archive /* open", want: e + `syntax error at line 1, column 24: comment is not closed`},
		{expr: "SELECT _1 FROM archive WHERE _1 = \"x", want: e + `syntax error at line 1, column 35: quoted identifier is not closed`},
		{expr: "SELECT _1 FROM archive WHERE _1 = `2010", want: e + "syntax error at line 1, column 35: timestamp literal is not closed"},
		{expr: "SELECT 'é' || ? FROM archive", want: e + `syntax error at line 1, column 15: unexpected character '?'`},
		{expr: "SELECT CASE WHEN 1 THEN 2 END FROM archive", want: e + `error at line 1, column 8: CASE is not supported`},
		{expr: "  ", want: e + `must not be empty`},
		{expr: "SELECT " + strings.Repeat("(", 1200) + "1" + strings.Repeat(")", 1200) + " FROM archive", want: e + `error at line 1, column 1008: expression is nested more than 1000 levels deep`},
		{expr: "SELECT " + strings.Repeat("1 + ", 1200) + "1 FROM archive", want: "expression is nested more than 1000 levels deep"},
		{expr: "SELECT _1 FROM archive WHERE _1 = '" + strings.Repeat("x", MaxExpressionLength) + "'", want: e + `128036 characters, more than the maximum of 128000`},
		{expr: "SELECT _1 FROM archive\xff", want: e + `not valid UTF-8`},

		{expr: "SELECT * FROM archive", in: &firn.CSVInput{FieldDelimiter: "ab"}, want: `SelectParameters.InputSerialization.csv.FieldDelimiter: must be a single ASCII character, not "ab"`},
		{expr: "SELECT * FROM archive", in: &firn.CSVInput{FieldDelimiter: "§"}, want: `SelectParameters.InputSerialization.csv.FieldDelimiter: must be a single ASCII character, not "§"`},
		{expr: "SELECT * FROM archive", in: &firn.CSVInput{FileHeaderInfo: "YES"}, want: `SelectParameters.InputSerialization.csv.FileHeaderInfo: must be USE, IGNORE or NONE, not "YES"`},
		{expr: "SELECT * FROM archive", in: &firn.CSVInput{RecordDelimiter: "abc"}, want: `SelectParameters.InputSerialization.csv.RecordDelimiter: must be one or two ASCII characters, not "abc"`},
		{expr: "SELECT * FROM archive", in: &firn.CSVInput{FieldDelimiter: `"`}, want: `SelectParameters.InputSerialization.csv.QuoteCharacter: '"' is also the FieldDelimiter; SelectParameters.InputSerialization.csv.QuoteEscapeCharacter: '"' is also the FieldDelimiter`},
		{expr: "SELECT * FROM archive", in: &firn.CSVInput{Comments: ","}, want: `SelectParameters.InputSerialization.csv.Comments: ',' is also the FieldDelimiter`},
		{expr: "SELECT * FROM archive", in: &firn.CSVInput{RecordDelimiter: ";,"}, want: `SelectParameters.InputSerialization.csv.FieldDelimiter: ',' is part of the RecordDelimiter ";,"`},
		{expr: "SELECT * FROM archive", in: &firn.CSVInput{QuoteEscapeCharacter: "\n"}, want: `SelectParameters.InputSerialization.csv.QuoteEscapeCharacter: '\n' is part of the RecordDelimiter "\n"`},
		{expr: "SELECT * FROM archive", out: &firn.CSVOutput{QuoteFields: "SOMETIMES", FieldDelimiter: "\x00"}, want: `SelectParameters.OutputSerialization.csv.QuoteFields: must be ALWAYS or ASNEEDED, not "SOMETIMES"; SelectParameters.OutputSerialization.csv.FieldDelimiter: must be a single ASCII character, not "\x00"`},
		{expr: "SELECT * FROM archive", out: &firn.CSVOutput{QuoteCharacter: "\r", RecordDelimiter: "\r\n"}, want: `SelectParameters.OutputSerialization.csv.QuoteCharacter: '\r' is part of the RecordDelimiter "\r\n"`},
	}
	for _, c := range cases {
		_, err := Compile(c.expr, c.in, c.out)
		var fe *firn.Error
		if !errors.As(err, &fe) || fe.Code != firn.CodeInvalidParameterValue {
			t.Errorf("Compile(%.80q) = %v; want InvalidParameterValueException", c.expr, err)
			continue
		}
		if strings.HasPrefix(c.want, "SelectParameters.") && fe.Message != c.want || !strings.Contains(fe.Message, c.want) {
			t.Errorf("Compile(%.80q):\n got %s\nwant %s", c.expr, fe.Message, c.want)
		}
	}
}

func TestCompileAccepts(t *testing.T) {
	use := &firn.CSVInput{FileHeaderInfo: "use", Comments: "#", QuoteEscapeCharacter: `\`, FieldDelimiter: "\t", RecordDelimiter: "\r\n"}
	for _, e := range []string{
		"select * from ARCHIVE",
		"SELECT * FROM object s",
		"SELECT s._1 FROM archive AS s WHERE s._1 = 'x'",
		`SELECT "select", s."Name", s.count FROM archive s WHERE "date" IS NOT NULL`,
		"SELECT count FROM archive -- a comment\n WHERE count = '1' OR TRUE",
		"SELECT CAST(_1 AS NUMERIC(10)), CAST(_1 AS integer), CAST(_1 AS boolean) FROM archive",
		"SELECT SUBSTRING(_1, 2), TRIM(BOTH FROM _1), DATE_DIFF(YEAR, `2010T`, `2011-02T`) FROM archive",
		"SELECT _1 FROM archive WHERE NOT NOT _1 NOT LIKE 'x' AND _2 NOT IN ('a') AND _3 NOT BETWEEN 'a' AND 'b' AND _4 IS NOT MISSING",
		"SELECT -_1, +_2, _1 * -2, .5e3, 1E-2 FROM archive",
		"SELECT _1 FROM archive WHERE " + strings.Repeat("(", 900) + "TRUE" + strings.Repeat(")", 900),
		"SELECT _1 FROM archive WHERE " + strings.Repeat("_1 = 'a' OR _2 = 'b' AND ", 5000) + "TRUE",
	} {
		if _, err := Compile(e, use, &firn.CSVOutput{QuoteFields: "always"}); err != nil {
			t.Errorf("Compile(%q): %v", e, err)
		}
	}
}
