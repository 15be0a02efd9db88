package csvselect

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// This file checks the engine against a model: random WHERE clauses over
// random CSV, evaluated by a direct interpreter of the generated tree over
// records read with encoding/csv. The model shares no code with the
// package: its arithmetic is math/big, its LIKE a regexp.

// mnode is a generated expression. Its type is fixed by construction: the
// generators below build bool, int and string trees.
type mnode struct {
	op  string
	sub []*mnode
	i   int64
	s   string
	not bool
}

// mval is a model value; kind is "null", "missing", "int", "str" or "bool".
type mval struct {
	kind string
	i    int64
	s    string
	b    bool
}

// merr is a model runtime error, compared by code with the engine's.
type merr string

func (e merr) Error() string { return string(e) }

func drawInt(t *rapid.T, depth int) *mnode {
	if depth <= 0 {
		return rapid.SampledFrom([]*mnode{
			{op: "cast", i: 1}, {op: "cast", i: 2}, {op: "implicit", i: 1},
			{op: "int", i: rapid.Int64Range(-20, 20).Draw(t, "lit")},
			{op: "null"},
		}).Draw(t, "intleaf")
	}
	switch rapid.IntRange(0, 6).Draw(t, "intop") {
	case 0, 1:
		op := rapid.SampledFrom([]string{"+", "-", "*", "/", "%"}).Draw(t, "arith")
		return &mnode{op: "arith", s: op, sub: []*mnode{drawInt(t, depth-1), drawInt(t, depth-1)}}
	case 2:
		return &mnode{op: "neg", sub: []*mnode{drawInt(t, depth-1)}}
	case 3:
		return &mnode{op: "charlen", sub: []*mnode{drawStr(t, depth-1)}}
	case 4:
		return &mnode{op: "coalesce", sub: []*mnode{drawInt(t, depth-1), drawInt(t, depth-1)}}
	case 5:
		return &mnode{op: "nullif", sub: []*mnode{drawInt(t, depth-1), drawInt(t, depth-1)}}
	}
	return drawInt(t, 0)
}

func drawStr(t *rapid.T, depth int) *mnode {
	if depth <= 0 {
		return rapid.SampledFrom([]*mnode{
			{op: "col", i: 3}, {op: "col", i: 4},
			{op: "str", s: rapid.StringOfN(rapid.SampledFrom([]rune("abAé'")), 0, 3, -1).Draw(t, "slit")},
		}).Draw(t, "strleaf")
	}
	switch rapid.IntRange(0, 4).Draw(t, "strop") {
	case 0:
		return &mnode{op: "lower", sub: []*mnode{drawStr(t, depth-1)}}
	case 1:
		return &mnode{op: "upper", sub: []*mnode{drawStr(t, depth-1)}}
	case 2:
		return &mnode{op: "concat", sub: []*mnode{drawStr(t, depth-1), drawStr(t, depth-1)}}
	case 3:
		return &mnode{op: "substr", sub: []*mnode{drawStr(t, depth-1),
			{op: "int", i: rapid.Int64Range(-2, 4).Draw(t, "from")},
			{op: "int", i: rapid.Int64Range(0, 3).Draw(t, "for")}}}
	}
	return drawStr(t, 0)
}

