package csvselect

import (
	"math"
	"time"
)

// row is the per-Run evaluation state: the current record and scratch
// space reused from one record to the next.
type row struct {
	rec   []byte
	ends  []int // end offset in rec of each field
	cols  []int // field index of each header name, by slot
	arena []byte
	now   time.Time
}

// field returns the 0-based field i of the record, MISSING past its end.
func (r *row) field(i int) value {
	if i >= len(r.ends) {
		return value{k: kMissing}
	}
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return value{k: kString, s: r.rec[start:r.ends[i]]}
}

// expr is a compiled expression.
type expr interface {
	eval(r *row) (value, error)
}

// locate appends the expression position to a RuntimeError raised by the
// node at that position.
func locate(err error, at string) error {
	if e, ok := err.(*RuntimeError); ok {
		e.Message += " (at " + at + ")"
	}
	return err
}

// boolOperand reads an operand of AND, OR, NOT and WHERE.
func boolOperand(v value, what, at string) (b, null bool, err error) {
	switch {
	case v.isNull():
		return false, true, nil
	case v.k == kBool:
		return v.i != 0, false, nil
	}
	return false, false, locate(rtErr("InvalidDataType", "%s needs a BOOL, not %s %s", what, v.k, quoteValue(v)), at)
}

// truth evaluates a WHERE clause: only TRUE selects the record.
func truth(e expr, r *row) (bool, error) {
	v, err := e.eval(r)
	if err != nil {
		return false, err
	}
	b, _, err := boolOperand(v, "WHERE", "the WHERE clause")
	return b, err
}

type litNode struct{ v value }

func (n *litNode) eval(*row) (value, error) { return n.v, nil }

// colNode is a positional column _N, 0-based here.
type colNode struct{ idx int }

func (n *colNode) eval(r *row) (value, error) { return r.field(n.idx), nil }

// nameNode is a column named in the header record.
type nameNode struct{ slot int }

func (n *nameNode) eval(r *row) (value, error) { return r.field(r.cols[n.slot]), nil }

type negNode struct {
	x  expr
	at string
}

func (n *negNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil || v.isNull() {
		return nullIfMissing(v), err
	}
	if v.k == kString {
		if v, err = parseNumber(v.s); err != nil {
			return value{}, locate(err, n.at)
		}
	}
	switch v.k {
	case kInt:
		if v.i == math.MinInt64 {
			return value{}, locate(rtErr("IntegerOverflow", "-(%d) is out of the range of INT", v.i), n.at)
		}
		return value{k: kInt, i: -v.i}, nil
	case kFloat, kDecimal:
		return floatValue(v.k, -v.float()), nil
	}
	return value{}, locate(rtErr("InvalidDataType", "cannot negate %s %s", v.k, quoteValue(v)), n.at)
}

func nullIfMissing(v value) value {
	if v.k == kMissing {
		return nullValue
	}
	return v
}

type arithNode struct {
	op   byte // + - * / %
	l, r expr
	at   string
}

func (n *arithNode) eval(r *row) (value, error) {
	a, err := n.l.eval(r)
	if err != nil {
		return value{}, err
	}
	b, err := n.r.eval(r)
	if err != nil {
		return value{}, err
	}
	v, err := arith(n.op, a, b)
	if err != nil {
		return value{}, locate(err, n.at)
	}
	return v, nil
}

// arith applies a math operator. INT with INT stays INT (division
// truncates) and fails on overflow; otherwise the result is FLOAT when an
// operand is FLOAT and DECIMAL when not. Strings are read as numbers.
func arith(op byte, a, b value) (value, error) {
	if a.isNull() || b.isNull() {
		return nullValue, nil
	}
	var err error
	if a.k == kString {
		if a, err = parseNumber(a.s); err != nil {
			return value{}, err
		}
	}
	if b.k == kString {
		if b, err = parseNumber(b.s); err != nil {
			return value{}, err
		}
	}
	if !a.numeric() || !b.numeric() {
		return value{}, rtErr("InvalidDataType", "cannot compute %s %c %s", a.k, op, b.k)
	}
	if a.k == kInt && b.k == kInt {
		x, y := a.i, b.i
		var z int64
		ok := true
		switch op {
		case '+':
			z = x + y
			ok = (z > x) == (y > 0)
		case '-':
			z = x - y
			ok = (z < x) == (y > 0)
		case '*':
			z = x * y
			ok = x == 0 || (z/x == y && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64))
		case '/', '%':
			if y == 0 {
				return value{}, rtErr("DivisionByZero", "%d %c 0", x, op)
			}
			if y == -1 {
				if op == '%' {
					return value{k: kInt}, nil
				}
				ok = x != math.MinInt64
				z = -x
			} else if op == '/' {
				z = x / y
			} else {
				z = x % y
			}
		}
		if !ok {
			return value{}, rtErr("IntegerOverflow", "%d %c %d is out of the range of INT", x, op, y)
		}
		return value{k: kInt, i: z}, nil
	}
	k := kDecimal
	if a.k == kFloat || b.k == kFloat {
		k = kFloat
	}
	x, y := a.num(), b.num()
	var z float64
	switch op {
	case '+':
		z = x + y
	case '-':
		z = x - y
	case '*':
		z = x * y
	case '/', '%':
		if y == 0 {
			return value{}, rtErr("DivisionByZero", "%s %c 0", quoteValue(a), op)
		}
		if op == '/' {
			z = x / y
		} else {
			z = math.Mod(x, y)
		}
	}
	return floatValue(k, z), nil
}