func drawBool(t *rapid.T, depth int) *mnode {
	if depth <= 0 {
		return rapid.SampledFrom([]*mnode{{op: "true"}, {op: "false"}, {op: "null"}}).Draw(t, "boolleaf")
	}
	not := rapid.Bool().Draw(t, "not")
	switch rapid.IntRange(0, 9).Draw(t, "boolop") {
	case 0:
		return &mnode{op: "and", sub: []*mnode{drawBool(t, depth-1), drawBool(t, depth-1)}}
	case 1:
		return &mnode{op: "or", sub: []*mnode{drawBool(t, depth-1), drawBool(t, depth-1)}}
	case 2:
		return &mnode{op: "not", sub: []*mnode{drawBool(t, depth-1)}}
	case 3:
		op := rapid.SampledFrom([]string{"=", "<>", "!=", "<", "<=", ">", ">="}).Draw(t, "cmp")
		return &mnode{op: "cmp", s: op, sub: []*mnode{drawInt(t, depth-1), drawInt(t, depth-1)}}
	case 4:
		op := rapid.SampledFrom([]string{"=", "<>", "<", ">="}).Draw(t, "scmp")
		return &mnode{op: "cmp", s: op, sub: []*mnode{drawStr(t, depth-1), drawStr(t, depth-1)}}
	case 5:
		pat := rapid.StringOfN(rapid.SampledFrom([]rune("ab%_é")), 0, 4, -1).Draw(t, "pattern")
		return &mnode{op: "like", not: not, s: pat, sub: []*mnode{drawStr(t, depth-1)}}
	case 6:
		return &mnode{op: "between", not: not, sub: []*mnode{drawInt(t, depth-1), drawInt(t, depth-1), drawInt(t, depth-1)}}
	case 7:
		list := []*mnode{drawInt(t, depth-1), drawInt(t, depth-1)}
		for range rapid.IntRange(0, 3).Draw(t, "inlen") {
			list = append(list, drawInt(t, depth-1))
		}
		return &mnode{op: "in", not: not, sub: list}
	case 8:
		if rapid.Bool().Draw(t, "isint") {
			return &mnode{op: "isnull", not: not, sub: []*mnode{drawInt(t, depth-1)}}
		}
		return &mnode{op: "isnull", not: not, sub: []*mnode{drawStr(t, depth-1)}}
	}
	return &mnode{op: "ismissing", not: not, sub: []*mnode{{op: "col", i: 4}}}
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// render prints a node as fully parenthesized SQL.
func (n *mnode) render() string {
	r := func(i int) string { return n.sub[i].render() }
	not := ""
	if n.not {
		not = "NOT "
	}
	switch n.op {
	case "cast":
		return fmt.Sprintf("CAST(s._%d AS INT)", n.i)
	case "implicit":
		return fmt.Sprintf("s._%d", n.i)
	case "col":
		return fmt.Sprintf("s._%d", n.i)
	case "int":
		return fmt.Sprintf("(%d)", n.i)
	case "str":
		return sqlString(n.s)
	case "null":
		return "NULL"
	case "true":
		return "TRUE"
	case "false":
		return "FALSE"
	case "arith", "cmp":
		return fmt.Sprintf("(%s %s %s)", r(0), n.s, r(1))
	case "concat":
		return fmt.Sprintf("(%s || %s)", r(0), r(1))
	case "neg":
		return fmt.Sprintf("(- %s)", r(0))
	case "charlen":
		return fmt.Sprintf("CHAR_LENGTH(%s)", r(0))
	case "lower", "upper":
		return fmt.Sprintf("%s(%s)", strings.ToUpper(n.op), r(0))
	case "coalesce", "nullif":
		return fmt.Sprintf("%s(%s, %s)", strings.ToUpper(n.op), r(0), r(1))
	case "substr":
		return fmt.Sprintf("SUBSTRING(%s FROM %s FOR %s)", r(0), r(1), r(2))
	case "and", "or":
		return fmt.Sprintf("(%s %s %s)", r(0), strings.ToUpper(n.op), r(1))
	case "not":
		return fmt.Sprintf("(NOT %s)", r(0))
	case "like":
		return fmt.Sprintf("(%s %sLIKE %s)", r(0), not, sqlString(n.s))
	case "between":
		return fmt.Sprintf("(%s %sBETWEEN %s AND %s)", r(0), not, r(1), r(2))
	case "in":
		var items []string
		for _, s := range n.sub[1:] {
			items = append(items, s.render())
		}
		return fmt.Sprintf("(%s %sIN (%s))", r(0), not, strings.Join(items, ", "))
	case "isnull":
		return fmt.Sprintf("(%s IS %sNULL)", r(0), not)
	case "ismissing":
		return fmt.Sprintf("(%s IS %sMISSING)", r(0), not)
	}
	panic(n.op)
}

var (
	minInt = big.NewInt(-1 << 63)
	maxInt = big.NewInt(1<<63 - 1)
)

func mInt(s string) (mval, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return mval{}, merr("CastFailed")
	}
	return mval{kind: "int", i: n}, nil
}

func (v mval) null() bool { return v.kind == "null" || v.kind == "missing" }

// mcmp orders two non-null values of the same type: strings bytewise,
// numbers numerically, and a "numstr" field as a string next to a string
// and as a number next to a number.
func mcmp(a, b mval) int {
	if a.kind != "int" && b.kind != "int" {
		return strings.Compare(a.s, b.s)
	}
	return big.NewInt(a.i).Cmp(big.NewInt(b.i))
}

// eval interprets n over one record, evaluating operands in the order and
// with the short circuits that the package documents.
func (n *mnode) eval(rec []string) (mval, error) {
	ev := func(i int) (mval, error) { return n.sub[i].eval(rec) }
	field := func(i int64) mval {
		if int(i) > len(rec) {
			return mval{kind: "missing"}
		}
		return mval{kind: "str", s: rec[i-1]}
	}
	switch n.op {
	case "cast", "implicit":
		f := field(n.i)
		if f.null() {
			return mval{kind: "null"}, nil
		}
		v, err := mInt(f.s)
		if n.op == "implicit" {
			// An uncast field stays a string that reads as a number
			// only next to a number.
			v.kind, v.s = "numstr", f.s
		}
		return v, err
	case "col":
		return field(n.i), nil
	case "int":
		return mval{kind: "int", i: n.i}, nil
	case "str":
		return mval{kind: "str", s: n.s}, nil
	case "null":
		return mval{kind: "null"}, nil
	case "true", "false":
		return mval{kind: "bool", b: n.op == "true"}, nil
	case "arith":
		a, err := ev(0)
		if err != nil {
			return a, err
		}
		b, err := ev(1)
		if err != nil || a.null() || b.null() {
			return mval{kind: "null"}, err
		}
		x, y, z := big.NewInt(a.i), big.NewInt(b.i), new(big.Int)
		switch n.s {
		case "+":
			z.Add(x, y)
		case "-":
			z.Sub(x, y)
		case "*":
			z.Mul(x, y)
		case "/", "%":
			if b.i == 0 {
				return mval{}, merr("DivisionByZero")
			}
			if n.s == "/" {
				z.Quo(x, y)
			} else {
				z.Rem(x, y)
			}
		}
		if z.Cmp(minInt) < 0 || z.Cmp(maxInt) > 0 {
			return mval{}, merr("IntegerOverflow")
		}
		return mval{kind: "int", i: z.Int64()}, nil
	case "neg":
		a, err := ev(0)
		if err != nil || a.null() {
			return mval{kind: "null"}, err
		}
		if a.i == -1<<63 {
			return mval{}, merr("IntegerOverflow")
		}
		return mval{kind: "int", i: -a.i}, nil
	case "charlen":
		a, err := ev(0)
		if err != nil || a.null() {
			return mval{kind: "null"}, err
		}
		return mval{kind: "int", i: int64(utf8.RuneCountInString(a.s))}, nil
	case "lower", "upper":
		a, err := ev(0)
		if err != nil || a.null() {
			return mval{kind: "null"}, err
		}
		if n.op == "lower" {
			return mval{kind: "str", s: strings.ToLower(a.s)}, nil
		}
		return mval{kind: "str", s: strings.ToUpper(a.s)}, nil
	case "concat":
		a, err := ev(0)
		if err != nil {
			return a, err
		}
		b, err := ev(1)
		if err != nil || a.null() || b.null() {
			return mval{kind: "null"}, err
		}
		return mval{kind: "str", s: a.s + b.s}, nil
	case "substr":
		a, err := ev(0)
		if err != nil || a.null() {
			return mval{kind: "null"}, err
		}
		runes := []rune(a.s)
		from, to := n.sub[1].i, n.sub[1].i+n.sub[2].i // 1-based, [from, to)
		var out []rune
		for p := int64(1); p <= int64(len(runes)); p++ {
			if p >= from && p < to {
				out = append(out, runes[p-1])
			}
		}
		return mval{kind: "str", s: string(out)}, nil
	case "coalesce":
		for i := range n.sub {
			v, err := ev(i)
			if err != nil || !v.null() {
				return v, err
			}
		}
		return mval{kind: "null"}, nil
	case "nullif":
		a, err := ev(0)
		if err != nil {
			return a, err
		}
		b, err := ev(1)
		if err != nil {
			return b, err
		}
		if !a.null() && !b.null() && mcmp(a, b) == 0 {
			return mval{kind: "null"}, nil
		}
		if a.kind == "missing" {
			return mval{kind: "missing"}, nil
		}
		return a, nil
	case "and", "or":
		a, err := ev(0)
		if err != nil {
			return a, err
		}
		decided := n.op == "or" // the value of a that decides the result
		if !a.null() && a.b == decided {
			return mval{kind: "bool", b: decided}, nil
		}
		b, err := ev(1)
		switch {
		case err != nil:
			return b, err
		case !b.null() && b.b == decided:
			return mval{kind: "bool", b: decided}, nil
		case a.null() || b.null():
			return mval{kind: "null"}, nil
		}
		return mval{kind: "bool", b: !decided}, nil
	case "not":
		a, err := ev(0)
		if err != nil || a.null() {
			return mval{kind: "null"}, err
		}
		return mval{kind: "bool", b: !a.b}, nil
	case "cmp":
		a, err := ev(0)
		if err != nil {
			return a, err
		}
		b, err := ev(1)
		if err != nil || a.null() || b.null() {
			return mval{kind: "null"}, err
		}
		c := mcmp(a, b)
		ok := map[string]bool{"=": c == 0, "<>": c != 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[n.s]
		return mval{kind: "bool", b: ok}, nil
	case "like":
		a, err := ev(0)
		if err != nil || a.null() {
			return mval{kind: "null"}, err
		}
		var re strings.Builder
		re.WriteString(`(?s)^`)
		for _, r := range n.s {
			switch r {
			case '%':
				re.WriteString(".*")
			case '_':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString("$")
		m := regexp.MustCompile(re.String()).MatchString(a.s)
		return mval{kind: "bool", b: m != n.not}, nil
	case "between":
		var v [3]mval
		for i := range v {
			var err error
			if v[i], err = ev(i); err != nil {
				return v[i], err
			}
		}
		if !v[0].null() && (!v[1].null() && mcmp(v[0], v[1]) < 0 || !v[2].null() && mcmp(v[0], v[2]) > 0) {
			return mval{kind: "bool", b: n.not}, nil
		}
		if v[0].null() || v[1].null() || v[2].null() {
			return mval{kind: "null"}, nil
		}
		return mval{kind: "bool", b: !n.not}, nil
	case "in":
		x, err := ev(0)
		if err != nil {
			return x, err
		}
		sawNull := x.null()
		for i := 1; i < len(n.sub); i++ {
			v, err := ev(i)
			if err != nil {
				return v, err
			}
			if v.null() || x.null() {
				sawNull = true
			} else if mcmp(x, v) == 0 {
				return mval{kind: "bool", b: !n.not}, nil
			}
		}
		if sawNull {
			return mval{kind: "null"}, nil
		}
		return mval{kind: "bool", b: n.not}, nil
	case "isnull":
		a, err := ev(0)
		return mval{kind: "bool", b: a.null() != n.not}, err
	case "ismissing":
		a, err := ev(0)
		return mval{kind: "bool", b: (a.kind == "missing") != n.not}, err
	}
	panic(n.op)
}

// drawCSV makes records of one to four fields: an integer, an integer or
// an empty field, and two short strings, with fields left off at random.
func drawCSV(t *rapid.T) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for range rapid.IntRange(0, 25).Draw(t, "rows") {
		rec := []string{
			strconv.Itoa(rapid.IntRange(-20, 20).Draw(t, "c1")),
			rapid.SampledFrom([]string{"", "0", "3", "-7", "12"}).Draw(t, "c2"),
			rapid.StringOfN(rapid.SampledFrom([]rune("abAé,\"\n%_")), 0, 4, -1).Draw(t, "c3"),
			rapid.StringOfN(rapid.SampledFrom([]rune("ab'")), 0, 3, -1).Draw(t, "c4"),
		}
		rec = rec[:rapid.IntRange(3, 4).Draw(t, "width")]
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	return b.Bytes()
}

func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		data := drawCSV(t)
		where := drawBool(t, rapid.IntRange(0, 4).Draw(t, "depth"))
		expr := "SELECT s._1, s._3 FROM archive s WHERE " + where.render()

		// The model: encoding/csv and the interpreter above.
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		var wantErr error
		for _, rec := range recs {
			v, err := where.eval(rec)
			if err != nil {
				wantErr = err
				break
			}
			if v.kind == "bool" && v.b {
				fmt.Fprintf(&want, "%s,%s\x00", rec[0], rec[2])
			}
		}

		q, err := Compile(expr, nil, nil)
		if err != nil {
			// Operators on literals are evaluated by Compile, which reports
			// their errors even where evaluation would not reach them.
			if msg := err.Error(); strings.Contains(msg, "syntax") || !strings.Contains(msg, " 0") && !strings.Contains(msg, "out of the range") {
				t.Fatalf("Compile(%s): %v", expr, err)
			}
			return
		}
		var out bytes.Buffer
		_, runErr := q.Run(context.Background(), bytes.NewReader(data), &out)
		or := csv.NewReader(&out)
		or.FieldsPerRecord = -1
		got, err := or.ReadAll()
		if err != nil {
			t.Fatalf("reading results: %v", err)
		}
		var gotRows bytes.Buffer
		for _, rec := range got {
			fmt.Fprintf(&gotRows, "%s,%s\x00", rec[0], rec[1])
		}
		if gotRows.String() != want.String() {
			t.Fatalf("%s\nover %q:\ngot  %q\nwant %q", expr, data, gotRows.String(), want.String())
		}
		var re *RuntimeError
		switch {
		case wantErr == nil && runErr != nil:
			t.Fatalf("%s: Run: %v", expr, runErr)
		case wantErr != nil && (!errors.As(runErr, &re) || re.Code != wantErr.Error()):
			t.Fatalf("%s over %q: Run error %v, want %s", expr, data, runErr, wantErr)
		}
	})
}