// concatNode is the || operator; non-string operands are cast to STRING.
type concatNode struct{ l, r expr }

func (n *concatNode) eval(r *row) (value, error) {
	a, err := n.l.eval(r)
	if err != nil {
		return value{}, err
	}
	b, err := n.r.eval(r)
	if err != nil {
		return value{}, err
	}
	if a.isNull() || b.isNull() {
		return nullValue, nil
	}
	start := len(r.arena)
	r.arena = appendValue(r.arena, a)
	r.arena = appendValue(r.arena, b)
	return value{k: kString, s: r.arena[start:]}, nil
}

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

func (op cmpOp) holds(c int) bool {
	switch op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0
}

type cmpNode struct {
	op   cmpOp
	l, r expr
	at   string
}

func (n *cmpNode) eval(r *row) (value, error) {
	a, err := n.l.eval(r)
	if err != nil {
		return value{}, err
	}
	var b value
	if lit, ok := n.r.(*litNode); ok {
		b = lit.v
	} else if b, err = n.r.eval(r); err != nil {
		return value{}, err
	}
	if a.k == kInt && b.k == kInt {
		return boolValue(n.op.holds(cmpInt(a.i, b.i))), nil
	}
	c, null, err := compare(a, b)
	if err != nil {
		return value{}, locate(err, n.at)
	}
	if null {
		return nullValue, nil
	}
	return boolValue(n.op.holds(c)), nil
}

// logicNode is a chain a AND b AND ... or a OR b OR ... in three-valued
// logic. Operands are evaluated left to right until one decides the result
// (FALSE for AND, TRUE for OR), as a left-nested chain of binary operators
// would, without recursing once per operand.
type logicNode struct {
	or   bool
	args []expr
	at   []string // position of the operator before each operand but the first
}

func (n *logicNode) eval(r *row) (value, error) {
	what := "AND"
	if n.or {
		what = "OR"
	}
	null := false
	for i, a := range n.args {
		v, err := a.eval(r)
		if err != nil {
			return value{}, err
		}
		b, isNull, err := boolOperand(v, what, n.at[max(i-1, 0)])
		switch {
		case err != nil:
			return value{}, err
		case isNull:
			null = true
		case b == n.or:
			return boolValue(b), nil
		}
	}
	if null {
		return nullValue, nil
	}
	return boolValue(!n.or), nil
}

type notNode struct {
	x  expr
	at string
}

func (n *notNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	b, null, err := boolOperand(v, "NOT", n.at)
	if err != nil || null {
		return nullValue, err
	}
	return boolValue(!b), nil
}

// negate applies NOT to a comparison-like result for the NOT LIKE, NOT IN
// and NOT BETWEEN forms.
func negate(v value, not bool) value {
	if not && v.k == kBool {
		return boolValue(v.i == 0)
	}
	return v
}

type betweenNode struct {
	x, lo, hi expr
	not       bool
	at        string
}

func (n *betweenNode) eval(r *row) (value, error) {
	x, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	lo, err := n.lo.eval(r)
	if err != nil {
		return value{}, err
	}
	hi, err := n.hi.eval(r)
	if err != nil {
		return value{}, err
	}
	c1, null1, err := compare(x, lo)
	if err != nil {
		return value{}, locate(err, n.at)
	}
	c2, null2, err := compare(x, hi)
	if err != nil {
		return value{}, locate(err, n.at)
	}
	// x >= lo AND x <= hi, in three-valued logic.
	switch {
	case !null1 && c1 < 0, !null2 && c2 > 0:
		return negate(falseValue, n.not), nil
	case null1 || null2:
		return nullValue, nil
	}
	return negate(trueValue, n.not), nil
}

type inNode struct {
	x    expr
	list []expr
	not  bool
	at   string
}

func (n *inNode) eval(r *row) (value, error) {
	x, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	sawNull := x.isNull()
	for _, e := range n.list {
		v, err := e.eval(r)
		if err != nil {
			return value{}, err
		}
		c, null, err := compare(x, v)
		if err != nil {
			return value{}, locate(err, n.at)
		}
		if null {
			sawNull = true
		} else if c == 0 {
			return negate(trueValue, n.not), nil
		}
	}
	if sawNull {
		return nullValue, nil
	}
	return negate(falseValue, n.not), nil
}

// isNode is IS [NOT] NULL (true for NULL and MISSING) and IS [NOT] MISSING.
type isNode struct {
	x       expr
	missing bool
	not     bool
}

func (n *isNode) eval(r *row) (value, error) {
	v, err := n.x.eval(r)
	if err != nil {
		return value{}, err
	}
	b := v.isNull()
	if n.missing {
		b = v.k == kMissing
	}
	return boolValue(b != n.not), nil
}

type castNode struct {
	x  expr
	k  kind
	at string
}

func (n *castNode) eval(r *row) (value, error) {
	var v value
	var err error
	if c, ok := n.x.(*colNode); ok {
		v = r.field(c.idx)
	} else if v, err = n.x.eval(r); err != nil {
		return value{}, err
	}
	if v.k == kString && n.k == kInt {
		// The common CAST(field AS INT), without the general path's checks.
		if i, ok, overflow := parseInt(v.s); ok && !overflow {
			return value{k: kInt, i: i}, nil
		}
	}
	v, err = castTo(v, n.k, r)
	if err != nil {
		return value{}, locate(err, n.at)
	}
	return v, nil
}
